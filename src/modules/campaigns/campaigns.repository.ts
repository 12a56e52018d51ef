import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { scoped, unscoped } from '../../db/tenant.js';
import { tenantRows } from '../../db/tenant-rows.js';
import type { Tenant } from '../../shared/tenant.js';
import type { CampaignRow, CampaignStatus } from '../../db/tables/campaigns.js';

const campaigns = tenantRows('campaigns');

export const insertCampaign = campaigns.insert;
export const findCampaign = campaigns.find;
export const updateCampaign = campaigns.update;
export const deleteCampaign = campaigns.remove;

export interface CampaignFilters {
  brandId?: string;
  status?: CampaignStatus;
}

export function campaignsQuery(db: Kysely<Database>, tenant: Tenant, filters: CampaignFilters) {
  return campaigns.where(db, tenant, { brand_id: filters.brandId, status: filters.status });
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
