import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { Tenant } from '../../shared/tenant.js';
import type { NewPlanRow, PlanRow, PlanStatus } from '../../db/tables/plans.js';

export async function insertPlan(db: Kysely<Database>, row: NewPlanRow): Promise<void> {
  await db.insertInto('plans').values(row).execute();
}

export async function findPlan(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
): Promise<PlanRow | undefined> {
  return db
    .selectFrom('plans')
    .selectAll()
    .where('id', '=', id)
    .where('organization_id', '=', tenant.organizationId)
    .where('environment', '=', tenant.environment)
    .executeTakeFirst();
}

export interface PlanFilters {
  brandId?: string;
  status?: PlanStatus;
}

export function plansQuery(db: Kysely<Database>, tenant: Tenant, filters: PlanFilters) {
  let query = db
    .selectFrom('plans')
    .selectAll()
    .where('organization_id', '=', tenant.organizationId)
    .where('environment', '=', tenant.environment);
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
  const result = await db
    .updateTable('plans')
    .set({ status: 'applied', campaign_id: campaignId, applied_at: now, updated_at: now })
    .where('id', '=', id)
    .where('organization_id', '=', tenant.organizationId)
    .where('environment', '=', tenant.environment)
    .where('status', '=', 'draft')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function deletePlan(db: Kysely<Database>, tenant: Tenant, id: string): Promise<number> {
  const result = await db
    .deleteFrom('plans')
    .where('id', '=', id)
    .where('organization_id', '=', tenant.organizationId)
    .where('environment', '=', tenant.environment)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
