import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { ALIAS_PREFIX, API_PREFIX } from './versioning.js';

type Json = Record<string, unknown>;

const TAGS = [
  { name: 'Organization', description: 'The organization that owns the API key.' },
  { name: 'Brands', description: 'Brands group social accounts, posts, campaigns and media.' },
  { name: 'API keys', description: 'Scoped keys for this API (admin scope).' },
  {
    name: 'Posts',
    description:
      'Posts move DRAFT → SCHEDULED → PUBLISHING → PUBLISHED | FAILED, or to CANCELLED. Deleting a published post removes it from Audenci only.',
  },
  { name: 'Campaigns', description: 'Campaigns group posts of one brand over a date range.' },
  {
    name: 'Social accounts',
    description:
      'The network identities a brand publishes as, connected through OAuth (sandbox accounts in the test environment). Tokens are stored encrypted and never shown.',
  },
  { name: 'Platforms', description: "Each network's rules (text length, hashtags, media) as data." },
  {
    name: 'Events',
    description:
      'The event log: every state change the API announces (post.created, post.published, campaign.started, …), written in the same transaction as the change. Webhook deliveries are made from it.',
  },
  {
    name: 'Analytics',
    description:
      'Metrics of published posts, pulled from the platforms as snapshots and aggregated by period, platform, campaign or post. Each post counts once, with its latest snapshot; engagementRate = (likes + comments + shares + saves + clicks) ÷ impressions.',
  },
  {
    name: 'Comments',
    description:
      'Comments on published posts, pulled from the platforms by the worker every few minutes during the 30 days after publishing (the sandbox makes synthetic ones). Each new comment is announced once as `comment.received`; `POST /comments/{id}/reply` answers through the platform.',
  },
  {
    name: 'Webhooks',
    description:
      'Endpoints that receive events as signed HTTP POSTs (admin scope). The body is the event as `GET /events` ' +
      'shows it. Signing follows Standard Webhooks: headers `webhook-id` (the event id, the same on every ' +
      'attempt: deduplicate on it), `webhook-timestamp` (unix seconds of the attempt) and `webhook-signature` ' +
      '(`v1,` + base64 HMAC-SHA256 of `{id}.{timestamp}.{body}` keyed with the base64 part of the `whsec_` ' +
      'secret; two space-separated signatures during a secret rotation), so any Standard Webhooks library ' +
      'verifies them. A non-2xx answer, a timeout or a network error is retried with backoff ' +
      '(AUDENCI_WEBHOOK_RETRY_DELAYS, default 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h), honouring `Retry-After` ' +
      'on 429 and 503. An endpoint answering 410 Gone, or failing for 5 days, is disabled. Every attempt is ' +
      'in the delivery log.',
  },
  {
    name: 'Jobs',
    description:
      'Bulk operations that run in the background: `POST /jobs {type, payload}` answers 202 at once; the ' +
      'worker processes the items a chunk at a time (each chunk one transaction), so `progress` is always ' +
      'what has committed, a crashed worker resumes after the last chunk (no item twice, none skipped), and ' +
      'a cancel stops before the next chunk. Item errors carry the index of the item. `job.completed` and ' +
      '`job.failed` events announce the end. Finished jobs are deleted after AUDENCI_JOB_RETENTION_DAYS ' +
      '(default 30).',
  },
  {
    name: 'Plans',
    description:
      "Content plans: dated, platform-valid post drafts over a date range at each platform's good posting " +
      "times in the brand's time zone. Preview one, store it, then apply it once to create its campaign " +
      'and draft posts.',
  },
  {
    name: 'AI',
    description:
      'Caption and image generation behind one provider (AI_PROVIDER): `builtin` (default, offline and ' +
      'deterministic) or `openai-compatible` (OpenAI, Ollama, vLLM… at OPENAI_BASE_URL). Captions always ' +
      "pass the platform's rules; images become media items (`source: generated`).",
  },
  {
    name: 'Media',
    description:
      'Images, GIFs and videos that posts refer to by id: uploaded (multipart, streamed) or imported from a ' +
      'URL. The type is read from the bytes; images get a thumbnail, videos their duration. Content is ' +
      'served with ranges and a strong ETag, to a key or through a signed link (for platforms).',
  },
  { name: 'Operations', description: 'Health, readiness, metrics and this document. No authentication.' },
];

const ERROR_RESPONSES: Record<string, string> = {
  '400': 'Invalid input: `details.field`, `details.reason` and `details.errors[]` say what is wrong',
  '401': 'Missing, malformed, unknown, revoked or expired API key (with `WWW-Authenticate: Bearer`)',
  '403': "The key's scope does not allow this (`details.requiredScope`)",
  '404': 'No such object for this organization and environment',
  '409': 'The object is in a state that does not allow this',
  '413': 'Request body larger than 1 MiB (20 MiB for `POST /jobs`)',
  '415': 'Unsupported Content-Type',
  '429': 'Rate limit exceeded; retry after `Retry-After` seconds',
  '500': 'Unexpected error (no internals are shown; quote the X-Request-Id)',
};

