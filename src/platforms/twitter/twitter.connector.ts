import {
  PlatformError,
  type ConnectorEnvironment,
  type PlatformConnector,
  type PublishRequest,
  type PublishResult,
} from '../connector.js';
import { authorizationUrl, exchangeCode, refresh } from './twitter.auth.js';
import { fetchXComments, replyOnX } from './twitter.comments.js';
import { isContentRefusal, isRecord, malformedResponse } from './twitter.errors.js';
import { createXClient, type XClient } from './twitter.http.js';
import { uploadMedia } from './twitter.media.js';
import { fetchXAccountStats, fetchXMetrics } from './twitter.metrics.js';
import { creationWindowEnd, findEarlierTweet, type FoundTweet } from './twitter.recovery.js';

/**
 * The X (Twitter) connector: X API v2 with OAuth 2.0 user context (PKCE). Auth is in
 * `twitter.auth.ts`, media upload in `twitter.media.ts`, finding an earlier attempt's post in
 * `twitter.recovery.ts`, error classification in `twitter.errors.ts`.
 */

/** Where a post can be seen. `/i/status/<id>` works when we do not know the username. */
const WEB_URL = 'https://x.com';
/** How far back a retry looks for its own post when the caller does not say when attempt 1 began. */
export const DUPLICATE_LOOKBACK_MS = 24 * 60 * 60 * 1000;
/** Our clock against X's `created_at`: a post may look slightly older than the attempt that made it. */
export const CLOCK_SKEW_MS = 2 * 60 * 1000;

/**
 * What `publish` reads beyond `PublishRequest`. `firstAttemptAt` bounds the search for an earlier
 * attempt's post; it belongs on `PublishRequest` itself (the posts table has `publish_started_at`).
 */
export interface TwitterPublishRequest extends PublishRequest {
  /** Epoch ms when attempt 1 began. */
  firstAttemptAt?: number;
}

interface TweetBody {
  text?: string;
  media?: { media_ids: string[] };
  reply?: { in_reply_to_tweet_id: string };
}

/**
 * The post's text: the caption, then the link after one space (X shows it as a 23-character t.co link,
 * which is what `rules.ts` counts), unless the caption already contains it.
 */
export function composeText(caption: string, link: string | null): string {
  const text = caption.trimEnd();
  const url = link?.trim();
  if (!url || text.includes(url)) return text;
  return text.trim() ? `${text} ${url}` : url;
}

function statusUrl(username: string | undefined, id: string): string {
  return `${WEB_URL}/${username ? encodeURIComponent(username) : 'i'}/status/${id}`;
}

/**
 * `POST /2/tweets`, once. On a retried attempt, X's generic 403 (its answer to a duplicate of a recent
 * post) sends us looking for the post an earlier attempt made; finding it is success.
 */
async function createOnce(
  env: ConnectorEnvironment,
  client: XClient,
  request: TwitterPublishRequest,
  body: TweetBody,
): Promise<FoundTweet> {
  try {
    const answer = await client.call('POST', '/2/tweets', { json: body });
    const data = isRecord(answer) && isRecord(answer.data) ? answer.data : null;
    if (!data || typeof data.id !== 'string') throw malformedResponse('create post');
    return { id: data.id, createdAt: env.now() };
  } catch (error) {
    if (request.attempt <= 1 || !body.text || !isContentRefusal(error)) throw error;
    const since =
      request.firstAttemptAt !== undefined
        ? request.firstAttemptAt - CLOCK_SKEW_MS
        : env.now() - DUPLICATE_LOOKBACK_MS;
    const earlier = await findEarlierTweet(client, {
      userId: request.account.platformAccountId,
      text: body.text,
      inReplyTo: body.reply?.in_reply_to_tweet_id ?? null,
      since,
      until:
        request.firstAttemptAt !== undefined
          ? creationWindowEnd(request.firstAttemptAt + CLOCK_SKEW_MS, env.now())
          : undefined,
    });
    if (earlier) return earlier;
    throw error;
  }
}

