import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { decorate, HEADER_COMPONENTS, PARAMETER_COMPONENTS } from './openapi.decorate.js';
import { ALIAS_PREFIX, API_PREFIX } from './versioning.js';
import { SESSION_COOKIE } from './cookies.js';
import {
  CORS_ALLOWED_HEADERS,
  CORS_ALLOWED_METHODS,
  CORS_EXPOSED_HEADERS,
  CORS_MAX_AGE_SECONDS,
} from './cors.js';

type Json = Record<string, unknown>;

const TAGS = [
  { name: 'Organization', description: 'The organization that owns the API key.' },
  { name: 'Brands', description: 'Brands group social accounts, posts, campaigns and media.' },
  { name: 'API keys', description: 'Scoped keys for this API (admin scope).' },
  {
    name: 'Me',
    description:
      'The person signed in with a session cookie: profile, password and sessions. An API key has no person (403).',
  },
  {
    name: 'Members',
    description:
      "The organization's people and their roles (owner, admin, editor, viewer), shared by both environments. Only an owner grants or removes `owner`; the last owner stays.",
  },
  {
    name: 'Invitations',
    description:
      'Invitations by email to join the organization with a role (admin scope): mailed when SMTP is configured, otherwise a one-time link for an admin to pass on.',
  },
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
    name: 'Audit log',
    description:
      'Security-relevant actions (API keys, webhook endpoints, sign-ins, members and roles): who did what, from where, written in the same transaction as the change (admin scope).',
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

export interface OpenApiOptions {
  publicUrl: string;
  version: string;
}

/** The `CORS` section of `info.description`: what `src/http/cors.ts` answers when it is configured. */
const CORS_DESCRIPTION =
  '## CORS\n\n' +
  'Off by default: the web app is served from this server, and other clients are servers. An operator ' +
  'may allow browser pages of other origins to call the API by listing them in `AUDENCI_CORS_ORIGINS` ' +
  '(comma-separated, such as `https://app.example.com,http://localhost:5173`, or `*` for any origin). ' +
  'A request whose `Origin` is listed is answered with `Access-Control-Allow-Origin` set to that origin, ' +
  '`Vary: Origin` and `Access-Control-Expose-Headers: ' +
  CORS_EXPOSED_HEADERS.join(', ') +
  '`, whatever its status. Its preflight (`OPTIONS` with `Access-Control-Request-Method`, on any path) is ' +
  'answered `204` without a key and without counting against a rate limit, with ' +
  `\`Access-Control-Allow-Methods: ${CORS_ALLOWED_METHODS.join(', ')}\`, ` +
  `\`Access-Control-Allow-Headers: ${CORS_ALLOWED_HEADERS.join(', ')}\` and ` +
  `\`Access-Control-Max-Age: ${CORS_MAX_AGE_SECONDS}\`. ` +
  'Credentials are never allowed (no `Access-Control-Allow-Credentials`): the session cookie stays ' +
  'same-origin, and a page of another origin authenticates with an API key in `Authorization` ' +
  '(a test key, or a key of the least scope it needs, since the page shows it to its users). An origin ' +
  'not listed, or any origin while CORS is off, gets no CORS header: its preflight is answered as any ' +
  '`OPTIONS` request (`405` on a path that exists, `404` otherwise) and the browser blocks the call.';

/**
 * The document `/docs` renders, whose "Try it out" calls the server the page was opened from: a relative
 * server first (the path of the public URL, `/` unless the server lives under a path), then the
 * configured public URL. `/openapi.json` keeps the absolute URL alone (generators read it).
 */
export function withRelativeServer(document: Readonly<Json>, publicUrl: string): Json {
  const pathname = new URL(publicUrl).pathname.replace(/\/+$/, '') || '/';
  const servers = Array.isArray(document.servers) ? (document.servers as Json[]) : [];
  return {
    ...document,
    servers: [
      { url: pathname, description: 'This server, at the address this page was opened from' },
      ...servers.filter((server) => server.url !== pathname),
    ],
  };
}

/** How the server's own URL reads: a local install, or production. */
function serverEnvironment(publicUrl: string): string {
  const host = new URL(publicUrl).hostname;
  return host === 'localhost' || host.endsWith('.localhost') || host === '127.0.0.1' || host === '[::1]'
    ? 'local'
    : 'production';
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
          '(live) or `sk_test_…` (test environment).\n\n' +
          'Every error has the body `{"error": {"code", "message", "details"?}}` (`ErrorEnvelope`). Each ' +
          'operation lists the statuses it answers. Two come from no operation: a path that exists, asked ' +
          'with a method it does not serve, answers `405 METHOD_NOT_ALLOWED` with `Allow` ' +
          '(`#/components/responses/MethodNotAllowed`); a request the HTTP parser cannot read answers 400, ' +
          '408 or 431 in the same envelope, with `Connection: close`.\n\n' +
          CORS_DESCRIPTION,
        contact: { name: 'Audenci API support', email: 'api@audenci.com', url: `${options.publicUrl}/docs` },
        license: { name: 'MIT', identifier: 'MIT' },
      },
      servers: [
        {
          url: options.publicUrl,
          description: `This Audenci server (${serverEnvironment(options.publicUrl)}, AUDENCI_PUBLIC_URL)`,
          'x-internal': false,
        } as { url: string; description: string },
      ],
      tags: TAGS,
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'sk_prod_… / sk_test_…',
            description: 'An API key. Scopes: read (GET), read_write (content changes), admin (everything).',
          },
          sessionCookie: {
            type: 'apiKey',
            in: 'cookie',
            name: SESSION_COOKIE,
            description:
              'A browser session (POST /auth/sign-in), acting in its current organization and environment with ' +
              "the scope of the member's role: owner and admin → admin, editor → read_write, viewer → read. A " +
              'request other than GET, HEAD or OPTIONS must also send the X-CSRF-Token header the sign-in answered, ' +
              'and an Origin, if any, of this server; otherwise 403.',
          },
        },
        headers: HEADER_COMPONENTS,
        parameters: PARAMETER_COMPONENTS,
        responses: {
          MethodNotAllowed: {
            description:
              'The path exists but does not serve this method; `Allow` lists the methods it serves',
            headers: {
              Allow: {
                description: 'The methods this path serves, e.g. `GET, HEAD, POST`',
                schema: { type: 'string', maxLength: 100, pattern: '^[A-Z]+(, [A-Z]+)*$' },
              },
              'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' },
            },
            content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } },
          },
        },
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
    // "Try it out" must work from whatever address the page was opened on (127.0.0.1, a LAN name, a
    // proxy), not only from AUDENCI_PUBLIC_URL's, which a browser may not reach or treats as another origin.
    transformSpecification: (document) => withRelativeServer(document, options.publicUrl),
  });
}
