import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { scoped } from '../../db/tenant.js';
import type { Tenant } from '../../shared/tenant.js';
import { SLOT_MS } from './analytics.periods.js';
import { METRIC_NAMES, type MetricName } from '../../db/tables/analytics.js';

/** The summed columns of `post_metrics_latest` (migrations 0010_metrics, 0012_metrics_latest). */
export const METRIC_COLUMNS = METRIC_NAMES;
export type MetricColumn = MetricName;

export interface AnalyticsFilters {
  brandId?: string;
  platform?: string;
  campaignId?: string;
  postId?: string;
  /** published_at on or after (epoch ms). */
  start: number;
  /** published_at before (epoch ms). */
  end: number;
}

/** What rows are grouped by: a 15-minute slot of published_at (folded into periods), or a column. */
export type Dimension = 'slot' | 'platform' | 'campaign' | 'post';

/** One group: its key, the posts in it, and the sum of each metric over their latest snapshots. */
export type AggregateRow = { key: string | number | null; posts: number } & Record<MetricColumn, number>;

const KEY_EXPRESSION = {
  slot: sql.raw(`published_at / ${SLOT_MS}`),
  platform: sql.raw('platform'),
  campaign: sql.raw('campaign_id'),
  post: sql.raw('post_id'),
} as const;

/**
 * Each matching post's LATEST snapshot: one row per post in `post_metrics_latest` (migration 0012),
 * which the sync upserts in each newer snapshot's transaction, so a re-sync replaces a post's figures and
 * never adds a second count. The filters are properties of the post; always scoped to the tenant. The
 * indexes `(organization_id, environment[, brand_id | campaign_id | platform], published_at)` serve them.
 */
function latestSnapshots(
  db: Kysely<Database>,
  tenant: Tenant,
  filters: AnalyticsFilters,
  afterPost?: string,
) {
  let query = scoped(db, tenant)
    .selectFrom('post_metrics_latest')
    .where('published_at', '>=', filters.start)
    .where('published_at', '<', filters.end);
  if (filters.brandId !== undefined) query = query.where('brand_id', '=', filters.brandId);
  if (filters.platform !== undefined) query = query.where('platform', '=', filters.platform);
  if (filters.campaignId !== undefined) query = query.where('campaign_id', '=', filters.campaignId);
  if (filters.postId !== undefined) query = query.where('post_id', '=', filters.postId);
  if (afterPost !== undefined) query = query.where('post_id', '>', afterPost);
  return query;
}

/** What `post` groups can be ranked by, highest first: a summed metric, or engagements. */
export const RANKS = ['impressions', 'reach', 'engagements'] as const;
export type Rank = (typeof RANKS)[number];

/** The columns `engagements` adds up (likes + comments + shares + saves + clicks; a null adds 0). */
export const ENGAGEMENT_COLUMNS = ['likes', 'comments', 'shares', 'saves', 'clicks'] as const;

export interface AggregateOptions {
  /** Keyset for `post`: only posts whose id sorts after this one. */
  afterPost?: string;
  /** At most this many groups (keyset pages of `post`). */
  limit?: number;
  /**
   * `post` only: the groups ranked by this, highest first, ties in post id order, instead of in post id
   * order; `after` is the keyset of the previous page's last group (its rank value and post id).
   */
  rank?: { by: Rank; after?: { value: number; postId: string } };
}

/** A group's rank value in SQL: the sum of its metric (of its engagement columns for `engagements`). */
function rankExpression(by: Rank) {
  const columns: readonly MetricColumn[] = by === 'engagements' ? ENGAGEMENT_COLUMNS : [by];
  return sql<number>`(${sql.join(
    columns.map((c) => sql`coalesce(sum(${sql.ref(c)}), 0)`),
    sql` + `,
  )})`;
}

const SUMS = [
  sql<number>`count(*)`.as('posts'),
  ...METRIC_COLUMNS.map((c) => sql<number>`coalesce(sum(${sql.ref(c)}), 0)`.as(c)),
];

/** The SQL `aggregate` runs (exported so that a test can check its plan uses the intended index). */
export function aggregateQuery(
  db: Kysely<Database>,
  tenant: Tenant,
  filters: AnalyticsFilters,
  dimension: Dimension,
  options: AggregateOptions = {},
) {
  const key = KEY_EXPRESSION[dimension];
  const { rank } = options;
  let query = latestSnapshots(db, tenant, filters, options.afterPost)
    .select([sql<string | number | null>`${key}`.as('key'), ...SUMS])
    .groupBy(key);
  if (rank && dimension === 'post') {
    // Ranked: highest first, ties by post id; a page continues strictly after the previous one's last.
    const value = rankExpression(rank.by);
    if (rank.after) {
      const { value: v, postId } = rank.after;
      query = query.having(sql<boolean>`(${value} < ${v} or (${value} = ${v} and post_id > ${postId}))`);
    }
    query = query.orderBy(value, 'desc').orderBy(key);
  } else {
    query = query.orderBy(key);
  }
  if (options.limit !== undefined) query = query.limit(options.limit);
  return query;
}

function toSums<R extends Record<MetricColumn | 'posts', unknown>>(row: R) {
  const out = { posts: Number(row.posts) } as { posts: number } & Record<MetricColumn, number>;
  for (const c of METRIC_COLUMNS) out[c] = Number(row[c]);
  return out;
}

/** Sums of the latest snapshots per group, ordered by key (SQL order: null placement differs by dialect). */
export async function aggregate(
  db: Kysely<Database>,
  tenant: Tenant,
  filters: AnalyticsFilters,
  dimension: Dimension,
  options: AggregateOptions = {},
): Promise<AggregateRow[]> {
  const rows = await aggregateQuery(db, tenant, filters, dimension, options).execute();
  return rows.map((row) => ({
    key: dimension === 'slot' ? Number(row.key) : row.key,
    ...toSums(row),
  }));
}

/** The SQL `sumAll` runs. */
export function sumAllQuery(db: Kysely<Database>, tenant: Tenant, filters: AnalyticsFilters) {
  return latestSnapshots(db, tenant, filters).select(SUMS);
}

/** Sums of the latest snapshots of every matching post (one group: the whole filtered range). */
export async function sumAll(
  db: Kysely<Database>,
  tenant: Tenant,
  filters: AnalyticsFilters,
): Promise<{ posts: number } & Record<MetricColumn, number>> {
  return toSums(await sumAllQuery(db, tenant, filters).executeTakeFirstOrThrow());
}

/** Posts matching the filters that have at least one snapshot (rows of an export grouped by post). */
export async function countPosts(
  db: Kysely<Database>,
  tenant: Tenant,
  filters: AnalyticsFilters,
): Promise<number> {
  const row = await latestSnapshots(db, tenant, filters)
    .select(sql<number>`count(*)`.as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
