/**
 * A local fake of Meta's Graph API (Facebook Login, Pages, Instagram content publishing) for connector
 * and end-to-end tests. It never reaches the internet.
 *
 * ```ts
 * const fake = await startFakeGraph();
 * const env = { apiBaseUrl: fake.url, authBaseUrl: 'https://www.facebook.com', clientId: fake.clientId,
 *               clientSecret: fake.clientSecret, fetch, now: Date.now, timeoutMs: 2000 };
 * // publish as a Page: account.accessToken = fake.state.pages[0].accessToken
 * // publish to Instagram: account.accessToken = fake.state.userToken
 * fake.state.failNext({ kind: 'rate_limit', code: 32, regainMinutes: 5 });
 * ... assert.equal(fake.state.posts.length, 1); fake.state.requests lists every call ...
 * await fake.close();
 * ```
 *
 * Implemented (under any `/vNN.N/` version segment): `GET oauth/access_token` (code exchange, single
 * use; `grant_type=fb_exchange_token`), `GET me`, `GET me/accounts` (cursor paging, `fields` with
 * `instagram_business_account{…}`), `GET me/permissions`, `POST {page}/feed` (`message`, `link`,
 * `attached_media`), `GET {page}/posts` (`since`, `limit`), `POST {page}/photos` (`url`, `caption`,
 * `published`), `POST|GET {page}/videos`, `POST|GET {object}/comments`, `POST|GET {ig-user}/media`
 * (containers: `image_url`, `video_url` + `REELS`/`VIDEO`, `CAROUSEL` + `children`),
 * `POST {ig-user}/media_publish`, `GET {ig-user}/content_publishing_limit`, `GET {id}` for posts,
 * videos, containers (`status_code`), media, Pages and Instagram users.
 *
 * Insights and engagement (values from `state.setInsights(id, {name: value})`, default 0):
 * `GET {post}/insights?metric=post_media_view,post_total_media_view_unique,post_clicks` and
 * `GET {ig-media}/insights?metric=views,reach,likes,comments,shares,saved,total_interactions` →
 * `{data: [{name, period: 'lifetime', values: [{value}], title, description, id}]}`; a deprecated or
 * unknown metric (`post_impressions*`, IG `impressions`, `video_views`) fails the call with `(#100)`, as
 * Graph does. `GET {post}?fields=reactions.summary(total_count).limit(0),comments.summary(total_count)
 * .limit(0),shares` → `reactions.summary.total_count` (setInsights `reactions`), `comments.summary.
 * total_count` (stored comments), `shares.count` (setInsights `shares`; left out when 0). Page and IG user
 * nodes add `followers_count`, `fan_count`, `follows_count`, `media_count` from `setInsights(id, …)`.
 * Comments: `GET {post}/comments` (top level; `filter=stream` → replies too, each with `parent{id}`),
 * `POST|GET {fb-comment}/comments` (replies), `GET {ig-media}/comments` (top level, `replies{data}`
 * nested), `POST|GET {ig-comment}/replies`; rows carry `created_time`/`from{id,name}` (Facebook) or
 * `timestamp`/`username`/`from{id,username}` (Instagram); `limit` + `after` cursor paging
 * (`paging.cursors`, `paging.next` while more). `state.addComment()` adds someone else's comment.
 *
 * Tokens are checked (unknown → 190, expired → 190/463), as is `appsecret_proof` when sent. Errors use
 * Graph's body: `{"error": {"message", "type", "code", "error_subcode", "is_transient", "fbtrace_id"}}`.
 * Knobs on `state`: `failNext` (rate limits with usage headers, 190, transient, 100, 200, HTTP 500/429,
 * a hang; optionally after doing the work, like a lost answer), `expireToken`, `containerPolls` and
 * `containerOutcome` / `mediaUrlOutcome` (IN_PROGRESS for N polls, then FINISHED, ERROR or EXPIRED),
 * `publishingQuota`, `grantedScopes`, `addPost` / `addMedia` to seed history.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeGraphOptions {
  clientId?: string;
  clientSecret?: string;
  /** Pages the user manages; default: one with an Instagram account, one without. */
  pages?: { id: string; name: string; instagram?: { id: string; username: string; name: string } }[];
  /** Page size of `GET me/accounts` (default 25). */
  accountsPageSize?: number;
  /** The fake's clock (epoch ms) for `created_time` / `timestamp`; default `Date.now`. */
  now?: () => number;
}

export interface RecordedRequest {
  method: string;
  /** Without the version segment or leading slash: `123/feed`. */
  path: string;
  version: string;
  query: Record<string, string>;
  body: Record<string, unknown>;
  contentType: string;
}

export interface FakePage {
  id: string;
  name: string;
  accessToken: string;
  instagram?: { id: string; username: string; name: string };
}

export interface FakePost {
  id: string;
  pageId: string;
  message?: string;
  link?: string;
  photoIds: string[];
  createdTime: number;
}

export interface FakePhoto {
  id: string;
  pageId: string;
  url: string;
  caption?: string;
  published: boolean;
}

export interface FakeVideo {
  id: string;
  pageId: string;
  fileUrl: string;
  description?: string;
  createdTime: number;
}

