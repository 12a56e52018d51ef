import { clip, clipOptional } from '../shared/text.js';
import {
  PlatformError,
  type AccountStats,
  type ConnectedAccount,
  type OAuthTokens,
  type PlatformComment,
  type PlatformConnector,
  type PostMetrics,
} from './connector.js';

/**
 * What a platform may send us, bounded where it enters: the registry wraps every connector with
 * {@link boundedConnector}, so whatever a platform answers (or a broken one, or a hostile one), the
 * API's documented `maxLength`s and `maximum`s hold for what is stored and shown. Text is cut (with an
 * ellipsis), numbers are clamped; an id or URL cannot be cut without becoming another one, so an answer
 * carrying a longer one is refused as a permanent platform error. The bounds are far above what X and
 * Meta send today (ids under 40 characters, comments under 8,000).
 */
export const PLATFORM_LIMITS = {
  /** Ids platforms give their posts, comments, users and accounts. */
  id: 256,
  /** A post's URL on the platform. */
  url: 2048,
  /** A comment's text (Facebook's own limit is 8,000 characters; X's long posts are cut here). */
  commentText: 8000,
  /** A display name or handle (of an account, or of a comment's author). */
  name: 200,
  /** A platform's error message, as shown in `error.message` or `lastError`. */
  errorMessage: 1000,
  /** A platform error's code (our connectors' slugs, e.g. `rate_limited`). */
  errorCode: 64,
  /** Accounts one connection yields (Facebook Pages: the connector reads at most 20 pages of 100). */
  accounts: 2000,
  /** Permissions granted to an account, and the length of one. */
  scopes: 100,
  scope: 256,
  /**
   * A metric of one post or an account's audience figure (impressions, followers…): what the database
   * columns hold (a 32-bit integer on PostgreSQL). A post seen more than 2.1 billion times is stored as
   * this; sums over posts are 64-bit.
   */
  metric: 2_147_483_647,
} as const;

/** `value` as a stored metric: a whole number in [0, PLATFORM_LIMITS.metric], or null when unknown. */
export function boundedMetric(value: number | null | undefined): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  return Math.min(PLATFORM_LIMITS.metric, Math.max(0, Math.round(value)));
}

function refuse(what: string, length: number, limit: number): never {
  throw new PlatformError(
    'permanent',
    `The platform answered ${what} of ${length} characters; at most ${limit} are accepted`,
    'answer_out_of_bounds',
  );
}

function id(value: string, what: string): string {
  return value.length > PLATFORM_LIMITS.id ? refuse(what, value.length, PLATFORM_LIMITS.id) : value;
}

/** An optional id that is too long is dropped (null): it only links to something else. */
function optionalId(value: string | null): string | null {
  return value !== null && value.length > PLATFORM_LIMITS.id ? null : value;
}

/** A platform error with its message and code within their bounds (the same error when they are). */
export function boundedError(error: unknown): unknown {
  if (!(error instanceof PlatformError)) return error;
  const message = clip(error.message, PLATFORM_LIMITS.errorMessage);
  const code = clip(error.code, PLATFORM_LIMITS.errorCode);
  if (message === error.message && code === error.code) return error;
  return new PlatformError(error.kind, message, code, error.options);
}

function tokens(value: OAuthTokens): OAuthTokens {
  return {
    ...value,
    scopes: value.scopes.slice(0, PLATFORM_LIMITS.scopes).map((s) => clip(s, PLATFORM_LIMITS.scope)),
  };
}

function account(value: ConnectedAccount): ConnectedAccount {
  return {
    ...value,
    platformAccountId: id(value.platformAccountId, 'an account id'),
    name: clip(value.name, PLATFORM_LIMITS.name),
    username: clipOptional(value.username, PLATFORM_LIMITS.name),
    tokens: tokens(value.tokens),
  };
}

/** Comments whose own id is too long are left out: they could not be told apart or deduplicated. */
function comments(values: PlatformComment[]): PlatformComment[] {
  return values
    .filter((c) => c.platformCommentId.length <= PLATFORM_LIMITS.id)
    .map((c) => ({
      ...c,
      parentPlatformCommentId: optionalId(c.parentPlatformCommentId),
      authorId: optionalId(c.authorId),
      authorName: clipOptional(c.authorName, PLATFORM_LIMITS.name),
      authorHandle: clipOptional(c.authorHandle, PLATFORM_LIMITS.name),
      text: clip(c.text, PLATFORM_LIMITS.commentText),
    }));
}

function metrics(value: PostMetrics): PostMetrics {
  const out = { ...value };
  for (const key of Object.keys(out) as (keyof PostMetrics)[]) out[key] = boundedMetric(out[key]);
  return out;
}

function stats(value: AccountStats): AccountStats {
  return {
    followers: boundedMetric(value.followers) ?? 0,
    following: boundedMetric(value.following),
    posts: boundedMetric(value.posts),
  };
}

/** Runs a call and bounds its answer, or the platform error it threw. */
async function bounded<T>(call: () => Promise<T>, bound: (value: T) => T): Promise<T> {
  let value: T;
  try {
    value = await call();
  } catch (error) {
    throw boundedError(error);
  }
  return bound(value);
}

/** `connector` with every answer bounded as {@link PLATFORM_LIMITS} says; optional methods stay optional. */
export function boundedConnector(connector: PlatformConnector): PlatformConnector {
  const { fetchComments, replyToComment, fetchMetrics, fetchAccountStats } = connector;
  return {
    platform: connector.platform,
    usesPkce: connector.usesPkce,
    authorizationUrl: (request) => connector.authorizationUrl(request),
    exchangeCode: (exchange) =>
      bounded(
        () => connector.exchangeCode(exchange),
        (accounts) => accounts.slice(0, PLATFORM_LIMITS.accounts).map(account),
      ),
    refresh: (value) => bounded(() => connector.refresh(value), tokens),
    publish: (request) =>
      bounded(
        () => connector.publish(request),
        (result) => ({
          ...result,
          platformPostId: id(result.platformPostId, 'a post id'),
          platformUrl:
            result.platformUrl.length > PLATFORM_LIMITS.url
              ? refuse('a post URL', result.platformUrl.length, PLATFORM_LIMITS.url)
              : result.platformUrl,
        }),
      ),
    ...(fetchComments && {
      fetchComments: (request) => bounded(() => fetchComments.call(connector, request), comments),
    }),
    ...(replyToComment && {
      replyToComment: (request) =>
        bounded(
          () => replyToComment.call(connector, request),
          (result) => ({ ...result, platformCommentId: id(result.platformCommentId, 'a comment id') }),
        ),
    }),
    ...(fetchMetrics && {
      fetchMetrics: (request) => bounded(() => fetchMetrics.call(connector, request), metrics),
    }),
    ...(fetchAccountStats && {
      fetchAccountStats: (request) => bounded(() => fetchAccountStats.call(connector, request), stats),
    }),
  };
}
