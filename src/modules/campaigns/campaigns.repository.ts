import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { deleteById, findById, scoped, unscoped, updateById } from '../../db/tenant.js';
import type { Tenant } from '../../shared/tenant.js';
import type { CampaignRow, CampaignStatus, NewCampaignRow } from '../../db/tables/campaigns.js';

export async function insertCampaign(
  db: Kysely<Database>,
  tenant: Tenant,
  row: NewCampaignRow,
): Promise<void> {
  await scoped(db, tenant).insertInto('campaigns', row).execute();
}

export async function findCampaign(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
): Promise<CampaignRow | undefined> {
  return findById(db, tenant, 'campaigns', id);
}

export interface CampaignFilters {
  brandId?: string;
  status?: CampaignStatus;
}

export function campaignsQuery(db: Kysely<Database>, tenant: Tenant, filters: CampaignFilters) {
  let query = scoped(db, tenant).selectFrom('campaigns').selectAll();
  if (filters.brandId !== undefined) query = query.where('brand_id', '=', filters.brandId);
  if (filters.status !== undefined) query = query.where('status', '=', filters.status);
  return query;
}

export async function updateCampaign(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
  changes: Partial<Omit<CampaignRow, 'id' | 'organization_id' | 'environment' | 'created_at'>>,
): Promise<void> {
  await updateById(db, tenant, 'campaigns', id, changes);
}

export async function deleteCampaign(db: Kysely<Database>, tenant: Tenant, id: string): Promise<number> {
  return deleteById(db, tenant, 'campaigns', id);
}

/** Sets `started_at` unless another transaction did first; answers the started row. */
export async function markStarted(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
  now: number,
): Promise<CampaignRow | undefined> {
  return scoped(db, tenant)
    .updateTable('campaigns')
    .set({ started_at: now })
    .where('id', '=', id)
    .where('status', '=', 'ACTIVE')
    .where('started_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/** ACTIVE campaigns, across tenants, whose start date has arrived and that have not started. */
export async function campaignsDueToStart(
  db: Kysely<Database>,
  now: number,
  limit: number,
): Promise<CampaignRow[]> {
  return unscoped(db, 'the scheduler starts the due campaigns of every tenant')
    .selectFrom('campaigns')
    .selectAll()
    .where('status', '=', 'ACTIVE')
    .where('started_at', 'is', null)
    .where('start_date', '<=', now)
    .orderBy('start_date')
    .limit(limit)
    .execute();
}
