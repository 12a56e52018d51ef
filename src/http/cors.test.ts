import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTenant, createTestApp, type Tenant, type TestApp } from '../../test/helpers/app.js';
import { ConfigError, loadConfig } from '../config/index.js';
import { CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS } from './cors.js';

const APP_ORIGIN = 'https://app.example.com';
const DEV_ORIGIN = 'http://localhost:5173';
const OTHER_ORIGIN = 'https://evil.example';

/** A test app listening on loopback: every request below goes over HTTP, as a browser's would. */
async function listening(env: Record<string, string>): Promise<{ t: TestApp; base: string }> {
  const t = await createTestApp('sqlite', { env });
  const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  return { t, base: address };
}

function preflight(base: string, path: string, origin: string, method = 'POST'): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'authorization,content-type,idempotency-key,x-audenci-client',
    },
  });
}

/** The names of the CORS headers an answer carries. */
function corsHeaders(res: Response): string[] {
  return [...res.headers.keys()].filter((name) => name.startsWith('access-control-'));
}

function assertVaryOrigin(res: Response): void {
  const vary = (res.headers.get('vary') ?? '').split(',').map((v) => v.trim().toLowerCase());
  assert.ok(vary.includes('origin'), `Vary names Origin: ${res.headers.get('vary')}`);
}

function assertAllowedAnswer(res: Response, origin: string): void {
  assert.equal(res.headers.get('access-control-allow-origin'), origin);
  assertVaryOrigin(res);
  const exposed = (res.headers.get('access-control-expose-headers') ?? '').split(', ');
  for (const name of CORS_EXPOSED_HEADERS) assert.ok(exposed.includes(name), `${name} is exposed`);
  assert.equal(res.headers.get('access-control-allow-credentials'), null, 'credentials are never allowed');
  assert.equal(res.headers.get('access-control-allow-methods'), null, 'only a preflight lists methods');
}

function assertPreflightAllowed(res: Response, origin: string): void {
  assert.equal(res.status, 204);
  assert.equal(res.headers.get('access-control-allow-origin'), origin);
  assert.equal(res.headers.get('access-control-allow-methods'), 'GET, HEAD, POST, PUT, PATCH, DELETE');
  const headers = (res.headers.get('access-control-allow-headers') ?? '').split(', ');
  for (const name of [
    'Authorization',
    'Content-Type',
    'Idempotency-Key',
    'If-Match',
    'If-None-Match',
    'X-CSRF-Token',
    'X-Audenci-Client',
    'traceparent',
    'tracestate',
  ]) {
    assert.ok(headers.includes(name), `${name} may be sent`);
  }
  assert.deepEqual(headers, [...CORS_ALLOWED_HEADERS]);
  assert.equal(res.headers.get('access-control-max-age'), '7200');
  assert.equal(res.headers.get('access-control-allow-credentials'), null, 'credentials are never allowed');
  assertVaryOrigin(res);
  assert.match(String(res.headers.get('x-request-id')), /^req_/);
}

