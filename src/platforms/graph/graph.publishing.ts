import {
  PlatformError,
  type ConnectorEnvironment,
  type PublishRequest,
  type PublishResult,
} from '../connector.js';
import { DEFAULT_GRAPH_VERSION, createGraphClient, graphTime, type GraphClient } from './graph.client.js';

/**
 * What the Facebook and Instagram connectors do alike around a publish: their options, the link
 * appended to the text, recognising a retry's earlier post, and the first comment.
 */

export interface GraphConnectorOptions {
  /** Graph API version segment; default `DEFAULT_GRAPH_VERSION`. */
  version?: string;
  /** How far back a retried publish looks for its own earlier post (default 24 h). */
  retryLookbackMs?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The options with their defaults, and the Graph client for that version. */
export function graphConnection(
  env: ConnectorEnvironment,
  options: GraphConnectorOptions,
): { version: string; graph: GraphClient; lookbackMs: number } {
  const version = options.version ?? DEFAULT_GRAPH_VERSION;
  return {
    version,
    graph: createGraphClient(env, version),
    lookbackMs: options.retryLookbackMs ?? DAY_MS,
  };
}

/** The text with the link on a line of its own (where the link is not shown as a preview card). */
export function withLink(caption: string, link: string | null): string {
  if (!link) return caption;
  return caption.trim() ? `${caption}\n${link}` : link;
}

/**
 * Among a network's recent posts, the one an earlier attempt of this publish made: the oldest with
 * exactly this text (trimmed) created since `since`. Graph has no idempotency key, so the text is how a
 * retry recognises its own post.
 */
export function earliestWithText<T>(
  items: readonly T[],
  text: string,
  since: number,
  read: { text(item: T): string | undefined; createdAt(item: T): string | undefined },
): T | undefined {
  const created = (item: T) => graphTime(read.createdAt(item), 0);
  return items
    .filter((item) => read.text(item)?.trim() === text.trim() && created(item) >= since)
    .sort((a, b) => created(a) - created(b))[0];
}

/**
 * `POST /{post}/comments {message}`. A comment refused with `invalid_content` or `permanent` is dropped:
 * the post is live and a retry cannot fix the comment. Any other failure fails the attempt, and the
 * retry finds the post and adds the comment (`earlierAttempt`).
 */
export async function postFirstComment(
  graph: GraphClient,
  accessToken: string,
  postId: string,
  comment: string | null,
): Promise<void> {
  if (!comment?.trim()) return;
  try {
    await graph.post(`${postId}/comments`, { message: comment }, { accessToken });
  } catch (err) {
    if (err instanceof PlatformError && (err.kind === 'invalid_content' || err.kind === 'permanent')) return;
    throw err;
  }
}

/**
 * A retry's way of not publishing twice. On an attempt after the first, of a post with text: the post an
 * earlier attempt made (`find`), with its first comment added unless `hasComment` finds it there (the
 * earlier attempt may have failed between the two). Null when there is none: publish anew. A failed
 * lookup fails the attempt rather than risk a duplicate.
 */
export async function earlierAttempt(
  graph: GraphClient,
  request: PublishRequest,
  text: string,
  lookup: {
    find(): Promise<PublishResult | null>;
    hasComment(postId: string, text: string): Promise<boolean>;
  },
): Promise<PublishResult | null> {
  if (request.attempt <= 1 || !text.trim()) return null;
  const earlier = await lookup.find();
  const comment = request.firstComment;
  if (earlier && comment?.trim() && !(await lookup.hasComment(earlier.platformPostId, comment.trim()))) {
    await postFirstComment(graph, request.account.accessToken, earlier.platformPostId, comment);
  }
  return earlier;
}
