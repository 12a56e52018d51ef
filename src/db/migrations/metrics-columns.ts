import type { CreateTableBuilder } from 'kysely';

/**
 * The columns of a post's metrics snapshot, shared by `post_metrics` (0010: every snapshot) and
 * `post_metrics_latest` (0012: each post's latest one). Frozen as the migrations that use them are (see
 * ddl.ts): a metric added later is a new step, not an entry here.
 */

/** The metrics of a snapshot; null where the platform has no such metric. */
export const METRIC_COLUMNS = [
  'impressions',
  'reach',
  'likes',
  'comments',
  'shares',
  'saves',
  'clicks',
  'video_views',
] as const;

type SnapshotColumn =
  'brand_id' | 'campaign_id' | 'platform' | 'published_at' | 'captured_at' | (typeof METRIC_COLUMNS)[number];

/**
 * What a snapshot records after its identity and tenant: the post's brand, campaign, platform and
 * publication time, when the snapshot was captured, and the metrics.
 */
export function snapshotColumns<TB extends string, C extends string>(
  table: CreateTableBuilder<TB, C>,
): CreateTableBuilder<TB, C | SnapshotColumn> {
  let snapshot: CreateTableBuilder<TB, C | SnapshotColumn> = table
    .addColumn('brand_id', 'text', (c) => c.notNull())
    .addColumn('campaign_id', 'text')
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('published_at', 'bigint', (c) => c.notNull())
    .addColumn('captured_at', 'bigint', (c) => c.notNull());
  for (const column of METRIC_COLUMNS) snapshot = snapshot.addColumn(column, 'integer');
  return snapshot;
}