export type ContainerStatus = 'IN_PROGRESS' | 'FINISHED' | 'ERROR' | 'EXPIRED' | 'PUBLISHED';

export interface FakeContainer {
  id: string;
  igUserId: string;
  mediaType: 'IMAGE' | 'VIDEO' | 'REELS' | 'CAROUSEL';
  url?: string;
  caption?: string;
  isCarouselItem: boolean;
  children: string[];
  status: ContainerStatus;
  pollsLeft: number;
  outcome: 'FINISHED' | 'ERROR' | 'EXPIRED';
  polls: number;
}

export interface FakeMedia {
  id: string;
  igUserId: string;
  caption?: string;
  mediaType: string;
  containerId?: string;
  permalink: string;
  timestamp: number;
}

export interface FakeComment {
  id: string;
  /** What it was posted on: a post, video, media or (a reply) another comment. */
  parentId: string;
  message: string;
  fromId: string;
  /** The post, video or media at the root of the thread. */
  postId?: string;
  /** Epoch ms (default: the fake's clock when added). */
  createdTime?: number;
  fromName?: string;
}

export interface FailureSpec {
  kind:
    | 'rate_limit'
    | 'auth_expired'
    | 'transient'
    | 'invalid'
    | 'permission'
    | 'http_500'
    | 'http_429'
    | 'hang'
    | 'error';
  /** How many matching calls fail (default 1). */
  times?: number;
  /** Which calls: method and/or path (exact string, or a RegExp on the path). Default: the next call. */
  match?: { method?: string; path?: string | RegExp };
  /** Do the work first, then answer with the failure: the platform acted, the caller never heard. */
  afterEffect?: boolean;
  /** `rate_limit`: the Graph code (default 32; 4 sends `x-app-usage`, others `x-business-use-case-usage`). */
  code?: number;
  /** `rate_limit`: minutes in `estimated_time_to_regain_access`. */
  regainMinutes?: number;
  /** `hang`: how long to wait before answering (default 5 s). */
  hangMs?: number;
  /** `error`: the answer. */
  status?: number;
  error?: Record<string, unknown>;
  headers?: Record<string, string>;
}

export interface FakeGraphState {
  readonly requests: RecordedRequest[];
  readonly pages: FakePage[];
  readonly posts: FakePost[];
  readonly photos: FakePhoto[];
  readonly videos: FakeVideo[];
  readonly containers: FakeContainer[];
  readonly media: FakeMedia[];
  readonly comments: FakeComment[];
  /** A long-lived user token valid from the start (what a connected Instagram account holds). */
  readonly userToken: string;
  grantedScopes: string[];
  /** `IN_PROGRESS` answers a new container gives before it settles (default 0). */
  containerPolls: number;
  /** How new containers settle (default FINISHED); `mediaUrlOutcome` overrides it per media URL. */
  containerOutcome: 'FINISHED' | 'ERROR' | 'EXPIRED';
  readonly mediaUrlOutcome: Map<string, 'ERROR' | 'EXPIRED'>;
  publishingQuota: { usage: number; total: number };
  failNext(spec: FailureSpec): void;
  expireToken(token: string): void;
  addPost(post: Omit<FakePost, 'id' | 'photoIds'> & { photoIds?: string[] }): FakePost;
  addMedia(media: Omit<FakeMedia, 'id' | 'permalink' | 'mediaType'> & { mediaType?: string }): FakeMedia;
  /** Recorded calls with this method whose path matches. */
  calls(method: string, path: string | RegExp): RecordedRequest[];
  /** Insights, engagement and audience numbers of an object (post, media, Page, IG user), merged. */
  setInsights(id: string, values: Record<string, number>): void;
  /** Metric names Graph no longer knows (as after a Meta deprecation): asking for one fails with (#100). */
  readonly retiredMetrics: Set<string>;
  /** Someone's comment on a post/media, or a reply to a comment (`on` = the comment's id). */
  addComment(input: {
    on: string;
    message: string;
    fromId?: string;
    fromName?: string;
    createdTime?: number;
  }): FakeComment;
}

export interface FakeGraph {
  url: string;
  clientId: string;
  clientSecret: string;
  state: FakeGraphState;
  close(): Promise<void>;
}

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

type TokenInfo = { kind: 'short' | 'user' | 'page'; pageId?: string; expired: boolean };

interface Ctx extends RecordedRequest {
  params: Record<string, unknown>;
  token?: TokenInfo;
  tokenValue?: string;
}

const ok = (body: unknown): Reply => ({ status: 200, body });

function graphError(status: number, error: Record<string, unknown>, headers?: Record<string, string>): Reply {
  return {
    status,
    headers,
    body: { error: { type: 'OAuthException', ...error, fbtrace_id: randomBytes(8).toString('base64url') } },
  };
}

const invalid = (message: string, subcode?: number) =>
  graphError(400, {
    message: `(#100) ${message}`,
    code: 100,
    ...(subcode ? { error_subcode: subcode } : {}),
  });
