/* eslint-disable @typescript-eslint/no-explicit-any -- test answers are JSON of any shape */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import {
  type Answer,
  call,
  createTenant,
  createTestApp,
  dialects,
  type LoggedApp,
  startLoggedApp,
  type Tenant,
  type TestApp,
} from '../../test/helpers/app.js';

interface Problem {
  field: string;
  reason: string;
}

const GENERATED_ID = /^req_[A-Za-z0-9_-]{16}$/;
const JSON_TYPE = 'application/json; charset=utf-8';

/** The whole 400 answer: first problem in `field`/`reason`, every problem in `errors`, nothing else. */
function assertInvalid(res: Answer, message: string, location: string, errors: Problem[]): void {
  assert.equal(res.status, 400, res.raw);
  assert.equal(res.headers['content-type'], JSON_TYPE);
  assert.match(String(res.headers['x-request-id']), GENERATED_ID);
  assert.deepEqual(res.body, {
    error: {
      code: 'INVALID_INPUT',
      message,
      details: { field: errors[0]!.field, reason: errors[0]!.reason, errors, location },
    },
  });
}

/** A non-validation error: the envelope with exactly `code` and `message`. */
function assertError(res: Answer, status: number, code: string, message: string): void {
  assert.equal(res.status, status, res.raw);
  assert.equal(res.headers['content-type'], JSON_TYPE);
  assert.match(String(res.headers['x-request-id']), GENERATED_ID);
  assert.deepEqual(res.body, { error: { code, message } });
}

/** A body-level input error: no field to blame, so `field` is empty and the reason is the message. */
function assertBodyInvalid(res: Answer, message: string, location = 'body'): void {
  assertInvalid(res, message, location, [{ field: '', reason: message }]);
}

const DATE_TIME_REASON = 'Must be an ISO 8601 date-time with a time zone, e.g. 2026-01-31T09:00:00Z';
const MIB = 1024 * 1024;

/** A JSON body of exactly `size` bytes: `{"name":"xxx…"}`. */
function bodyOfSize(size: number): string {
  const frame = '{"name":""}';
  return `{"name":"${'x'.repeat(size - frame.length)}"}`;
}

