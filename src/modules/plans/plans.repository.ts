import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { tenantRows } from '../../db/tenant-rows.js';
import type { Tenant } from '../../shared/tenant.js';
import type { PlanStatus } from '../../db/tables/plans.js';

const plans = tenantRows('plans');

export const insertPlan = plans.insert;
export const findPlan = plans.find;
export const deletePlan = plans.remove;

export interface PlanFilters {
  brandId?: string;
  status?: PlanStatus;
}

export function plansQuery(db: Kysely<Database>, tenant: Tenant, filters: PlanFilters) {
  return plans.where(db, tenant, { brand_id: filters.brandId, status: filters.status });
}

/**
 * Marks a draft plan applied with its campaign, unless another transaction did first: the status guard
 * makes concurrent applies create one campaign (on PostgreSQL the second UPDATE waits for the first
 * transaction's row lock, then finds the status changed). Answers whether this call claimed it.
 */
export async function claimForApply(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
  campaignId: string,
  now: number,
): Promise<boolean> {
  const applied = { status: 'applied', campaign_id: campaignId, applied_at: now, updated_at: now } as const;
  const changed = await plans.update(db, tenant, id, applied, { status: 'draft' });
  return changed === 1;
}
