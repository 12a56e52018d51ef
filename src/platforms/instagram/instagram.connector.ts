import {
  PlatformError,
  type ConnectedAccount,
  type ConnectorEnvironment,
  type PlatformConnector,
  type PublishMedia,
  type PublishRequest,
  type PublishResult,
} from '../connector.js';
import {
  connectWithFacebookLogin,
  facebookAuthorizationUrl,
  graphTime,
  renewUserToken,
  requireString,
  type GraphClient,
} from '../graph/graph.client.js';
import { fetchInstagramComments, replyOnGraph } from '../graph/graph.comments.js';
import { fetchInstagramAccountStats, fetchInstagramMetrics } from '../graph/graph.metrics.js';
import {
  earliestWithText,
  earlierAttempt,
  graphConnection,
  postFirstComment,
  withLink,
  type GraphConnectorOptions,
} from '../graph/graph.publishing.js';

/**
 * Instagram professional (business or creator) accounts through the Instagram API with Facebook Login
 * (developers.facebook.com/docs/instagram-platform/content-publishing, …/reference/ig-user/media,
 * …/ig-user/media_publish, …/ig-container, …/ig-user/content_publishing_limit, …/ig-media/comments,
 * …/reference/page for `instagram_business_account`).
 *
 * The accounts are the Instagram accounts linked to the Pages the user manages. Publishing uses the
 * long-lived Facebook user token (about 60 days), which `refresh` exchanges for a fresh one.
 */

/** `instagram_manage_comments` is needed for the first comment only. */
export const INSTAGRAM_SCOPES = [
  'instagram_basic',
  'instagram_content_publish',
  'instagram_manage_comments',
  'pages_show_list',
  'pages_read_engagement',
] as const;
const REQUIRED_SCOPES = ['instagram_basic', 'instagram_content_publish', 'pages_show_list'];

