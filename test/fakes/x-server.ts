/**
 * A fake X (Twitter) on 127.0.0.1 that speaks the parts of X API v2 Audenci uses, with the requests,
 * answers and error bodies docs.x.com documents (and that X is seen to send), so the X connector and
 * end-to-end publish tests run against something that behaves like X without touching a network.
 *
 * Endpoints (paths as on x.com / api.x.com; point both `authBaseUrl` and `apiBaseUrl` at `url`):
 * - `GET  /i/oauth2/authorize` — the consent page; the fake user approves at once: `302` to
 *   `redirect_uri?state=…&code=…` (the code lives 30 s, as on X).
 * - `POST /2/oauth2/token` — form-encoded; `authorization_code` (checks the PKCE verifier against
 *   the S256 or plain challenge, and `redirect_uri`) and `refresh_token` (rotates: the old refresh
 *   token dies). Confidential client: HTTP Basic `client_id:client_secret`; public: `client_id` field.
 *   Errors: `400 {error: 'invalid_request', error_description}`, `401 {error: 'invalid_client'}`.
 * - `GET  /2/users/me` — `{data: {id, name, username}}`.
 * - `POST /2/media/upload/initialize`, `POST /2/media/upload/{id}/append` (multipart `segment_index`,
 *   `media`), `POST /2/media/upload/{id}/finalize`, `GET /2/media/upload?command=STATUS&media_id=`
 *   — images are ready at finalize; videos and GIFs go `pending` → `in_progress` → `succeeded`.
 * - `POST /2/tweets` — `{text, media: {media_ids}, reply: {in_reply_to_tweet_id}}` → `201 {data: {id,
 *   text, edit_history_tweet_ids}}`. Links become t.co links, media adds one, `& < >` are escaped —
 *   as X shows text. Refuses an exact duplicate of the author's earlier text with X's generic `403`.
 * - `GET  /2/tweets?ids=…&tweet.fields=…` (route `tweetsLookup`) — up to 100 ids; `public_metrics`
 *   (`retweet_count`, `reply_count`, `like_count`, `quote_count`, `bookmark_count`, `impression_count`)
 *   for anyone; `non_public_metrics` / `organic_metrics` (`impression_count`, `user_profile_clicks`, and
 *   `url_link_clicks` only when the post has a link) only to the author, for posts under 30 days old —
 *   otherwise the field is left out. Unknown ids: `200 {errors: [{…, type: …/resource-not-found}]}`.
 *   Counts come from `setTweetMetrics()`; `reply_count` also counts stored replies.
 * - `GET  /2/tweets/search/recent` (route `searchRecent`) — `query=conversation_id:<id>` only;
 *   `max_results` 10–100, `start_time` (seconds only, no older than 7 days, else 400), `next_token`,
 *   `tweet.fields` (adds `conversation_id`, `in_reply_to_user_id`), `expansions=author_id` →
 *   `includes.users` (`user.fields` name, username always sent). Newest first, root post included.
 * - `GET  /2/users/me?user.fields=public_metrics` — adds `public_metrics` (`followers_count`,
 *   `following_count`, `tweet_count`, `listed_count`, `like_count`) from `setUserMetrics()`.
 * - `GET  /2/users/{id}/tweets` — newest first; `max_results` (5–100), `start_time`/`end_time`
 *   (seconds only, as on X), `exclude`, `pagination_token`, `tweet.fields`.
 *
 * Every `/2` call needs `Authorization: Bearer <access token>`; unknown or expired tokens get X's
 * `401 {"title":"Unauthorized","type":"about:blank",…}`. Every request is recorded in
 * `state.requests` (method, path, query, headers, raw and parsed body), before anything else happens.
 *
 * Knobs: `failNext(route, failure, times)` makes the next `times` calls to a route fail — 429 with
 * `x-rate-limit-*` (or 24-hour) headers, 503, 401, the 403 duplicate, a 403 unsupported-authentication,
 * a dropped connection (before or after the post is created) or no answer at all. `issueTokens()` and
 * `expireAccessToken()` manage tokens without the browser dance; `addTweet()` puts a post on the
 * timeline; the clock is `options.now`.
 *
 * ```ts
 * const x = await startFakeX();
 * const env = { apiBaseUrl: x.url, authBaseUrl: x.url, clientId: x.clientId,
 *               clientSecret: x.clientSecret, fetch, now: Date.now, timeoutMs: 2000 };
 * x.failNext('createTweet', { kind: 'rate_limited', resetInSeconds: 60 });
 * …
 * await x.close();
 * ```
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { twitterWeightedLength } from '../../src/platforms/twitter/twitter.text.js';

export type FakeXRoute =
  | 'authorize'
  | 'token'
  | 'me'
  | 'userTweets'
  | 'tweetsLookup'
  | 'searchRecent'
  | 'createTweet'
  | 'mediaInitialize'
  | 'mediaAppend'
  | 'mediaFinalize'
  | 'mediaStatus';

export type FakeXFailure =
  /** 429. `window: '24-hour'` exhausts the per-user 24-hour window instead of the 15-minute one. */
  | { kind: 'rate_limited'; resetInSeconds?: number; window?: '15-minute' | '24-hour' }
  /** 503 Service Unavailable. */
  | { kind: 'unavailable' }
  /** 401, as for an expired or revoked access token. */
  | { kind: 'expired_token' }
  /** 403 "You are not allowed to create a Tweet with duplicate content." (`about:blank`). */
  | { kind: 'duplicate' }
  /** 403 `unsupported-authentication`. */
  | { kind: 'forbidden' }
  /** The connection is closed before anything happens. */
  | { kind: 'drop' }
  /** The request takes effect (the post is created), then the connection is closed unanswered. */
  | { kind: 'drop_after_create' }
  /** No answer, ever (until `close()`). */
  | { kind: 'hang' };

