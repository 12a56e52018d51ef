import {
  PlatformError,
  type ConnectedAccount,
  type ConnectorEnvironment,
  type OAuthTokens,
  type PlatformConnector,
  type PublishMedia,
  type PublishRequest,
  type PublishResult,
} from '../connector.js';
import {
  connectWithFacebookLogin,
  extendUserToken,
  facebookAuthorizationUrl,
  graphTime,
  renewUserToken,
  requireString,
  type GraphClient,
} from '../graph/graph.client.js';
import { fetchFacebookComments, replyOnGraph } from '../graph/graph.comments.js';
import { fetchFacebookAccountStats, fetchFacebookMetrics } from '../graph/graph.metrics.js';
import {
  earliestWithText,
  earlierAttempt,
  graphConnection,
  postFirstComment,
  withLink,
  type GraphConnectorOptions,
} from '../graph/graph.publishing.js';

/**
 * Facebook Pages through the Graph API (developers.facebook.com/docs/pages-api/posts,
 * /docs/pages-api/comments-mentions, /docs/graph-api/reference/page/photos, /docs/video-api/guides/publishing).
 *
 * One Facebook Login yields one account per Page the user manages, each publishing with its own Page
 * token. Page tokens obtained through a long-lived user token do not expire (`expiresAt: null`); the
 * long-lived user token behind them is kept as `refreshToken` so that `refresh` can extend it.
 */

/**
 * `pages_manage_engagement` is not in the minimal publishing set, but Meta requires it for the Page to
 * comment on its own posts (the first comment).
 */
export const FACEBOOK_SCOPES = [
  'pages_show_list',
  'pages_manage_posts',
  'pages_read_engagement',
  'pages_manage_engagement',
] as const;
const REQUIRED_SCOPES = ['pages_show_list', 'pages_manage_posts'];

export type FacebookConnectorOptions = GraphConnectorOptions;

interface ManagedPage {
  id: string;
  name?: string;
  access_token?: string;
}

interface RecentItem {
  id: string;
  message?: string;
  description?: string;
  created_time?: string;
  permalink_url?: string;
}

type Plan =
  | { kind: 'feed' }
  | { kind: 'photo'; media: PublishMedia }
  | { kind: 'album'; media: PublishMedia[] }
  | { kind: 'video'; media: PublishMedia };

export function createFacebookConnector(
  env: ConnectorEnvironment,
  options: FacebookConnectorOptions = {},
): PlatformConnector {
  const { version, graph, lookbackMs } = graphConnection(env, options);

  return {
    platform: 'facebook',
    usesPkce: false,

    authorizationUrl: (request) => facebookAuthorizationUrl(env, version, FACEBOOK_SCOPES, request),

    async exchangeCode(exchange): Promise<ConnectedAccount[]> {
      const { user, scopes, pages } = await connectWithFacebookLogin<ManagedPage>(
        graph,
        env,
        exchange,
        REQUIRED_SCOPES,
        'id,name,access_token',
      );
      return pages
        .filter((page) => page.access_token)
        .map((page) => ({
          platformAccountId: page.id,
          name: page.name ?? page.id,
          username: null,
          tokens: {
            accessToken: page.access_token!,
            refreshToken: user.accessToken,
            expiresAt: null,
            scopes,
          },
          metadata: { pageId: page.id },
        }));
    },

    /**
     * A Page token (`refreshToken` holds the user token behind it) keeps its token and gets a fresh
     * long-lived user token; a bare user token is exchanged for a new one. A token Facebook invalidated
     * (password change, app removed) fails with 190 → `auth_expired`: the user has to reconnect.
     */
    async refresh(tokens: OAuthTokens): Promise<OAuthTokens> {
      if (tokens.refreshToken) {
        const user = await extendUserToken(graph, env, tokens.refreshToken);
        return { ...tokens, refreshToken: user.accessToken, expiresAt: null };
      }
      return renewUserToken(graph, env, tokens);
    },

    /**
     * Text and link → `POST /{page}/feed`; one photo (or GIF) → `POST /{page}/photos` with `url` and
     * `caption`; several → each uploaded with `published=false`, then one feed post with
     * `attached_media`; one video → `POST /{page}/videos` with `file_url`. A link next to photos or a
     * video cannot be a preview card, so it is appended to the text. The first comment is then posted
     * with `POST /{post-id}/comments`.
     *
     * Idempotency: Graph has no idempotency key, so a crash (or a lost answer) between Facebook creating
     * the post and our commit can make the retry post it twice. To prevent that, an attempt > 1 first
     * lists the Page's recent posts (`GET /{page}/posts?fields=message,created_time&since=…`, or
     * `/{page}/videos` for a video) and, when one with exactly the same text was created within
     * `retryLookbackMs`, returns it instead of posting again (adding the first comment if it is still
     * missing). Posts without text cannot be recognised and are posted again. A failed lookup fails the
     * attempt rather than risk a duplicate.
     *
     * A first comment refused with `invalid_content` or `permanent` is dropped (the post is live and a
     * retry cannot fix the comment); any other failure of it fails the attempt, and the retry finds the
     * post and adds the comment.
     */
    async publish(request: PublishRequest): Promise<PublishResult> {
      const pageId = request.account.platformAccountId;
      const accessToken = request.account.accessToken;
      const plan = planFor(request.media);
      const text = plan.kind === 'feed' ? request.caption : withLink(request.caption, request.link);

      const earlier = await earlierAttempt(graph, request, text, {
        find: () => findEarlier(graph, env, { pageId, accessToken, plan, text, lookbackMs }),
        hasComment: (postId, comment) => hasPageComment(graph, pageId, accessToken, postId, comment),
      });
      if (earlier) return earlier;
      const postId = await create(graph, pageId, accessToken, plan, request);
      const result = await describe(graph, env, accessToken, pageId, postId, plan.kind === 'video');
      await postFirstComment(graph, accessToken, postId, request.firstComment);
      return result;
    },

    /** `graph.comments.ts`. */
    fetchComments: (request) => fetchFacebookComments(graph, request),
    replyToComment: (request) => replyOnGraph(graph, env, 'comments', request),

    /** Insights and counts (`graph.metrics.ts`). */
    fetchMetrics: (request) => fetchFacebookMetrics(graph, request),
    fetchAccountStats: (request) => fetchFacebookAccountStats(graph, request),
  };
}

