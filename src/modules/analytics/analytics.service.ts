import { toIso } from '../../shared/clock.js';
import { fingerprint } from '../../shared/cursor.js';
import { parseDateInput, readDateField } from '../../shared/dates.js';
import { AppError, invalidInput, type FieldProblem } from '../../shared/errors.js';
import type { Tenant } from '../../shared/tenant.js';
import { getBrand } from '../brands/index.js';
import type { ServiceContext } from '../context.js';
import {
  isTimeZone,
  localDayStart,
  periodIndexes,
  periodsBetween,
  SLOT_MS,
  type PeriodUnit,
} from './analytics.periods.js';
import * as repo from './analytics.repository.js';
import { METRIC_NAMES } from '../../db/tables/analytics.js';

/**
 * `GET /analytics`: the latest snapshot of each published post, summed by group.
 *
 * Definitions (documented once, here and in the OpenAPI description):
 * - A post counts once, with its LATEST snapshot (highest `captured_at`): re-syncs add snapshots, never
 *   counts. A metric a platform lacks (null) adds 0.
 * - `engagements` = likes + comments + shares + saves + clicks (every interaction with the post; views,
 *   reach and impressions are exposure, not engagement).
 * - `engagementRate` = engagements ÷ impressions, null when impressions is 0. On totals and on every row
 *   it is the ratio of the sums, not an average of rates.
 * - Posts are placed by `published_at`; `startDate` is inclusive, `endDate` exclusive; a calendar date
 *   (`YYYY-MM-DD`) is midnight in `timezone`. Without a range, the 30 days before now.
 * - `timezone` defaults to the zone of the brand given as `brandId` (as `POST /plans` does), else UTC.
 * - `groupBy=post` is paged (`limit`, `cursor`: keyset on the post id); `totals` stay those of the whole
 *   filtered range, not of the page, and a cursor keeps the range of the first page. `sortBy` ranks the
 *   posts by impressions, reach or engagements instead (highest first, ties in post id order), paged by
 *   keyset on (that value, post id): a top list.
 */

export const GROUP_BYS = ['day', 'week', 'month', 'platform', 'campaign', 'post'] as const;
export type GroupBy = (typeof GROUP_BYS)[number];

