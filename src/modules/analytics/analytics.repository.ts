import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
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
  return postFilters(
    scoped(db, tenant)
      .selectFrom('post_metrics_latest')
      .where('published_at', '>=', filters.start)
      .where('published_at', '<', filters.end),
    filters,
    afterPost,
  );
}

/** The filters on properties of the post (not the range). */
function postFilters(
  query: SelectQueryBuilder<Database, 'post_metrics_latest', object>,
  filters: AnalyticsFilters,
  afterPost?: string,
) {
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

function zeroSums(): { posts: number } & Record<MetricColumn, number> {
  const out = { posts: 0 } as { posts: number } & Record<MetricColumn, number>;
  for (const c of METRIC_COLUMNS) out[c] = 0;
  return out;
}

function toSums<R extends Record<MetricColumn | 'posts', unknown>>(row: R) {
  const out = { posts: Number(row.posts) } as { posts: number } & Record<MetricColumn, number>;
  for (const c of METRIC_COLUMNS) out[c] = Number(row[c]);
  return out;
}

/**
 * Sums of the latest snapshots per group, ordered by key (SQL order: null placement differs by dialect).
 * Grouped by slot, platform or campaign, from `post_metrics_daily` and the cut days' parts
 * (`dailyAggregate`) where it can; `cuts` (slot only) are the instants the caller's periods start.
 */
export async function aggregate(
  db: Kysely<Database>,
  tenant: Tenant,
  filters: AnalyticsFilters,
  dimension: Dimension,
  options: AggregateOptions & { cuts?: readonly number[] } = {},
): Promise<AggregateRow[]> {
  const { cuts, ...rest } = options;
  if (
    dimension !== 'post' &&
    dailyServes(filters) &&
    rest.afterPost === undefined &&
    rest.limit === undefined
  )
    return dailyAggregate(db, tenant, filters, dimension, cuts ?? []);
  const rows = await aggregateQuery(db, tenant, filters, dimension, rest).execute();
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
  if (dailyServes(filters)) {
    const [row] = await dailyAggregate(db, tenant, filters, 'none', []);
    return row ? toSums(row) : zeroSums();
  }
  return toSums(await sumAllQuery(db, tenant, filters).executeTakeFirstOrThrow());
}

/** Posts matching the filters that have at least one snapshot (rows of an export grouped by post). */
export async function countPosts(
  db: Kysely<Database>,
  tenant: Tenant,
  filters: AnalyticsFilters,
): Promise<number> {
  if (dailyServes(filters)) return (await sumAll(db, tenant, filters)).posts;
  const row = await latestSnapshots(db, tenant, filters)
    .select(sql<number>`count(*)`.as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

// ---------------------------------------------------------------------------------------------------
// Whole UTC days from `post_metrics_daily` (migration 0018), the rest from `post_metrics_latest`.

const DAY_MS = 86_400_000;

/**
 * Whether `post_metrics_daily` can answer: not for one post (its row is one primary-key read), nor for
 * an empty campaign id (the table writes "no campaign" as ''), nor for a range reaching before
 * 1970-01-02 (SQL's integer division truncates toward zero, so day 0 is not a day there).
 */
export function dailyServes(filters: AnalyticsFilters): boolean {
  return filters.postId === undefined && filters.campaignId !== '' && filters.start >= DAY_MS;
}

/** A part of the range read row by row: [from, to), added to (`sign` 1) or taken from pieces. */
export interface RawPart {
  from: number;
  to: number;
  /** Each piece (by its first instant) this part's sums go to, with their sign. */
  into: Array<[piece: number, sign: 1 | -1]>;
}

/** How `dailyAggregate` reads a range: the days whose `post_metrics_daily` rows it sums, and raw parts. */
export interface DailyPlan {
  /** UTC day number → the piece (its first instant) the day's sums go to. */
  days: Map<number, number>;
  raw: RawPart[];
}

/**
 * The plan for [start, end) cut at `cuts` (instants inside it where a group starts, multiples of
 * SLOT_MS): the range splits into pieces at the cuts and at UTC midnights. Per UTC day, either every
 * piece of the day is read row by row, or the day's sums go to its longest piece and the rest of the day
 * (its other pieces, and what lies outside the range) is read row by row: added to its own pieces and
 * taken from the longest. Whichever reads the shorter time. Sums of integers, so the result is exact.
 */
export function dailyPlan(start: number, end: number, cuts: readonly number[]): DailyPlan {
  const plan: DailyPlan = { days: new Map(), raw: [] };
  const lastDay = Math.floor((end - 1) / DAY_MS);
  for (let day = Math.floor(start / DAY_MS); day <= lastDay; day++) {
    const dayStart = day * DAY_MS;
    const dayEnd = dayStart + DAY_MS;
    const lo = Math.max(start, dayStart);
    const hi = Math.min(end, dayEnd);
    const points = [lo, ...cuts.filter((c) => c > lo && c < hi), hi];
    const pieces = points.slice(1).map((to, i) => ({ from: points[i]!, to }));
    let longest = pieces[0]!;
    for (const piece of pieces) if (piece.to - piece.from > longest.to - longest.from) longest = piece;
    if (DAY_MS - (longest.to - longest.from) < hi - lo) {
      plan.days.set(day, longest.from);
      const minus: [number, -1] = [longest.from, -1];
      if (dayStart < lo) plan.raw.push({ from: dayStart, to: lo, into: [minus] });
      for (const piece of pieces)
        if (piece !== longest) plan.raw.push({ ...piece, into: [[piece.from, 1], minus] });
      if (hi < dayEnd) plan.raw.push({ from: hi, to: dayEnd, into: [minus] });
    } else {
      for (const piece of pieces) plan.raw.push({ ...piece, into: [[piece.from, 1]] });
    }
  }
  return plan;
}

/** What `dailyAggregate` groups by: a dimension of `aggregate`, or nothing (the totals). */
type DailyDimension = Exclude<Dimension, 'post'> | 'none';

const DAILY_KEY = {
  slot: null,
  platform: sql.raw('platform'),
  campaign: sql.raw('campaign_id'),
  none: null,
} as const;

const DAILY_SUMS = [
  sql<number>`sum(posts)`.as('posts'),
  ...METRIC_COLUMNS.map((c) => sql<number>`sum(${sql.ref(c)})`.as(c)),
];

/** The SQL reading the days of `plan` from `post_metrics_daily`: sums per day (and key). */
export function dailyQuery(
  db: Kysely<Database>,
  tenant: Tenant,
  filters: AnalyticsFilters,
  dimension: DailyDimension,
  plan: DailyPlan,
) {
  const days = [...plan.days.keys()];
  const key = DAILY_KEY[dimension];
  let query = scoped(db, tenant)
    .selectFrom('post_metrics_daily')
    .where('day', '>=', Math.min(...days))
    .where('day', '<=', Math.max(...days));
  if (filters.brandId !== undefined) query = query.where('brand_id', '=', filters.brandId);
  if (filters.platform !== undefined) query = query.where('platform', '=', filters.platform);
  if (filters.campaignId !== undefined) query = query.where('campaign_id', '=', filters.campaignId);
  return query
    .select(['day', key ? sql<string | null>`${key}`.as('key') : sql<null>`null`.as('key'), ...DAILY_SUMS])
    .groupBy(key ? ['day', key] : ['day']);
}

/** A read of part `part` of a plan: [from, to) in milliseconds (slot reads: multiples of SLOT_MS). */
export interface PartRead {
  part: number;
  from: number;
  to: number;
}

/**
 * The reads of the plan's row-by-row parts: the whole 15-minute slots of each part from
 * `post_metrics_slots`, and what is left of a part at a range end that is not on a slot boundary from
 * `post_metrics_latest` (under 15 minutes at each end).
 */
export function partReads(plan: DailyPlan): { slots: PartRead[]; rows: PartRead[] } {
  const reads: { slots: PartRead[]; rows: PartRead[] } = { slots: [], rows: [] };
  plan.raw.forEach(({ from, to }, part) => {
    const first = Math.ceil(from / SLOT_MS) * SLOT_MS;
    const last = Math.floor(to / SLOT_MS) * SLOT_MS;
    if (first >= last) {
      reads.rows.push({ part, from, to });
      return;
    }
    if (from < first) reads.rows.push({ part, from, to: first });
    reads.slots.push({ part, from: first, to: last });
    if (last < to) reads.rows.push({ part, from: last, to });
  });
  return reads;
}

/**
 * Up to this many reads go in one `UNION ALL` of plain range queries (each an index search whose bounds
 * the planner sees); more are one join of a VALUES list (one index search per read, in one statement
 * that is quick to plan). PostgreSQL misjudges a join of a few reads under a filter (a scan), and a union
 * of many costs both dialects more to prepare than to run.
 */
const UNION_READS = 12;

/** The reads as a VALUES table (columns column1… on both dialects, cast for PostgreSQL), in `unit` ms. */
function readsTable(reads: PartRead[], unit: number) {
  return sql<{ column1: number; column2: number; column3: number }>`(values ${sql.join(
    reads.map(
      (r) =>
        sql`(cast(${r.part} as integer), cast(${r.from / unit} as bigint), cast(${r.to / unit} as bigint))`,
    ),
  )})`;
}

/** The sums of `reads` per part (and key) from `post_metrics_slots`: whole slots. */
export function slotPartsQueries(
  db: Kysely<Database>,
  tenant: Tenant,
  filters: AnalyticsFilters,
  dimension: DailyDimension,
  reads: PartRead[],
) {
  const key = DAILY_KEY[dimension];
  // The filters, as one condition (true without any).
  const conditions = (
    [
      ['brand_id', filters.brandId],
      ['platform', filters.platform],
      ['campaign_id', filters.campaignId],
    ] as const
  )
    .filter(([, value]) => value !== undefined)
    .map(([column, value]) => sql<boolean>`${sql.ref(`post_metrics_slots.${column}`)} = ${value}`);
  const filter = conditions.length ? sql<boolean>`${sql.join(conditions, sql` and `)}` : sql<boolean>`true`;
  const filtered = <Q extends { where(condition: typeof filter): Q }>(query: Q): Q => query.where(filter);
  const keyColumn = key ? sql<string | null>`${key}`.as('key') : sql<null>`null`.as('key');
  if (reads.length > UNION_READS) {
    const joined = scoped(db, tenant)
      .selectFrom('post_metrics_slots')
      .innerJoin(readsTable(reads, SLOT_MS).as('part'), (join) =>
        join.on(
          sql<boolean>`post_metrics_slots.slot >= part.column2 and post_metrics_slots.slot < part.column3`,
        ),
      );
    return [
      filtered(joined)
        .select([sql<number>`part.column1`.as('part'), keyColumn, ...DAILY_SUMS])
        .groupBy(key ? [sql`part.column1`, key] : [sql`part.column1`]),
    ];
  }
  if (reads.length === 0) return [];
  const one = (read: PartRead) =>
    filtered(
      scoped(db, tenant)
        .selectFrom('post_metrics_slots')
        .where('slot', '>=', read.from / SLOT_MS)
        .where('slot', '<', read.to / SLOT_MS),
    )
      .select([sql<number>`${sql.lit(read.part)}`.as('part'), keyColumn, ...DAILY_SUMS])
      .$if(key !== null, (q) => q.groupBy(key!));
  const [first, ...rest] = reads.map(one);
  return [rest.reduce((union, q) => union.unionAll(q), first!)];
}

/** The sums of `reads` per part (and key) from `post_metrics_latest`, row by row. */
export function rowPartsQueries(
  db: Kysely<Database>,
  tenant: Tenant,
  filters: AnalyticsFilters,
  dimension: DailyDimension,
  reads: PartRead[],
) {
  const key = DAILY_KEY[dimension];
  const keyColumn = key ? sql<string | null>`${key}`.as('key') : sql<null>`null`.as('key');
  if (reads.length > UNION_READS) {
    // Each read's range is the only one on published_at, so that it is the one the index search takes.
    return [
      postFilters(scoped(db, tenant).selectFrom('post_metrics_latest'), filters)
        .innerJoin(readsTable(reads, 1).as('part'), (join) =>
          join.on(
            sql<boolean>`post_metrics_latest.published_at >= part.column2 and post_metrics_latest.published_at < part.column3`,
          ),
        )
        .select([sql<number>`part.column1`.as('part'), keyColumn, ...SUMS])
        .groupBy(key ? [sql`part.column1`, key] : [sql`part.column1`]),
    ];
  }
  if (reads.length === 0) return [];
  const one = (read: PartRead) =>
    latestSnapshots(db, tenant, { ...filters, start: read.from, end: read.to })
      .select([sql<number>`${sql.lit(read.part)}`.as('part'), keyColumn, ...SUMS])
      .$if(key !== null, (q) => q.groupBy(key!));
  const [first, ...rest] = reads.map(one);
  return [rest.reduce((union, q) => union.unionAll(q), first!)];
}

/**
 * `aggregate` (and the totals: dimension `none`) over `post_metrics_daily` and the raw parts of
 * `dailyPlan`. Slot rows are keyed by the first slot of each piece (a piece lies in one of the caller's
 * periods, whose starts are the cuts); platform and campaign groups without posts are left out, as the
 * grouped SQL leaves them out.
 */
export async function dailyAggregate(
  db: Kysely<Database>,
  tenant: Tenant,
  filters: AnalyticsFilters,
  dimension: DailyDimension,
  cuts: readonly number[],
): Promise<AggregateRow[]> {
  const plan = dailyPlan(filters.start, filters.end, dimension === 'slot' ? cuts : []);
  const reads = partReads(plan);
  const [days, slotSums, rowSums] = await Promise.all([
    plan.days.size ? dailyQuery(db, tenant, filters, dimension, plan).execute() : [],
    Promise.all(slotPartsQueries(db, tenant, filters, dimension, reads.slots).map((q) => q.execute())),
    Promise.all(rowPartsQueries(db, tenant, filters, dimension, reads.rows).map((q) => q.execute())),
  ]);
  // piece (slot dimension) or key (the others) → sums
  const groups = new Map<string | number | null, AggregateRow>();
  const add = (group: string | number | null, row: Record<MetricColumn | 'posts', unknown>, sign: 1 | -1) => {
    let sums = groups.get(group);
    if (!sums) {
      sums = { key: group, ...zeroSums() };
      groups.set(group, sums);
    }
    sums.posts += sign * Number(row.posts);
    for (const c of METRIC_COLUMNS) sums[c] += sign * Number(row[c]);
  };
  const groupOf = (piece: number, key: string | null) =>
    dimension === 'slot' ? Math.floor(piece / SLOT_MS) : dimension === 'none' ? null : key;
  for (const row of days) {
    const piece = plan.days.get(Number(row.day));
    if (piece === undefined) continue;
    add(groupOf(piece, dimension === 'campaign' && row.key === '' ? null : row.key), row, 1);
  }
  for (const row of [...slotSums.flat(), ...rowSums.flat()]) {
    const key = dimension === 'campaign' && row.key === '' ? null : row.key;
    for (const [piece, sign] of plan.raw[Number(row.part)]!.into) add(groupOf(piece, key), row, sign);
  }
  const rows = [...groups.values()];
  if (dimension === 'slot') return rows.sort((a, b) => (a.key as number) - (b.key as number));
  return rows
    .filter((row) => row.posts > 0)
    .sort((a, b) =>
      a.key === b.key
        ? 0
        : a.key === null
          ? 1
          : b.key === null
            ? -1
            : (a.key as string) < (b.key as string)
              ? -1
              : 1,
    );
}