export interface InstagramConnectorOptions extends GraphConnectorOptions {
  /** Wait between two container status checks (default 3 s; tests use 0). */
  pollIntervalMs?: number;
  /** Status checks before giving up on a container with a transient error (default 60). */
  maxPollAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

interface PageWithInstagram {
  id: string;
  name?: string;
  instagram_business_account?: { id: string; username?: string; name?: string };
}

interface RecentMedia {
  id: string;
  caption?: string;
  timestamp?: string;
  permalink?: string;
}

export function createInstagramConnector(
  env: ConnectorEnvironment,
  options: InstagramConnectorOptions = {},
): PlatformConnector {
  const { version, graph, lookbackMs } = graphConnection(env, options);
  const polling = {
    intervalMs: options.pollIntervalMs ?? 3000,
    attempts: options.maxPollAttempts ?? 60,
    sleep: options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))),
  };

  return {
    platform: 'instagram',
    usesPkce: false,

    authorizationUrl: (request) => facebookAuthorizationUrl(env, version, INSTAGRAM_SCOPES, request),

    async exchangeCode(exchange): Promise<ConnectedAccount[]> {
      const { user, scopes, pages } = await connectWithFacebookLogin<PageWithInstagram>(
        graph,
        env,
        exchange,
        REQUIRED_SCOPES,
        'id,name,instagram_business_account{id,username,name}',
      );
      return pages.flatMap((page) => {
        const ig = page.instagram_business_account;
        if (!ig?.id) return [];
        return [
          {
            platformAccountId: ig.id,
            name: ig.name || ig.username || ig.id,
            username: ig.username ?? null,
            tokens: { accessToken: user.accessToken, refreshToken: null, expiresAt: user.expiresAt, scopes },
            metadata: { pageId: page.id, pageName: page.name ?? '' },
          },
        ];
      });
    },

    refresh: (tokens) => renewUserToken(graph, env, tokens),

    /**
     * Checks the account's 24-hour publishing quota, creates the container (`POST /{ig-user}/media`:
     * `image_url`; `video_url` with `media_type=REELS`; or one `is_carousel_item` child per item and a
     * `CAROUSEL` parent with `children`), polls `GET /{container}?fields=status_code` until `FINISHED`
     * (`ERROR`/`EXPIRED` → `invalid_content`; still `IN_PROGRESS` after `maxPollAttempts` → `transient`),
     * publishes it (`POST /{ig-user}/media_publish` with `creation_id`), reads its `permalink`, and posts
     * the first comment (`POST /{ig-media}/comments`). The link, if any, is appended to the caption
     * (Instagram captions do not make links clickable).
     *
     * Idempotency: the container id is the natural idempotency key — `media_publish` of one container
     * publishes once — but a container created by an attempt that then crashed is not known to the next
     * attempt (nothing is recorded for it yet), so the retry creates a new one and could publish twice.
     * To prevent that, an attempt > 1 first lists the account's recent media
     * (`GET /{ig-user}/media?fields=caption,timestamp,permalink`) and, when one with exactly the same
     * caption was published within `retryLookbackMs`, returns it instead (adding the first comment if it
     * is still missing). Posts without a caption cannot be recognised and are published again. A failed
     * lookup fails the attempt rather than risk a duplicate. Unpublished containers expire on their own
     * after 24 hours.
     *
     * A first comment refused with `invalid_content` or `permanent` is dropped (the post is live and a
     * retry cannot fix the comment); any other failure of it fails the attempt, and the retry finds the
     * media and adds the comment.
     */
    async publish(request: PublishRequest): Promise<PublishResult> {
      const igUserId = request.account.platformAccountId;
      const accessToken = request.account.accessToken;
      const caption = withLink(request.caption, request.link);
      checkMedia(request.media);

      const earlier = await earlierAttempt(graph, request, caption, {
        find: () => findEarlier(graph, env, { igUserId, accessToken, caption, lookbackMs }),
        hasComment: (mediaId, comment) => hasComment(graph, accessToken, mediaId, comment),
      });
      if (earlier) return earlier;
      await checkQuota(graph, igUserId, accessToken);
      const wait = (id: string) => waitForContainer(graph, accessToken, id, polling);
      const containerId = await createContainer(graph, igUserId, accessToken, request.media, caption, wait);
      await wait(containerId);
      const published = await graph.post(
        `${igUserId}/media_publish`,
        { creation_id: containerId },
        { accessToken },
      );
      const mediaId = requireString(published, 'id', 'the published media');
      const media = await graph.get<RecentMedia>(
        mediaId,
        { fields: 'id,permalink,timestamp' },
        { accessToken },
      );
      const result: PublishResult = {
        platformPostId: mediaId,
        platformUrl: requireString(media, 'permalink', 'the published media'),
        publishedAt: graphTime(media.timestamp, env.now()),
      };
      await postFirstComment(graph, accessToken, mediaId, request.firstComment);
      return result;
    },

    /** `graph.comments.ts`. */
    fetchComments: (request) => fetchInstagramComments(graph, request),
    replyToComment: (request) => replyOnGraph(graph, env, 'replies', request),

    /** Insights and counts (`graph.metrics.ts`). */
    fetchMetrics: (request) => fetchInstagramMetrics(graph, request),
    fetchAccountStats: (request) => fetchInstagramAccountStats(graph, request),
  };
}

function checkMedia(media: PublishMedia[]): void {
  if (media.length === 0) {
    throw new PlatformError(
      'invalid_content',
      'Instagram posts need at least one photo or video',
      'media_required',
    );
  }
  if (media.length > 10) {
    throw new PlatformError('invalid_content', 'An Instagram carousel takes at most 10 items', 'media_count');
  }
  if (media.some((m) => m.type === 'gif')) {
    throw new PlatformError('invalid_content', 'Instagram does not take GIFs', 'media_type');
  }
}

