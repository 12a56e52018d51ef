import {
  PlatformError,
  type AccountStats,
  type AccountStatsRequest,
  type ConnectorEnvironment,
  type MetricsRequest,
  type PostMetrics,
} from '../connector.js';
import { isRecord, malformedResponse, problemOf, problemSlug } from './twitter.errors.js';
import { createXClient } from './twitter.http.js';

/**
 * Post and account metrics from X API v2 (docs.x.com/x-api/fundamentals/metrics):
 * - `GET /2/tweets?ids={id}&tweet.fields=public_metrics,non_public_metrics,organic_metrics`.
 *   `public_metrics` (`retweet_count`, `reply_count`, `like_count`, `quote_count`, `bookmark_count`,
 *   `impression_count`) is there for any token; `non_public_metrics` / `organic_metrics`
 *   (`impression_count`, `url_link_clicks`, `user_profile_clicks`) only for the author's user-context
 *   token and only for posts created in the last 30 days — older posts are asked for public metrics only.
 * - `GET /2/users/me?user.fields=public_metrics` → `followers_count`, `following_count`, `tweet_count`.
 * A post X no longer shows comes back as `200 {errors: [{type: …/resource-not-found}]}` without `data`:
 * that is `permanent` (retrying will not bring it back). Rate limits are the client's classification
 * (`429` → `rate_limited` with `retryAfterSeconds` from `x-rate-limit-reset`).
 */

/** X keeps non-public and organic metrics for 30 days after the post was created. */
export const PRIVATE_METRICS_WINDOW_MS = 30 * 24 * 3600_000;

function count(record: unknown, key: string): number | null {
  if (!isRecord(record)) return null;
  const value = record[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function sum(...values: (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? null : present.reduce((a, b) => a + b, 0);
}

/** Maps X's metric objects onto ours (pure; exported for tests). */
export function toPostMetrics(tweet: Record<string, unknown>): PostMetrics {
  const pub = tweet.public_metrics;
  const priv = isRecord(tweet.non_public_metrics) ? tweet.non_public_metrics : tweet.organic_metrics;
  const hasPrivate = isRecord(priv);
  return {
    impressions: count(priv, 'impression_count') ?? count(pub, 'impression_count'),
    reach: null,
    likes: count(pub, 'like_count'),
    comments: count(pub, 'reply_count'),
    shares: sum(count(pub, 'retweet_count'), count(pub, 'quote_count')),
    saves: count(pub, 'bookmark_count'),
    // X leaves `url_link_clicks` out when the post has no link: no link, no link clicks.
    clicks: hasPrivate ? (count(priv, 'url_link_clicks') ?? 0) : null,
    videoViews: null,
  };
}

export async function fetchXMetrics(
  env: ConnectorEnvironment,
  request: MetricsRequest,
): Promise<PostMetrics> {
  const client = createXClient(env, request.account.accessToken);
  const recent = env.now() - request.publishedAt < PRIVATE_METRICS_WINDOW_MS;
  const fields = recent ? 'public_metrics,non_public_metrics,organic_metrics' : 'public_metrics';
  const answer = await client.call('GET', '/2/tweets', {
    query: { ids: request.platformPostId, 'tweet.fields': fields },
  });
  if (!isRecord(answer)) throw malformedResponse('post lookup');
  const data = Array.isArray(answer.data) ? answer.data : [];
  const tweet = data.find((t) => isRecord(t) && t.id === request.platformPostId);
  if (isRecord(tweet)) return toPostMetrics(tweet);
  const problem = problemOf(answer);
  if (problem) {
    const slug = problemSlug(problem) ?? 'resource-not-found';
    const text = problem.detail ?? problem.title ?? 'not found';
    throw new PlatformError('permanent', `X post ${request.platformPostId}: ${text}`, slug, { status: 200 });
  }
  throw malformedResponse('post lookup');
}

export async function fetchXAccountStats(
  env: ConnectorEnvironment,
  request: AccountStatsRequest,
): Promise<AccountStats> {
  const client = createXClient(env, request.account.accessToken);
  const answer = await client.call('GET', '/2/users/me', { query: { 'user.fields': 'public_metrics' } });
  const data = isRecord(answer) && isRecord(answer.data) ? answer.data : null;
  const followers = count(data?.public_metrics, 'followers_count');
  if (!data || followers === null) throw malformedResponse('user lookup');
  return {
    followers,
    following: count(data.public_metrics, 'following_count'),
    posts: count(data.public_metrics, 'tweet_count'),
  };
}
