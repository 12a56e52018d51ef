export const ENVIRONMENTS = ['live', 'test'] as const;
/** `live` rows are real; `test` rows belong to the sandbox and never reach a real platform. */
export type Environment = (typeof ENVIRONMENTS)[number];

/** Whose rows a request may see: one organization, one environment. Every query is scoped by both. */
export interface Tenant {
  organizationId: string;
  environment: Environment;
}
