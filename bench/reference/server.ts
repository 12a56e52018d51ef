/**
 * The hand-written reference of issue #20: what Audenci's three hottest operations cost when written
 * directly — Fastify 5, better-sqlite3 or `pg`, plain SQL, no query builder, no Audenci module in the
 * request path. It serves the tables Audenci's migrations created and the bench seeded (bench/run.ts
 * seeds them with an Audenci server child, stops it, then starts this one on the same database).
 *
 * Same semantics as Audenci for:
 * - authentication: `Authorization: Bearer <key>`, the sha256 of the key looked up in `api_keys`
 *   (with its organization's plan and rate-limit override), revoked and expired keys refused, the
 *   principal scoped to the key's organization and environment; found keys are remembered for 5 s, as
 *   Audenci's authentication cache does by default (AUDENCI_AUTH_CACHE_TTL_MS);
 * - rate limiting: a fixed hourly window per organization and environment, counted in memory, with the
 *   same `X-RateLimit-Limit/Remaining/Reset` headers and 429;
 * - `GET /api/v1/posts/{id}`, `GET /api/v1/posts` (equality filters, `sortBy`, `sortOrder`, `limit`,
 *   `page`, keyset `cursor`) and `POST /api/v1/posts` (the post and its `post.created` event in one
 *   transaction), answering the same JSON envelopes and error envelopes.
 *
 * Not reproduced: the platform rules a SCHEDULED post must obey, campaign and social-account checks,
 * webhook fan-out (the bench has no endpoints), idempotency keys, ETags, request ids, metrics. The
 * list's cursor is unsigned (Audenci's is signed). `count: false` answers lists without COUNT
 * (`totalCount: null`): the "reference without COUNT".
 */
import { createHash, randomBytes } from 'node:crypto';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import type { EventRow, KeyRow, PostFilters, PostRow, Store, Tenant } from './store.js';

export interface ReferenceOptions {
  store: Store;
  logLevel: string;
  /** Lists count their rows (`totalCount`); false: `totalCount: null` and no COUNT query. */
  count: boolean;
}

const WINDOW_MS = 3_600_000;
const AUTH_CACHE_TTL_MS = 5_000;
/** Audenci's plan limits (src/db/tables/organizations.ts), for organizations without an override. */
const PLAN_RATE_LIMITS: Record<string, number> = {
  starter: 100,
  growth: 500,
  scale: 2_000,
  enterprise: 10_000,
};
const SCOPE_RANK = { read: 0, read_write: 1, admin: 2 } as const;
type Scope = keyof typeof SCOPE_RANK;
const STATUSES = ['DRAFT', 'SCHEDULED', 'PUBLISHING', 'PUBLISHED', 'FAILED', 'CANCELLED'];
const PLATFORMS = ['twitter', 'linkedin', 'instagram', 'facebook'];
const SORTS: Record<string, { expression: string; value: (r: PostRow) => number }> = {
  createdAt: { expression: 'created_at', value: (r) => r.created_at },
  updatedAt: { expression: 'updated_at', value: (r) => r.updated_at },
  scheduledFor: { expression: 'coalesce(scheduled_for, -1)', value: (r) => r.scheduled_for ?? -1 },
  publishedAt: { expression: 'coalesce(published_at, -1)', value: (r) => r.published_at ?? -1 },
  date: { expression: 'post_date', value: (r) => r.post_date },
};
const FILTERS = [
  ['status', 'status'],
  ['platform', 'platform'],
  ['brandId', 'brand_id'],
  ['campaignId', 'campaign_id'],
] as const;
const LIST_PARAMS = new Set(['limit', 'page', 'cursor', 'sortBy', 'sortOrder', ...FILTERS.map(([p]) => p)]);

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const REALM = 'Bearer realm="audenci"';

/** Audenci's 401: `invalid_token` in WWW-Authenticate when a key was sent. */
function unauthorized(message: string, invalidToken = true): HttpError {
  return new HttpError(401, 'UNAUTHORIZED', message, undefined, {
    'WWW-Authenticate': invalidToken ? `${REALM}, error="invalid_token"` : REALM,
  });
}