for (const dialect of dialects) {
  describe(`bad input on real routes (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let admin: string;
    before(async () => {
      t = await createTestApp(dialect);
      tenant = await createTenant(t);
      admin = tenant.live.admin;
    });
    after(() => t.close());

    const json = (body: string) => ({ body, headers: { 'content-type': 'application/json' } });

    it('a brand with fields of the wrong type lists every wrong field', async () => {
      const res = await call(t.app, 'POST', '/api/v1/brands', {
        key: admin,
        body: { name: 5, timezone: true, voice: 7, colors: 'red' },
      });
      assertInvalid(res, 'name: must be a string', 'body', [
        { field: 'name', reason: 'Must be a string' },
        { field: 'timezone', reason: 'Must be a string' },
        { field: 'voice', reason: 'Must be a string or null' },
        { field: 'colors', reason: 'Must be an array' },
      ]);
    });

    it('numbers are not coerced from strings in a body', async () => {
      const res = await call(t.app, 'POST', `/api/v1/api-keys/key_x/rotate`, {
        key: admin,
        body: { gracePeriodSeconds: '3600' },
      });
      assertInvalid(res, 'gracePeriodSeconds: must be an integer', 'body', [
        { field: 'gracePeriodSeconds', reason: 'Must be an integer' },
      ]);
    });

    it('problems inside an array name the item by index', async () => {
      const res = await call(t.app, 'POST', '/api/v1/brands', {
        key: admin,
        body: { name: 'Acme', colors: ['#6F4E37', 'red', 3] },
      });
      assertInvalid(res, 'colors.1: must match the pattern ^#[0-9a-fA-F]{6}$', 'body', [
        { field: 'colors.1', reason: 'Must match the pattern ^#[0-9a-fA-F]{6}$' },
        { field: 'colors.2', reason: 'Must be a string' },
      ]);
    });

    it('text holding U+0000 is refused in a body, a query, a path and a batch item (not the whole batch)', async () => {
      const nul = 'Must not contain the NUL character (U+0000)';
      const body = await call(t.app, 'POST', '/api/v1/brands', {
        key: admin,
        body: { name: 'Ac\u0000me', voice: 'ok', colors: ['red'] },
      });
      assertInvalid(body, 'name: must not contain the NUL character (U+0000)', 'body', [
        { field: 'name', reason: nul },
        { field: 'colors.0', reason: 'Must match the pattern ^#[0-9a-fA-F]{6}$' },
      ]);
      const query = await call(t.app, 'GET', '/api/v1/posts?brandId=brand_%00x', { key: admin });
      assert.equal(query.status, 400, query.raw);
      assert.deepEqual(query.body.error.details.errors, [{ field: 'brandId', reason: nul }]);
      const path = await call(t.app, 'GET', '/api/v1/brands/brand_%00x', { key: admin });
      assert.equal(path.status, 400, path.raw);
      assert.deepEqual(path.body.error.details.errors, [{ field: 'id', reason: nul }]);
      // Another organization: the other tests here count this one's brands.
      const own = (await createTenant(t)).live.admin;
      const brand = await call(t.app, 'POST', '/api/v1/brands', { key: own, body: { name: 'Nul' } });
      const batch = await call(t.app, 'POST', '/api/v1/posts/batch', {
        key: own,
        body: {
          posts: [
            { brandId: brand.body.data.id, platform: 'twitter', caption: 'fine' },
            { brandId: brand.body.data.id, platform: 'twitter', caption: 'bad\u0000' },
          ],
        },
      });
      assert.equal(batch.status, 200, batch.raw);
      assert.deepEqual(
        batch.body.data.map((r: any) => [r.status, r.error?.details?.field]),
        [
          [201, undefined],
          [400, 'caption'],
        ],
      );
      const job = await call(t.app, 'POST', '/api/v1/jobs', {
        key: own,
        body: {
          type: 'posts.import',
          payload: { posts: [{ brandId: brand.body.data.id, platform: 'twitter', caption: '\u0000' }] },
        },
      });
      // Import items are checked one by one when the job runs, by the same item parser as batch items.
      assert.equal(job.status, 202, job.raw);
    });

    it('an unknown body field is refused, alongside the other problems', async () => {
      const res = await call(t.app, 'POST', '/api/v1/brands', {
        key: admin,
        body: { name: '', slogan: 'Best coffee', isAdmin: true },
      });
      assertInvalid(res, 'slogan: unknown field', 'body', [
        { field: 'slogan', reason: 'Unknown field' },
        { field: 'isAdmin', reason: 'Unknown field' },
        { field: 'name', reason: 'Must not be empty' },
      ]);
      const update = await call(t.app, 'PATCH', '/api/v1/brands/brand_x', {
        key: admin,
        body: { owner: 'me' },
      });
      assertInvalid(update, 'owner: unknown field', 'body', [{ field: 'owner', reason: 'Unknown field' }]);
    });

    it('a missing required field is named, with or without a body', async () => {
      const empty = await call(t.app, 'POST', '/api/v1/brands', { key: admin, body: {} });
      assertInvalid(empty, 'name is required', 'body', [{ field: 'name', reason: 'Field is required' }]);
      const none = await call(t.app, 'POST', '/api/v1/api-keys', { key: admin });
      assertInvalid(none, 'scope is required', 'body', [{ field: 'scope', reason: 'Field is required' }]);
    });

    it('an update with no fields at all is refused', async () => {
      const res = await call(t.app, 'PATCH', '/api/v1/brands/brand_x', { key: admin, body: {} });
      assertBodyInvalid(res, 'Must have at least 1 field(s)');
    });

    it('a body that is not an object is refused', async () => {
      for (const body of ['[]', 'null', '"Acme"', '42']) {
        const res = await call(t.app, 'POST', '/api/v1/brands', { key: admin, ...json(body) });
        assertBodyInvalid(res, 'Must be an object');
      }
    });

    it('a bad enum value lists the allowed values (body and query)', async () => {
      const sort = await call(t.app, 'GET', '/api/v1/brands', { key: admin, query: { sortOrder: 'up' } });
      assertInvalid(sort, 'sortOrder: must be one of: asc, desc', 'query', [
        { field: 'sortOrder', reason: 'Must be one of: asc, desc' },
      ]);
      const sortBy = await call(t.app, 'GET', '/api/v1/brands', { key: admin, query: { sortBy: 'secret' } });
      assertInvalid(sortBy, 'sortBy: must be one of: createdAt, updatedAt, name', 'query', [
        { field: 'sortBy', reason: 'Must be one of: createdAt, updatedAt, name' },
      ]);
      const scope = await call(t.app, 'GET', '/api/v1/api-keys', { key: admin, query: { scope: 'owner' } });
      assertInvalid(
        scope,
        'scope: must be one of: read, read_write, admin, read-only, read_only, read-write',
        'query',
        [
          {
            field: 'scope',
            reason: 'Must be one of: read, read_write, admin, read-only, read_only, read-write',
          },
        ],
      );
    });

    it('a bad enum and a bad date in one body are both listed', async () => {
      const res = await call(t.app, 'POST', '/api/v1/api-keys', {
        key: admin,
        body: { scope: 'owner', name: 'CI', expiresAt: 'tomorrow' },
      });
      assertInvalid(
        res,
        'scope: must be one of: read, read_write, admin, read-only, read_only, read-write',
        'body',
        [
          {
            field: 'scope',
            reason: 'Must be one of: read, read_write, admin, read-only, read_only, read-write',
          },
          { field: 'expiresAt', reason: DATE_TIME_REASON },
        ],
      );
    });

    it('a date without a time zone or an impossible date is refused', async () => {
      for (const expiresAt of ['tomorrow', '2030-01-01T09:00:00', '2030-02-30T09:00:00Z', '2030-01-01']) {
        const res = await call(t.app, 'POST', '/api/v1/api-keys', {
          key: admin,
          body: { scope: 'read', expiresAt },
        });
        assertInvalid(res, `expiresAt: ${DATE_TIME_REASON.replace(/^M/, 'm')}`, 'body', [
          { field: 'expiresAt', reason: DATE_TIME_REASON },
        ]);
      }
    });

    it('limit outside 1..100 or not an integer, and page 0, are refused', async () => {
      const cases: [Record<string, string | number>, string, string][] = [
        [{ limit: 0 }, 'limit', 'Must be at least 1'],
        [{ limit: 101 }, 'limit', 'Must be at most 100'],
        [{ limit: 'abc' }, 'limit', 'Must be an integer'],
        [{ limit: '1.5' }, 'limit', 'Must be an integer'],
        [{ limit: '' }, 'limit', 'Must be an integer'],
        [{ page: 0 }, 'page', 'Must be at least 1'],
        [{ page: -1 }, 'page', 'Must be at least 1'],
      ];
      for (const url of ['/api/v1/brands', '/api/v1/api-keys']) {
        for (const [query, field, reason] of cases) {
          const res = await call(t.app, 'GET', url, { key: admin, query });
          const message = `${field}: ${reason.replace(/^M/, 'm')}`;
          assertInvalid(res, message, 'query', [{ field, reason }]);
        }
      }
    });

    it('page and limit beyond what a number or the database holds are 400 on every list endpoint', async () => {
      const doc = (await call(t.app, 'GET', '/openapi.json')).body;
      const lists = Object.entries(doc.paths as Record<string, any>)
        .filter(([, item]) => item.get?.parameters?.some((p: any) => p.name === 'page'))
        .map(([path]) => path.replace(/\{id\}/, 'unknown_0'));
      assert.ok(lists.length >= 14, lists.join(' '));
      const cases: [Record<string, string>, string, string][] = [
        [{ page: '1e20' }, 'page', 'Must be at most 100000'],
        [{ page: '9007199254740993' }, 'page', 'Must be at most 100000'],
        [{ page: '100001' }, 'page', 'Must be at most 100000'],
        [{ limit: '1e3' }, 'limit', 'Must be at most 100'],
        [{ limit: '9007199254740993' }, 'limit', 'Must be at most 100'],
      ];
      for (const url of lists) {
        for (const [query, field, reason] of cases) {
          const res = await call(t.app, 'GET', url, { key: admin, query });
          assertInvalid(res, `${field}: ${reason.replace(/^M/, 'm')}`, 'query', [{ field, reason }]);
        }
      }
      // The deepest page is served (an empty one here).
      const deepest = await call(t.app, 'GET', '/api/v1/brands', { key: admin, query: { page: '100000' } });
      assert.equal(deepest.status, 200, deepest.raw);
      assert.deepEqual(deepest.body.data, []);
    });

    it('numbers beyond their documented maximum are 400 naming the field, in bodies and queries', async () => {
      const cases: [string, string, Record<string, unknown> | undefined, Record<string, string>, Problem][] =
        [
          [
            'POST',
            '/api/v1/webhooks/whk_01JD7Q8ZK2M4N6P8R0T2V4X6Z8/rotate-secret',
            { overlapSeconds: 1e20 },
            {},
            { field: 'overlapSeconds', reason: 'Must be at most 604800' },
          ],
          [
            'POST',
            '/api/v1/api-keys/key_01JD7Q8ZK2M4N6P8R0T2V4X6Z8/rotate',
            { gracePeriodSeconds: Number.MAX_SAFE_INTEGER + 2 },
            {},
            { field: 'gracePeriodSeconds', reason: 'Must be at most 2592000' },
          ],
          [
            'POST',
            '/api/v1/captions/generate',
            { topic: 'Coffee', platform: 'twitter', n: 6 },
            {},
            { field: 'n', reason: 'Must be at most 5' },
          ],
          [
            'GET',
            '/api/v1/analytics',
            undefined,
            { groupBy: 'post', limit: '1e4' },
            { field: 'limit', reason: 'Must be at most 1000' },
          ],
        ];
      for (const [method, url, body, query, problem] of cases) {
        const res = await call(t.app, method, url, { key: admin, body, query });
        const location = body === undefined ? 'query' : 'body';
        assertInvalid(res, `${problem.field}: ${problem.reason.replace(/^M/, 'm')}`, location, [problem]);
      }
    });

    it('an error answer stays within the documented bounds of the envelope', async () => {
      // Thousands of problems: the first 100 are listed.
      const fields = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`extra${i}`, i]));
      const many = await call(t.app, 'POST', '/api/v1/brands', {
        key: admin,
        body: { name: 'A', ...fields },
      });
      assert.equal(many.status, 400, many.raw);
      assert.equal(many.body.error.details.errors.length, 100);
      assert.deepEqual(many.body.error.details.errors[99], { field: 'extra99', reason: 'Unknown field' });
      // A problem that quotes a long unknown field name is cut.
      const name = `f${'x'.repeat(3000)}`;
      const long = await call(t.app, 'POST', '/api/v1/brands', {
        key: admin,
        body: { name: 'A', [name]: 1 },
      });
      assert.equal(long.status, 400, long.raw);
      assert.equal(long.body.error.details.field, `${name.slice(0, 499)}…`);
      assert.equal(long.body.error.details.errors[0].field, `${name.slice(0, 499)}…`);
      // A message that quotes a long path is cut.
      const url = `/api/v1/nothing/${'y'.repeat(5000)}`;
      const res = await call(t.app, 'GET', url, { key: admin });
      assertError(res, 404, 'NOT_FOUND', `${`No route GET ${url}`.slice(0, 1999)}…`);
    });

    it('every problem in a query string is listed, unknown parameters included', async () => {
      const res = await call(t.app, 'GET', '/api/v1/brands', {
        key: admin,
        query: { page: 0, limit: 'abc', sortOrder: 'up', colour: 'red' },
      });
      assertInvalid(res, 'colour: unknown field', 'query', [
        { field: 'colour', reason: 'Unknown field' },
        { field: 'page', reason: 'Must be at least 1' },
        { field: 'limit', reason: 'Must be an integer' },
        { field: 'sortOrder', reason: 'Must be one of: asc, desc' },
      ]);
    });

    it('a path parameter that is too long is refused naming the path field', async () => {
      const res = await call(t.app, 'GET', `/api/v1/brands/brand_${'x'.repeat(64)}`, { key: admin });
      assertInvalid(res, 'id: must be at most 64 characters', 'path', [
        { field: 'id', reason: 'Must be at most 64 characters' },
      ]);
    });

    it('malformed JSON is a 400 with the envelope', async () => {
      for (const body of ['{"name": ', "{'name': 'Acme'}", '{"name":"Acme",}', 'name=Acme']) {
        const res = await call(t.app, 'POST', '/api/v1/brands', { key: admin, ...json(body) });
        assertBodyInvalid(res, 'Request body is not valid JSON');
      }
    });

    it('an empty body with a JSON content type is no body: the required fields are named', async () => {
      const res = await call(t.app, 'POST', '/api/v1/brands', { key: admin, ...json('') });
      assertInvalid(res, 'name is required', 'body', [{ field: 'name', reason: 'Field is required' }]);
    });

    it('a body over 1 MiB is 413; one of exactly 1 MiB is read and validated', async () => {
      const over = await call(t.app, 'POST', '/api/v1/brands', { key: admin, ...json(bodyOfSize(MIB + 1)) });
      assertError(over, 413, 'PAYLOAD_TOO_LARGE', 'Request body is larger than the limit of 1 MiB');
      const huge = await call(t.app, 'PUT', '/api/v1/brands/brand_x', {
        key: admin,
        ...json(bodyOfSize(3 * MIB)),
      });
      assertError(huge, 413, 'PAYLOAD_TOO_LARGE', 'Request body is larger than the limit of 1 MiB');
      const limit = await call(t.app, 'POST', '/api/v1/brands', { key: admin, ...json(bodyOfSize(MIB)) });
      assertInvalid(limit, 'name: must be at most 200 characters', 'body', [
        { field: 'name', reason: 'Must be at most 200 characters' },
      ]);
    });

    it('a text, form or other non-JSON body is 415', async () => {
      for (const type of [
        'text/plain',
        'text/plain; charset=utf-8',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/xml',
      ]) {
        const res = await call(t.app, 'POST', '/api/v1/brands', {
          key: admin,
          body: 'name=Acme',
          headers: { 'content-type': type },
        });
        assertError(res, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported Content-Type; send application/json');
      }
      const put = await call(t.app, 'PUT', '/api/v1/brands/brand_x', {
        key: admin,
        body: '{"name":"Acme"}',
        headers: { 'content-type': 'text/plain' },
      });
      assertError(put, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported Content-Type; send application/json');
    });

    it('an unknown route is a 404 envelope, inside and outside the API', async () => {
      for (const url of ['/api/v1/nothing', '/api/v1/brands/brand_x/nothing', '/api/v2/brands', '/nothing']) {
        const res = await call(t.app, 'GET', url, { key: admin });
        assertError(res, 404, 'NOT_FOUND', `No route GET ${url}`);
      }
    });

    it('a wrong method on a known path is a 405 with Allow', async () => {
      const cases: [string, string, string][] = [
        ['PATCH', '/api/v1/brands', 'GET, POST, HEAD'],
        ['DELETE', '/api/v1/brands', 'GET, POST, HEAD'],
        ['POST', '/api/v1/brands/brand_x', 'GET, PUT, PATCH, DELETE, HEAD'],
        ['POST', '/api/brands/brand_x', 'GET, PUT, PATCH, DELETE, HEAD'],
        ['GET', '/api/v1/api-keys/key_x/rotate', 'POST'],
        ['POST', '/healthz', 'GET, HEAD'],
      ];
      for (const [method, url, allow] of cases) {
        const res = await call(t.app, method as 'GET', url, { key: admin });
        assertError(res, 405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${url}; use ${allow}`);
        assert.equal(res.headers.allow, allow);
      }
    });

    it('__proto__ or constructor.prototype in a body is refused and pollutes nothing', async () => {
      const bodies = [
        '{"name":"Proto","__proto__":{"isAdmin":true}}',
        '{"name":"Proto","colors":[],"constructor":{"prototype":{"isAdmin":true}}}',
      ];
      for (const body of bodies) {
        for (const [method, url] of [
          ['POST', '/api/v1/brands'],
          ['PUT', '/api/v1/brands/brand_x'],
          ['POST', '/api/v1/api-keys'],
        ] as const) {
          const res = await call(t.app, method, url, { key: admin, ...json(body) });
          assertBodyInvalid(res, 'Request body is not valid JSON');
        }
      }
      assert.equal(({} as any).isAdmin, undefined);
      const list = await call(t.app, 'GET', '/api/v1/brands', { key: admin });
      assert.equal(list.status, 200);
      assert.equal(list.body.pagination.totalCount, 0, 'no refused request created a brand');
    });

    it('a URL with a broken %-escape is a 400 envelope with a request id', async () => {
      const res = await call(t.app, 'GET', '/api/v1/brands/%E0%A4%A', { key: admin });
      assertBodyInvalid(res, 'The URL is not valid', 'path');
    });
  });

  describe(`unexpected errors and request ids (${dialect})`, () => {
    let logged: LoggedApp;
    let app: FastifyInstance;
    before(async () => {
      logged = await startLoggedApp(dialect, 'info');
      ({ app } = logged);
      app.get('/api/v1/boom', { config: { scope: 'public' } }, async () => {
        const error = new Error('query failed: SELECT secret FROM x WHERE id = 1');
        error.stack = `${error.message}\n    at Database.query (/srv/audenci/src/db/index.ts:42:7)`;
        throw error;
      });
      await app.ready();
    });
    after(() => logged.close());

    it('an unexpected error is a 500 envelope without message, SQL or stack, logged with the request id', async () => {
      const res = await call(app, 'GET', '/api/v1/boom');
      assertError(
        res,
        500,
        'INTERNAL_ERROR',
        'An unexpected error occurred; it has been logged with the request id',
      );
      for (const secret of ['SELECT', 'secret', 'query failed', 'at Database.query', 'index.ts', '/srv/']) {
        assert.ok(!res.raw.includes(secret), `the answer shows ${secret}`);
      }
      const requestId = String(res.headers['x-request-id']);
      const failed = logged.log
        .map((line) => JSON.parse(line))
        .find((entry) => entry.msg === 'request failed');
      assert.equal(failed?.requestId, requestId);
      assert.equal(failed?.err.message, 'query failed: SELECT secret FROM x WHERE id = 1');
    });

    it('a well-formed incoming X-Request-Id is echoed, in the answer and the log', async () => {
      for (const id of ['abc-123', 'trace:0af7651916cd43dd.b7ad6b7169203331', 'x'.repeat(128)]) {
        const res = await call(app, 'GET', '/api/v1/boom', { headers: { 'x-request-id': id } });
        assert.equal(res.status, 500);
        assert.equal(res.headers['x-request-id'], id);
        assert.ok(logged.log.some((line) => JSON.parse(line).requestId === id));
      }
      const ok = await call(app, 'GET', '/healthz', { headers: { 'x-request-id': 'abc-123' } });
      assert.equal(ok.headers['x-request-id'], 'abc-123');
    });

    it('an ill-formed incoming X-Request-Id is replaced by a generated one', async () => {
      for (const id of ['x'.repeat(300), 'has spaces', 'new\u00e9line', 'a;b', '']) {
        const res = await call(app, 'GET', '/healthz', { headers: { 'x-request-id': id } });
        assert.equal(res.status, 200);
        assert.match(String(res.headers['x-request-id']), GENERATED_ID);
        assert.ok(!logged.log.join('').includes('has spaces'));
      }
    });

    it('every request gets a different generated id', async () => {
      const ids = new Set<string>();
      for (let i = 0; i < 5; i++)
        ids.add(String((await call(app, 'GET', '/healthz')).headers['x-request-id']));
      assert.equal(ids.size, 5);
    });
  });
}
