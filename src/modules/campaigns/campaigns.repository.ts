import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { Tenant } from '../../shared/tenant.js';
import type { CampaignRow, CampaignStatus, NewCampaignRow } from '../../db/tables/campaigns.js';

export async function insertCampaign(db: Kysely<Database>, row: NewCampaignRow): Promise<void> {
  await db.insertInto('campaigns').values(row).execute();
}

export async function findCampaign(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
): Promise<CampaignRow | undefined> {
  return db
    .selectFrom('campaigns')
    .selectAll()
    .where('id', '=', id)
    .where('organization_id', '=', tenant.organizationId)
    .where('environment', '=', tenant.environment)
    .executeTakeFirst();
}

export interface CampaignFilters {
  brandId?: string;
  status?: CampaignStatus;
}

export function campaignsQuery(db: Kysely<Database>, tenant: Tenant, filters: CampaignFilters) {
  let query = db
    .selectFrom('campaigns')
    .selectAll()
    .where('organization_id', '=', tenant.organizationId)
    .where('environment', '=', tenant.environment);
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
  await db
    .updateTable('campaigns')
    .set(changes)
    .where('id', '=', id)
    .where('organization_id', '=', tenant.organizationId)
    .where('environment', '=', tenant.environment)
    .execute();
}

export async function deleteCampaign(db: Kysely<Database>, tenant: Tenant, id: string): Promise<number> {
  const result = await db
    .deleteFrom('campaigns')
    .where('id', '=', id)
    .where('organization_id', '=', tenant.organizationId)
    .where('environment', '=', tenant.environment)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Sets `started_at` unless another transaction did first; answers the started row. */
export async function markStarted(
  db: Kysely<Database>,
  id: string,
  now: number,
): Promise<CampaignRow | undefined> {
  return db
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
  return db
    .selectFrom('campaigns')
    .selectAll()
    .where('status', '=', 'ACTIVE')
    .where('started_at', 'is', null)
    .where('start_date', '<=', now)
    .orderBy('start_date')
    .limit(limit)
    .execute();
}