async function checkQuota(graph: GraphClient, igUserId: string, accessToken: string): Promise<void> {
  const answer = await graph.get<{ data?: { quota_usage?: number; config?: { quota_total?: number } }[] }>(
    `${igUserId}/content_publishing_limit`,
    { fields: 'quota_usage,config' },
    { accessToken },
  );
  const usage = answer.data?.[0];
  const total = usage?.config?.quota_total;
  if (usage?.quota_usage !== undefined && total !== undefined && usage.quota_usage >= total) {
    throw new PlatformError(
      'rate_limited',
      `The Instagram account has published ${usage.quota_usage} of its ${total} posts allowed in 24 hours`,
      'content_publishing_limit',
    );
  }
}

/** Single media → one container; several → children first (video children must finish), then the carousel. */
async function createContainer(
  graph: GraphClient,
  igUserId: string,
  accessToken: string,
  media: PublishMedia[],
  caption: string,
  wait: (id: string) => Promise<void>,
): Promise<string> {
  const create = async (body: Record<string, unknown>) =>
    requireString(await graph.post(`${igUserId}/media`, body, { accessToken }), 'id', 'the new container');
  const text = caption || undefined;
  if (media.length === 1) {
    const item = media[0]!;
    return create(
      item.type === 'video'
        ? { media_type: 'REELS', video_url: item.url, caption: text }
        : { image_url: item.url, caption: text },
    );
  }
  const children: string[] = [];
  for (const item of media) {
    const video = item.type === 'video';
    const id = await create(
      video
        ? { media_type: 'VIDEO', video_url: item.url, is_carousel_item: true }
        : { image_url: item.url, is_carousel_item: true },
    );
    if (video) await wait(id);
    children.push(id);
  }
  return create({ media_type: 'CAROUSEL', children: children.join(','), caption: text });
}

async function waitForContainer(
  graph: GraphClient,
  accessToken: string,
  containerId: string,
  polling: { intervalMs: number; attempts: number; sleep: (ms: number) => Promise<void> },
): Promise<void> {
  for (let attempt = 1; attempt <= polling.attempts; attempt++) {
    const answer = await graph.get<{ status_code?: string; status?: string }>(
      containerId,
      { fields: 'status_code,status' },
      { accessToken },
    );
    switch (answer.status_code) {
      case 'FINISHED':
        return;
      case 'ERROR':
      case 'EXPIRED':
        throw new PlatformError(
          'invalid_content',
          `Instagram could not process the media: container ${answer.status_code}${answer.status ? ` (${answer.status})` : ''}`,
          `container_${answer.status_code.toLowerCase()}`,
        );
      case 'PUBLISHED':
        throw new PlatformError(
          'permanent',
          'The Instagram container was already published',
          'container_published',
        );
    }
    if (attempt < polling.attempts) await polling.sleep(polling.intervalMs);
  }
  throw new PlatformError(
    'transient',
    `Instagram was still processing the media after ${polling.attempts} status checks`,
    'container_timeout',
  );
}

async function findEarlier(
  graph: GraphClient,
  env: ConnectorEnvironment,
  args: { igUserId: string; accessToken: string; caption: string; lookbackMs: number },
): Promise<PublishResult | null> {
  const since = env.now() - args.lookbackMs;
  const answer = await graph.get<{ data?: RecentMedia[] }>(
    `${args.igUserId}/media`,
    { fields: 'id,caption,timestamp,permalink', limit: 25 },
    { accessToken: args.accessToken },
  );
  const published = (answer.data ?? []).filter((m) => m.permalink);
  const first = earliestWithText(published, args.caption, since, {
    text: (m) => m.caption,
    createdAt: (m) => m.timestamp,
  });
  return first
    ? {
        platformPostId: first.id,
        platformUrl: first.permalink!,
        publishedAt: graphTime(first.timestamp, env.now()),
      }
    : null;
}

/** Whether the media has a comment with this text. */
async function hasComment(
  graph: GraphClient,
  accessToken: string,
  mediaId: string,
  text: string,
): Promise<boolean> {
  const answer = await graph.get<{ data?: { text?: string }[] }>(
    `${mediaId}/comments`,
    { fields: 'id,text', limit: 100 },
    { accessToken },
  );
  return (answer.data ?? []).some((c) => c.text?.trim() === text);
}
