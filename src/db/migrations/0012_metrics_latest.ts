import { sql, type Kysely } from 'kysely';
import { analyticsTenantColumns, createTenantIndexes } from './ddl.js';
import { METRIC_COLUMNS, snapshotColumns } from './metrics-columns.js';

/**
 * `post_metrics_latest`: one row per post holding its LATEST snapshot of `post_metrics`
 * (highest `captured_at`) with the post's tenant, brand, campaign, platform and `published_at`. The
 * metrics sync upserts it in the snapshot's transaction, only when the snapshot is newer
 * (`on conflict (post_id) do update … where excluded.captured_at > post_metrics_latest.captured_at`), so
 * `GET /analytics` reads one row per post instead of ranking every snapshot: each post counts once by
 * construction. Backfilled here from the snapshots already stored (latest by captured_at, then id).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('post_metrics_latest')
    .addColumn('post_id', 'text', (c) => c.primaryKey())
    .addColumn('snapshot_id', 'text', (c) => c.notNull())
    .$call(analyticsTenantColumns)
    .$call(snapshotColumns)
    .execute();

  const columns = sql.raw(
    [
      'post_id',
      'organization_id',
      'environment',
      'brand_id',
      'campaign_id',
      'platform',
      'published_at',
      'captured_at',
      ...METRIC_COLUMNS,
    ].join(', '),
  );
  await sql`insert into post_metrics_latest (snapshot_id, ${columns})
    select id, ${columns} from (
      select post_metrics.*,
        row_number() over (partition by post_id order by captured_at desc, id desc) as rn
      from post_metrics
    ) ranked
    where rn = 1`.execute(db);

  // The aggregation filters the tenant and a published_at range, optionally one brand, campaign or
  // platform (or one post: the primary key).
  await createTenantIndexes(db, 'post_metrics_latest', [
    ['post_metrics_latest_tenant_published', 'published_at'],
    ['post_metrics_latest_tenant_brand_published', 'brand_id, published_at'],
    ['post_metrics_latest_tenant_campaign_published', 'campaign_id, published_at'],
    ['post_metrics_latest_tenant_platform_published', 'platform, published_at'],
  ]);
}
