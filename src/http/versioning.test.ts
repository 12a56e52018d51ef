/* eslint-disable @typescript-eslint/no-explicit-any -- test answers are JSON of any shape */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { injectHead, isEventStream } from '../../test/helpers/event-stream.js';
import { createRuntime, type Runtime } from '../runtime.js';
import {
  assertContractKept,
  buildCheckedApp,
  call,
  createTenant,
  createTestApp,
  createTestDatabase,
  dialects,
  ManualClock,
  type DialectName,
  type Tenant,
  type TestApp,
  type TestDatabase,
} from '../../test/helpers/app.js';

const DEPRECATED_AT = '2026-03-01T00:00:00.000Z';
const SUNSET_AT = '2027-03-01T00:00:00.000Z';
const CHANGELOG_LINK = '<http://audenci.test/changelog>; rel="deprecation"; type="text/markdown"';

interface OwnApp {
  app: FastifyInstance;
  runtime: Runtime;
  close(): Promise<void>;
}

/** The real app with test-only routes added before `ready()`. */
async function buildOwnApp(
  dialect: DialectName,
  clock: ManualClock,
  addRoutes: (app: FastifyInstance) => void,
): Promise<OwnApp> {
  const database: TestDatabase = createTestDatabase(dialect);
  const runtime = await createRuntime(database.config, {
    clock,
    schema: database.schema,
    sqliteFile: database.sqliteFile,
  });
  const { app, contract } = await buildCheckedApp(runtime);
  const close = async () => {
    await app.close();
    await runtime.close();
    await database.drop();
    assertContractKept(contract);
  };
  try {
    addRoutes(app);
    await app.ready();
  } catch (error) {
    await close();
    throw error;
  }
  return { app, runtime, close };
}

const legacyRoute = (app: FastifyInstance, deprecation: Record<string, string>, url = '/api/v1/legacy') =>
  app.get(
    url,
    {
      config: { scope: 'public', deprecation: deprecation as never },
      schema: {
        tags: ['Operations'],
        operationId: `get${url.replace(/\W/g, '')}`,
        summary: 'A deprecated test route',
        response: {
          200: {
            type: 'object',
            properties: { legacy: { type: 'boolean' } },
            required: ['legacy'],
            additionalProperties: false,
          },
        },
      },
    },
    async () => ({ legacy: true }),
  );