describe('CORS with an allow-list (AUDENCI_CORS_ORIGINS)', () => {
  let t: TestApp;
  let base: string;
  let tenant: Tenant;
  const RATE_LIMIT = 5;

  before(async () => {
    ({ t, base } = await listening({ AUDENCI_CORS_ORIGINS: `${APP_ORIGIN}:443, ${DEV_ORIGIN}/` }));
    tenant = await createTenant(t, { rateLimit: RATE_LIMIT });
  });
  after(() => t.close());

  it('an allowed origin gets its own origin back, Vary and the exposed headers, on success and error', async () => {
    for (const origin of [APP_ORIGIN, DEV_ORIGIN]) {
      const ok = await fetch(`${base}/api/v1/organization`, {
        headers: { origin, authorization: `Bearer ${tenant.test.read}` },
      });
      assert.equal(ok.status, 200, await ok.clone().text());
      assertAllowedAnswer(ok, origin);
      assert.match(String(ok.headers.get('etag')), /^"/);
    }
    // A refusal is readable by the page too (its status, envelope and request id).
    const refused = await fetch(`${base}/api/v1/organization`, { headers: { origin: APP_ORIGIN } });
    assert.equal(refused.status, 401);
    assertAllowedAnswer(refused, APP_ORIGIN);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'UNAUTHORIZED');
    // A created resource: its Location and the idempotency headers are readable cross-origin.
    const created = await fetch(`${base}/api/v1/brands`, {
      method: 'POST',
      headers: {
        origin: APP_ORIGIN,
        authorization: `Bearer ${tenant.test.admin}`,
        'content-type': 'application/json',
        'idempotency-key': 'cors-brand-1',
      },
      body: JSON.stringify({ name: 'Cross-origin brand' }),
    });
    assert.equal(created.status, 201, await created.clone().text());
    assertAllowedAnswer(created, APP_ORIGIN);
    assert.match(String(created.headers.get('location')), /\/api\/v1\/brands\//);
  });

  it('a preflight of an allowed origin is 204 with the allowed methods and headers, on any path, without a key', async () => {
    for (const path of ['/api/v1/posts', '/api/v1/posts/post_123/publish', '/api/brands', '/no/such/path']) {
      const res = await preflight(base, path, APP_ORIGIN);
      assertPreflightAllowed(res, APP_ORIGIN);
      assert.equal(await res.text(), '');
    }
    assertPreflightAllowed(await preflight(base, '/api/v1/posts/x', DEV_ORIGIN, 'DELETE'), DEV_ORIGIN);
  });

  it('preflights do not count against the rate limit', async () => {
    for (let i = 0; i < RATE_LIMIT * 3; i++) {
      assertPreflightAllowed(await preflight(base, '/api/v1/brands', APP_ORIGIN, 'GET'), APP_ORIGIN);
    }
    const res = await fetch(`${base}/api/v1/brands`, {
      headers: { origin: APP_ORIGIN, authorization: `Bearer ${tenant.live.read}` },
    });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(res.headers.get('x-ratelimit-limit'), String(RATE_LIMIT));
    assert.equal(res.headers.get('x-ratelimit-remaining'), String(RATE_LIMIT - 1));
  });

  it('an origin not listed gets no CORS header, and its preflight is answered as any OPTIONS request', async () => {
    const unlimited = await createTenant(t);
    for (const origin of [OTHER_ORIGIN, 'http://app.example.com', 'https://app.example.com:8443', 'null']) {
      const res = await fetch(`${base}/api/v1/organization`, {
        headers: { origin, authorization: `Bearer ${unlimited.test.read}` },
      });
      assert.equal(res.status, 200);
      assert.deepEqual(corsHeaders(res), [], origin);
      assertVaryOrigin(res);

      const known = await preflight(base, '/api/v1/posts', origin);
      assert.equal(known.status, 405);
      assert.equal(known.headers.get('allow'), 'GET, POST, HEAD');
      assert.deepEqual(corsHeaders(known), []);
      const unknown = await preflight(base, '/no/such/path', origin);
      assert.equal(unknown.status, 404);
      assert.deepEqual(corsHeaders(unknown), []);
      assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
    }
    // A request without Origin (a server, curl) is not affected.
    const plain = await fetch(`${base}/healthz`);
    assert.equal(plain.status, 200);
    assert.deepEqual(corsHeaders(plain), []);
  });
});

describe('CORS off (the default)', () => {
  let t: TestApp;
  let base: string;
  before(async () => {
    ({ t, base } = await listening({}));
  });
  after(() => t.close());

  it('sends no CORS header, and a preflight gets 405 or 404 without allow headers', async () => {
    assert.deepEqual(t.runtime.config.corsOrigins, []);
    const tenant = await createTenant(t);
    const res = await fetch(`${base}/api/v1/organization`, {
      headers: { origin: APP_ORIGIN, authorization: `Bearer ${tenant.test.read}` },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(corsHeaders(res), []);
    assert.equal(res.headers.get('vary'), null);
    const known = await preflight(base, '/api/v1/posts', APP_ORIGIN);
    assert.equal(known.status, 405);
    assert.deepEqual(corsHeaders(known), []);
    const unknown = await preflight(base, '/no/such/path', APP_ORIGIN);
    assert.equal(unknown.status, 404);
    assert.deepEqual(corsHeaders(unknown), []);
  });

  it('the OpenAPI document describes CORS: the variable, the headers, and no credentials', async () => {
    const document = (await (await fetch(`${base}/openapi.json`)).json()) as {
      info: { description: string };
    };
    const section = document.info.description.split('## CORS\n\n')[1];
    assert.ok(section, 'info.description has a CORS section');
    assert.match(section, /AUDENCI_CORS_ORIGINS/);
    assert.match(section, /Access-Control-Allow-Methods: GET, HEAD, POST, PUT, PATCH, DELETE/);
    assert.match(section, /Access-Control-Max-Age: 7200/);
    assert.match(section, /Credentials are never allowed/);
    for (const name of [...CORS_EXPOSED_HEADERS, ...CORS_ALLOWED_HEADERS])
      assert.ok(section.includes(name), name);
  });
});

describe('CORS for any origin (AUDENCI_CORS_ORIGINS=*)', () => {
  let t: TestApp;
  let base: string;
  before(async () => {
    ({ t, base } = await listening({ AUDENCI_CORS_ORIGINS: '*' }));
  });
  after(() => t.close());

  it('echoes whichever origin asks, on answers and preflights, still without credentials', async () => {
    for (const origin of [APP_ORIGIN, OTHER_ORIGIN, 'http://127.0.0.1:8080']) {
      const res = await fetch(`${base}/healthz`, { headers: { origin } });
      assert.equal(res.status, 200);
      assertAllowedAnswer(res, origin);
      assertPreflightAllowed(await preflight(base, '/api/v1/webhooks/endpoints', origin), origin);
    }
  });
});

describe('AUDENCI_CORS_ORIGINS at start-up', () => {
  it('normalises each origin and keeps * alone', () => {
    assert.deepEqual(
      loadConfig({
        AUDENCI_CORS_ORIGINS: 'https://App.Example.com/, http://localhost:5173,https://app.example.com:443',
      }).corsOrigins,
      [APP_ORIGIN, DEV_ORIGIN],
    );
    assert.deepEqual(loadConfig({ AUDENCI_CORS_ORIGINS: ' * ' }).corsOrigins, ['*']);
    assert.deepEqual(loadConfig({ AUDENCI_CORS_ORIGINS: '' }).corsOrigins, []);
  });

  it('refuses anything but * or bare http(s) origins, naming the variable', () => {
    for (const bad of [
      'app.example.com',
      'https://app.example.com/path',
      'https://app.example.com?x=1',
      'ftp://files.example.com',
      'null',
      '*.example.com',
      'https://*.example.com',
      '*, https://app.example.com',
      'https://user:hunter2@app.example.com',
    ]) {
      assert.throws(
        () => loadConfig({ AUDENCI_CORS_ORIGINS: bad }),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.variable === 'AUDENCI_CORS_ORIGINS' &&
          /^Invalid configuration: AUDENCI_CORS_ORIGINS must be /.test(error.message) &&
          !error.message.includes('hunter2'),
        bad,
      );
    }
  });
});
