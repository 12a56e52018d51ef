import {
  PlatformError,
  type AccountStats,
  type AccountStatsRequest,
  type MetricsRequest,
  type PostMetrics,
} from '../connector.js';
import type { GraphClient } from './graph.client.js';

/** A 2xx answer without the field the docs promise: retry (as `requireString` does). */
const malformed = (what: string) =>
  new PlatformError('transient', `Graph API answer has no ${what}`, 'invalid_response');

/**
 * Post and account metrics through the Graph API. Failures are the client's classification (codes
 * 4/17/32/613 → `rate_limited` with `retryAfterSeconds` from the usage headers).
 *
 * Facebook (developers.facebook.com/docs/graph-api/reference/insights, …/pages-api/platforminsights):
 * - `GET /{post-id}/insights?metric=post_media_view,post_total_media_view_unique,post_clicks` → `data[]`
 *   of `{name, period: 'lifetime', values: [{value}]}`. Meta deprecated `post_impressions` /
 *   `post_impressions_unique` (Nov 2025; "views" replace "impressions"): an invalid metric fails the
 *   whole call with `(#100)`, so only the views metrics are asked for.
 * - `GET /{post-id}?fields=reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),shares`
 *   → `reactions.summary.total_count`, `comments.summary.total_count`, `shares.count` (absent when 0).
 * - Page: `GET /{page-id}?fields=followers_count,fan_count` (`page_fans` insights are deprecated).
 *
 * Instagram (…/instagram-platform/reference/instagram-media/insights): `GET /{media-id}/insights?
 * metric=views,reach,likes,comments,shares,saved,total_interactions`. `impressions` is deprecated for
 * media since v22.0 (all versions from 2025-04-21) and replaced by `views`; `video_views` is gone too.
 * A metric without data is left out of `data` (not 0) → null. Account: `GET /{ig-user-id}?fields=
 * followers_count,follows_count,media_count`.
 */

export const FACEBOOK_POST_METRICS = ['post_media_view', 'post_total_media_view_unique', 'post_clicks'];
/**
 * What is asked again when Graph rejects the full list as invalid (code 100): Meta retires Page
 * metrics on short notice (more are announced for June 2026), and losing clicks must not lose views.
 */
export const FACEBOOK_CORE_POST_METRICS = ['post_media_view', 'post_total_media_view_unique'];
export const INSTAGRAM_MEDIA_METRICS = [
  'views',
  'reach',
  'likes',
  'comments',
  'shares',
  'saved',
  'total_interactions',
];

interface InsightsAnswer {
  data?: { name?: string; values?: { value?: unknown }[]; total_value?: { value?: unknown } }[];
}

/** `{name → value}` from an insights answer; a metric without a numeric value is left out. */
export function insightValues(answer: InsightsAnswer): Map<string, number> {
  const out = new Map<string, number>();
  for (const row of answer.data ?? []) {
    const value = row.values?.[0]?.value ?? row.total_value?.value;
    if (typeof row.name === 'string' && typeof value === 'number' && Number.isFinite(value)) {
      out.set(row.name, value);
    }
  }
  return out;
}

const num = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

interface FacebookPostCounts {
  reactions?: { summary?: { total_count?: number } };
  comments?: { summary?: { total_count?: number } };
  shares?: { count?: number };
}

export async function fetchFacebookMetrics(
  graph: GraphClient,
  request: MetricsRequest,
): Promise<PostMetrics> {
  const accessToken = request.account.accessToken;
  const id = request.platformPostId;
  const ask = (metrics: string[]) =>
    graph.get<InsightsAnswer>(
      `${id}/insights`,
      { metric: metrics.join(','), period: 'lifetime' },
      { accessToken },
    );
  let answer: InsightsAnswer;
  try {
    answer = await ask(FACEBOOK_POST_METRICS);
  } catch (error) {
    // `100` alone is an invalid parameter (a retired metric); `100/33` is a missing object.
    if (!(error instanceof PlatformError && error.code === '100')) throw error;
    answer = await ask(FACEBOOK_CORE_POST_METRICS);
  }
  const insights = insightValues(answer);
  const counts = await graph.get<FacebookPostCounts>(
    id,
    {
      fields: 'reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),shares',
    },
    { accessToken },
  );
  return {
    impressions: insights.get('post_media_view') ?? null,
    reach: insights.get('post_total_media_view_unique') ?? null,
    likes: num(counts.reactions?.summary?.total_count),
    comments: num(counts.comments?.summary?.total_count),
    // Facebook leaves `shares` out of a post nobody shared.
    shares: num(counts.shares?.count) ?? 0,
    saves: null,
    clicks: insights.get('post_clicks') ?? null,
    videoViews: null,
  };
}

export async function fetchFacebookAccountStats(
  graph: GraphClient,
  request: AccountStatsRequest,
): Promise<AccountStats> {
  const page = await graph.get<{ followers_count?: number; fan_count?: number }>(
    request.account.platformAccountId,
    { fields: 'followers_count,fan_count' },
    { accessToken: request.account.accessToken },
  );
  const followers = num(page.followers_count) ?? num(page.fan_count);
  if (followers === null) throw malformed('the Page followers_count');
  return { followers, following: null, posts: null };
}

export async function fetchInstagramMetrics(
  graph: GraphClient,
  request: MetricsRequest,
): Promise<PostMetrics> {
  const insights = insightValues(
    await graph.get<InsightsAnswer>(
      `${request.platformPostId}/insights`,
      { metric: INSTAGRAM_MEDIA_METRICS.join(',') },
      { accessToken: request.account.accessToken },
    ),
  );
  const get = (name: string) => insights.get(name) ?? null;
  return {
    impressions: get('views'),
    reach: get('reach'),
    likes: get('likes'),
    comments: get('comments'),
    shares: get('shares'),
    saves: get('saved'),
    clicks: null,
    // `views` counts plays for reels and videos too; Instagram has no separate video-views metric now.
    videoViews: null,
  };
}

export async function fetchInstagramAccountStats(
  graph: GraphClient,
  request: AccountStatsRequest,
): Promise<AccountStats> {
  const user = await graph.get<{ followers_count?: number; follows_count?: number; media_count?: number }>(
    request.account.platformAccountId,
    { fields: 'followers_count,follows_count,media_count' },
    { accessToken: request.account.accessToken },
  );
  const followers = num(user.followers_count);
  if (followers === null) throw malformed('the Instagram followers_count');
  return { followers, following: num(user.follows_count), posts: num(user.media_count) };
}