for (const dialect of dialects) {
  describe(`deprecated routes (${dialect})`, () => {
    const clock = new ManualClock(Date.parse('2026-06-01T12:00:00Z'));
    let own: OwnApp;
    before(async () => {
      own = await buildOwnApp(dialect, clock, (app) => {
        legacyRoute(app, {
          deprecatedAt: DEPRECATED_AT,
          sunsetAt: SUNSET_AT,
          replacement: 'GET /api/v1/modern',
        });
        app.get(
          '/api/v1/modern',
          {
            config: { scope: 'public' },
            schema: {
              tags: ['Operations'],
              operationId: 'getModern',
              summary: 'A current test route',
              response: {
                200: {
                  type: 'object',
                  properties: { legacy: { type: 'boolean' } },
                  required: ['legacy'],
                  additionalProperties: false,
                },
              },
            },
          },
          async () => ({ legacy: false }),
        );
      });
    });
    after(() => own.close());

    it('before its sunset a deprecated route answers normally with Deprecation, Sunset and Link', async () => {
      for (const at of ['2026-06-01T12:00:00Z', '2027-02-28T23:59:59.999Z']) {
        clock.set(Date.parse(at));
        const res = await call(own.app, 'GET', '/api/v1/legacy');
        assert.equal(res.status, 200);
        assert.deepEqual(res.body, { legacy: true });
        assert.equal(res.headers.deprecation, `@${Date.parse(DEPRECATED_AT) / 1000}`);
        assert.equal(res.headers.deprecation, '@1772323200');
        assert.equal(res.headers.sunset, 'Mon, 01 Mar 2027 00:00:00 GMT');
        assert.equal(res.headers.link, CHANGELOG_LINK);
      }
    });

    it('the deprecation Link points at a changelog that is served', async () => {
      const res = await call(own.app, 'GET', '/changelog');
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-type'], 'text/markdown; charset=utf-8');
      assert.match(res.raw, /deprecat/i);
    });

    it('a route that is not deprecated carries none of the deprecation headers', async () => {
      clock.set(Date.parse('2026-06-01T12:00:00Z'));
      const res = await call(own.app, 'GET', '/api/v1/modern');
      assert.equal(res.status, 200);
      assert.equal(res.headers.deprecation, undefined);
      assert.equal(res.headers.sunset, undefined);
      assert.equal(res.headers.link, undefined);
    });

    it('from its sunset on a deprecated route answers 410 GONE naming the replacement', async () => {
      for (const at of [SUNSET_AT, '2030-01-01T00:00:00Z']) {
        clock.set(Date.parse(at));
        const res = await call(own.app, 'GET', '/api/v1/legacy');
        assert.equal(res.status, 410);
        assert.deepEqual(res.body, {
          error: {
            code: 'GONE',
            message: `This endpoint was retired on ${SUNSET_AT}; use GET /api/v1/modern`,
            details: { sunsetAt: SUNSET_AT, replacement: 'GET /api/v1/modern' },
          },
        });
        assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
        assert.equal(res.headers.link, CHANGELOG_LINK);
        assert.ok(res.headers['x-request-id']);
      }
    });

    it('the OpenAPI document marks the deprecated route, and only it, deprecated', async () => {
      const doc = (await call(own.app, 'GET', '/openapi.json')).body;
      assert.equal(doc.paths['/api/v1/legacy'].get.deprecated, true);
      const deprecated = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(
        ([path, item]) =>
          Object.entries(item)
            .filter(([, operation]) => operation.deprecated)
            .map(([method]) => `${method} ${path}`),
      );
      assert.deepEqual(deprecated, ['get /api/v1/legacy']);
    });
  });

  describe(`deprecation rules at registration (${dialect})`, () => {
    it('a sunset less than 12 months after the deprecation is refused when the route is registered', async () => {
      const clock = new ManualClock(Date.parse('2026-06-01T00:00:00Z'));
      const accepted: string[] = [];
      const own = await buildOwnApp(dialect, clock, (app) => {
        const refused = [
          { deprecatedAt: '2026-03-01T00:00:00Z', sunsetAt: '2027-02-28T23:59:59Z' },
          { deprecatedAt: '2026-03-01T00:00:00Z', sunsetAt: '2026-09-01T00:00:00Z' },
          { deprecatedAt: '2026-03-01T00:00:00Z', sunsetAt: '2025-03-01T00:00:00Z' },
        ];
        for (const [i, deprecation] of refused.entries()) {
          assert.throws(
            () => legacyRoute(app, deprecation, `/api/v1/short${i}`),
            /\/api\/v1\/short\d: a deprecated route is served for at least 12 months before its sunset/,
          );
        }
        assert.throws(
          () => legacyRoute(app, { deprecatedAt: 'March 2026', sunsetAt: 'never' }, '/api/v1/undated'),
          /deprecation dates must be ISO date-times/,
        );
        // Exactly twelve months is enough.
        legacyRoute(app, { deprecatedAt: DEPRECATED_AT, sunsetAt: SUNSET_AT }, '/api/v1/year');
        accepted.push('/api/v1/year');
      });
      try {
        assert.deepEqual(accepted, ['/api/v1/year']);
        const year = await call(own.app, 'GET', '/api/v1/year');
        assert.equal(year.status, 200);
        assert.equal(year.headers.sunset, 'Mon, 01 Mar 2027 00:00:00 GMT');
      } finally {
        await own.close();
      }
    });
  });

  describe(`the unversioned /api alias (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let doc: any;
    before(async () => {
      // A still clock, so that `lastUsedAt` is the same for both calls of a pair, and no background
      // flush of last-used times between the two calls of a pair (only what memory shows).
      t = await createTestApp(dialect, {
        clock: new ManualClock(),
        env: { AUDENCI_KEY_USAGE_FLUSH_MS: '3600000' },
      });
      tenant = await createTenant(t);
      doc = (await call(t.app, 'GET', '/openapi.json')).body;
    });
    after(() => t.close());

    /** Every operation of the document under /api/v1, with `{param}` filled by a missing id. */
    const operations = () =>
      Object.entries(doc.paths as Record<string, Record<string, any>>)
        .filter(([path]) => path.startsWith('/api/v1/'))
        .flatMap(([path, item]) =>
          Object.keys(item).map((method) => ({
            method: method.toUpperCase() as 'GET',
            path,
            rest: path.slice('/api/v1'.length).replace(/\{[^}]+\}/g, 'x_missing0000'),
            stream: isEventStream(item[method]),
          })),
        );

    it('the document lists the API once, under /api/v1 only', () => {
      const paths = Object.keys(doc.paths);
      assert.ok(paths.some((p) => p === '/api/v1/brands'));
      assert.deepEqual(
        paths.filter((p) => p.startsWith('/api/') && !p.startsWith('/api/v1/')),
        [],
      );
    });

    it('every /api/v1 route is also registered under /api', () => {
      const ops = operations();
      assert.ok(ops.length >= 10, `only ${ops.length} operations`);
      for (const { method, path } of ops) {
        const url = `/api${path.slice('/api/v1'.length).replace(/\{([^}]+)\}/g, ':$1')}`;
        assert.ok(t.app.hasRoute({ method, url }), `${method} ${url} is missing`);
      }
    });

    it('every /api/v1 operation answers the same under /api (no key, read key, admin key)', async () => {
      for (const { method, rest, stream } of operations()) {
        for (const key of [undefined, tenant.live.read, tenant.live.admin]) {
          if (stream) {
            // An endless event stream: compare the heads (test/helpers/event-stream.ts).
            const head = (url: string) =>
              injectHead(t.app, {
                method,
                url,
                headers: key ? { authorization: `Bearer ${key}` } : {},
              });
            const [versioned, alias] = [await head(`/api/v1${rest}`), await head(`/api${rest}`)];
            assert.equal(alias.status, versioned.status, `${method} ${rest}`);
            assert.ok(versioned.status < 500, `${method} ${rest}`);
            assert.equal(
              alias.headers['content-type'],
              versioned.headers['content-type'],
              `${method} ${rest}`,
            );
            continue;
          }
          const body = method === 'GET' || method === 'DELETE' ? undefined : {};
          const versioned = await call(t.app, method, `/api/v1${rest}`, { key, body });
          const alias = await call(t.app, method, `/api${rest}`, { key, body });
          const what = `${method} ${rest} with ${key ? key.slice(0, 8) : 'no key'}`;
          assert.equal(alias.status, versioned.status, what);
          assert.ok(versioned.status < 500, what);
          // GET /organization's `usage` counts each request: the two answers differ in it alone.
          const counted = versioned.body?.data?.usage !== undefined;
          if (counted) {
            assert.equal(alias.body.data.usage.used, versioned.body.data.usage.used + 1, what);
          }
          if ((method === 'GET' || versioned.status >= 400) && !counted) {
            assert.deepEqual(alias.body, versioned.body, what);
            assert.equal(alias.headers.etag, versioned.headers.etag, what);
          } else if (counted) {
            const { usage: _alias, ...aliasData } = alias.body.data;
            const { usage: _versioned, ...versionedData } = versioned.body.data;
            assert.deepEqual(aliasData, versionedData, what);
          }
          assert.equal(alias.headers['content-type'], versioned.headers['content-type'], what);
          assert.equal(alias.headers['cache-control'], versioned.headers['cache-control'], what);
        }
      }
    });

    it('a brand created, changed and deleted through the alias is the same brand under /api/v1', async () => {
      const key = tenant.live.admin;
      const created = await call(t.app, 'POST', '/api/brands', { key, body: { name: 'Alias Coffee' } });
      assert.equal(created.status, 201);
      const id = created.body.data.id;
      assert.equal(created.headers.location, `http://audenci.test/api/brands/${id}`);
      const updated = await call(t.app, 'PATCH', `/api/brands/${id}`, { key, body: { voice: 'Calm' } });
      assert.equal(updated.status, 200);
      const read = await call(t.app, 'GET', `/api/v1/brands/${id}`, { key });
      assert.deepEqual(read.body, updated.body);
      assert.equal(read.body.data.voice, 'Calm');
      const deleted = await call(t.app, 'DELETE', `/api/brands/${id}`, { key });
      assert.deepEqual(deleted.body, { data: { id, deleted: true } });
      assert.equal((await call(t.app, 'GET', `/api/v1/brands/${id}`, { key })).status, 404);
    });
  });
}