export interface FakeXUser {
  id: string;
  name: string;
  username: string;
}

export interface FakeXOptions {
  clientId?: string;
  /** `null` makes the app a public client (no secret; `client_id` in the token form). */
  clientSecret?: string | null;
  user?: FakeXUser;
  /** X's access tokens live 2 hours. */
  accessTokenTtlSeconds?: number;
  /** The fake's clock (token expiry, `created_at`, ids, rate-limit resets). */
  now?: () => number;
  /** `check_after_secs` while a video or GIF is processing (X says at least 1). */
  processingCheckAfterSecs?: number;
  /** STATUS polls a video or GIF needs before it has `succeeded`. */
  processingPolls?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  /** The body when it was `application/json`. */
  json?: unknown;
  /** The body when it was `application/x-www-form-urlencoded`. */
  form?: Record<string, string>;
  /** The body when it was `multipart/form-data`; files as their bytes. */
  multipart?: Record<string, string | Buffer>;
}

export interface FakeTweet {
  id: string;
  authorId: string;
  /** The text as it was sent. */
  sourceText: string;
  /** The text as X shows it: t.co links, escaped `& < >`. */
  text: string;
  urls: {
    start: number;
    end: number;
    url: string;
    expanded_url: string;
    display_url: string;
    media_key?: string;
  }[];
  createdAt: number;
  inReplyToId: string | null;
  mediaIds: string[];
  /** The thread's root post id (X's `conversation_id`): the post itself unless it is a reply. */
  conversationId: string;
  /** Counts set with `setTweetMetrics()`; missing ones are 0. */
  metrics: Partial<FakeTweetMetrics>;
}

export interface FakeTweetMetrics {
  retweet_count: number;
  reply_count: number;
  like_count: number;
  quote_count: number;
  bookmark_count: number;
  impression_count: number;
  url_link_clicks: number;
  user_profile_clicks: number;
}

export interface FakeXUserMetrics {
  followers_count: number;
  following_count: number;
  tweet_count: number;
  listed_count: number;
  like_count: number;
}

export interface FakeMedia {
  id: string;
  mediaKey: string;
  ownerId: string;
  mediaType: string;
  category: string;
  totalBytes: number;
  segments: Map<number, Buffer>;
  /** The uploaded file, once finalized. */
  bytes: Buffer | null;
  state: 'uploading' | 'pending' | 'in_progress' | 'succeeded' | 'failed';
  polls: number;
}

interface AccessToken {
  userId: string;
  scopes: string[];
  expiresAt: number;
}

interface AuthorizationCode {
  userId: string;
  redirectUri: string;
  scopes: string[];
  challenge: string;
  method: string;
  expiresAt: number;
}

export interface FakeXState {
  requests: RecordedRequest[];
  tweets: FakeTweet[];
  media: Map<string, FakeMedia>;
  accessTokens: Map<string, AccessToken>;
  refreshTokens: Map<string, { userId: string; scopes: string[] }>;
  codes: Map<string, AuthorizationCode>;
}

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string | null;
  expiresAt: number;
  scopes: string[];
}

export interface FakeX {
  url: string;
  clientId: string;
  clientSecret: string | null;
  user: FakeXUser;
  state: FakeXState;
  /** The next `times` calls to `route` fail with `failure`, after `afterCalls` calls that go through. */
  failNext(route: FakeXRoute, failure: FakeXFailure, times?: number, afterCalls?: number): void;
  issueTokens(scopes?: string[]): IssuedTokens;
  expireAccessToken(accessToken: string): void;
  /** `author` (default: the fake's own user) lets another X user reply in a thread. */
  addTweet(tweet: {
    text: string;
    createdAt?: number;
    inReplyToId?: string | null;
    author?: FakeXUser;
  }): FakeTweet;
  setTweetMetrics(tweetId: string, metrics: Partial<FakeTweetMetrics>): void;
  setUserMetrics(metrics: Partial<FakeXUserMetrics>): void;
  /** Recorded requests to one route, in order. */
  requestsTo(route: FakeXRoute): RecordedRequest[];
  close(): Promise<void>;
}

export const FAKE_X_SCOPES = ['tweet.read', 'tweet.write', 'users.read', 'offline.access', 'media.write'];

const MEDIA_TYPES = new Set([
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/gif',
  'image/bmp',
  'image/pjpeg',
  'image/tiff',
  'video/mp4',
  'video/webm',
  'video/quicktime',
  'video/mp2t',
]);
const MEDIA_KEY_PREFIX: Record<string, string> = { tweet_image: '3', tweet_gif: '16', tweet_video: '7' };
const TWITTER_EPOCH = 1288834974657n;
const WINDOW_SECONDS = 15 * 60;

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const problem = (status: number, title: string, detail: string, type = 'about:blank', extra = {}): Reply => ({
  status,
  body: { title, detail, type, status, ...extra },
});

