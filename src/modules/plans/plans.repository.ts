import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { deleteById, findById, scoped } from '../../db/tenant.js';
import type { Tenant } from '../../shared/tenant.js';
import type { NewPlanRow, PlanRow, PlanStatus } from '../../db/tables/plans.js';

export async function insertPlan(db: Kysely<Database>, tenant: Tenant, row: NewPlanRow): Promise<void> {
  await scoped(db, tenant).insertInto('plans', row).execute();
}

export async function findPlan(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
): Promise<PlanRow | undefined> {
  return findById(db, tenant, 'plans', id);
}

export interface PlanFilters {
  brandId?: string;
  status?: PlanStatus;
}

export function plansQuery(db: Kysely<Database>, tenant: Tenant, filters: PlanFilters) {
  let query = scoped(db, tenant).selectFrom('plans').selectAll();
  if (filters.brandId !== undefined) query = query.where('brand_id', '=', filters.brandId);
  if (filters.status !== undefined) query = query.where('status', '=', filters.status);
  return query;
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
  const result = await scoped(db, tenant)
    .updateTable('plans')
    .set({ status: 'applied', campaign_id: campaignId, applied_at: now, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'draft')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function deletePlan(db: Kysely<Database>, tenant: Tenant, id: string): Promise<number> {
  return deleteById(db, tenant, 'plans', id);
}