/** A stored metric's name in the API: `video_views` → `videoViews`. */
type ApiName<C extends string> = C extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<ApiName<Tail>>}`
  : C;
function apiName<C extends string>(column: C): ApiName<C> {
  return column.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase()) as ApiName<C>;
}

/** The metrics a snapshot stores, each summed over the posts: API name and column, in API order. */
const SUMMED = METRIC_NAMES.map((column) => [apiName(column), column] as const);

/** Every metric the API answers: the stored ones, then those derived from them. */
export const METRICS = [...SUMMED.map(([metric]) => metric), 'engagements', 'engagementRate'] as const;
export type Metric = (typeof METRICS)[number];

const ENGAGEMENT_COLUMNS: readonly repo.MetricColumn[] = repo.ENGAGEMENT_COLUMNS;

const DEFAULT_RANGE_MS = 30 * 86_400_000;
/** Rows of a `groupBy=post` page: default and most. */
export const POST_PAGE_DEFAULT = 100;
export const POST_PAGE_MAX = 1000;
/** Most periods a time grouping answers (about 2.7 years of days). */
export const MAX_PERIODS = 1000;
/**
 * Most rows one answer carries: a page of posts, the periods of a range, or the campaigns with posts in
 * it (more campaigns than this is a 400: narrow the range or filters, or export).
 */
export const MAX_ROWS = Math.max(POST_PAGE_MAX, MAX_PERIODS);

export interface AnalyticsQueryInput {
  brandId?: string;
  platform?: string;
  campaignId?: string;
  postId?: string;
  startDate?: string;
  endDate?: string;
  groupBy?: string;
  metrics?: string;
  timezone?: string;
}

/** The orders of `groupBy=post`: post id (the default), or ranked by a metric, highest first. */
export const POST_SORTS = ['postId', ...repo.RANKS] as const;
export type PostSort = (typeof POST_SORTS)[number];

/** `GET /analytics` also takes a page of `groupBy=post` (the export walks every post instead). */
export interface AnalyticsPageInput extends AnalyticsQueryInput {
  limit?: number;
  cursor?: string;
  sortBy?: PostSort;
}

/** A query with its defaults applied and its range resolved to instants (what an export job freezes). */
export interface AnalyticsQuery {
  filters: repo.AnalyticsFilters;
  groupBy: GroupBy;
  metrics: Metric[];
  timezone: string;
}

export type MetricValues = Partial<Record<Metric, number | null>>;
export type AnalyticsTotals = { posts: number } & MetricValues;
export type AnalyticsRow = { key: string | null; startsAt?: string } & AnalyticsTotals;

/** The list pagination of docs/api.md, for the rows of `groupBy=post`. */
export interface AnalyticsPagination {
  page: number;
  limit: number;
  /** Posts in the whole filtered range (= `totals.posts`). */
  totalCount: number;
  hasMore: boolean;
  nextCursor: string | null;
}

export interface AnalyticsReport {
  groupBy: GroupBy;
  timezone: string;
  startDate: string;
  endDate: string;
  metrics: Metric[];
  rows: AnalyticsRow[];
  totals: AnalyticsTotals;
  /** `groupBy=post` only. */
  pagination?: AnalyticsPagination;
}

/**
 * The query with its zone settled: `timezone` when given, else the timezone of the caller's brand named
 * by `brandId`, else none (UTC). A brand id the caller does not own changes nothing: its rows are empty.
 */
export async function withBrandTimezone<Q extends AnalyticsQueryInput>(
  ctx: ServiceContext,
  tenant: Tenant,
  input: Q,
): Promise<Q> {
  if (input.timezone !== undefined || input.brandId === undefined) return input;
  try {
    return { ...input, timezone: (await getBrand(ctx, tenant, input.brandId)).timezone };
  } catch (error) {
    if (error instanceof AppError && error.code === 'NOT_FOUND') return input;
    throw error;
  }
}

/** Checks and resolves the query; every problem names its field (400 INVALID_INPUT). */
export function parseAnalyticsQuery(input: AnalyticsQueryInput, now: number): AnalyticsQuery {
  const problems: FieldProblem[] = [];
  const timezone = input.timezone ?? 'UTC';
  const zoneOk = isTimeZone(timezone);
  if (!zoneOk) problems.push({ field: 'timezone', reason: 'Must be an IANA time zone, e.g. Europe/Paris' });

  const groupBy = (input.groupBy ?? 'day') as GroupBy;
  if (!GROUP_BYS.includes(groupBy))
    problems.push({ field: 'groupBy', reason: `Must be one of: ${GROUP_BYS.join(', ')}` });

  let metrics: Metric[] = [...METRICS];
  if (input.metrics !== undefined) {
    const names = input.metrics
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean);
    const unknown = names.filter((m) => !(METRICS as readonly string[]).includes(m));
    if (names.length === 0 || unknown.length) {
      problems.push({
        field: 'metrics',
        reason: `${unknown.length ? `Unknown metric '${unknown[0]}'; ` : ''}give a comma-separated subset of: ${METRICS.join(', ')}`,
      });
    } else {
      metrics = METRICS.filter((m) => names.includes(m));
    }
  }

  // A calendar date is midnight in the query's zone.
  const parse = (text: string) =>
    /^\d{4}-\d{2}-\d{2}$/.test(text) && zoneOk ? calendarDate(text, timezone) : parseDateInput(text);
  const date = (field: 'startDate' | 'endDate') => readDateField(input, field, problems, parse);
  const startInput = date('startDate');
  const endInput = date('endDate');
  const end =
    endInput ?? (startInput !== undefined && startInput >= now ? startInput + DEFAULT_RANGE_MS : now);
  const start = startInput ?? end - DEFAULT_RANGE_MS;
  if (end <= start) problems.push({ field: 'endDate', reason: 'Must be after startDate' });

  if (!problems.length && (groupBy === 'day' || groupBy === 'week' || groupBy === 'month')) {
    if (!periodsBetween(start, end, groupBy, timezone, MAX_PERIODS)) {
      problems.push({
        field: 'endDate',
        reason: `The range spans more than ${MAX_PERIODS} ${groupBy}s; narrow it or group by a longer period`,
      });
    }
  }
  if (problems.length) throw invalidInput(problems, undefined, { location: 'query' });
  return {
    filters: {
      brandId: input.brandId,
      platform: input.platform,
      campaignId: input.campaignId,
      postId: input.postId,
      start,
      end,
    },
    groupBy,
    metrics,
    timezone,
  };
}

function calendarDate(text: string, timeZone: string): number | undefined {
  const utc = parseDateInput(text);
  return utc === undefined ? undefined : localDayStart(utc / 86_400_000, timeZone);
}

type Sums = { posts: number } & Record<repo.MetricColumn, number>;

function emptySums(): Sums {
  const sums = { posts: 0 } as Sums;
  for (const [, column] of SUMMED) sums[column] = 0;
  return sums;
}

export function addSums(into: Sums, from: Sums): void {
  into.posts += from.posts;
  for (const [, column] of SUMMED) into[column] += from[column];
}

/** `engagements`: likes + comments + shares + saves + clicks; a metric the platform lacks (null) adds 0. */
export function engagementsOf(values: Partial<Record<repo.MetricColumn, number | null>>): number {
  return ENGAGEMENT_COLUMNS.reduce((total, c) => total + (values[c] ?? 0), 0);
}

/** `engagementRate`: engagements ÷ impressions, null when impressions is 0 (or unknown). */
export function engagementRate(engagements: number, impressions: number | null): number | null {
  return impressions !== null && impressions > 0 ? engagements / impressions : null;
}

/**
 * A sum as the API answers it: exact up to 2^53 − 1 (the documented maximum), saturated beyond. Each
 * post's metric is at most 2^31 − 1 (platforms/bounds.ts), so only millions of record posts reach it.
 */
const saturated = (n: number) => Math.min(n, Number.MAX_SAFE_INTEGER);

/** The chosen metrics of a group, from its sums (the one place engagements and the rate are derived). */
export function metricValues(sums: Sums, metrics: readonly Metric[]): AnalyticsTotals {
  const engagements = saturated(engagementsOf(sums));
  const out: AnalyticsTotals = { posts: sums.posts };
  for (const metric of metrics) {
    if (metric === 'engagements') out.engagements = engagements;
    else if (metric === 'engagementRate')
      out.engagementRate = engagementRate(engagements, saturated(sums.impressions));
    else out[metric] = saturated(sums[SUMMED.find(([m]) => m === metric)![1]]);
  }
  return out;
}

const DIMENSION: Record<GroupBy, repo.Dimension> = {
  day: 'slot',
  week: 'slot',
  month: 'slot',
  platform: 'platform',
  campaign: 'campaign',
  post: 'post',
};

export interface GroupSums {
  key: string | null;
  startsAt?: number;
  sums: Sums;
}

/**
 * The groups of a query, in order: every period of the range for time groupings (empty ones with
 * zeros), else one group per platform / campaign (no campaign last, key null) / post.
 */
export async function groupSums(
  ctx: ServiceContext,
  tenant: Tenant,
  query: AnalyticsQuery,
  options: repo.AggregateOptions = {},
): Promise<GroupSums[]> {
  const { groupBy } = query;
  if (groupBy === 'day' || groupBy === 'week' || groupBy === 'month') {
    const unit: PeriodUnit = groupBy;
    const periods = periodsBetween(
      query.filters.start,
      query.filters.end,
      unit,
      query.timezone,
      MAX_PERIODS,
    )!;
    // A row belongs to the period of its slot's start: the first slot starting at or after a period's
    // start is where that period begins (periodIndexes), so the repository cuts its pieces there.
    const cuts = periods.slice(1).map((p) => Math.ceil(p.startsAt / SLOT_MS) * SLOT_MS);
    const rows = await repo.aggregate(ctx.db, tenant, query.filters, 'slot', { ...options, cuts });
    const groups: GroupSums[] = periods.map((p) => ({ key: p.key, startsAt: p.startsAt, sums: emptySums() }));
    const indexes = periodIndexes(
      periods,
      rows.map((r) => r.key as number),
    );
    rows.forEach((row, i) => addSums(groups[indexes[i]!]!.sums, row));
    return groups;
  }
  const rows = await repo.aggregate(ctx.db, tenant, query.filters, DIMENSION[groupBy], options);
  const groups = rows.map((row) => ({ key: row.key === null ? null : String(row.key), sums: row as Sums }));
  if (groupBy === 'campaign' || groupBy === 'platform') {
    groups.sort((a, b) =>
      a.key === null ? 1 : b.key === null ? -1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0,
    );
  }
  return groups;
}

export function toRow(group: GroupSums, metrics: readonly Metric[]): AnalyticsRow {
  return {
    key: group.key,
    ...(group.startsAt !== undefined ? { startsAt: toIso(group.startsAt) } : {}),
    ...metricValues(group.sums, metrics),
  };
}

/**
 * The problems of an analytics query that the query alone shows — a time zone, the metrics, the range
 * (in order, and not too many periods), and with `paged` (`GET /analytics`) `limit`/`cursor` given for a
 * grouping that is not paged — for the route's input check and the export's payload. Fields of another
 * type than the schema's are the schema's. When the zone is the brand's (`brandId` without `timezone`),
 * the range waits for the service, which knows that zone.
 */
export function analyticsQueryProblems(
  input: Record<string, unknown>,
  now: number,
  paged: boolean,
): FieldProblem[] {
  const text = (field: string) => (typeof input[field] === 'string' ? (input[field] as string) : undefined);
  const query: AnalyticsQueryInput = {
    timezone: text('timezone'),
    groupBy: text('groupBy'),
    metrics: text('metrics'),
    startDate: text('startDate'),
    endDate: text('endDate'),
  };
  let problems: FieldProblem[] = [];
  try {
    parseAnalyticsQuery(query, now);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    problems = (error.details?.errors ?? []) as FieldProblem[];
  }
  if (query.timezone === undefined && input.brandId !== undefined) {
    problems = problems.filter((p) => p.field !== 'startDate' && p.field !== 'endDate');
  }
  const groupBy = query.groupBy ?? 'day';
  if (paged && groupBy !== 'post' && GROUP_BYS.includes(groupBy as GroupBy)) {
    problems.push(...pagingProblems(input));
  }
  return problems;
}

/** `limit`/`cursor`/`sortBy` given for a grouping that answers every row, in its own order. */
function pagingProblems(input: { limit?: unknown; cursor?: unknown; sortBy?: unknown }): FieldProblem[] {
  const problems: FieldProblem[] = (['limit', 'cursor'] as const)
    .filter((field) => input[field] !== undefined)
    .map((field) => ({ field, reason: 'Only groupBy=post is paged; the other groupings answer every row' }));
  if (input.sortBy !== undefined) {
    problems.push({
      field: 'sortBy',
      reason: 'Only groupBy=post is sorted; the other groupings come in the order of their keys',
    });
  }
  return problems;
}

/**
 * `GET /analytics`. Totals are the sums of every group of the range, so they agree for every groupBy;
 * grouped by post, the rows are one page of them (`pagination`) and the totals still cover the range.
 */
export async function getAnalytics(
  ctx: ServiceContext,
  tenant: Tenant,
  input: AnalyticsPageInput,
): Promise<AnalyticsReport> {
  const { limit, cursor, sortBy, ...queryInput } = input;
  const query = parseAnalyticsQuery(await withBrandTimezone(ctx, tenant, queryInput), ctx.clock.now());
  if (query.groupBy === 'post') return postPage(ctx, tenant, query, queryInput, { limit, cursor, sortBy });
  const paging = pagingProblems(input);
  if (paging.length) throw invalidInput(paging, undefined, { location: 'query' });
  const groups = await groupSums(ctx, tenant, query);
  if (groups.length > MAX_ROWS) {
    // Only campaigns can be this many (periods are bounded by parseAnalyticsQuery, platforms are few).
    throw invalidInput(
      [
        {
          field: 'groupBy',
          reason:
            `More than ${MAX_ROWS.toLocaleString('en-US')} ${query.groupBy}s have posts in the range; narrow ` +
            'the range or filters, or use the analytics.export job',
        },
      ],
      undefined,
      { location: 'query' },
    );
  }
  const totals = emptySums();
  for (const group of groups) addSums(totals, group.sums);
  return report(query, groups, totals);
}

function report(query: AnalyticsQuery, groups: GroupSums[], totals: Sums): AnalyticsReport {
  return {
    groupBy: query.groupBy,
    timezone: query.timezone,
    startDate: toIso(query.filters.start),
    endDate: toIso(query.filters.end),
    metrics: query.metrics,
    rows: groups.map((g) => toRow(g, query.metrics)),
    totals: metricValues(totals, query.metrics),
  };
}

/**
 * One page of `groupBy=post`: keyset on the post id (the primary key of `post_metrics_latest`), so a
 * walk neither repeats nor skips a post while snapshots keep arriving. The cursor is the project's
 * signed cursor: the filters' fingerprint, the last post id, the next page number and — in `v` — the
 * range resolved on the first page, so that a default "last 30 days" does not move during the walk.
 * Ranked (`sortBy` a metric), the keyset is (that value, post id) and `v` carries the value too.
 */
async function postPage(
  ctx: ServiceContext,
  tenant: Tenant,
  query: AnalyticsQuery,
  input: AnalyticsQueryInput,
  paging: { limit?: number; cursor?: string; sortBy?: PostSort },
): Promise<AnalyticsReport> {
  const limit = paging.limit ?? POST_PAGE_DEFAULT;
  const rankBy = paging.sortBy === undefined || paging.sortBy === 'postId' ? undefined : paging.sortBy;
  const sort = rankBy ? `post:${rankBy}` : 'post';
  const { brandId, platform, campaignId, postId, startDate, endDate, timezone } = input;
  const print = fingerprint({ brandId, platform, campaignId, postId, startDate, endDate, timezone });
  let after: string | undefined;
  let afterValue: number | undefined;
  let page = 1;
  if (paging.cursor !== undefined) {
    const state = ctx.cursors.decode(paging.cursor);
    if (state && state.s.startsWith('post') && state.s !== sort) {
      throw invalidInput(
        [{ field: 'cursor', reason: 'Was made with another sortBy; repeat it or start over without cursor' }],
        undefined,
        { location: 'query' },
      );
    }
    const shape = rankBy ? /^(-?\d+)\/(-?\d+)\/(\d+)$/ : /^(-?\d+)\/(-?\d+)$/;
    const range = typeof state?.v === 'string' ? shape.exec(state.v) : null;
    if (!state || state.s !== sort || !range) {
      throw invalidInput([{ field: 'cursor', reason: 'Is not a valid cursor' }], undefined, {
        location: 'query',
      });
    }
    if (state.f !== print) {
      throw invalidInput(
        [
          {
            field: 'cursor',
            reason: 'Was made with other filters; repeat them exactly or start over without cursor',
          },
        ],
        undefined,
        { location: 'query' },
      );
    }
    query = { ...query, filters: { ...query.filters, start: Number(range[1]), end: Number(range[2]) } };
    after = state.i;
    afterValue = range[3] === undefined ? undefined : Number(range[3]);
    page = state.p;
  }
  const order: repo.AggregateOptions = rankBy
    ? { rank: { by: rankBy, after: after === undefined ? undefined : { value: afterValue!, postId: after } } }
    : { afterPost: after };
  const [groups, totals] = await Promise.all([
    groupSums(ctx, tenant, query, { ...order, limit: limit + 1 }),
    repo.sumAll(ctx.db, tenant, query.filters),
  ]);
  const hasMore = groups.length > limit;
  if (hasMore) groups.pop();
  const last = groups.at(-1);
  const nextCursor =
    hasMore && last?.key
      ? ctx.cursors.encode({
          s: sort,
          o: rankBy ? 'desc' : 'asc',
          f: print,
          v: `${query.filters.start}/${query.filters.end}${rankBy ? `/${rankValue(last.sums, rankBy)}` : ''}`,
          i: last.key,
          p: page + 1,
        })
      : null;
  return {
    ...report(query, groups, totals),
    pagination: { page, limit, totalCount: totals.posts, hasMore, nextCursor },
  };
}

/** A post group's rank value, as the SQL of `repo.aggregateQuery` computes it. */
function rankValue(sums: Sums, by: repo.Rank): number {
  return by === 'engagements' ? engagementsOf(sums) : sums[by];
}

export { emptySums, type Sums };
