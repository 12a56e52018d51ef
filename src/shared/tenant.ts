export const ENVIRONMENTS = ['live', 'test'] as const;
/** `live` rows are real; `test` rows belong to the sandbox and never reach a real platform. */
export type Environment = (typeof ENVIRONMENTS)[number];

/** Whose rows a request may see: one organization, one environment. Every query is scoped by both. */
export interface Tenant {
  organizationId: string;
  environment: Environment;
}

/**
 * The tenant of a statement compiled once (db/compiled-once.ts), whose builder receives each value as a
 * string placeholder: the organization's id and the environment, as bound.
 */
export function tenantOf(organizationId: string, environment: string): Tenant {
  return { organizationId, environment: environment as Environment };
}
