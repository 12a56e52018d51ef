import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  APIError,
  Audenci,
  AudenciError,
  AuthenticationError,
  ConflictError,
  InvalidInputError,
  NotFoundError,
  PermissionDeniedError,
  SDK_VERSION,
  UnprocessableEntityError,
} from '@audenci/sdk-js';
import { dialects, makeBrand, startProxy, startServer, type LiveServer } from './helpers.js';

const packageJson = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/** Runs `body` with AUDENCI_API_KEY unset (and puts it back). */
function withoutEnvKey(body: () => void): void {
  const saved = process.env.AUDENCI_API_KEY;
  delete process.env.AUDENCI_API_KEY;
  try {
    body();
  } finally {
    if (saved !== undefined) process.env.AUDENCI_API_KEY = saved;
  }
}

describe('SDK client construction', () => {
  it('without an API key (option or AUDENCI_API_KEY) and without session mode, it throws at once', () => {
    withoutEnvKey(() => {
      for (const options of [{}, { apiKey: '' }, { apiKey: '  ' }, { baseUrl: 'http://localhost:3000' }]) {
        assert.throws(
          () => new Audenci(options),
          (error: unknown) => {
            assert.ok(error instanceof AudenciError);
            assert.match(error.message, /^No API key: pass `apiKey`/);
            assert.match(error.message, /AUDENCI_API_KEY/);
            assert.match(error.message, /Settings → API keys/);
            return true;
          },
        );
      }
      // Session mode (the web app) authenticates by its cookie: no key needed.
      assert.equal(new Audenci({ session: {} }).http.apiKey, undefined);
    });
  });

  it('SDK_VERSION is the version of package.json', () => {
    assert.equal(SDK_VERSION, packageJson.version);
  });
});

