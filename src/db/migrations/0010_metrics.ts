import type { Kysely } from 'kysely';
import { analyticsTenantColumns, createTenantIndexes } from './ddl.js';
import { snapshotColumns } from './metrics-columns.js';

/**
 * Analytics snapshots. `post_metrics` holds one row per metrics sync of a published post: the
 * aggregation reads each post's latest row, the series endpoint all of them. `post_id` is no foreign key:
 * a deleted post keeps its history. Metrics are nullable: null where the platform has no such metric.
 * `account_stats` holds one row per social account per UTC day (its id is derived from both).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('post_metrics')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .$call(analyticsTenantColumns)
    .addColumn('post_id', 'text', (c) => c.notNull())
    .$call(snapshotColumns)
    .execute();
  await createTenantIndexes(db, 'post_metrics', [
    // The series of one post; "latest snapshot per post".
    ['post_metrics_tenant_post_captured', 'post_id, captured_at'],
    // Date-range aggregation over posts published in a window.
    ['post_metrics_tenant_published', 'published_at'],
  ]);

  await db.schema
    .createTable('account_stats')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .$call(analyticsTenantColumns)
    .addColumn('social_account_id', 'text', (c) => c.notNull())
    .addColumn('brand_id', 'text', (c) => c.notNull())
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('captured_at', 'bigint', (c) => c.notNull())
    .addColumn('followers', 'integer', (c) => c.notNull())
    .addColumn('following', 'integer')
    .addColumn('posts', 'integer')
    .execute();
  await createTenantIndexes(db, 'account_stats', [
    ['account_stats_tenant_account_captured', 'social_account_id, captured_at'],
    ['account_stats_tenant_brand_captured', 'brand_id, captured_at'],
  ]);
}
