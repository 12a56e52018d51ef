import assert from 'node:assert/strict';
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
} from '@audenci/sdk-js';
import { dialects, makeBrand, startServer, type LiveServer } from './helpers.js';

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

    it('the key and base URL fall back to AUDENCI_API_KEY and AUDENCI_BASE_URL', async () => {
      const saved = { key: process.env.AUDENCI_API_KEY, url: process.env.AUDENCI_BASE_URL };
      process.env.AUDENCI_API_KEY = server.tenant.test.read;
      process.env.AUDENCI_BASE_URL = `${server.url}/`;
      try {
        const fromEnv = new Audenci();
        assert.equal(fromEnv.http.timeout, 30_000);
        assert.equal(fromEnv.http.maxRetries, 5);
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
