import type { Insertable, Selectable } from 'kysely';
import type { TenantColumns, TenantRow } from './common-columns.js';

/** The metrics a snapshot holds, in API order; null where the platform has no such metric. */
export const METRIC_NAMES = [
  'impressions',
  'reach',
  'likes',
  'comments',
  'shares',
  'saves',
  'clicks',
  'video_views',
] as const;

export type MetricName = (typeof METRIC_NAMES)[number];

/**
 * One metrics sync of one published post (a new row per sync; the aggregation reads the latest per
 * post). `post_id` is no foreign key: a deleted post keeps its history. `published_at` is the post's.
 */
export interface PostMetricsTable extends Record<MetricName, number | null>, TenantRow {
  post_id: string;
  brand_id: string;
  campaign_id: string | null;
  platform: string;
  published_at: number;
  captured_at: number;
}

export type PostMetricsRow = Selectable<PostMetricsTable>;
export type NewPostMetricsRow = Insertable<PostMetricsTable>;

/**
 * Each post's latest snapshot (migration 0012): the columns of its newest `post_metrics` row, `id` as
 * `snapshot_id`. Upserted in the snapshot's transaction only when the snapshot is newer
 * (`upsertLatest`); the aggregation reads this table alone.
 */
export interface PostMetricsLatestTable extends Omit<PostMetricsTable, 'id'> {
  snapshot_id: string;
}

export type NewPostMetricsLatestRow = Insertable<PostMetricsLatestTable>;

/**
 * The sums of `post_metrics_latest` per tenant, UTC day of `published_at` (`published_at / 86400000`),
 * brand, campaign (`''` for none) and platform (migration 0018): the posts in the group and each metric's
 * sum (a null adds 0). Kept by triggers on `post_metrics_latest`; read by `GET /analytics`. PostgreSQL
 * answers the bigint columns as strings.
 */
export interface PostMetricsDailyTable extends Record<MetricName, number | string>, TenantColumns {
  day: number | string;
  brand_id: string;
  campaign_id: string;
  platform: string;
  posts: number | string;
}

/** The same sums per 15-minute slot of `published_at` (`published_at / 900000`) (migration 0018). */
export interface PostMetricsSlotsTable extends Omit<PostMetricsDailyTable, 'day'> {
  slot: number | string;
}

/** A social account's audience, once per account per UTC day (the id is derived from both). */
export interface AccountStatsTable extends TenantRow {
  social_account_id: string;
  brand_id: string;
  platform: string;
  captured_at: number;
  followers: number;
  following: number | null;
  posts: number | null;
}

export type NewAccountStatsRow = Insertable<AccountStatsTable>;
