import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../db/database.js';
import { scoped } from '../../db/tenant.js';
import type { Tenant } from '../../shared/tenant.js';
import {
  METRIC_NAMES,
  type NewPostMetricsLatestRow,
  type NewPostMetricsRow,
} from '../../db/tables/analytics.js';

/** The row of `post_metrics_latest` a snapshot stands for. */
export function latestRow(row: NewPostMetricsRow): NewPostMetricsLatestRow {
  const { id, ...rest } = row;
  return { snapshot_id: id, ...rest };
}

/**
 * Makes `rows` (snapshots, at most one per post) the latest of their posts where they are newer than
 * the stored latest: higher `captured_at`, or the same and a higher snapshot id (the order the window
 * query of the backfill in migration 0012 uses). Portable: `on conflict … do update … where` runs
 * unchanged on SQLite and PostgreSQL.
 */
export async function upsertLatest(
  db: Kysely<Database> | Transaction<Database>,
  tenant: Tenant,
  rows: NewPostMetricsLatestRow[],
): Promise<void> {
  if (rows.length === 0) return;
  await scoped(db, tenant)
    .insertInto('post_metrics_latest', rows)
    .onConflict((oc) =>
      oc
        .column('post_id')
        .doUpdateSet((eb) => ({
          snapshot_id: eb.ref('excluded.snapshot_id'),
          brand_id: eb.ref('excluded.brand_id'),
          campaign_id: eb.ref('excluded.campaign_id'),
          platform: eb.ref('excluded.platform'),
          published_at: eb.ref('excluded.published_at'),
          captured_at: eb.ref('excluded.captured_at'),
          ...Object.fromEntries(METRIC_NAMES.map((c) => [c, eb.ref(`excluded.${c}`)])),
        }))
        .where(
          sql<boolean>`excluded.captured_at > post_metrics_latest.captured_at
            or (excluded.captured_at = post_metrics_latest.captured_at
              and excluded.snapshot_id > post_metrics_latest.snapshot_id)`,
        ),
    )
    .execute();
}

/**
 * Stores one snapshot and, when it is new (its id not stored yet), makes it its post's latest if it is
 * newer — both in the caller's transaction, so `post_metrics_latest` never disagrees with
 * `post_metrics`. Returns whether the snapshot was new.
 */
export async function storeSnapshot(trx: Transaction<Database>, row: NewPostMetricsRow): Promise<boolean> {
  // The row was made for its tenant (the sync job's); the scoped insert keeps it so.
  const tenant: Tenant = { organizationId: row.organization_id, environment: row.environment };
  const inserted = await scoped(trx, tenant)
    .insertInto('post_metrics', row)
    .onConflict((oc) => oc.column('id').doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return false;
  await upsertLatest(trx, tenant, [latestRow(row)]);
  return true;
}