function invalid(field: string, reason: string): HttpError {
  const message = reason === 'Field is required' ? `${field} is required` : `${field}: ${reason}`;
  return new HttpError(400, 'INVALID_INPUT', message, { field, reason, errors: [{ field, reason }] });
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A post as Audenci's API shows it (`toPost`), fields in the same order. */
function toPost(row: PostRow) {
  return {
    id: row.id,
    brandId: row.brand_id,
    platform: row.platform,
    socialAccountId: row.social_account_id,
    caption: row.caption,
    mediaIds: JSON.parse(row.media_ids) as string[],
    link: row.link,
    firstComment: row.first_comment,
    campaignId: row.campaign_id,
    status: row.status,
    scheduledFor: iso(row.scheduled_for),
    publishedAt: iso(row.published_at),
    platformPostId: row.platform_post_id,
    platformUrl: row.platform_url,
    error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : null,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

// ULIDs, as Audenci's ids are (`post_<26 Crockford base32>`): 48-bit time, 80 random bits.
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
let entropy = randomBytes(4096);
let entropyAt = 0;
function newId(prefix: string, now: number): string {
  let time = '';
  for (let t = now, i = 0; i < 10; i++, t = Math.floor(t / 32)) time = CROCKFORD[t % 32] + time;
  if (entropyAt + 16 > entropy.length) {
    entropy = randomBytes(4096);
    entropyAt = 0;
  }
  let random = '';
  for (let i = 0; i < 16; i++) random += CROCKFORD[entropy[entropyAt++]! & 31];
  return `${prefix}_${time}${random}`;
}

interface Principal extends Tenant {
  scope: Scope;
  rateLimit: number;
}

export async function startReference(
  options: ReferenceOptions,
): Promise<{ url: string; close(): Promise<void> }> {
  const { store } = options;
  const app = Fastify({ logger: { level: options.logLevel } });
  const keys = new Map<string, { row: KeyRow | undefined; until: number }>();
  let window = -1;
  const counts = new Map<string, number>();

  async function authenticate(
    request: FastifyRequest,
    reply: FastifyReply,
    required: Scope,
  ): Promise<Principal> {
    const header = request.headers.authorization;
    if (!header) throw unauthorized('Missing API key: send it as "Authorization: Bearer <key>"', false);
    const match = /^Bearer +(\S+) *$/i.exec(header);
    if (!match) throw unauthorized('Malformed Authorization header: expected "Bearer <key>"');
    const now = Date.now();
    const hash = createHash('sha256').update(match[1]!).digest('hex');
    let cached = keys.get(hash);
    if (!cached || cached.until <= now) {
      cached = { row: await store.keyByHash(hash), until: now + AUTH_CACHE_TTL_MS };
      if (keys.size >= 10_000) keys.clear();
      keys.set(hash, cached);
    }
    const row = cached.row;
    if (!row) throw unauthorized('Invalid API key');
    if (row.revoked_at !== null) throw unauthorized('This API key has been revoked');
    if (row.expires_at !== null && row.expires_at <= now) throw unauthorized('This API key has expired');
    const principal: Principal = {
      organizationId: row.organization_id,
      environment: row.environment,
      scope: row.scope,
      rateLimit: row.rate_limit_override ?? PLAN_RATE_LIMITS[row.plan] ?? 0,
    };

    const windowStart = Math.floor(now / WINDOW_MS) * WINDOW_MS;
    if (windowStart > window) {
      counts.clear();
      window = windowStart;
    }
    const counter = `${principal.organizationId}:${principal.environment}`;
    const count = (counts.get(counter) ?? 0) + 1;
    counts.set(counter, count);
    const resetAt = windowStart + WINDOW_MS;
    reply.header('X-RateLimit-Limit', String(principal.rateLimit));
    reply.header('X-RateLimit-Remaining', String(Math.max(0, principal.rateLimit - count)));
    reply.header('X-RateLimit-Reset', String(Math.ceil(resetAt / 1000)));
    if (count > principal.rateLimit) {
      const retryAfter = Math.max(1, Math.ceil((resetAt - now) / 1000));
      throw new HttpError(
        429,
        'RATE_LIMITED',
        `Rate limit of ${principal.rateLimit} requests per window exceeded; retry after ${retryAfter} s`,
        { limit: principal.rateLimit, resetAt: new Date(resetAt).toISOString() },
        { 'Retry-After': String(retryAfter) },
      );
    }
    if (SCOPE_RANK[principal.scope] < SCOPE_RANK[required]) {
      throw new HttpError(
        403,
        'FORBIDDEN',
        `This API key's scope '${principal.scope}' cannot do this; it needs '${required}'`,
        { requiredScope: required, grantedScope: principal.scope },
      );
    }
    return principal;
  }

  app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
    const e =
      error instanceof HttpError
        ? error
        : error.statusCode === 400
          ? new HttpError(400, 'INVALID_INPUT', error.message, {
              field: '',
              reason: error.message,
              errors: [],
            })
          : new HttpError(500, 'INTERNAL', 'Internal error');
    if (e.status === 500) reply.log.error({ err: error }, 'request failed');
    void reply
      .code(e.status)
      .headers(e.headers)
      .send({ error: { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) } });
  });

  app.get<{ Params: { id: string } }>('/api/v1/posts/:id', async (request, reply) => {
    const principal = await authenticate(request, reply, 'read');
    const row = await store.post(principal, request.params.id);
    if (!row) throw new HttpError(404, 'NOT_FOUND', `No post with id '${request.params.id}'`);
    return { data: toPost(row) };
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/api/v1/posts', async (request, reply) => {
    const principal = await authenticate(request, reply, 'read');
    const q = request.query;
    for (const name of Object.keys(q))
      if (!LIST_PARAMS.has(name)) throw invalid(name, 'Is not supported by the reference server');
    const limit = q.limit === undefined ? 20 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw invalid('limit', 'Must be from 1 to 100');
    let page = q.page === undefined ? 1 : Number(q.page);
    if (!Number.isInteger(page) || page < 1) throw invalid('page', 'Must be a whole number ≥ 1');
    const sortBy = q.sortBy ?? 'createdAt';
    const sort = SORTS[sortBy];
    if (!sort) throw invalid('sortBy', `Must be one of: ${Object.keys(SORTS).join(', ')}`);
    const order = q.sortOrder ?? 'desc';
    if (order !== 'asc' && order !== 'desc') throw invalid('sortOrder', 'Must be one of: asc, desc');
    if (q.status !== undefined && !STATUSES.includes(q.status))
      throw invalid('status', `Must be one of: ${STATUSES.join(', ')}`);
    const filters: PostFilters = [];
    for (const [param, column] of FILTERS) if (q[param] !== undefined) filters.push([column, q[param]]);
    const filterText = JSON.stringify(filters);
    let after: { value: number; id: string } | undefined;
    if (q.cursor !== undefined) {
      let state: { s: string; o: string; f: string; v: number; i: string; p: number };
      try {
        state = JSON.parse(Buffer.from(q.cursor, 'base64url').toString('utf8')) as typeof state;
      } catch {
        throw invalid('cursor', 'Is not a valid cursor');
      }
      if (state.s !== sortBy || state.o !== order || state.f !== filterText)
        throw invalid(
          'cursor',
          'Was made with other filters or sort order; repeat them exactly or start over without cursor',
        );
      after = { value: state.v, id: state.i };
      page = state.p;
    }
    const [rows, totalCount] = await Promise.all([
      store.posts(principal, {
        filters,
        sortExpression: sort.expression,
        order,
        limit: limit + 1,
        offset: after ? 0 : (page - 1) * limit,
        after,
      }),
      options.count ? store.countPosts(principal, filters) : null,
    ]);
    const hasMore = rows.length > limit;
    if (hasMore) rows.pop();
    const last = rows[rows.length - 1];
    const nextCursor =
      hasMore && last
        ? Buffer.from(
            JSON.stringify({
              s: sortBy,
              o: order,
              f: filterText,
              v: sort.value(last),
              i: last.id,
              p: page + 1,
            }),
          ).toString('base64url')
        : null;
    return { data: rows.map(toPost), pagination: { page, limit, totalCount, hasMore, nextCursor } };
  });

  app.post('/api/v1/posts', async (request, reply) => {
    const principal = await authenticate(request, reply, 'read_write');
    const body = request.body as Record<string, unknown> | null;
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw invalid('', 'The body must be a JSON object');
    const text = (field: string, required: boolean): string | null => {
      const value = body[field];
      if (value === undefined || value === null) {
        if (required) throw invalid(field, 'Field is required');
        return null;
      }
      if (typeof value !== 'string' || (required && value === '')) throw invalid(field, 'Must be a string');
      return value;
    };
    const brandId = text('brandId', true)!;
    const platform = text('platform', true)!;
    if (!PLATFORMS.includes(platform)) throw invalid('platform', `Must be one of: ${PLATFORMS.join(', ')}`);
    const caption = text('caption', true)!;
    const link = text('link', false);
    const firstComment = text('firstComment', false);
    const scheduledText = text('scheduledFor', false);
    const now = Date.now();
    const scheduledFor = scheduledText === null ? null : Date.parse(scheduledText);
    if (scheduledFor !== null && Number.isNaN(scheduledFor))
      throw invalid('scheduledFor', 'Must be an ISO 8601 date-time');
    const status = text('status', false) ?? (scheduledFor !== null ? 'SCHEDULED' : 'DRAFT');
    if (status !== 'DRAFT' && status !== 'SCHEDULED')
      throw invalid('status', 'Must be one of: DRAFT, SCHEDULED');
    if (status === 'SCHEDULED' && (scheduledFor === null || scheduledFor <= now))
      throw invalid('scheduledFor', 'A SCHEDULED post needs a scheduledFor date-time in the future');
    const mediaIds = body.mediaIds ?? [];
    if (!Array.isArray(mediaIds) || mediaIds.length > 0)
      throw invalid('mediaIds', 'The reference server takes posts without media');
    const metadata = body.metadata ?? {};
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))
      throw invalid('metadata', 'Must be an object');
    for (const field of ['campaignId', 'socialAccountId'])
      if (body[field] !== undefined && body[field] !== null)
        throw invalid(field, 'Is not supported by the reference server');
    if (!(await store.brandExists(principal, brandId)))
      throw invalid('brandId', `No brand with id '${brandId}'`);

    const row: PostRow = {
      id: newId('post', now),
      organization_id: principal.organizationId,
      environment: principal.environment,
      brand_id: brandId,
      platform,
      social_account_id: null,
      caption,
      media_ids: '[]',
      link,
      first_comment: firstComment,
      campaign_id: null,
      status,
      scheduled_for: scheduledFor,
      published_at: null,
      platform_post_id: null,
      platform_url: null,
      error_code: null,
      error_message: null,
      metadata: JSON.stringify(metadata),
      publish_attempts: 0,
      publish_started_at: null,
      created_at: now,
      updated_at: now,
      post_date: scheduledFor ?? now,
    };
    const post = toPost(row);
    // `post.created`, and `post.scheduled` for a SCHEDULED post, as Audenci records them.
    const data = JSON.stringify(post);
    const events: EventRow[] = (
      status === 'SCHEDULED' ? ['post.created', 'post.scheduled'] : ['post.created']
    ).map((type) => ({
      id: newId('evt', now),
      organization_id: principal.organizationId,
      environment: principal.environment,
      type,
      brand_id: brandId,
      data,
      created_at: now,
    }));
    await store.createPost(row, events);
    return reply.code(201).send({ data: post });
  });

  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    async close() {
      await app.close();
      await store.close();
    },
  };
}