async function postFirstComment(
  env: ConnectorEnvironment,
  client: XClient,
  request: TwitterPublishRequest,
  postId: string,
): Promise<void> {
  const text = request.firstComment?.trim();
  if (!text) return;
  try {
    await createOnce(env, client, request, { text, reply: { in_reply_to_tweet_id: postId } });
  } catch (error) {
    if (!(error instanceof PlatformError)) throw error;
    // The post is live: a comment X refuses for good does not make publishing a failure.
    if (error.kind === 'invalid_content' || error.kind === 'permanent') return;
    const message = `X post ${postId} was published but its first comment failed: ${error.message}`;
    throw new PlatformError(error.kind, message, error.code, error.options);
  }
}

export function createTwitterConnector(env: ConnectorEnvironment): PlatformConnector {
  return {
    platform: 'twitter',
    usesPkce: true,
    authorizationUrl: (request) => authorizationUrl(env, request),
    exchangeCode: (exchange) => exchangeCode(env, exchange),
    refresh: (tokens) => refresh(env, tokens),

    /**
     * Uploads each media item (initialize → append → finalize → status), creates the post with
     * `POST /2/tweets` `{text, media: {media_ids}}` — the link appended to the text — and posts the
     * first comment as a reply to it (`reply: {in_reply_to_tweet_id}`).
     *
     * **Crash between X's answer and our commit.** X has no idempotency key for `POST /2/tweets`. If
     * the process dies (or the connection drops, or the request times out) after X created the post
     * but before the result is committed, the post is live on X while ours is still PUBLISHING, and
     * the next attempt sends the same request again — which would post a duplicate. X refuses an exact
     * duplicate of a recent post with its generic 403 problem. On attempt 1 that refusal is
     * `invalid_content` (the account really posted this text already). On attempt > 1 we first look
     * through the account's own posts (`GET /2/users/{id}/tweets`) created since the first attempt
     * began (`firstAttemptAt` less {@link CLOCK_SKEW_MS}; {@link DUPLICATE_LOOKBACK_MS} back when the
     * caller does not say) for one with exactly our text — t.co links expanded, HTML entities decoded
     * — and return it as this attempt's result: no second post is made. Found nothing: the refusal
     * stands as `invalid_content`. The first comment goes through the same check (a reply to our post
     * with the comment's text), so a retry completes a half-done publish without doubling either.
     *
     * **Limits.** A post without text (media only) gives X nothing to call a duplicate: a retry after
     * an unconfirmed attempt can post it twice. A post X does not yet show on the timeline, or whose
     * link X rewrote, is not matched, and the retry fails visibly instead of posting twice. Media
     * uploaded by an attempt whose post was refused is left to expire on X.
     *
     * **First comment.** Once the post is live, a comment X refuses for good (`invalid_content`,
     * `permanent`) does not fail the publish; any other comment failure is thrown, and the retry
     * finds the post (above) instead of making it again.
     */
    async publish(request: TwitterPublishRequest): Promise<PublishResult> {
      const client = createXClient(env, request.account.accessToken);
      const mediaIds: string[] = [];
      for (const item of request.media) mediaIds.push(await uploadMedia(client, item));

      const body: TweetBody = {};
      const text = composeText(request.caption, request.link);
      if (text) body.text = text;
      if (mediaIds.length > 0) body.media = { media_ids: mediaIds };
      const post = await createOnce(env, client, request, body);

      await postFirstComment(env, client, request, post.id);
      return {
        platformPostId: post.id,
        platformUrl: statusUrl(request.account.metadata.username, post.id),
        publishedAt: post.createdAt,
      };
    },

    /** Replies in the post's conversation, by recent search (`twitter.comments.ts`). */
    fetchComments: (request) => fetchXComments(env, request),
    replyToComment: (request) => replyOnX(env, request),

    /** `GET /2/tweets` public/non-public metrics and `GET /2/users/me` (`twitter.metrics.ts`). */
    fetchMetrics: (request) => fetchXMetrics(env, request),
    fetchAccountStats: (request) => fetchXAccountStats(env, request),
  };
}
