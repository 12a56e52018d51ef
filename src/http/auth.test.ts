import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { injectHead, isEventStream } from '../../test/helpers/event-stream.js';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  ManualClock,
  type Answer,
  type Tenant,
  type TestApp,
} from '../../test/helpers/app.js';
import { generateKey, type Scope } from '../modules/keys/index.js';

const SCOPE_RANK: Record<Scope, number> = { read: 0, read_write: 1, admin: 2 };
const KEY_SCOPES: Scope[] = ['read', 'read_write', 'admin'];
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * The scope each route must declare (docs/api.md, authentication and scopes): GETs need `read`; changes to
 * content need `read_write`; API keys, webhooks, brands and organization settings need `admin` — reading
 * API keys, webhook endpoints and the audit log too. A new route whose scope departs from this rule is
 * listed in EXCEPTIONS.
 */
const ADMIN_RESOURCES = [
  'api-keys',
  'webhooks',
  'webhook-endpoints',
  'brands',
  'organization',
  'audit-log',
  'members',
  'invitations',
];
const ADMIN_EVEN_TO_READ = ['api-keys', 'webhooks', 'webhook-endpoints', 'audit-log', 'invitations'];
const EXCEPTIONS: Record<string, Scope> = {
  // The job type decides (`read` for exports, `read_write` for changes); the service answers 403 below it.
  'POST /api/v1/jobs': 'read',
  // A person's own profile, password, sessions and second factor: every role may change its own.
  'PATCH /api/v1/me': 'read',
  'POST /api/v1/me/password': 'read',
  'DELETE /api/v1/me/sessions/{id}': 'read',
  'POST /api/v1/me/sessions/revoke-others': 'read',
  'POST /api/v1/me/two-factor/setup': 'read',
  'POST /api/v1/me/two-factor/enable': 'read',
  'POST /api/v1/me/two-factor/disable': 'read',
  // Leaving: any member may remove their own membership; removing another needs admin (the service).
  'DELETE /api/v1/members/{id}': 'read',
};
/** Operations about the signed-in person: a key with the scope is answered 403 `session_required`. */
const SESSION_ONLY = /^\/api\/v1\/me(\/|$)/;
/**
 * Operations under /api that take no key, by design: the OAuth callback the platform redirects the
 * user's browser to (its single-use `state` identifies the attempt). Served under both prefixes, GET only.
 */
const PUBLIC_API_OPERATIONS = ['GET /api/v1/social-accounts/callback'];

