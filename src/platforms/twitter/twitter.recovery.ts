import { isRecord, malformedResponse } from './twitter.errors.js';
import type { XClient } from './twitter.http.js';

/**
 * Finding a post an earlier attempt already made. X has no idempotency key for `POST /2/tweets`, so
 * when a retried attempt is refused (X refuses an exact duplicate of a recent post), we look through
 * the account's own recent posts — `GET /2/users/{id}/tweets`, newest first — for one with the text we
 * sent, replying to what we replied to, created no earlier than the first attempt began.
 */

/** A post as found on the account's timeline. */
export interface FoundTweet {
  id: string;
  /** Epoch ms. */
  createdAt: number;
}

export interface TweetSearch {
  userId: string;
  /** Exactly what we sent as `text`. */
  text: string;
  /** The post ours replied to (a first comment), or null for a top-level post. */
  inReplyTo: string | null;
  /** Epoch ms: only posts created at or after this count. */
  since: number;
  /** Epoch ms: posts created after this cannot be ours (the window is over); open-ended when absent. */
  until?: number;
}

/**
 * Pages of 100 we read at most: 3,200 posts, all that X's user timeline serves. The window is short
 * (it starts at the first attempt and, once over, ends `CREATION_WINDOW_MS` later), but a busy account
 * — or a retry that waited for a dead worker's lease while hundreds of other posts went out — can
 * have put many posts in it.
 */
const MAX_PAGES = 32;

/**
 * How long after its attempt began a post can have been created: media uploads (chunked videos)
 * come first. Posts created later cannot be the earlier attempt's.
 */
export const CREATION_WINDOW_MS = 15 * 60_000;

/** X refuses an `end_time` too close to the present; within this margin the window stays open-ended. */
export const END_TIME_MARGIN_MS = 30_000;

/** The end of the window an attempt that began at `firstAttemptAt` created its post in, once it is over. */
export function creationWindowEnd(firstAttemptAt: number, now: number): number | undefined {
  const end = firstAttemptAt + CREATION_WINDOW_MS;
  return end < now - END_TIME_MARGIN_MS ? end : undefined;
}

/** X's timeline answers carry `start_time` to the second (`YYYY-MM-DDTHH:mm:ssZ`, no milliseconds). */
function toXTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * The text a person typed, from the `text` X returns: X wraps every link in a t.co link (the original
 * is `entities.urls[].expanded_url`), appends a t.co link to attached media (an entity with a
 * `media_key`), and HTML-escapes `&`, `<` and `>`.
 */
export function originalText(tweet: Record<string, unknown>): string {
  let text = typeof tweet.text === 'string' ? tweet.text : '';
  const urls = isRecord(tweet.entities) && Array.isArray(tweet.entities.urls) ? tweet.entities.urls : [];
  for (const url of urls) {
    if (!isRecord(url) || typeof url.url !== 'string') continue;
    const replacement =
      'media_key' in url ? '' : typeof url.expanded_url === 'string' ? url.expanded_url : url.url;
    text = text.split(url.url).join(replacement);
  }
  return text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

const comparable = (text: string) => text.normalize('NFC').trim();

function repliesTo(tweet: Record<string, unknown>): string | null {
  const refs = Array.isArray(tweet.referenced_tweets) ? tweet.referenced_tweets : [];
  const reply = refs.find((r) => isRecord(r) && r.type === 'replied_to');
  return isRecord(reply) && typeof reply.id === 'string' ? reply.id : null;
}

function matches(tweet: Record<string, unknown>, search: TweetSearch): FoundTweet | null {
  const createdAt = typeof tweet.created_at === 'string' ? Date.parse(tweet.created_at) : NaN;
  if (typeof tweet.id !== 'string' || Number.isNaN(createdAt) || createdAt < search.since) return null;
  if (repliesTo(tweet) !== search.inReplyTo) return null;
  return comparable(originalText(tweet)) === comparable(search.text) ? { id: tweet.id, createdAt } : null;
}

/** The oldest matching post (the first attempt's), or null when there is none. */
export async function findEarlierTweet(client: XClient, search: TweetSearch): Promise<FoundTweet | null> {
  let found: FoundTweet | null = null;
  let pageToken: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const query: Record<string, string> = {
      max_results: '100',
      start_time: toXTime(search.since),
      exclude: 'retweets',
      'tweet.fields': 'created_at,entities,referenced_tweets',
    };
    if (search.until !== undefined) query.end_time = toXTime(search.until + 1000);
    if (pageToken) query.pagination_token = pageToken;
    const body = await client.call('GET', `/2/users/${encodeURIComponent(search.userId)}/tweets`, { query });
    if (!isRecord(body)) throw malformedResponse('user posts lookup');
    // Newest first: a later match on a later page is older, so it replaces the earlier one.
    for (const tweet of Array.isArray(body.data) ? body.data : []) {
      const match = isRecord(tweet) ? matches(tweet, search) : null;
      if (match && (!found || match.createdAt <= found.createdAt)) found = match;
    }
    const meta = isRecord(body.meta) ? body.meta : {};
    pageToken = typeof meta.next_token === 'string' ? meta.next_token : null;
    if (!pageToken) break;
  }
  return found;
}
