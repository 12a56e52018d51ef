import type {
  ConnectorEnvironment,
  FetchCommentsRequest,
  PlatformComment,
  ReplyToCommentRequest,
  ReplyToCommentResult,
} from '../connector.js';
import { isRecord, malformedResponse } from './twitter.errors.js';
import { createXClient } from './twitter.http.js';

/**
 * Comments on X are replies: every reply in a post's thread carries the post's id as `conversation_id`,
 * so `GET /2/tweets/search/recent?query=conversation_id:{id}` lists them (newest first, up to 100 a
 * page, `next_token` for more; docs.x.com/x-api/fundamentals/conversation-id). Recent search only
 * reaches back 7 days: older replies are not found, which the sync's 30-day window accepts.
 * A reply is `POST /2/tweets {text, reply: {in_reply_to_tweet_id}}`.
 */

/** Pages of 100 per sync at most: 500 replies. */
const MAX_PAGES = 5;
/** X refuses `start_time` older than 7 days on recent search. */
const RECENT_WINDOW_MS = 7 * 24 * 3600_000 - 60_000;

interface XUser {
  id: string;
  name?: string;
  username?: string;
}

function toIsoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function toComment(postId: string, tweet: Record<string, unknown>, users: Map<string, XUser>) {
  const refs = Array.isArray(tweet.referenced_tweets) ? tweet.referenced_tweets : [];
  const repliedTo = refs.find((r) => isRecord(r) && r.type === 'replied_to' && typeof r.id === 'string') as
    { id: string } | undefined;
  const authorId = typeof tweet.author_id === 'string' ? tweet.author_id : null;
  const author = authorId ? users.get(authorId) : undefined;
  const created = typeof tweet.created_at === 'string' ? Date.parse(tweet.created_at) : NaN;
  return {
    platformCommentId: String(tweet.id),
    parentPlatformCommentId: repliedTo && repliedTo.id !== postId ? repliedTo.id : null,
    authorId,
    authorName: author?.name ?? null,
    authorHandle: author?.username ?? null,
    text: typeof tweet.text === 'string' ? tweet.text : '',
    createdAt: Number.isFinite(created) ? created : 0,
  } satisfies PlatformComment;
}

export async function fetchXComments(
  env: ConnectorEnvironment,
  request: FetchCommentsRequest,
): Promise<PlatformComment[]> {
  const client = createXClient(env, request.account.accessToken);
  const postId = request.platformPostId;
  const floor = env.now() - RECENT_WINDOW_MS;
  const start = Math.max(request.since ?? request.publishedAt, request.publishedAt, floor);
  const out: PlatformComment[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const query: Record<string, string> = {
      query: `conversation_id:${postId}`,
      max_results: '100',
      'tweet.fields': 'author_id,created_at,conversation_id,in_reply_to_user_id,referenced_tweets',
      expansions: 'author_id',
      'user.fields': 'name,username',
      start_time: toIsoSeconds(start),
    };
    if (nextToken) query.next_token = nextToken;
    const answer = await client.call('GET', '/2/tweets/search/recent', { query });
    if (!isRecord(answer)) throw malformedResponse('search replies');
    const users = new Map<string, XUser>();
    const included =
      isRecord(answer.includes) && Array.isArray(answer.includes.users) ? answer.includes.users : [];
    for (const user of included)
      if (isRecord(user) && typeof user.id === 'string') users.set(user.id, user as unknown as XUser);
    for (const tweet of Array.isArray(answer.data) ? answer.data : []) {
      if (isRecord(tweet) && typeof tweet.id === 'string' && tweet.id !== postId) {
        out.push(toComment(postId, tweet, users));
      }
    }
    const meta = isRecord(answer.meta) ? answer.meta : {};
    nextToken = typeof meta.next_token === 'string' ? meta.next_token : undefined;
    if (!nextToken) break;
  }
  return out;
}

export async function replyOnX(
  env: ConnectorEnvironment,
  request: ReplyToCommentRequest,
): Promise<ReplyToCommentResult> {
  const client = createXClient(env, request.account.accessToken);
  const answer = await client.call('POST', '/2/tweets', {
    json: { text: request.text, reply: { in_reply_to_tweet_id: request.platformCommentId } },
  });
  const data = isRecord(answer) && isRecord(answer.data) ? answer.data : null;
  if (!data || typeof data.id !== 'string') throw malformedResponse('reply');
  return { platformCommentId: data.id, createdAt: env.now() };
}