function expectedScope(method: string, path: string): Scope {
  const exception = EXCEPTIONS[`${method} ${path}`];
  if (exception) return exception;
  const resource = path.replace(/^\/api\/v1\//, '').split('/')[0]!;
  if (method === 'GET') return ADMIN_EVEN_TO_READ.includes(resource) ? 'admin' : 'read';
  return ADMIN_RESOURCES.includes(resource) ? 'admin' : 'read_write';
}

/** Operations that exist today: the matrix below must cover at least these. */
const KNOWN_OPERATIONS = [
  'GET /api/v1/organization',
  'GET /api/v1/brands',
  'POST /api/v1/brands',
  'GET /api/v1/brands/{id}',
  'PUT /api/v1/brands/{id}',
  'PATCH /api/v1/brands/{id}',
  'DELETE /api/v1/brands/{id}',
  'GET /api/v1/api-keys',
  'POST /api/v1/api-keys',
  'GET /api/v1/api-keys/{id}',
  'DELETE /api/v1/api-keys/{id}',
  'POST /api/v1/api-keys/{id}/rotate',
  'GET /api/v1/posts',
  'POST /api/v1/posts',
  'POST /api/v1/posts/validate',
  'GET /api/v1/posts/{id}',
  'PUT /api/v1/posts/{id}',
  'PATCH /api/v1/posts/{id}',
  'DELETE /api/v1/posts/{id}',
  'GET /api/v1/campaigns',
  'POST /api/v1/campaigns',
  'GET /api/v1/campaigns/{id}',
  'PUT /api/v1/campaigns/{id}',
  'PATCH /api/v1/campaigns/{id}',
  'DELETE /api/v1/campaigns/{id}',
  'GET /api/v1/campaigns/{id}/posts',
  'GET /api/v1/platforms',
  'GET /api/v1/platforms/{platform}',
];

/** Syntactically valid ids that exist nowhere, by the collection the path parameter follows. */
const ID_PREFIX: Record<string, string> = {
  brands: 'brand',
  'api-keys': 'key',
  posts: 'post',
  campaigns: 'cmp',
  accounts: 'acct',
  'social-accounts': 'acct',
  media: 'med',
  jobs: 'job',
  webhooks: 'whk',
  'webhook-endpoints': 'whk',
  events: 'evt',
  plans: 'plan',
};
const ID_BODY = '01M8FHSW4FSXDVQCQJRMA72QE2';

function concretePath(template: string): string {
  const segments = template.split('/');
  return segments
    .map((segment, i) => {
      if (!/^\{.+\}$/.test(segment)) return segment;
      const collection = segments[i - 1] ?? '';
      return `${ID_PREFIX[collection] ?? collection.replace(/s$/, '')}_${ID_BODY}`;
    })
    .join('/');
}

interface Operation {
  method: string;
  /** Path template as in the OpenAPI document (`/api/v1/brands/{id}`). */
  template: string;
  declared: Scope;
  /** Its 200 is an endless event stream: read up to its first frame (test/helpers/event-stream.ts). */
  stream: boolean;
}

interface RouteCase extends Operation {
  /** The URL called: under `/api/v1` or the `/api` alias, with ids filled in. */
  url: string;
}

/** Every authenticated operation of the OpenAPI document, with its declared `x-required-scope`. */
function documentedOperations(app: FastifyInstance): Operation[] {
  const doc = app.swagger() as unknown as { paths: Record<string, Record<string, Record<string, unknown>>> };
  const out: Operation[] = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const declared = operation['x-required-scope'];
      if (PUBLIC_API_OPERATIONS.includes(`${method.toUpperCase()} ${template}`)) {
        assert.equal(declared, 'public', `${method.toUpperCase()} ${template} is public`);
        assert.deepEqual(operation.security, [], `${template} has no security requirement`);
        continue;
      }
      if (template.startsWith('/api/')) {
        assert.ok(
          declared === 'read' || declared === 'read_write' || declared === 'admin',
          `${method.toUpperCase()} ${template} must require a key scope, declares ${String(declared)}`,
        );
        assert.deepEqual(
          operation.security,
          [{ bearerAuth: [] }, { sessionCookie: [] }],
          `${template} security requirement`,
        );
        out.push({
          method: method.toUpperCase(),
          template,
          declared: declared as Scope,
          stream: isEventStream(operation),
        });
      } else {
        assert.equal(declared, 'public', `${method.toUpperCase()} ${template} outside /api must be public`);
      }
    }
  }
  return out;
}

/**
 * `METHOD /path` of every route the router serves under /api, read from `printRoutes` (a tree whose
 * levels are indented by four characters), so that a route hidden from the document is still caught.
 */
function routerRoutes(app: FastifyInstance): Set<string> {
  const out = new Set<string>();
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:│ {3}| {4})*)(?:├── |└── )(\S+)(?: \(([^)]*)\))?/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    stack.push(match[2]!);
    const path = stack.join('');
    if (!match[3] || !path.startsWith('/api/')) continue;
    for (const method of match[3].split(',')) out.add(`${method.trim()} ${path.replace(/:(\w+)/g, '{$1}')}`);
  }
  return out;
}

