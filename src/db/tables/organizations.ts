import type { Insertable, Selectable, Updateable } from 'kysely';

export const PLANS = ['starter', 'growth', 'scale', 'enterprise'] as const;
export type PlanName = (typeof PLANS)[number];

/** Requests per hour per organization and environment (docs/api.md, "Rate limits"). */
export const PLAN_RATE_LIMITS: Record<PlanName, number> = {
  starter: 100,
  growth: 500,
  scale: 2_000,
  enterprise: 10_000,
};

import type { Timestamps } from './common-columns.js';

export { ENVIRONMENTS, type Environment } from '../../shared/tenant.js';

export interface OrganizationsTable extends Timestamps {
  id: string;
  name: string;
  plan: PlanName;
  rate_limit_override: number | null;
}

export type OrganizationRow = Selectable<OrganizationsTable>;
export type NewOrganizationRow = Insertable<OrganizationsTable>;
export type OrganizationUpdate = Updateable<OrganizationsTable>;