const RATE_LIMIT_HEADERS = ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'];

function errorResponse(status: string, withRateLimit: boolean): Json {
  const headers: Json = { 'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' } };
  if (withRateLimit) for (const h of RATE_LIMIT_HEADERS) headers[h] = { $ref: `#/components/headers/${h}` };
  if (status === '429') headers['Retry-After'] = { $ref: '#/components/headers/Retry-After' };
  if (status === '401') headers['WWW-Authenticate'] = { $ref: '#/components/headers/WWW-Authenticate' };
  return {
    description: ERROR_RESPONSES[status],
    headers,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } },
  };
}

/**
 * Adds what every operation shares to the generated document: error responses with the envelope,
 * rate-limit and request-id headers, and the bearer requirement — so route schemas state only what is
 * particular to them.
 */
function decorate(document: Json): Json {
  const paths = (document.paths ?? {}) as Record<string, Record<string, Json>>;
  for (const item of Object.values(paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const secured = Array.isArray(operation.security) && (operation.security as unknown[]).length > 0;
      const responses = (operation.responses ?? {}) as Record<string, Json>;
      for (const [status, response] of Object.entries(responses)) {
        if (!status.startsWith('2') && !status.startsWith('3')) continue;
        const headers = (response.headers ?? {}) as Json;
        headers['X-Request-Id'] = { $ref: '#/components/headers/X-Request-Id' };
        if (secured) for (const h of RATE_LIMIT_HEADERS) headers[h] = { $ref: `#/components/headers/${h}` };
        if (method === 'get' && status === '200') headers.ETag = { $ref: '#/components/headers/ETag' };
        response.headers = headers;
      }
      const parameters = (operation.parameters ?? []) as Json[];
      const statuses: string[] = ['500'];
      if (secured) statuses.push('401', '403', '429');
      if (parameters.length > 0 || operation.requestBody) statuses.push('400');
      if (parameters.some((p) => p.in === 'path')) statuses.push('404');
      if (operation.requestBody) statuses.push('413', '415');
      for (const status of statuses) responses[status] ??= errorResponse(status, secured && status !== '401');
      if (method === 'get' && responses['200']) {
        responses['304'] ??= { description: 'Not modified: the `If-None-Match` tag is current' };
      }
      operation.responses = responses;
    }
  }
  return document;
}

const HEADER_COMPONENTS = {
  'X-Request-Id': {
    description: 'Id of this request (echoes a valid incoming X-Request-Id)',
    schema: { type: 'string' },
  },
  'X-RateLimit-Limit': { description: 'Requests allowed in the current window', schema: { type: 'integer' } },
  'X-RateLimit-Remaining': {
    description: 'Requests left in the current window',
    schema: { type: 'integer' },
  },
  'X-RateLimit-Reset': {
    description: 'Unix time (seconds) at which the window resets',
    schema: { type: 'integer' },
  },
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } },
  'WWW-Authenticate': { description: 'Bearer challenge (RFC 6750)', schema: { type: 'string' } },
  ETag: { description: 'Entity tag of the body; send it back in If-None-Match', schema: { type: 'string' } },
};

export interface OpenApiOptions {
  publicUrl: string;
  version: string;
}

export async function registerOpenApi(app: FastifyInstance, options: OpenApiOptions): Promise<void> {
  // The unversioned alias serves the same operations; the document lists each once, under /api/v1.
  app.addHook('onRoute', (route) => {
    if (
      route.url.startsWith(`${ALIAS_PREFIX}/`) &&
      !route.url.startsWith(`${API_PREFIX}/`) &&
      route.url !== API_PREFIX
    ) {
      route.schema = { ...(route.schema ?? {}), hide: true };
    }
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Audenci API',
        version: options.version,
        description:
          'Plan, create, schedule, publish and measure social-media content. Every endpoint is also served ' +
          'under the unversioned alias `/api/...`. Authenticate with `Authorization: Bearer sk_prod_…` ' +
          '(live) or `sk_test_…` (test environment).',
        contact: { name: 'Audenci API support', email: 'api@audenci.com', url: `${options.publicUrl}/docs` },
        license: { name: 'MIT', identifier: 'MIT' },
      },
      servers: [{ url: options.publicUrl, description: 'This server' }],
      tags: TAGS,
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'sk_prod_… / sk_test_…',
            description: 'An API key. Scopes: read (GET), read_write (content changes), admin (everything).',
          },
        },
        headers: HEADER_COMPONENTS,
      } as never,
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    transformObject: (documentObject) =>
      decorate((documentObject as { openapiObject: Json }).openapiObject) as never,
  });

  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { docExpansion: 'list', deepLinking: true, persistAuthorization: true },
    staticCSP: true,
  });
}
