import type {
  ConnectorEnvironment,
  FetchCommentsRequest,
  PlatformComment,
  ReplyToCommentRequest,
  ReplyToCommentResult,
} from '../connector.js';
import { graphTime, requireString, type GraphClient } from './graph.client.js';

/**
 * Comments through the Graph API, for both networks behind it:
 * - Facebook: `GET /{post-id}/comments?filter=stream&order=chronological` lists comments and replies
 *   in one flat list, each reply with `parent{id}`; a reply is `POST /{comment-id}/comments {message}`
 *   (developers.facebook.com/docs/graph-api/reference/object/comments).
 * - Instagram: `GET /{ig-media-id}/comments` lists top-level comments, with their `replies{…}` nested;
 *   a reply is `POST /{ig-comment-id}/replies {message}` (…/reference/ig-media/comments,
 *   …/reference/ig-comment/replies). Instagram only threads one level deep.
 * Both page with `paging.cursors.after`; we follow at most {@link MAX_PAGES} pages per sync.
 */
const MAX_PAGES = 5;

interface GraphPage<T> {
  data?: T[];
  paging?: { cursors?: { after?: string }; next?: string };
}

async function allPages<T>(
  graph: GraphClient,
  path: string,
  params: Record<string, string | number>,
  accessToken: string,
): Promise<T[]> {
  const out: T[] = [];
  let after: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer = await graph.get<GraphPage<T>>(path, { ...params, after }, { accessToken });
    out.push(...(answer.data ?? []));
    after = answer.paging?.cursors?.after;
    if (!answer.paging?.next || !after) break;
  }
  return out;
}

interface FacebookComment {
  id: string;
  message?: string;
  created_time?: string;
  from?: { id?: string; name?: string };
  parent?: { id?: string };
}

export async function fetchFacebookComments(
  graph: GraphClient,
  request: FetchCommentsRequest,
): Promise<PlatformComment[]> {
  const rows = await allPages<FacebookComment>(
    graph,
    `${request.platformPostId}/comments`,
    {
      fields: 'id,message,created_time,from{id,name},parent{id}',
      filter: 'stream',
      order: 'chronological',
      limit: 100,
    },
    request.account.accessToken,
  );
  return rows.map((c) => ({
    platformCommentId: c.id,
    parentPlatformCommentId: c.parent?.id ?? null,
    authorId: c.from?.id ?? null,
    authorName: c.from?.name ?? null,
    authorHandle: null,
    text: c.message ?? '',
    createdAt: graphTime(c.created_time, 0),
  }));
}

interface InstagramComment {
  id: string;
  text?: string;
  timestamp?: string;
  username?: string;
  from?: { id?: string; username?: string };
  replies?: { data?: InstagramComment[] };
}

function fromInstagram(c: InstagramComment, parent: string | null): PlatformComment {
  const handle = c.from?.username ?? c.username ?? null;
  return {
    platformCommentId: c.id,
    parentPlatformCommentId: parent,
    authorId: c.from?.id ?? null,
    authorName: handle,
    authorHandle: handle,
    text: c.text ?? '',
    createdAt: graphTime(c.timestamp, 0),
  };
}

export async function fetchInstagramComments(
  graph: GraphClient,
  request: FetchCommentsRequest,
): Promise<PlatformComment[]> {
  const fields = 'id,text,timestamp,username,from{id,username}';
  const rows = await allPages<InstagramComment>(
    graph,
    `${request.platformPostId}/comments`,
    { fields: `${fields},replies{${fields}}`, limit: 50 },
    request.account.accessToken,
  );
  return rows.flatMap((c) => [
    fromInstagram(c, null),
    ...(c.replies?.data ?? []).map((r) => fromInstagram(r, c.id)),
  ]);
}

export async function replyOnGraph(
  graph: GraphClient,
  env: ConnectorEnvironment,
  edge: 'comments' | 'replies',
  request: ReplyToCommentRequest,
): Promise<ReplyToCommentResult> {
  const answer = await graph.post(
    `${request.platformCommentId}/${edge}`,
    { message: request.text },
    { accessToken: request.account.accessToken },
  );
  return { platformCommentId: requireString(answer, 'id', 'the reply'), createdAt: env.now() };
}