function routeCases(operations: Operation[]): RouteCase[] {
  return operations.flatMap((op) => {
    const path = concretePath(op.template);
    const alias = path.replace(/^\/api\/v1\//, '/api/');
    const cases = [
      { ...op, url: path },
      { ...op, url: alias },
    ];
    // Fastify serves HEAD for every GET: it must be guarded exactly like the GET.
    return op.method === 'GET' ? [...cases, ...cases.map((c) => ({ ...c, method: 'HEAD' }))] : cases;
  });
}

async function send(app: FastifyInstance, c: RouteCase, authorization?: string): Promise<Answer> {
  if (c.method === 'HEAD') {
    const res = await app.inject({
      method: 'HEAD',
      url: c.url,
      headers: authorization ? { authorization } : {},
    });
    return { status: res.statusCode, headers: res.headers, body: undefined, raw: res.body };
  }
  if (c.stream) {
    return injectHead(app, { method: 'GET', url: c.url, headers: authorization ? { authorization } : {} });
  }
  return call(app, c.method as InjectOptions['method'], c.url, {
    headers: authorization ? { authorization } : {},
    ...(BODY_METHODS.has(c.method) ? { body: {} } : {}),
  });
}

const BEARER = 'Bearer realm="audenci"';
const INVALID_TOKEN = 'Bearer realm="audenci", error="invalid_token"';

/** A 401: the envelope (no details), the bearer challenge, and no rate-limit headers (nobody was counted). */
function assertUnauthorized(res: Answer, message: string | RegExp, challenge: string, what: string): void {
  assert.equal(res.status, 401, `${what}: status`);
  assert.equal(res.headers['www-authenticate'], challenge, `${what}: WWW-Authenticate`);
  assert.match(String(res.headers['www-authenticate']), /^Bearer\b/);
  assert.equal(res.headers['x-ratelimit-limit'], undefined, `${what}: no rate-limit headers`);
  assert.equal(res.headers['x-ratelimit-remaining'], undefined, `${what}: no rate-limit headers`);
  assert.match(String(res.headers['x-request-id']), /\S/, `${what}: X-Request-Id`);
  if (res.raw === '') return; // HEAD: headers only
  assert.deepEqual(Object.keys(res.body), ['error'], `${what}: envelope`);
  assert.deepEqual(Object.keys(res.body.error).sort(), ['code', 'message'], `${what}: no details`);
  assert.equal(res.body.error.code, 'UNAUTHORIZED', `${what}: code`);
  if (typeof message === 'string') assert.equal(res.body.error.message, message, `${what}: message`);
  else assert.match(res.body.error.message, message, `${what}: message`);
}

function assertAllowed(res: Answer, what: string): void {
  assert.ok(res.status !== 401 && res.status !== 403, `${what}: allowed, got ${res.status} ${res.raw}`);
  assert.ok(res.status < 500, `${what}: no server error, got ${res.status} ${res.raw}`);
  assert.match(String(res.headers['x-ratelimit-limit']), /^\d+$/, `${what}: counted as authenticated`);
  if (res.body?.error) assert.notEqual(res.body.error.code, 'FORBIDDEN', what);
}

/** Past authentication and scope, a person's operation refuses a key: there is no person to act on. */
function assertSessionOnly(res: Answer, what: string): void {
  assert.equal(res.status, 403, `${what}: status, got ${res.raw}`);
  assert.match(String(res.headers['x-ratelimit-limit']), /^\d+$/, `${what}: counted as authenticated`);
  if (res.raw === '') return; // HEAD: headers only
  assert.deepEqual(res.body.error.details, { reason: 'session_required' }, what);
}

function assertForbidden(res: Answer, required: Scope, granted: Scope, what: string): void {
  assert.equal(res.status, 403, `${what}: status, got ${res.raw}`);
  assert.equal(res.headers['www-authenticate'], undefined, `${what}: no challenge on 403`);
  assert.match(String(res.headers['x-ratelimit-limit']), /^\d+$/, `${what}: rate-limit headers`);
  if (res.raw === '') return; // HEAD: headers only
  assert.deepEqual(
    res.body,
    {
      error: {
        code: 'FORBIDDEN',
        message: `This API key's scope '${granted}' cannot do this; it needs '${required}'`,
        details: { requiredScope: required, grantedScope: granted },
      },
    },
    what,
  );
}

// The route list comes from a throwaway app: the document and the router do not depend on the database.
const discovery = await createTestApp('sqlite');
const operations = documentedOperations(discovery.app);
const served = routerRoutes(discovery.app);
await discovery.close();
const cases = routeCases(operations);

describe('route inventory', () => {
  it('the OpenAPI document lists every operation the API serves, under /api/v1 and the /api alias', () => {
    const documented = new Set(operations.map((op) => `${op.method} ${op.template}`));
    for (const known of KNOWN_OPERATIONS) assert.ok(documented.has(known), `${known} is documented`);

    const expected = new Set(
      operations.flatMap((op) => {
        const both = [op.template, op.template.replace(/^\/api\/v1\//, '/api/')];
        const methods = op.method === 'GET' ? ['GET', 'HEAD'] : [op.method];
        return both.flatMap((p) => methods.map((m) => `${m} ${p}`));
      }),
    );
    for (const op of PUBLIC_API_OPERATIONS) {
      const [method, template] = op.split(' ') as [string, string];
      expected.add(op).add(`${method} ${template.replace(/^\/api\/v1\//, '/api/')}`);
    }
    assert.deepEqual([...served].sort(), [...expected].sort());
  });

  it('every operation declares the scope the contract gives it', () => {
    const declared = Object.fromEntries(operations.map((op) => [`${op.method} ${op.template}`, op.declared]));
    const expected = Object.fromEntries(
      operations.map((op) => [`${op.method} ${op.template}`, expectedScope(op.method, op.template)]),
    );
    assert.deepEqual(declared, expected);
    // The rule itself, pinned on today's routes so that it cannot drift with them.
    assert.deepEqual(
      KNOWN_OPERATIONS.map((k) => declared[k]),
      [
        ...['read', 'read', 'admin', 'read', 'admin', 'admin', 'admin'],
        ...['admin', 'admin', 'admin', 'admin', 'admin'],
        ...['read', 'read_write', 'read_write', 'read', 'read_write', 'read_write', 'read_write'],
        ...['read', 'read_write', 'read', 'read_write', 'read_write', 'read_write', 'read'],
        ...['read', 'read'],
      ],
    );
  });
});

for (const dialect of dialects) {
  describe(`authentication and scopes on every route (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    before(async () => {
      t = await createTestApp(dialect);
      tenant = await createTenant(t);
    });
    after(() => t.close());

    for (const c of cases) {
      it(`${c.method} ${c.url}: no key → 401; ${c.declared} and above → allowed; below → 403`, async () => {
        const what = `${c.method} ${c.url}`;
        assertUnauthorized(
          await send(t.app, c),
          'Missing API key: send it as "Authorization: Bearer <key>"',
          BEARER,
          `${what} without a key`,
        );
        for (const scope of KEY_SCOPES) {
          for (const environment of ['live', 'test'] as const) {
            const res = await send(t.app, c, `Bearer ${tenant[environment][scope]}`);
            const label = `${what} with a ${environment} ${scope} key`;
            if (SCOPE_RANK[scope] >= SCOPE_RANK[c.declared] && SESSION_ONLY.test(c.template)) {
              assertSessionOnly(res, label);
            } else if (SCOPE_RANK[scope] >= SCOPE_RANK[c.declared]) assertAllowed(res, label);
            else assertForbidden(res, c.declared, scope, label);
          }
        }
      });
    }
  });

  describe(`refused credentials (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let clock: ManualClock;
    before(async () => {
      clock = new ManualClock(Date.parse('2030-01-15T10:20:00.000Z'));
      // These tests send a refused key to every route; the failure throttle (which would answer 429
      // after 100 of them) has tests of its own in auth-throttle.test.ts.
      t = await createTestApp(dialect, { clock, env: { AUDENCI_AUTH_FAILURE_LIMIT: '0' } });
      tenant = await createTenant(t);
    });
    after(() => t.close());

    /** Counts database look-ups of keys, to show which refusals need none. */
    async function lookups(fn: () => Promise<void>): Promise<number> {
      const authenticator = t.runtime.authenticator;
      const original = authenticator.authenticate;
      let count = 0;
      authenticator.authenticate = (hash) => {
        count++;
        return original.call(authenticator, hash);
      };
      try {
        await fn();
      } finally {
        authenticator.authenticate = original;
      }
      return count;
    }

    it('a malformed Authorization header is refused with 401 invalid_token', async () => {
      const key = tenant.live.admin;
      const headers = [
        'Basic x',
        'Basic dXNlcjpwYXNz',
        'Bearer',
        'Bearer ',
        `Bearer ${key} extra`,
        `Bearer${key}`,
        `Token ${key}`,
        key,
      ];
      for (const authorization of headers) {
        const res = await call(t.app, 'GET', '/api/v1/organization', { headers: { authorization } });
        assertUnauthorized(
          res,
          'Malformed Authorization header: expected "Bearer <key>"',
          INVALID_TOKEN,
          `Authorization: ${authorization}`,
        );
      }
    });

    it('the bearer scheme is case-insensitive (RFC 6750) and a valid key is accepted', async () => {
      for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
        const res = await call(t.app, 'GET', '/api/v1/organization', {
          headers: { authorization: `${scheme} ${tenant.live.read}` },
        });
        assert.equal(res.status, 200, scheme);
        assert.equal(res.body.data.id, tenant.org.id);
      }
    });

    it('a kept key is admitted without the asynchronous identify, with the same headers', async () => {
      const authenticator = t.runtime.authenticator;
      const key = tenant.live.read;
      const first = await call(t.app, 'GET', '/api/v1/organization', { key });
      assert.equal(first.status, 200);
      const original = authenticator.identify;
      let calls = 0;
      authenticator.identify = (presented) => {
        calls++;
        return original.call(authenticator, presented);
      };
      try {
        const kept = await call(t.app, 'GET', '/api/v1/organization', { key });
        assert.equal(kept.status, 200);
        assert.equal(kept.body.data.id, tenant.org.id);
        assert.equal(kept.headers['x-ratelimit-limit'], first.headers['x-ratelimit-limit']);
        assert.equal(
          Number(kept.headers['x-ratelimit-remaining']),
          Number(first.headers['x-ratelimit-remaining']) - 1,
        );
        assert.equal(kept.headers['x-ratelimit-reset'], first.headers['x-ratelimit-reset']);
        assert.equal(calls, 0, 'a kept key needs no identify');
        // Past its time in the cache, the key is looked up again through identify.
        clock.advance(t.runtime.config.authCacheTtlMs + 1);
        assert.equal((await call(t.app, 'GET', '/api/v1/organization', { key })).status, 200);
        assert.equal(calls, 1);
      } finally {
        authenticator.identify = original;
      }
    });

    it('a key with one character changed fails its checksum and is refused without a database lookup', async () => {
      const key = tenant.live.admin;
      const positions = [8, 20, key.length - 7, key.length - 1]; // random part and checksum
      const count = await lookups(async () => {
        for (const i of positions) {
          const flipped = key.slice(0, i) + (key[i] === 'A' ? 'B' : 'A') + key.slice(i + 1);
          assert.notEqual(flipped, key);
          const res = await call(t.app, 'GET', '/api/v1/organization', { key: flipped });
          assertUnauthorized(res, 'Invalid API key', INVALID_TOKEN, `key changed at ${i}`);
        }
        for (const bad of [
          key.replace('sk_prod_', 'sk_live_'),
          key.slice(0, -1),
          `${key}0`,
          'sk_prod_short',
        ]) {
          const res = await call(t.app, 'GET', '/api/v1/organization', { key: bad });
          assertUnauthorized(res, 'Invalid API key', INVALID_TOKEN, bad);
        }
      });
      assert.equal(count, 0, 'no key lookup for a key that is not well formed');
      // The original key is fine: the refusals above were about the key, not the request.
      assert.equal((await call(t.app, 'GET', '/api/v1/organization', { key })).status, 200);
    });

    it('a well-formed key that was never issued is refused after one lookup', async () => {
      for (const environment of ['live', 'test'] as const) {
        const unknown = generateKey(environment);
        const count = await lookups(async () => {
          const res = await call(t.app, 'GET', '/api/v1/organization', { key: unknown });
          assertUnauthorized(res, 'Invalid API key', INVALID_TOKEN, `unknown ${environment} key`);
        });
        assert.equal(count, 1);
      }
    });

    it('a revoked key is refused at once, on every route', async () => {
      const created = await call(t.app, 'POST', '/api/v1/api-keys', {
        key: tenant.live.admin,
        body: { scope: 'admin', name: 'to revoke' },
      });
      assert.equal(created.status, 201);
      const { id, key } = created.body.data;
      assert.equal((await call(t.app, 'GET', '/api/v1/organization', { key })).status, 200);

      const revoked = await call(t.app, 'DELETE', `/api/v1/api-keys/${id}`, { key: tenant.live.admin });
      assert.equal(revoked.status, 200);
      assert.equal(revoked.body.data.status, 'revoked');

      for (const c of cases) {
        const res = await send(t.app, c, `Bearer ${key}`);
        assertUnauthorized(res, 'This API key has been revoked', INVALID_TOKEN, `${c.method} ${c.url}`);
      }
    });

    it('a key with an expiry works until that instant and is refused from it on', async () => {
      const expiresAt = clock.now() + 5_000;
      const created = await call(t.app, 'POST', '/api/v1/api-keys', {
        key: tenant.live.admin,
        body: { scope: 'read', name: 'short-lived', expiresAt: new Date(expiresAt).toISOString() },
      });
      assert.equal(created.status, 201);
      const { id, key } = created.body.data;
      assert.equal(created.body.data.expiresAt, new Date(expiresAt).toISOString());

      assert.equal((await call(t.app, 'GET', '/api/v1/organization', { key })).status, 200);
      clock.set(expiresAt - 1);
      assert.equal((await call(t.app, 'GET', '/api/v1/organization', { key })).status, 200);

      clock.set(expiresAt);
      for (const c of cases) {
        const res = await send(t.app, c, `Bearer ${key}`);
        assertUnauthorized(res, 'This API key has expired', INVALID_TOKEN, `${c.method} ${c.url}`);
      }
      const shown = await call(t.app, 'GET', `/api/v1/api-keys/${id}`, { key: tenant.live.admin });
      assert.equal(shown.status, 200);
      assert.equal(shown.body.data.status, 'expired');
    });
  });
}