for (const dialect of dialects) {
  describe(`SDK typed errors and client options (${dialect})`, () => {
    let server: LiveServer;
    let client: Audenci;
    let brandId: string;

    before(async () => {
      server = await startServer(dialect);
      client = server.client();
      brandId = await makeBrand(client);
    });
    after(() => server.close());

    it('404 is NotFoundError with code, message, status and the request id', async () => {
      await assert.rejects(client.posts.retrieve('post_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'), (error) => {
        assert.ok(error instanceof NotFoundError);
        assert.ok(error instanceof APIError);
        assert.ok(error instanceof AudenciError);
        assert.equal(error.name, 'NotFoundError');
        assert.equal(error.status, 404);
        assert.equal(error.code, 'NOT_FOUND');
        assert.match(error.message, /NOT_FOUND/);
        assert.ok(error.requestId, 'the X-Request-Id of the answer');
        assert.equal(error.requestId, error.headers.get('x-request-id'));
        return true;
      });
    });

    it('400 is InvalidInputError with details naming every problem', async () => {
      await assert.rejects(client.posts.create({ brandId, platform: 'twitter' } as never), (error) => {
        assert.ok(error instanceof InvalidInputError);
        assert.equal(error.status, 400);
        assert.equal(error.code, 'INVALID_INPUT');
        assert.equal(error.details?.field, 'caption');
        assert.ok(error.details?.errors?.some((e) => e.field === 'caption'));
        return true;
      });
    });

    it('401 is AuthenticationError; 403 is PermissionDeniedError with details.requiredScope', async () => {
      const stranger = new Audenci({ apiKey: 'sk_test_not_a_real_key', baseUrl: server.url });
      await assert.rejects(stranger.organization.retrieve(), (error) => {
        assert.ok(error instanceof AuthenticationError);
        assert.equal(error.status, 401);
        assert.equal(error.code, 'UNAUTHORIZED');
        assert.match(error.headers.get('www-authenticate') ?? '', /^Bearer/);
        return true;
      });
      const reader = new Audenci({ apiKey: server.tenant.test.read, baseUrl: server.url });
      await assert.rejects(reader.posts.create({ brandId, platform: 'twitter', caption: 'no' }), (error) => {
        assert.ok(error instanceof PermissionDeniedError);
        assert.equal(error.status, 403);
        assert.equal(error.code, 'FORBIDDEN');
        assert.equal(error.details?.requiredScope, 'read_write');
        return true;
      });
    });

    it('409 is ConflictError (and not retried)', async () => {
      const brand = await client.brands.create({ name: 'Busy' });
      await client.posts.create({ brandId: brand.id, platform: 'twitter', caption: 'keeps the brand' });
      await assert.rejects(client.brands.delete(brand.id), (error) => {
        assert.ok(error instanceof ConflictError);
        assert.equal(error.code, 'CONFLICT');
        return true;
      });
    });

    it('422 is UnprocessableEntityError: an Idempotency-Key reused with another body', async () => {
      const idempotencyKey = `reuse-${Date.now()}`;
      await client.brands.create({ name: 'First' }, { idempotencyKey });
      await assert.rejects(client.brands.create({ name: 'Second' }, { idempotencyKey }), (error) => {
        assert.ok(error instanceof UnprocessableEntityError);
        assert.ok(error instanceof APIError);
        assert.equal(error.name, 'UnprocessableEntityError');
        assert.equal(error.status, 422);
        assert.equal(error.code, 'IDEMPOTENCY_KEY_REUSED');
        return true;
      });
    });

    it('every request says which client sent it: X-Audenci-Client, and in Node a User-Agent', async () => {
      const proxy = await startProxy(server.url);
      try {
        const c = server.client({ baseUrl: proxy.url });
        await c.organization.retrieve();
        await c.brands.create({ name: 'Headers' });
        assert.equal(proxy.requests.length, 2);
        for (const request of proxy.requests) {
          assert.equal(request.headers['x-audenci-client'], `audenci-sdk-js/${packageJson.version}`);
          assert.match(
            String(request.headers['user-agent']),
            new RegExp(
              `^audenci-sdk-js/${packageJson.version.replace(/\./g, '\\.')} node/${process.versions.node}`,
            ),
          );
        }
        // defaultHeaders may still name the caller's own client.
        await server
          .client({ baseUrl: proxy.url, defaultHeaders: { 'User-Agent': 'my-app/1.0' } })
          .organization.retrieve();
        assert.equal(proxy.requests[2]!.headers['user-agent'], 'my-app/1.0');
        assert.equal(proxy.requests[2]!.headers['x-audenci-client'], `audenci-sdk-js/${packageJson.version}`);
      } finally {
        await proxy.close();
      }
    });

    it('the key and base URL fall back to AUDENCI_API_KEY and AUDENCI_BASE_URL', async () => {
      const saved = { key: process.env.AUDENCI_API_KEY, url: process.env.AUDENCI_BASE_URL };
      process.env.AUDENCI_API_KEY = server.tenant.test.read;
      process.env.AUDENCI_BASE_URL = `${server.url}/`;
      try {
        const fromEnv = new Audenci();
        assert.equal(fromEnv.http.timeout, 30_000);
        assert.equal(fromEnv.http.maxRetries, 2);
        assert.equal((await fromEnv.organization.retrieve()).id, server.tenant.org.id);
      } finally {
        for (const [name, value] of [
          ['AUDENCI_API_KEY', saved.key],
          ['AUDENCI_BASE_URL', saved.url],
        ] as const) {
          if (value === undefined) delete process.env[name];
          else process.env[name] = value;
        }
      }
      const defaults = new Audenci({ apiKey: 'sk_test_x' });
      assert.equal(defaults.http.baseUrl, 'http://localhost:3000');
      const versioned = new Audenci({ apiKey: server.tenant.test.read, baseUrl: `${server.url}/api/v1` });
      assert.equal((await versioned.organization.retrieve()).id, server.tenant.org.id);
    });

    it('per-request headers are sent', async () => {
      let seen: Headers | undefined;
      const observed: typeof fetch = (input, init) => {
        seen = new Headers(init?.headers);
        return fetch(input, init);
      };
      const c = server.client({ fetch: observed, defaultHeaders: { 'x-client': 'tests' } });
      await c.organization.retrieve({ headers: { 'X-Trace': 'abc' } });
      assert.equal(seen?.get('x-trace'), 'abc');
      assert.equal(seen?.get('x-client'), 'tests');
      assert.equal(seen?.get('authorization'), `Bearer ${server.tenant.test.admin}`);
      assert.equal(seen?.get('idempotency-key'), null, 'a GET carries no Idempotency-Key');
    });
  });
}