const noObject = (id: string) =>
  graphError(400, {
    message: `Unsupported request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
    type: 'GraphMethodException',
    code: 100,
    error_subcode: 33,
  });
const permission = (message: string) => graphError(403, { message: `(#200) ${message}`, code: 200 });

/** Graph's timestamp format: `2024-05-01T12:00:00+0000`. */
export function graphTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+0000');
}

/** `a,b{c,d},e` → Map { a → null, b → 'c,d', e → null }. */
function parseFields(fields: unknown): Map<string, string | null> {
  const out = new Map<string, string | null>();
  const text = typeof fields === 'string' ? fields : '';
  let depth = 0;
  let start = 0;
  const push = (part: string) => {
    const brace = part.indexOf('{');
    if (brace < 0) out.set(part.trim(), null);
    else out.set(part.slice(0, brace).trim(), part.slice(brace + 1, part.lastIndexOf('}')));
  };
  for (let i = 0; i <= text.length; i++) {
    const c = text[i];
    if (c === '{') depth++;
    else if (c === '}') depth--;
    else if ((c === ',' && depth === 0) || i === text.length) {
      if (i > start) push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.delete('');
  return out;
}

function pick(obj: Record<string, unknown>, fields: unknown, defaults: string[]): Record<string, unknown> {
  const wanted = parseFields(fields);
  const keys = wanted.size ? [...wanted.keys()] : defaults;
  const out: Record<string, unknown> = { id: obj.id };
  for (const key of keys) if (obj[key] !== undefined) out[key] = obj[key];
  return out;
}

export async function startFakeGraph(options: FakeGraphOptions = {}): Promise<FakeGraph> {
  const clientId = options.clientId ?? 'fb-app-id';
  const clientSecret = options.clientSecret ?? 'fb-app-secret';
  const now = options.now ?? Date.now;
  const pageSize = options.accountsPageSize ?? 25;
  let seq = 1000;
  const nextId = () => String(++seq);

  const tokens = new Map<string, TokenInfo>();
  const usedCodes = new Set<string>();
  const failures: (FailureSpec & { left: number })[] = [];
  const userToken = 'EAA-user-long-0';
  tokens.set(userToken, { kind: 'user', expired: false });

  const pages: FakePage[] = (
    options.pages ?? [
      {
        id: '101',
        name: 'Acme Coffee',
        instagram: { id: '17841400000000001', username: 'acmecoffee', name: 'Acme Coffee' },
      },
      { id: '102', name: 'Acme Tea' },
    ]
  ).map((p) => ({ ...p, accessToken: `EAA-page-${p.id}` }));
  for (const page of pages) tokens.set(page.accessToken, { kind: 'page', pageId: page.id, expired: false });

  const state: FakeGraphState = {
    requests: [],
    pages,
    posts: [],
    photos: [],
    videos: [],
    containers: [],
    media: [],
    comments: [],
    userToken,
    grantedScopes: [
      'pages_show_list',
      'pages_manage_posts',
      'pages_read_engagement',
      'pages_manage_engagement',
      'instagram_basic',
      'instagram_content_publish',
      'instagram_manage_comments',
      'public_profile',
    ],
    containerPolls: 0,
    containerOutcome: 'FINISHED',
    mediaUrlOutcome: new Map(),
    publishingQuota: { usage: 0, total: 50 },
    failNext: (spec) => failures.push({ ...spec, left: spec.times ?? 1 }),
    expireToken: (token) => {
      const info = tokens.get(token);
      if (info) info.expired = true;
    },
    addPost: (post) => {
      const created: FakePost = { photoIds: [], ...post, id: `${post.pageId}_${nextId()}` };
      state.posts.push(created);
      return created;
    },
    addMedia: (media) => {
      const created: FakeMedia = {
        mediaType: 'IMAGE',
        ...media,
        id: `1790${nextId()}`,
        permalink: `https://www.instagram.com/p/${randomBytes(6).toString('base64url')}/`,
      };
      state.media.push(created);
      return created;
    },
    setInsights: (id, values) => insights.set(id, { ...insights.get(id), ...values }),
    retiredMetrics: new Set<string>(),
    addComment: (input) => {
      const root = rootOf(input.on);
      if (!root) throw new Error(`fake Graph: nothing to comment on with id ${input.on}`);
      const comment: FakeComment = {
        id: `${root}_c${nextId()}`,
        parentId: input.on,
        message: input.message,
        fromId: input.fromId ?? `9${nextId()}`,
        fromName: input.fromName ?? 'Someone Else',
        postId: root,
        createdTime: input.createdTime ?? now(),
      };
      state.comments.push(comment);
      return comment;
    },
    calls: (method, path) =>
      state.requests.filter(
        (r) => r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path)),
      ),
  };

  const insights = new Map<string, Record<string, number>>();
  /** Our own address, for `paging.next` links (set once listening). */
  let baseUrl = 'http://127.0.0.1';
  /** The post, video or media a comment thread hangs off (the object itself when it is one). */
  const rootOf = (id: string): string | undefined => {
    if ([...state.posts, ...state.videos, ...state.media].some((x) => x.id === id)) return id;
    const comment = state.comments.find((c) => c.id === id);
    return comment ? (comment.postId ?? rootOf(comment.parentId)) : undefined;
  };
  const pageById = (id: string) => pages.find((p) => p.id === id);
  const pageByIg = (id: string) => pages.find((p) => p.instagram?.id === id);

  // --- Facebook Login -----------------------------------------------------------------------------

  function oauth(ctx: Ctx): Reply {
    const q = ctx.params;
    if (q.client_id !== clientId || q.client_secret !== clientSecret) {
      return graphError(400, { message: 'Error validating client secret.', code: 1 });
    }
    if (q.grant_type === 'fb_exchange_token') {
      const info = tokens.get(String(q.fb_exchange_token));
      if (!info || info.kind === 'page')
        return graphError(400, { message: 'Invalid OAuth access token.', code: 190 });
      if (info.expired) return expired();
      const token = `EAA-user-long-${nextId()}`;
      tokens.set(token, { kind: 'user', expired: false });
      return ok({ access_token: token, token_type: 'bearer', expires_in: 5183944 });
    }
    const code = typeof q.code === 'string' ? q.code : '';
    if (!code || !q.redirect_uri) return invalid('Missing redirect_uri or code');
    if (usedCodes.has(code)) return invalid('This authorization code has been used.', 36009);
    usedCodes.add(code);
    const token = `EAA-user-short-${nextId()}`;
    tokens.set(token, { kind: 'short', expired: false });
    return ok({ access_token: token, token_type: 'bearer', expires_in: 5400 });
  }

  function expired(): Reply {
    return graphError(400, {
      message: 'Error validating access token: Session has expired.',
      code: 190,
      error_subcode: 463,
    });
  }

  function me(ctx: Ctx, edge: string | undefined): Reply {
    const token = ctx.token!;
    if (!edge) {
      const page = token.pageId ? pageById(token.pageId) : undefined;
      return ok(page ? { id: page.id, name: page.name } : { id: '900', name: 'Alex Example' });
    }
    if (token.kind === 'page')
      return graphError(400, { message: '(#100) Page tokens have no accounts', code: 100 });
    if (edge === 'permissions') {
      return ok({ data: state.grantedScopes.map((permission) => ({ permission, status: 'granted' })) });
    }
    if (edge !== 'accounts') return invalid(`Unknown path components: /me/${edge}`);
    const fields = parseFields(ctx.params.fields);
    const start = Number(ctx.params.after ?? 0);
    const limit = Math.min(Number(ctx.params.limit ?? pageSize), pageSize);
    const slice = pages.slice(start, start + limit);
    const data = slice.map((page) => {
      const row: Record<string, unknown> = { id: page.id, name: page.name, access_token: page.accessToken };
      if (fields.has('instagram_business_account') && page.instagram) {
        row.instagram_business_account = { ...page.instagram };
      }
      return fields.size ? pick(row, ctx.params.fields, []) : row;
    });
    const more = start + limit < pages.length;
    return ok({
      data,
      paging: {
        cursors: { before: String(start), after: String(start + limit) },
        ...(more ? { next: `https://graph.example/next?after=${start + limit}` } : {}),
      },
    });
  }

  // --- Pages --------------------------------------------------------------------------------------

  function pageToken(ctx: Ctx, page: FakePage): Reply | null {
    return ctx.token?.pageId === page.id
      ? null
      : permission(
          'If posting to a page, requires both pages_read_engagement and pages_manage_posts as an admin',
        );
  }

  const postView = (post: FakePost) => ({
    id: post.id,
    message: post.message,
    created_time: graphTimestamp(post.createdTime),
    permalink_url: `https://www.facebook.com/${post.pageId}/posts/${post.id.split('_')[1]}`,
  });
  const videoView = (video: FakeVideo) => ({
    id: video.id,
    description: video.description,
    created_time: graphTimestamp(video.createdTime),
    permalink_url: `/${video.pageId}/videos/${video.id}/`,
  });

  function pageEdge(ctx: Ctx, page: FakePage, edge: string): Reply {
    const denied = pageToken(ctx, page);
    if (denied) return denied;
    const p = ctx.params;
    const since = p.since !== undefined ? Number(p.since) * 1000 : -Infinity;
    const limit = Number(p.limit ?? 25);
    if (ctx.method === 'GET' && (edge === 'posts' || edge === 'feed')) {
      const rows = state.posts
        .filter((post) => post.pageId === page.id && post.createdTime >= since)
        .sort((a, b) => b.createdTime - a.createdTime)
        .slice(0, limit);
      return ok({ data: rows.map((post) => pick(postView(post), p.fields, ['message', 'created_time'])) });
    }
    if (ctx.method === 'GET' && edge === 'videos') {
      const rows = state.videos
        .filter((video) => video.pageId === page.id && video.createdTime >= since)
        .sort((a, b) => b.createdTime - a.createdTime)
        .slice(0, limit);
      return ok({
        data: rows.map((video) => pick(videoView(video), p.fields, ['description', 'created_time'])),
      });
    }
    if (ctx.method === 'POST' && edge === 'feed') {
      const attached = typeof p.attached_media === 'string' ? JSON.parse(p.attached_media) : p.attached_media;
      const photoIds = Array.isArray(attached)
        ? attached.map((a: { media_fbid?: unknown }) => String(a.media_fbid))
        : [];
      for (const id of photoIds) {
        const photo = state.photos.find((ph) => ph.id === id && ph.pageId === page.id && !ph.published);
        if (!photo) return invalid(`attached_media ${id} is not an unpublished photo of this Page`);
      }
      if (!p.message && !p.link && photoIds.length === 0) return invalid('param message must be non-empty');
      const post = state.addPost({
        pageId: page.id,
        message: p.message as string | undefined,
        link: p.link as string | undefined,
        photoIds,
        createdTime: now(),
      });
      return ok({ id: post.id });
    }
    if (ctx.method === 'POST' && edge === 'photos') {
      if (typeof p.url !== 'string' || !/^https?:\/\//.test(p.url))
        return invalid('url should represent a valid URL');
      const published = p.published !== 'false' && p.published !== false;
      const photo: FakePhoto = {
        id: nextId(),
        pageId: page.id,
        url: p.url,
        caption: (p.caption ?? p.message) as string | undefined,
        published,
      };
      state.photos.push(photo);
      if (!published) return ok({ id: photo.id });
      const post = state.addPost({
        pageId: page.id,
        message: photo.caption,
        photoIds: [photo.id],
        createdTime: now(),
      });
      return ok({ id: photo.id, post_id: post.id });
    }
    if (ctx.method === 'POST' && edge === 'videos') {
      if (typeof p.file_url !== 'string') return invalid('file_url or source is required');
      const video: FakeVideo = {
        id: nextId(),
        pageId: page.id,
        fileUrl: p.file_url,
        description: p.description as string | undefined,
        createdTime: now(),
      };
      state.videos.push(video);
      return ok({ id: video.id });
    }
    return invalid(`Unsupported ${ctx.method} on /${page.id}/${edge}`);
  }

  // --- Instagram ----------------------------------------------------------------------------------

  function igAccess(ctx: Ctx, page: FakePage): Reply | null {
    const token = ctx.token!;
    if (token.kind === 'user' || token.pageId === page.id) return null;
    return permission('The user must be an admin of the Page linked to this Instagram account');
  }

  function igEdge(ctx: Ctx, page: FakePage, edge: string): Reply {
    const denied = igAccess(ctx, page);
    if (denied) return denied;
    const igUserId = page.instagram!.id;
    const p = ctx.params;
    if (ctx.method === 'GET' && edge === 'media') {
      const rows = state.media
        .filter((m) => m.igUserId === igUserId)
        .sort((a, b) => b.timestamp - a.timestamp)
        .slice(0, Number(p.limit ?? 25));
      return ok({ data: rows.map((m) => pick(mediaView(m), p.fields, ['id'])) });
    }
    if (ctx.method === 'GET' && edge === 'content_publishing_limit') {
      return ok({
        data: [
          {
            quota_usage: state.publishingQuota.usage,
            config: { quota_total: state.publishingQuota.total, quota_duration: 86400 },
          },
        ],
      });
    }
    if (ctx.method === 'POST' && edge === 'media') return createContainer(igUserId, p);
    if (ctx.method === 'POST' && edge === 'media_publish') {
      const container = state.containers.find(
        (c) => c.id === String(p.creation_id) && c.igUserId === igUserId,
      );
      if (!container || container.isCarouselItem)
        return invalid('The media container does not exist', 2207006);
      if (container.status !== 'FINISHED') {
        return graphError(400, {
          message: 'Media ID is not available',
          code: 9007,
          error_subcode: 2207027,
          error_user_title: 'Media not ready for publishing',
        });
      }
      if (state.publishingQuota.usage >= state.publishingQuota.total) {
        return graphError(400, {
          message: 'Application request limit reached',
          code: 9,
          error_subcode: 2207042,
        });
      }
      state.publishingQuota.usage++;
      container.status = 'PUBLISHED';
      const media = state.addMedia({
        igUserId,
        caption: container.caption,
        mediaType:
          container.mediaType === 'REELS'
            ? 'VIDEO'
            : container.mediaType === 'CAROUSEL'
              ? 'CAROUSEL_ALBUM'
              : 'IMAGE',
        containerId: container.id,
        timestamp: now(),
      });
      return ok({ id: media.id });
    }
    return invalid(`Unsupported ${ctx.method} on /${igUserId}/${edge}`);
  }

  function createContainer(igUserId: string, p: Record<string, unknown>): Reply {
    const type = String(p.media_type ?? 'IMAGE');
    const isCarouselItem = p.is_carousel_item === true || p.is_carousel_item === 'true';
    const url = (type === 'IMAGE' ? p.image_url : p.video_url) as string | undefined;
    let children: string[] = [];
    if (type === 'CAROUSEL') {
      children = String(p.children ?? '')
        .split(',')
        .filter(Boolean);
      if (children.length < 2 || children.length > 10)
        return invalid('children must list 2 to 10 containers', 2207028);
      for (const id of children) {
        const child = state.containers.find(
          (c) => c.id === id && c.igUserId === igUserId && c.isCarouselItem,
        );
        if (!child) return invalid(`Carousel child ${id} is not a carousel item container`, 2207028);
      }
    } else if (!['IMAGE', 'VIDEO', 'REELS'].includes(type)) {
      return invalid(`media_type ${type} is not supported`, 2207023);
    } else if (typeof url !== 'string' || !/^https?:\/\//.test(url)) {
      return graphError(400, {
        message: 'Only photo or video can be accepted as media type.',
        code: 9004,
        error_subcode: 2207052,
      });
    } else if (type === 'VIDEO' && !isCarouselItem) {
      return invalid('The VIDEO media type is not supported for single posts; use REELS', 2207023);
    }
    const childOutcomes = children.map((id) => state.containers.find((c) => c.id === id)!.outcome);
    const container: FakeContainer = {
      id: nextId(),
      igUserId,
      mediaType: type as FakeContainer['mediaType'],
      url,
      caption: p.caption as string | undefined,
      isCarouselItem,
      children,
      status: 'IN_PROGRESS',
      pollsLeft: state.containerPolls,
      outcome:
        childOutcomes.find((o) => o !== 'FINISHED') ??
        (url ? state.mediaUrlOutcome.get(url) : undefined) ??
        state.containerOutcome,
      polls: 0,
    };
    if (container.pollsLeft === 0) container.status = container.outcome;
    state.containers.push(container);
    return ok({ id: container.id });
  }

  const mediaView = (m: FakeMedia) => ({
    id: m.id,
    caption: m.caption,
    media_type: m.mediaType,
    permalink: m.permalink,
    timestamp: graphTimestamp(m.timestamp),
  });

  // --- Objects and comments -----------------------------------------------------------------------

  function node(ctx: Ctx, id: string): Reply {
    const fields = ctx.params.fields;
    const post = state.posts.find((x) => x.id === id);
    if (post) {
      // `reactions.summary(total_count).limit(0)` → `reactions`: the modifiers only shape the answer.
      const plain = typeof fields === 'string' ? fields.replace(/\.(summary|limit)\([^)]*\)/g, '') : fields;
      const values = insights.get(id) ?? {};
      const engagement: Record<string, unknown> = {
        reactions: { data: [], summary: { total_count: values.reactions ?? 0, viewer_reaction: 'NONE' } },
        comments: {
          data: [],
          summary: {
            order: 'ranked',
            total_count: state.comments.filter((c) => rootOf(c.id) === id).length,
            can_comment: true,
          },
        },
      };
      if (values.shares) engagement.shares = { count: values.shares };
      return (
        pageToken(ctx, pageById(post.pageId)!) ??
        ok(pick({ ...postView(post), ...engagement }, plain, ['message', 'created_time']))
      );
    }
    const video = state.videos.find((x) => x.id === id);
    if (video) return ok(pick(videoView(video), fields, ['description', 'created_time']));
    const container = state.containers.find((x) => x.id === id);
    if (container) {
      container.polls++;
      if (container.status === 'IN_PROGRESS' && container.pollsLeft-- <= 0)
        container.status = container.outcome;
      const status = {
        IN_PROGRESS: 'In Progress: Media is still being processed.',
        FINISHED: 'Finished: Media has been uploaded and it is ready to be published.',
        ERROR: 'Error: Media upload has failed with error code 2207026.',
        EXPIRED: 'Expired: The container was not published within 24 hours.',
        PUBLISHED: 'Published: Media has been published.',
      }[container.status];
      return ok(pick({ id, status_code: container.status, status }, fields, ['id']));
    }
    const media = state.media.find((x) => x.id === id);
    if (media) return ok(pick(mediaView(media), fields, ['id']));
    const page = pageById(id);
    if (page) return ok(pick({ id, name: page.name, ...insights.get(id) }, fields, ['name']));
    const igPage = pageByIg(id);
    if (igPage) return ok(pick({ id, ...igPage.instagram, ...insights.get(id) }, fields, ['username']));
    return noObject(id);
  }

  const FB_POST_METRICS: Record<string, string> = {
    post_media_view: 'Post views',
    post_total_media_view_unique: 'Post viewers',
    post_clicks: 'Post clicks',
  };
  const IG_MEDIA_METRICS: Record<string, string> = {
    views: 'Views',
    reach: 'Accounts reached',
    likes: 'Likes',
    comments: 'Comments',
    shares: 'Shares',
    saved: 'Saved',
    total_interactions: 'Interactions',
  };

  function insightsEdge(ctx: Ctx, id: string): Reply {
    if (ctx.method !== 'GET') return noObject(id);
    const post = state.posts.find((x) => x.id === id);
    const media = state.media.find((x) => x.id === id);
    if (!post && !media) return noObject(id);
    if (post) {
      const denied = pageToken(ctx, pageById(post.pageId)!);
      if (denied) return denied;
    }
    const known = post ? FB_POST_METRICS : IG_MEDIA_METRICS;
    const names = String(ctx.params.metric ?? '')
      .split(',')
      .filter(Boolean);
    if (names.length === 0) return invalid('The parameter metric is required');
    const bad = names.find((n) => !(n in known) || state.retiredMetrics.has(n));
    if (bad) {
      return invalid(
        post
          ? `The value must be a valid insights metric`
          : `metric[0] must be one of the following values: ${Object.keys(known).join(', ')}`,
      );
    }
    const values = insights.get(id) ?? {};
    const commentCount = state.comments.filter((c) => rootOf(c.id) === id).length;
    return ok({
      data: names.map((name) => ({
        name,
        period: 'lifetime',
        values: [{ value: values[name] ?? (name === 'comments' ? commentCount : 0) }],
        title: known[name],
        description: `${known[name]} (fake)`,
        id: `${id}/insights/${name}/lifetime`,
      })),
    });
  }

  /** `limit` + `after` cursor paging, as Graph pages its edges. */
  function paged(ctx: Ctx, rows: unknown[], path: string): Reply {
    const limit = Math.min(Number(ctx.params.limit ?? 25) || 25, 100);
    const offset =
      typeof ctx.params.after === 'string' && ctx.params.after
        ? Number(Buffer.from(ctx.params.after, 'base64url').toString())
        : 0;
    const page = rows.slice(offset, offset + limit);
    const cursor = (n: number) => Buffer.from(String(n)).toString('base64url');
    const paging: Record<string, unknown> = {
      cursors: { before: cursor(offset), after: cursor(offset + page.length) },
    };
    if (offset + limit < rows.length)
      paging.next = `${baseUrl}/${ctx.version}/${path}?limit=${limit}&after=${cursor(offset + limit)}`;
    return ok({ data: page, ...(page.length ? { paging } : {}) });
  }

  function comments(ctx: Ctx, parentId: string, edge: 'comments' | 'replies'): Reply {
    const rootId = rootOf(parentId);
    const post = rootId
      ? (state.posts.find((x) => x.id === rootId) ?? state.videos.find((x) => x.id === rootId))
      : undefined;
    const media = rootId ? state.media.find((x) => x.id === rootId) : undefined;
    const onComment = rootId !== undefined && rootId !== parentId;
    // Facebook threads with `{comment}/comments`; Instagram with `{comment}/replies` (one level only).
    const valid = post ? edge === 'comments' : media ? (edge === 'replies') === onComment : false;
    if (!rootId || !valid) return noObject(parentId);
    if (post) {
      const denied = pageToken(ctx, pageById(post.pageId)!);
      if (denied) return denied;
    }
    if (ctx.method === 'GET') {
      const byTime = (a: FakeComment, b: FakeComment) => (a.createdTime ?? 0) - (b.createdTime ?? 0);
      if (post) {
        const stream = ctx.params.filter === 'stream' && !onComment;
        const rows = state.comments
          .filter((c) => (stream ? rootOf(c.id) === parentId : c.parentId === parentId))
          .sort(byTime)
          .map((c) => ({
            id: c.id,
            message: c.message,
            created_time: graphTimestamp(c.createdTime ?? now()),
            from: { id: c.fromId, name: c.fromName ?? pageById(c.fromId)?.name },
            ...(c.parentId !== rootId ? { parent: { id: c.parentId } } : {}),
          }));
        return paged(ctx, rows, `${parentId}/${edge}`);
      }
      const igView = (c: FakeComment) => {
        const username = c.fromName ?? pageByIg(c.fromId)?.instagram?.username ?? `user${c.fromId}`;
        return {
          id: c.id,
          text: c.message,
          timestamp: graphTimestamp(c.createdTime ?? now()),
          username,
          from: { id: c.fromId, username },
        };
      };
      const wantsReplies = parseFields(ctx.params.fields).has('replies');
      const rows = state.comments
        .filter((c) => c.parentId === parentId)
        .sort(byTime)
        .map((c) => {
          const replies = state.comments.filter((r) => r.parentId === c.id).sort(byTime);
          return wantsReplies && !onComment && replies.length
            ? { ...igView(c), replies: { data: replies.map(igView) } }
            : igView(c);
        });
      return paged(ctx, rows, `${parentId}/${edge}`);
    }
    if (typeof ctx.params.message !== 'string' || !ctx.params.message) return invalid('message is required');
    const fromId = post ? post.pageId : media!.igUserId;
    const comment: FakeComment = {
      id: `${parentId}_c${nextId()}`,
      parentId,
      message: ctx.params.message,
      fromId,
      postId: rootId,
      createdTime: now(),
    };
    state.comments.push(comment);
    return ok({ id: comment.id });
  }

  // --- Dispatch -----------------------------------------------------------------------------------

  function route(ctx: Ctx): Reply {
    const parts = ctx.path.split('/');
    if (ctx.path === 'oauth/access_token' && ctx.method === 'GET') return oauth(ctx);
    // Every other call needs a valid token.
    if (!ctx.tokenValue || !ctx.token) {
      return graphError(400, {
        message: 'Invalid OAuth access token - Cannot parse access token',
        code: 190,
      });
    }
    if (ctx.token.expired) return expired();
    const proof = ctx.params.appsecret_proof;
    if (
      proof !== undefined &&
      proof !== createHmac('sha256', clientSecret).update(ctx.tokenValue).digest('hex')
    ) {
      return graphError(400, {
        message: 'Invalid appsecret_proof provided in the API argument',
        type: 'GraphMethodException',
        code: 100,
      });
    }
    const [id, edge, ...rest] = parts;
    if (!id || rest.length) return invalid(`Unknown path components: /${ctx.path}`);
    if (id === 'me' && ctx.method === 'GET') return me(ctx, edge);
    if (edge === 'comments' || edge === 'replies') return comments(ctx, id, edge);
    if (edge === 'insights' && !pageById(id) && !pageByIg(id)) return insightsEdge(ctx, id);
    const page = pageById(id);
    if (page && edge) return pageEdge(ctx, page, edge);
    const igPage = pageByIg(id);
    if (igPage && edge) return igEdge(ctx, igPage, edge);
    if (!edge && ctx.method === 'GET') return node(ctx, id);
    return noObject(id);
  }

  function failureReply(spec: FailureSpec, ctx: Ctx): Reply {
    switch (spec.kind) {
      case 'rate_limit': {
        const code = spec.code ?? 32;
        const usage = { call_count: 100, total_cputime: 20, total_time: 35 };
        const regain =
          spec.regainMinutes !== undefined ? { estimated_time_to_regain_access: spec.regainMinutes } : {};
        const id = ctx.path.split('/')[0] ?? 'me';
        const headers: Record<string, string> =
          code === 4
            ? { 'x-app-usage': JSON.stringify({ ...usage, ...regain }) }
            : {
                'x-business-use-case-usage': JSON.stringify({
                  [id]: [{ type: 'pages', ...usage, ...regain }],
                }),
              };
        const message = {
          4: '(#4) Application request limit reached',
          17: '(#17) User request limit reached',
          32: '(#32) Page request limit reached',
          613: '(#613) Calls to this api have exceeded the rate limit.',
        }[code as 4 | 17 | 32 | 613];
        return graphError(
          400,
          { message: message ?? 'Rate limit reached', code, is_transient: true },
          headers,
        );
      }
      case 'auth_expired':
        return expired();
      case 'transient':
        return graphError(500, {
          message: 'An unexpected error has occurred. Please retry your request later.',
          code: 2,
          is_transient: true,
        });
      case 'invalid':
        return invalid('Invalid parameter');
      case 'permission':
        return permission('Permissions error');
      case 'http_500':
        return {
          status: 500,
          body: '<html><body>Internal Server Error</body></html>',
          headers: { 'content-type': 'text/html' },
        };
      case 'http_429':
        return {
          status: 429,
          body: 'Too Many Requests',
          headers: { 'content-type': 'text/plain', 'retry-after': '120' },
        };
      case 'error':
        return graphError(spec.status ?? 400, spec.error ?? { message: 'Error', code: 1 }, spec.headers);
      case 'hang':
        return route(ctx);
    }
  }

  function takeFailure(ctx: Ctx): FailureSpec | undefined {
    const index = failures.findIndex(
      (f) =>
        f.left > 0 &&
        (!f.match?.method || f.match.method === ctx.method) &&
        (!f.match?.path ||
          (typeof f.match.path === 'string' ? f.match.path === ctx.path : f.match.path.test(ctx.path))),
    );
    if (index < 0) return undefined;
    const spec = failures[index]!;
    if (--spec.left === 0) failures.splice(index, 1);
    return spec;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake.graph');
    const match = /^\/(v\d+\.\d+)\/(.+)$/.exec(url.pathname);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const contentType = String(req.headers['content-type'] ?? '').split(';')[0]!;
    const body: Record<string, unknown> =
      contentType === 'application/json' && raw
        ? (JSON.parse(raw) as Record<string, unknown>)
        : Object.fromEntries(new URLSearchParams(raw));
    const query = Object.fromEntries(url.searchParams);
    const send = (reply: Reply) => {
      if (res.destroyed) return;
      const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      res.writeHead(reply.status, { 'content-type': 'application/json; charset=UTF-8', ...reply.headers });
      res.end(text);
    };
    if (!match) return send(invalid(`Unknown path: ${url.pathname}`));
    const params = { ...query, ...body };
    const auth = /^(?:Bearer|OAuth) (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const tokenValue = typeof params.access_token === 'string' ? params.access_token : auth;
    const ctx: Ctx = {
      method: req.method ?? 'GET',
      path: match[2]!.replace(/\/+$/, ''),
      version: match[1]!,
      query,
      body,
      contentType,
      params,
      tokenValue,
      token: tokenValue ? tokens.get(tokenValue) : undefined,
    };
    state.requests.push({
      method: ctx.method,
      path: ctx.path,
      version: ctx.version,
      query,
      body,
      contentType,
    });
    const failure = takeFailure(ctx);
    if (failure?.kind === 'hang') {
      await new Promise((resolve) => setTimeout(resolve, failure.hangMs ?? 5000));
      return send(route(ctx));
    }
    if (failure?.afterEffect) route(ctx);
    send(failure ? failureReply(failure, ctx) : route(ctx));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;
  return {
    url: `http://127.0.0.1:${port}`,
    clientId,
    clientSecret,
    state,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