function planFor(media: PublishMedia[]): Plan {
  const videos = media.filter((m) => m.type === 'video');
  if (videos.length && (videos.length > 1 || media.length > 1)) {
    throw new PlatformError(
      'invalid_content',
      'A Facebook post takes one video, without photos',
      'media_mix',
    );
  }
  if (videos.length) return { kind: 'video', media: videos[0]! };
  if (media.length === 1) return { kind: 'photo', media: media[0]! };
  return media.length ? { kind: 'album', media } : { kind: 'feed' };
}

async function create(
  graph: GraphClient,
  pageId: string,
  accessToken: string,
  plan: Plan,
  request: PublishRequest,
): Promise<string> {
  const text = withLink(request.caption, request.link);
  const message = request.caption || undefined;
  switch (plan.kind) {
    case 'feed': {
      const answer = await graph.post(
        `${pageId}/feed`,
        { message, link: request.link ?? undefined },
        { accessToken },
      );
      return requireString(answer, 'id', 'the new post');
    }
    case 'photo': {
      const body = { url: plan.media.url, caption: text || undefined, published: true };
      return requireString(
        await graph.post(`${pageId}/photos`, body, { accessToken }),
        'post_id',
        'the new photo',
      );
    }
    case 'album': {
      const attached: { media_fbid: string }[] = [];
      for (const item of plan.media) {
        const answer = await graph.post(
          `${pageId}/photos`,
          { url: item.url, published: false },
          { accessToken },
        );
        attached.push({ media_fbid: requireString(answer, 'id', 'an unpublished photo') });
      }
      const body = { message: text || undefined, attached_media: attached };
      return requireString(
        await graph.post(`${pageId}/feed`, body, { accessToken, json: true }),
        'id',
        'the new post',
      );
    }
    case 'video': {
      const body = { file_url: plan.media.url, description: text || undefined };
      return requireString(
        await graph.post(`${pageId}/videos`, body, { accessToken }),
        'id',
        'the new video',
      );
    }
  }
}

/** Permalink and creation time; best effort, since the post exists already. */
async function describe(
  graph: GraphClient,
  env: ConnectorEnvironment,
  accessToken: string,
  pageId: string,
  postId: string,
  video: boolean,
): Promise<PublishResult> {
  const fallback = video
    ? `https://www.facebook.com/${pageId}/videos/${postId}`
    : `https://www.facebook.com/${postId.replace('_', '/posts/')}`;
  try {
    const item = await graph.get<RecentItem>(
      postId,
      { fields: 'permalink_url,created_time' },
      { accessToken },
    );
    return toResult(env, { ...item, id: postId }, fallback);
  } catch {
    return { platformPostId: postId, platformUrl: fallback, publishedAt: env.now() };
  }
}

function toResult(env: ConnectorEnvironment, item: RecentItem, fallbackUrl: string): PublishResult {
  const url = item.permalink_url?.startsWith('/')
    ? `https://www.facebook.com${item.permalink_url}`
    : item.permalink_url;
  return {
    platformPostId: item.id,
    platformUrl: url || fallbackUrl,
    publishedAt: graphTime(item.created_time, env.now()),
  };
}

async function findEarlier(
  graph: GraphClient,
  env: ConnectorEnvironment,
  args: { pageId: string; accessToken: string; plan: Plan; text: string; lookbackMs: number },
): Promise<PublishResult | null> {
  const { pageId, accessToken, plan, text } = args;
  const video = plan.kind === 'video';
  const since = env.now() - args.lookbackMs;
  const answer = await graph.get<{ data?: RecentItem[] }>(
    video ? `${pageId}/videos` : `${pageId}/posts`,
    {
      fields: video ? 'id,description,created_time,permalink_url' : 'id,message,created_time,permalink_url',
      since: Math.floor(since / 1000),
      limit: 25,
    },
    { accessToken },
  );
  const first = earliestWithText(answer.data ?? [], text, since, {
    text: (item) => (video ? item.description : item.message),
    createdAt: (item) => item.created_time,
  });
  return first ? toResult(env, first, `https://www.facebook.com/${first.id}`) : null;
}

/** Whether the post has a comment with this text by the Page (or by an author Graph does not name). */
async function hasPageComment(
  graph: GraphClient,
  pageId: string,
  accessToken: string,
  postId: string,
  text: string,
): Promise<boolean> {
  const answer = await graph.get<{ data?: { message?: string; from?: { id?: string } }[] }>(
    `${postId}/comments`,
    { fields: 'id,message,from', filter: 'stream', limit: 100 },
    { accessToken },
  );
  return (answer.data ?? []).some((c) => c.message?.trim() === text && (!c.from?.id || c.from.id === pageId));
}
