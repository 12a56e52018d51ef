import { sql, type Kysely } from 'kysely';

/**
 * Analytics snapshots. `post_metrics` holds one row per metrics sync of a published post: the
 * aggregation reads each post's latest row, the series endpoint all of them. `post_id` is no foreign key:
 * a deleted post keeps its history. Metrics are nullable: null where the platform has no such metric.
 * `account_stats` holds one row per social account per UTC day (its id is derived from both).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  let metrics = db.schema
    .createTable('post_metrics')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('post_id', 'text', (c) => c.notNull())
    .addColumn('brand_id', 'text', (c) => c.notNull())
    .addColumn('campaign_id', 'text')
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('published_at', 'bigint', (c) => c.notNull())
    .addColumn('captured_at', 'bigint', (c) => c.notNull());
  for (const column of METRIC_COLUMNS) metrics = metrics.addColumn(column, 'integer');
  await metrics.execute();
  for (const [name, columns] of [
    // The series of one post; "latest snapshot per post".
    ['post_metrics_tenant_post_captured', 'post_id, captured_at'],
    // Date-range aggregation over posts published in a window.
    ['post_metrics_tenant_published', 'published_at'],
  ] as const) {
    await sql`create index ${sql.raw(name)} on post_metrics (organization_id, environment, ${sql.raw(columns)})`.execute(
      db,
    );
  }

  await db.schema
    .createTable('account_stats')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('social_account_id', 'text', (c) => c.notNull())
    .addColumn('brand_id', 'text', (c) => c.notNull())
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('captured_at', 'bigint', (c) => c.notNull())
    .addColumn('followers', 'integer', (c) => c.notNull())
    .addColumn('following', 'integer')
    .addColumn('posts', 'integer')
    .execute();
  await sql`create index account_stats_tenant_account_captured on account_stats (organization_id, environment, social_account_id, captured_at)`.execute(
    db,
  );
  await sql`create index account_stats_tenant_brand_captured on account_stats (organization_id, environment, brand_id, captured_at)`.execute(
    db,
  );
}

const METRIC_COLUMNS = [
  'impressions',
  'reach',
  'likes',
  'comments',
  'shares',
  'saves',
  'clicks',
  'video_views',
] as const;