const invalidRequest = (message: string, parameters: Record<string, unknown> = {}): Reply => ({
  status: 400,
  body: {
    errors: [{ parameters, message }],
    title: 'Invalid Request',
    detail: 'One or more parameters to your request was invalid.',
    type: 'https://api.twitter.com/2/problems/invalid-request',
  },
});

const UNAUTHORIZED = problem(401, 'Unauthorized', 'Unauthorized');
const oauthError = (status: number, error: string, description: string): Reply => ({
  status,
  body: { error, error_description: description },
});

function failureReply(failure: FakeXFailure, nowSeconds: number): Reply | null {
  switch (failure.kind) {
    case 'rate_limited': {
      const reset = String(nowSeconds + (failure.resetInSeconds ?? WINDOW_SECONDS));
      const headers: Record<string, string> =
        failure.window === '24-hour'
          ? {
              'x-rate-limit-limit': '100',
              'x-rate-limit-remaining': '99',
              'x-rate-limit-reset': String(nowSeconds + WINDOW_SECONDS),
              'x-user-limit-24hour-limit': '17',
              'x-user-limit-24hour-remaining': '0',
              'x-user-limit-24hour-reset': reset,
            }
          : { 'x-rate-limit-limit': '100', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': reset };
      return { ...problem(429, 'Too Many Requests', 'Too Many Requests'), headers };
    }
    case 'unavailable':
      return problem(503, 'Service Unavailable', 'Service Unavailable');
    case 'expired_token':
      return UNAUTHORIZED;
    case 'duplicate':
      return problem(403, 'Forbidden', 'You are not allowed to create a Tweet with duplicate content.');
    case 'forbidden':
      return problem(
        403,
        'Unsupported Authentication',
        'Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].',
        'https://api.twitter.com/2/problems/unsupported-authentication',
      );
    default:
      return null;
  }
}

function routeOf(method: string, path: string): { route: FakeXRoute; id?: string } | null {
  if (method === 'GET' && path === '/i/oauth2/authorize') return { route: 'authorize' };
  if (method === 'POST' && path === '/2/oauth2/token') return { route: 'token' };
  if (method === 'GET' && path === '/2/users/me') return { route: 'me' };
  if (method === 'POST' && path === '/2/tweets') return { route: 'createTweet' };
  if (method === 'GET' && path === '/2/tweets') return { route: 'tweetsLookup' };
  if (method === 'GET' && path === '/2/tweets/search/recent') return { route: 'searchRecent' };
  if (method === 'POST' && path === '/2/media/upload/initialize') return { route: 'mediaInitialize' };
  if (method === 'GET' && path === '/2/media/upload') return { route: 'mediaStatus' };
  const media = path.match(/^\/2\/media\/upload\/([0-9]+)\/(append|finalize)$/);
  if (method === 'POST' && media) {
    return { route: media[2] === 'append' ? 'mediaAppend' : 'mediaFinalize', id: media[1]! };
  }
  const timeline = path.match(/^\/2\/users\/([0-9]+)\/tweets$/);
  if (method === 'GET' && timeline) return { route: 'userTweets', id: timeline[1]! };
  return null;
}

const token = (prefix: string) => `${prefix}${randomBytes(24).toString('base64url')}`;
const base64url = (buffer: Buffer) => buffer.toString('base64url');
const escapeHtml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
const codePoints = (text: string) => [...text].length;
const isoSeconds = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function parseBody(headers: IncomingHttpHeaders, raw: Buffer): Promise<Partial<RecordedRequest>> {
  const type = headers['content-type'] ?? '';
  if (raw.length === 0) return {};
  if (type.startsWith('application/json')) {
    try {
      return { json: JSON.parse(raw.toString('utf8')) as unknown };
    } catch {
      return {};
    }
  }
  if (type.startsWith('application/x-www-form-urlencoded')) {
    return { form: Object.fromEntries(new URLSearchParams(raw.toString('utf8'))) };
  }
  if (type.startsWith('multipart/form-data')) {
    const parsed = await new Request('http://fake/', {
      method: 'POST',
      headers: { 'content-type': type },
      body: raw,
    })
      .formData()
      .catch(() => null);
    if (!parsed) return {};
    const multipart: Record<string, string | Buffer> = {};
    for (const [key, value] of parsed) {
      multipart[key] = typeof value === 'string' ? value : Buffer.from(await value.arrayBuffer());
    }
    return { multipart };
  }
  return {};
}

class FakeXServer {
  readonly state: FakeXState = {
    requests: [],
    tweets: [],
    media: new Map(),
    accessTokens: new Map(),
    refreshTokens: new Map(),
    codes: new Map(),
  };
  readonly clientId: string;
  readonly clientSecret: string | null;
  readonly user: FakeXUser;
  /** Per route, what the next calls do: a failure, or `null` to answer normally. */
  private readonly failures = new Map<FakeXRoute, (FakeXFailure | null)[]>();
  private readonly calls = new Map<FakeXRoute, number>();
  private readonly now: () => number;
  private sequence = 0;
  /** Every author seen (the fake's user and those passed to `addTweet`). */
  private readonly users = new Map<string, FakeXUser>();
  private userMetrics: FakeXUserMetrics = {
    followers_count: 0,
    following_count: 0,
    tweet_count: 0,
    listed_count: 0,
    like_count: 0,
  };

  constructor(private readonly options: FakeXOptions) {
    this.clientId = options.clientId ?? 'fake-x-client-id';
    this.clientSecret = options.clientSecret === undefined ? 'fake-x-client-secret' : options.clientSecret;
    this.user = options.user ?? { id: '1849239650327445504', name: 'Audenci Test', username: 'audenci_test' };
    this.now = options.now ?? Date.now;
    this.users.set(this.user.id, this.user);
  }

  setTweetMetrics(tweetId: string, metrics: Partial<FakeTweetMetrics>): void {
    const tweet = this.state.tweets.find((t) => t.id === tweetId);
    if (!tweet) throw new Error(`fake X: no post ${tweetId}`);
    Object.assign(tweet.metrics, metrics);
  }

  setUserMetrics(metrics: Partial<FakeXUserMetrics>): void {
    Object.assign(this.userMetrics, metrics);
  }

  failNext(route: FakeXRoute, failure: FakeXFailure, times = 1, afterCalls = 0): void {
    const queue = this.failures.get(route) ?? [];
    for (let i = 0; i < afterCalls; i++) queue.push(null);
    for (let i = 0; i < times; i++) queue.push(failure);
    this.failures.set(route, queue);
  }

  /** A snowflake: milliseconds since X's epoch, shifted, plus a sequence — increasing like X's ids. */
  nextId(): string {
    return ((BigInt(this.now()) - TWITTER_EPOCH) * 4194304n + BigInt(this.sequence++ % 4096)).toString();
  }

  issueTokens(scopes = FAKE_X_SCOPES, userId = this.user.id): IssuedTokens {
    const accessToken = token('xat_');
    const expiresAt = this.now() + (this.options.accessTokenTtlSeconds ?? 7200) * 1000;
    this.state.accessTokens.set(accessToken, { userId, scopes, expiresAt });
    const refreshToken = scopes.includes('offline.access') ? token('xrt_') : null;
    if (refreshToken) this.state.refreshTokens.set(refreshToken, { userId, scopes });
    return { accessToken, refreshToken, expiresAt, scopes };
  }

  expireAccessToken(accessToken: string): void {
    const record = this.state.accessTokens.get(accessToken);
    if (record) record.expiresAt = this.now() - 1;
  }

  addTweet(
    input: { text: string; createdAt?: number; inReplyToId?: string | null; author?: FakeXUser },
    mediaIds: string[] = [],
    authorId = input.author?.id ?? this.user.id,
  ) {
    const id = this.nextId();
    if (input.author) this.users.set(input.author.id, input.author);
    const parent = input.inReplyToId ? this.state.tweets.find((t) => t.id === input.inReplyToId) : undefined;
    const tweet: FakeTweet = {
      id,
      authorId,
      sourceText: input.text,
      ...this.display(input.text, id, mediaIds),
      createdAt: input.createdAt ?? this.now(),
      inReplyToId: input.inReplyToId ?? null,
      mediaIds,
      conversationId: parent?.conversationId ?? input.inReplyToId ?? id,
      metrics: {},
    };
    this.state.tweets.push(tweet);
    return tweet;
  }

  /** The text as X shows it: each link → a t.co link (original in `expanded_url`), `& < >` escaped. */
  private display(source: string, id: string, mediaIds: string[]): Pick<FakeTweet, 'text' | 'urls'> {
    let text = '';
    const urls: FakeTweet['urls'] = [];
    const addLink = (expanded: string, display: string, mediaKey?: string) => {
      const url = `https://t.co/${randomBytes(8).toString('base64url').slice(0, 10)}`;
      const start = codePoints(text);
      text += url;
      urls.push({ start, end: start + codePoints(url), url, expanded_url: expanded, display_url: display });
      if (mediaKey) urls[urls.length - 1]!.media_key = mediaKey;
    };
    let at = 0;
    for (const match of source.matchAll(/https?:\/\/[^\s<>"]+/g)) {
      text += escapeHtml(source.slice(at, match.index));
      addLink(match[0], match[0].replace(/^https?:\/\//, '').slice(0, 26));
      at = match.index + match[0].length;
    }
    text += escapeHtml(source.slice(at));
    const first = mediaIds[0] ? this.state.media.get(mediaIds[0]) : undefined;
    if (first) {
      text += text ? ' ' : '';
      const kind = first.category === 'tweet_image' ? 'photo' : 'video';
      addLink(`https://x.com/${this.user.username}/status/${id}/${kind}/1`, 'pic.x.com/fake', first.mediaKey);
    }
    return { text, urls };
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const rawBody = await readBody(req);
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      rawBody,
      ...(await parseBody(req.headers, rawBody)),
    };
    this.state.requests.push(recorded);
    const match = routeOf(recorded.method, recorded.path);
    if (!match) return this.write(res, problem(404, 'Not Found Error', `No route ${recorded.path}`));
    this.calls.set(match.route, (this.calls.get(match.route) ?? 0) + 1);

    const failure = this.failures.get(match.route)?.shift();
    if (failure?.kind === 'drop') return void req.socket.destroy();
    if (failure?.kind === 'hang') return;
    const injected = failure ? failureReply(failure, Math.floor(this.now() / 1000)) : null;
    const reply = injected ?? this.route(match.route, match.id, recorded);
    if (failure?.kind === 'drop_after_create') return void req.socket.destroy();
    this.write(res, reply, match.route);
  }

  private route(route: FakeXRoute, id: string | undefined, req: RecordedRequest): Reply {
    if (route === 'authorize') return this.authorize(req.query);
    if (route === 'token') return this.token(req);
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    const access = auth ? this.state.accessTokens.get(auth[1]!) : undefined;
    if (!access || access.expiresAt <= this.now()) return UNAUTHORIZED;
    switch (route) {
      case 'me':
        return this.me(req.query);
      case 'tweetsLookup':
        return this.tweetsLookup(req.query, access.userId);
      case 'searchRecent':
        return this.searchRecent(req.query);
      case 'createTweet':
        return this.createTweet(req.json, access.userId);
      case 'userTweets':
        return this.userTweets(id!, req.query);
      case 'mediaInitialize':
        return this.mediaInitialize(req.json, access.userId);
      case 'mediaAppend':
        return this.mediaAppend(id!, req.multipart, access.userId);
      case 'mediaFinalize':
        return this.mediaFinalize(id!, access.userId);
      case 'mediaStatus':
        return this.mediaStatus(req.query, access.userId);
    }
  }

  private authorize(query: Record<string, string>): Reply {
    const required = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'code_challenge'];
    const missing = required.filter((key) => !query[key]);
    const method = query.code_challenge_method ?? 'plain';
    if (missing.length > 0 || query.response_type !== 'code' || !['S256', 'plain'].includes(method)) {
      return oauthError(
        400,
        'invalid_request',
        `Bad authorization request (${missing.join(', ') || 'values'})`,
      );
    }
    if (query.client_id !== this.clientId) return oauthError(400, 'invalid_request', 'Unknown client_id');
    const code = token('xac_');
    this.state.codes.set(code, {
      userId: this.user.id,
      redirectUri: query.redirect_uri!,
      scopes: query.scope!.split(' ').filter(Boolean),
      challenge: query.code_challenge!,
      method,
      expiresAt: this.now() + 30_000,
    });
    const location = new URL(query.redirect_uri!);
    location.searchParams.set('state', query.state!);
    location.searchParams.set('code', code);
    return { status: 302, headers: { location: location.toString() } };
  }

  private clientAuthenticated(req: RecordedRequest): boolean {
    if (this.clientSecret === null) return req.form?.client_id === this.clientId;
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    const expected = Buffer.from(`${this.clientId}:${this.clientSecret}`).toString('base64');
    return basic?.[1] === expected;
  }

  private token(req: RecordedRequest): Reply {
    const form = req.form;
    if (!form) return oauthError(400, 'invalid_request', 'Missing required parameter [grant_type].');
    if (!this.clientAuthenticated(req)) {
      return this.clientSecret === null
        ? oauthError(400, 'invalid_request', 'Missing required parameter [client_id].')
        : oauthError(401, 'invalid_client', 'Missing valid authorization header');
    }
    let grant: { userId: string; scopes: string[] } | undefined;
    if (form.grant_type === 'authorization_code') {
      const code = this.state.codes.get(form.code ?? '');
      this.state.codes.delete(form.code ?? '');
      const verifier = form.code_verifier ?? '';
      const computed =
        code?.method === 'S256' ? base64url(createHash('sha256').update(verifier).digest()) : verifier;
      const valid = code && code.expiresAt > this.now() && code.redirectUri === form.redirect_uri;
      if (!valid || computed !== code.challenge) {
        return oauthError(400, 'invalid_request', 'Value passed for the authorization code was invalid.');
      }
      grant = code;
    } else if (form.grant_type === 'refresh_token') {
      grant = this.state.refreshTokens.get(form.refresh_token ?? '');
      if (!grant) return oauthError(400, 'invalid_request', 'Value passed for the token was invalid.');
      this.state.refreshTokens.delete(form.refresh_token!);
    } else {
      return oauthError(400, 'unsupported_grant_type', 'Unsupported grant type');
    }
    const issued = this.issueTokens(grant.scopes, grant.userId);
    const body: Record<string, unknown> = {
      token_type: 'bearer',
      expires_in: this.options.accessTokenTtlSeconds ?? 7200,
      access_token: issued.accessToken,
      scope: issued.scopes.join(' '),
    };
    if (issued.refreshToken) body.refresh_token = issued.refreshToken;
    return { status: 200, body };
  }

  private createTweet(body: unknown, userId: string): Reply {
    const input = (typeof body === 'object' && body !== null ? body : {}) as {
      text?: unknown;
      media?: { media_ids?: unknown };
      reply?: { in_reply_to_tweet_id?: unknown };
    };
    const text = typeof input.text === 'string' ? input.text : '';
    const mediaIds = Array.isArray(input.media?.media_ids) ? input.media.media_ids.map(String) : [];
    if (!text && mediaIds.length === 0) return invalidRequest('Post text or media is required.');
    if (twitterWeightedLength(text) > 280) {
      return problem(
        403,
        'Forbidden',
        'Your Tweet text is too long. For more information on how X determines text length see https://github.com/twitter/twitter-text.',
      );
    }
    const usable = (mediaId: string) => {
      const media = this.state.media.get(mediaId);
      return media?.ownerId === userId && media.state === 'succeeded';
    };
    if (mediaIds.length > 4 || !mediaIds.every(usable)) {
      return invalidRequest('Your media IDs are invalid.', { 'media.media_ids': mediaIds });
    }
    const replyTo = input.reply?.in_reply_to_tweet_id;
    if (replyTo !== undefined && !this.state.tweets.some((t) => t.id === replyTo)) {
      return problem(
        403,
        'Forbidden',
        'You attempted to reply to a Tweet that is deleted or not visible to you.',
      );
    }
    if (text && this.state.tweets.some((t) => t.authorId === userId && t.sourceText === text)) {
      return failureReply({ kind: 'duplicate' }, 0)!;
    }
    const tweet = this.addTweet(
      { text, inReplyToId: typeof replyTo === 'string' ? replyTo : null },
      mediaIds,
      userId,
    );
    return {
      status: 201,
      body: { data: { id: tweet.id, text: tweet.text, edit_history_tweet_ids: [tweet.id] } },
    };
  }

  private render(tweet: FakeTweet, fields: Set<string>): Record<string, unknown> {
    const out: Record<string, unknown> = {
      id: tweet.id,
      text: tweet.text,
      edit_history_tweet_ids: [tweet.id],
    };
    if (fields.has('created_at')) out.created_at = new Date(tweet.createdAt).toISOString();
    if (fields.has('author_id')) out.author_id = tweet.authorId;
    if (fields.has('entities') && tweet.urls.length > 0) out.entities = { urls: tweet.urls };
    if (fields.has('referenced_tweets') && tweet.inReplyToId) {
      out.referenced_tweets = [{ type: 'replied_to', id: tweet.inReplyToId }];
    }
    if (fields.has('conversation_id')) out.conversation_id = tweet.conversationId;
    if (fields.has('in_reply_to_user_id') && tweet.inReplyToId) {
      const parent = this.state.tweets.find((t) => t.id === tweet.inReplyToId);
      if (parent) out.in_reply_to_user_id = parent.authorId;
    }
    if (fields.has('attachments') && tweet.mediaIds.length > 0) {
      out.attachments = { media_keys: tweet.mediaIds.map((m) => this.state.media.get(m)?.mediaKey ?? m) };
    }
    return out;
  }

  private userTweets(userId: string, query: Record<string, string>): Reply {
    const max = Number(query.max_results ?? '10');
    if (!Number.isInteger(max) || max < 5 || max > 100) {
      return invalidRequest(
        `The \`max_results\` query parameter value [${query.max_results}] is not between 5 and 100`,
      );
    }
    for (const key of ['start_time', 'end_time'] as const) {
      if (query[key] !== undefined && !isoSeconds.test(query[key])) {
        return invalidRequest(`Invalid '${key}':'${query[key]}'. '${key}' must be YYYY-MM-DDTHH:mm:ssZ`);
      }
    }
    const exclude = new Set((query.exclude ?? '').split(',').filter(Boolean));
    const start = query.start_time ? Date.parse(query.start_time) : -Infinity;
    const end = query.end_time ? Date.parse(query.end_time) : Infinity;
    const matching = this.state.tweets
      .filter((t) => t.authorId === userId && t.createdAt >= start && t.createdAt <= end)
      .filter((t) => !(exclude.has('replies') && t.inReplyToId))
      .sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1));
    const offset = query.pagination_token
      ? Number(Buffer.from(query.pagination_token, 'base64url').toString())
      : 0;
    const page = matching.slice(offset, offset + max);
    if (page.length === 0) return { status: 200, body: { meta: { result_count: 0 } } };
    const fields = new Set((query['tweet.fields'] ?? '').split(','));
    const meta: Record<string, unknown> = {
      result_count: page.length,
      newest_id: page[0]!.id,
      oldest_id: page[page.length - 1]!.id,
    };
    if (offset + max < matching.length)
      meta.next_token = Buffer.from(String(offset + max)).toString('base64url');
    return { status: 200, body: { data: page.map((t) => this.render(t, fields)), meta } };
  }

  private me(query: Record<string, string>): Reply {
    const data: Record<string, unknown> = { ...this.user };
    if ((query['user.fields'] ?? '').split(',').includes('public_metrics')) {
      data.public_metrics = { ...this.userMetrics };
    }
    return { status: 200, body: { data } };
  }

  private publicMetrics(tweet: FakeTweet): Record<string, number> {
    const m = tweet.metrics;
    const replies = this.state.tweets.filter((t) => t.inReplyToId === tweet.id).length;
    return {
      retweet_count: m.retweet_count ?? 0,
      reply_count: m.reply_count ?? replies,
      like_count: m.like_count ?? 0,
      quote_count: m.quote_count ?? 0,
      bookmark_count: m.bookmark_count ?? 0,
      impression_count: m.impression_count ?? 0,
    };
  }

  private privateMetrics(tweet: FakeTweet): Record<string, number> {
    const out: Record<string, number> = {
      impression_count: tweet.metrics.impression_count ?? 0,
      user_profile_clicks: tweet.metrics.user_profile_clicks ?? 0,
    };
    if (tweet.urls.length > 0) out.url_link_clicks = tweet.metrics.url_link_clicks ?? 0;
    return out;
  }

  /** `GET /2/tweets?ids=`: found posts in `data`, the others as `errors` (still 200, as on X). */
  private tweetsLookup(query: Record<string, string>, userId: string): Reply {
    const ids = (query.ids ?? '').split(',').filter(Boolean);
    if (ids.length === 0 || ids.length > 100 || !ids.every((id) => /^[0-9]{1,19}$/.test(id))) {
      return invalidRequest('The `ids` query parameter value is not valid.', { ids: [query.ids ?? ''] });
    }
    const fields = new Set((query['tweet.fields'] ?? '').split(','));
    const data: Record<string, unknown>[] = [];
    const errors: Record<string, unknown>[] = [];
    for (const id of ids) {
      const tweet = this.state.tweets.find((t) => t.id === id);
      if (!tweet) {
        errors.push({
          value: id,
          detail: `Could not find tweet with ids: [${id}].`,
          title: 'Not Found Error',
          resource_type: 'tweet',
          parameter: 'ids',
          resource_id: id,
          type: 'https://api.twitter.com/2/problems/resource-not-found',
        });
        continue;
      }
      const out = this.render(tweet, fields);
      if (fields.has('public_metrics')) out.public_metrics = this.publicMetrics(tweet);
      const owned = tweet.authorId === userId && this.now() - tweet.createdAt < 30 * 24 * 3600_000;
      if (owned && fields.has('non_public_metrics')) out.non_public_metrics = this.privateMetrics(tweet);
      if (owned && fields.has('organic_metrics')) {
        out.organic_metrics = { ...this.publicMetrics(tweet), ...this.privateMetrics(tweet) };
        delete (out.organic_metrics as Record<string, number>).bookmark_count;
        delete (out.organic_metrics as Record<string, number>).quote_count;
      }
      data.push(out);
    }
    const body: Record<string, unknown> = {};
    if (data.length > 0) body.data = data;
    if (errors.length > 0) body.errors = errors;
    return { status: 200, body };
  }

  /** Recent search, for `conversation_id:<id>` queries only (what the comments sync sends). */
  private searchRecent(query: Record<string, string>): Reply {
    const match = /^conversation_id:([0-9]+)$/.exec((query.query ?? '').trim());
    if (!match) return invalidRequest('The fake only supports `conversation_id:<id>` queries.');
    const max = Number(query.max_results ?? '10');
    if (!Number.isInteger(max) || max < 10 || max > 100) {
      return invalidRequest(
        `The \`max_results\` query parameter value [${query.max_results}] is not between 10 and 100`,
      );
    }
    for (const key of ['start_time', 'end_time'] as const) {
      if (query[key] !== undefined && !isoSeconds.test(query[key])) {
        return invalidRequest(`Invalid '${key}':'${query[key]}'. '${key}' must be YYYY-MM-DDTHH:mm:ssZ`);
      }
    }
    const start = query.start_time ? Date.parse(query.start_time) : this.now() - 7 * 24 * 3600_000;
    if (start < this.now() - 7 * 24 * 3600_000) {
      return invalidRequest(
        `Invalid 'start_time':'${query.start_time}'. 'start_time' must be on or after ${new Date(this.now() - 7 * 24 * 3600_000).toISOString()}`,
      );
    }
    const end = query.end_time ? Date.parse(query.end_time) : Infinity;
    const matching = this.state.tweets
      .filter((t) => t.conversationId === match[1] && t.createdAt >= start && t.createdAt <= end)
      .sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1));
    const offset = query.next_token ? Number(Buffer.from(query.next_token, 'base64url').toString()) : 0;
    const page = matching.slice(offset, offset + max);
    if (page.length === 0) return { status: 200, body: { meta: { result_count: 0 } } };
    const fields = new Set((query['tweet.fields'] ?? '').split(','));
    const meta: Record<string, unknown> = {
      newest_id: page[0]!.id,
      oldest_id: page[page.length - 1]!.id,
      result_count: page.length,
    };
    if (offset + max < matching.length) {
      meta.next_token = Buffer.from(String(offset + max)).toString('base64url');
    }
    const body: Record<string, unknown> = { data: page.map((t) => this.render(t, fields)), meta };
    if ((query.expansions ?? '').split(',').includes('author_id')) {
      const ids = [...new Set(page.map((t) => t.authorId))];
      body.includes = {
        users: ids.map((id) => {
          const user = this.users.get(id);
          return { id, name: user?.name ?? id, username: user?.username ?? `user${id}` };
        }),
      };
    }
    return { status: 200, body };
  }

  private mediaInitialize(body: unknown, userId: string): Reply {
    const input = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const mediaType = typeof input.media_type === 'string' ? input.media_type : '';
    const total = input.total_bytes;
    if (!MEDIA_TYPES.has(mediaType) || typeof total !== 'number' || !Number.isInteger(total) || total < 0) {
      return invalidRequest('Invalid media_type or total_bytes.', {
        media_type: mediaType,
        total_bytes: total,
      });
    }
    const category =
      typeof input.media_category === 'string'
        ? input.media_category
        : mediaType.startsWith('video/')
          ? 'tweet_video'
          : mediaType === 'image/gif'
            ? 'tweet_gif'
            : 'tweet_image';
    const id = this.nextId();
    const mediaKey = `${MEDIA_KEY_PREFIX[category] ?? '3'}_${id}`;
    this.state.media.set(id, {
      id,
      mediaKey,
      ownerId: userId,
      mediaType,
      category,
      totalBytes: total,
      segments: new Map(),
      bytes: null,
      state: 'uploading',
      polls: 0,
    });
    return { status: 200, body: { data: { id, media_key: mediaKey, expires_after_secs: 86400 } } };
  }

  private ownMedia(id: string, userId: string): FakeMedia | null {
    const media = this.state.media.get(id);
    return media?.ownerId === userId ? media : null;
  }

  private mediaAppend(id: string, multipart: RecordedRequest['multipart'], userId: string): Reply {
    const media = this.ownMedia(id, userId);
    if (!media || media.state !== 'uploading')
      return invalidRequest('Unknown or finalized media id.', { id });
    const index = Number(multipart?.segment_index);
    const chunk = multipart?.media;
    if (!Number.isInteger(index) || index < 0 || index > 999 || !Buffer.isBuffer(chunk)) {
      return invalidRequest('segment_index (0-999) and media are required.');
    }
    media.segments.set(index, chunk);
    return { status: 200, body: { data: { expires_at: Math.floor(this.now() / 1000) + 86400 } } };
  }

  private mediaFinalize(id: string, userId: string): Reply {
    const media = this.ownMedia(id, userId);
    if (!media || media.state !== 'uploading')
      return invalidRequest('Unknown or finalized media id.', { id });
    const order = [...media.segments.keys()].sort((a, b) => a - b);
    const bytes = Buffer.concat(order.map((i) => media.segments.get(i)!));
    if (bytes.length !== media.totalBytes || order.some((n, i) => n !== i)) {
      return invalidRequest(`File size mismatch: expected ${media.totalBytes} bytes, got ${bytes.length}.`);
    }
    media.bytes = bytes;
    const data: Record<string, unknown> = {
      id,
      media_key: media.mediaKey,
      size: bytes.length,
      expires_after_secs: 86400,
    };
    if (media.category === 'tweet_image') {
      media.state = 'succeeded';
    } else {
      media.state = 'pending';
      data.processing_info = {
        state: 'pending',
        check_after_secs: this.options.processingCheckAfterSecs ?? 1,
      };
    }
    return { status: 200, body: { data } };
  }

  private mediaStatus(query: Record<string, string>, userId: string): Reply {
    if (query.command !== 'STATUS') return invalidRequest('command must be STATUS.');
    const media = this.ownMedia(query.media_id ?? '', userId);
    if (!media || media.state === 'uploading') return invalidRequest('Unknown media id.');
    if (media.state === 'pending' || media.state === 'in_progress') {
      media.polls++;
      media.state = media.polls >= (this.options.processingPolls ?? 2) ? 'succeeded' : 'in_progress';
    }
    const processing: Record<string, unknown> = {
      state: media.state,
      progress_percent: media.state === 'succeeded' ? 100 : 50,
    };
    if (media.state !== 'succeeded') processing.check_after_secs = this.options.processingCheckAfterSecs ?? 1;
    return {
      status: 200,
      body: { data: { id: media.id, media_key: media.mediaKey, processing_info: processing } },
    };
  }

  /** X sends its 15-minute window on every v2 answer. */
  private limitHeaders(route: FakeXRoute): Record<string, string> {
    const nowSeconds = Math.floor(this.now() / 1000);
    const reset = nowSeconds - (nowSeconds % WINDOW_SECONDS) + WINDOW_SECONDS;
    const used = this.calls.get(route) ?? 0;
    return {
      'x-rate-limit-limit': '900',
      'x-rate-limit-remaining': String(Math.max(0, 900 - used)),
      'x-rate-limit-reset': String(reset),
    };
  }

  private write(res: ServerResponse, reply: Reply, route?: FakeXRoute): void {
    const isProblem =
      reply.status >= 400 && typeof reply.body === 'object' && reply.body !== null && 'title' in reply.body;
    const headers: Record<string, string> = {
      ...(route && route !== 'authorize' && route !== 'token' ? this.limitHeaders(route) : {}),
      ...reply.headers,
    };
    if (reply.body !== undefined) {
      headers['content-type'] = isProblem ? 'application/problem+json' : 'application/json; charset=utf-8';
    }
    res.writeHead(reply.status, headers);
    res.end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
  }
}

/** Starts a fake X on 127.0.0.1 at a free port. */
export async function startFakeX(options: FakeXOptions = {}): Promise<FakeX> {
  const fake = new FakeXServer(options);
  const server = createServer((req, res) => {
    fake.handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/problem+json' });
      res.end(
        JSON.stringify({ title: 'Internal Error', detail: String(error), type: 'about:blank', status: 500 }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    user: fake.user,
    state: fake.state,
    failNext: (route, failure, times, afterCalls) => fake.failNext(route, failure, times, afterCalls),
    issueTokens: (scopes) => fake.issueTokens(scopes),
    expireAccessToken: (accessToken) => fake.expireAccessToken(accessToken),
    addTweet: (tweet) => fake.addTweet(tweet),
    setTweetMetrics: (tweetId, metrics) => fake.setTweetMetrics(tweetId, metrics),
    setUserMetrics: (metrics) => fake.setUserMetrics(metrics),
    requestsTo: (route) => fake.state.requests.filter((r) => routeOf(r.method, r.path)?.route === route),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
