/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are JSON of any shape */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  type Answer,
  type Tenant,
  type TestApp,
} from '../../test/helpers/app.js';
import { MAX_JSON_DEPTH } from '../shared/json-depth.js';

const JSON_TYPE = 'application/json; charset=utf-8';
const DEPTH_REASON = `JSON may nest objects and arrays at most ${MAX_JSON_DEPTH} levels deep`;
const TOO_DEEP = {
  error: {
    code: 'INVALID_INPUT',
    message: `Request body is nested too deeply: ${DEPTH_REASON}`,
    details: {
      field: '',
      reason: DEPTH_REASON,
      errors: [{ field: '', reason: DEPTH_REASON }],
      location: 'body',
      maxDepth: MAX_JSON_DEPTH,
    },
  },
};

/** `levels` nested arrays (2 bytes a level) or objects (6 bytes a level) around `core`. */
const nest = (levels: number, kind: 'array' | 'object', core = '1') =>
  kind === 'array'
    ? '['.repeat(levels) + core + ']'.repeat(levels)
    : '{"a":'.repeat(levels) + core + '}'.repeat(levels);

for (const dialect of dialects) {
  describe(`JSON request bodies at the edge (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let brandId: string;
    const key = () => tenant.test.admin;

    before(async () => {
      t = await createTestApp(dialect);
      tenant = await createTenant(t);
      const brand = await call(t.app, 'POST', '/api/v1/brands', { key: key(), body: { name: 'Edge' } });
      brandId = brand.body.data.id;
    });
    after(() => t.close());

    const send = (
      method: 'POST' | 'PUT' | 'PATCH' | 'DELETE',
      url: string,
      body: string,
      idempotent = true,
    ) =>
      call(t.app, method, url, {
        key: key(),
        body,
        headers: {
          'content-type': 'application/json',
          ...(idempotent && method === 'POST' ? { 'idempotency-key': `k-${Math.random()}` } : {}),
        },
      });
    const createPost = async (extra: Record<string, unknown> = {}) => {
      const res = await call(t.app, 'POST', '/api/v1/posts', {
        key: key(),
        body: { brandId, platform: 'twitter', caption: 'Edge cases', ...extra },
      });
      assert.equal(res.status, 201, res.raw);
      return res.body.data.id as string;
    };
    const count = async (table: 'posts' | 'jobs' | 'idempotency_keys') => {
      const { db } = t.runtime.ctx;
      return Number(
        (await db.selectFrom(table).select(db.fn.countAll().as('n')).executeTakeFirstOrThrow()).n,
      );
    };

    function assertTooDeep(res: Answer, what: string): void {
      assert.equal(res.status, 400, `${what}: ${res.raw.slice(0, 300)}`);
      assert.equal(res.headers['content-type'], JSON_TYPE);
      assert.ok(res.headers['x-request-id'], what);
      assert.deepEqual(res.body, TOO_DEEP, what);
    }

    it('a 100 KB body nesting 50,000 levels is 400 naming the limit, at once, on every JSON route', async () => {
      const postId = await createPost();
      const before_ = {
        posts: await count('posts'),
        jobs: await count('jobs'),
        keys: await count('idempotency_keys'),
      };
      const deepArray = nest(50_000, 'array');
      const deepObject = nest(50_000, 'object');
      assert.ok(deepArray.length >= 100_000);
      const cases: [string, 'POST' | 'PUT' | 'PATCH', string, string][] = [
        [
          'post metadata',
          'POST',
          '/api/v1/posts',
          `{"brandId":"${brandId}","platform":"twitter","caption":"x","metadata":{"a":${deepArray}}}`,
        ],
        ['post body', 'POST', '/api/v1/posts', deepObject],
        ['post update', 'PATCH', `/api/v1/posts/${postId}`, `{"metadata":${deepObject}}`],
        [
          'post replace',
          'PUT',
          `/api/v1/posts/${postId}`,
          `{"brandId":"${brandId}","platform":"twitter","caption":"x","metadata":${deepArray}}`,
        ],
        [
          'batch update',
          'PUT',
          '/api/v1/posts/batch',
          `{"posts":[{"id":"${postId}","metadata":{"a":${deepArray}}}]}`,
        ],
        ['batch create', 'POST', '/api/v1/posts/batch', `{"posts":[${deepObject}]}`],
        [
          'job',
          'POST',
          '/api/v1/jobs',
          `{"type":"posts.import","payload":{"posts":[{"metadata":${deepObject}}]}}`,
        ],
        ['job payload', 'POST', '/api/v1/jobs', `{"type":"posts.delete","payload":${deepArray}}`],
        ['brand', 'POST', '/api/v1/brands', `{"name":${deepArray}}`],
        ['media import', 'POST', '/api/v1/media', `{"url":${deepArray}}`],
      ];
      for (const [what, method, url, body] of cases) {
        const started = Date.now();
        const res = await send(method, url, body);
        assertTooDeep(res, what);
        assert.ok(Date.now() - started < 1_000, `${what} answered at once`);
      }
      const after_ = {
        posts: await count('posts'),
        jobs: await count('jobs'),
        keys: await count('idempotency_keys'),
      };
      assert.deepEqual(after_, before_, 'nothing stored, no idempotent answer kept');
      const post = await call(t.app, 'GET', `/api/v1/posts/${postId}`, { key: key() });
      assert.deepEqual(post.body.data.metadata, {}, 'the post is unchanged');
    });

    it(`a body nesting exactly ${MAX_JSON_DEPTH} levels is accepted; one more level is refused`, async () => {
      // The body is level 1 and `metadata` level 2, so metadata may nest MAX - 1 levels of its own.
      const metadata = (levels: number) => JSON.parse(nest(levels, 'object')) as Record<string, unknown>;
      const atLimit = await send(
        'POST',
        '/api/v1/posts',
        JSON.stringify({
          brandId,
          platform: 'twitter',
          caption: 'Deep',
          metadata: metadata(MAX_JSON_DEPTH - 1),
        }),
      );
      assert.equal(atLimit.status, 201, atLimit.raw);
      assert.deepEqual(atLimit.body.data.metadata, metadata(MAX_JSON_DEPTH - 1));
      const over = await send(
        'POST',
        '/api/v1/posts',
        JSON.stringify({ brandId, platform: 'twitter', caption: 'Deep', metadata: metadata(MAX_JSON_DEPTH) }),
      );
      assertTooDeep(over, 'one level more');
      // A job payload: body 1, payload 2, posts 3, a post 4, its metadata 5.
      const item = (levels: number) => ({
        brandId,
        platform: 'twitter',
        caption: 'Deep',
        metadata: metadata(levels),
      });
      const job = await send(
        'POST',
        '/api/v1/jobs',
        JSON.stringify({ type: 'posts.import', payload: { posts: [item(MAX_JSON_DEPTH - 4)] } }),
      );
      assert.equal(job.status, 202, job.raw);
      const deeperJob = await send(
        'POST',
        '/api/v1/jobs',
        JSON.stringify({ type: 'posts.import', payload: { posts: [item(MAX_JSON_DEPTH - 3)] } }),
      );
      assertTooDeep(deeperJob, 'job one level more');
    });

    it('brackets and escaped quotes inside strings are not nesting', async () => {
      const caption = `[[[[{{{{ "quoted [[[" \\ ${'['.repeat(100)}`;
      const res = await send(
        'POST',
        '/api/v1/posts',
        JSON.stringify({ brandId, platform: 'twitter', caption }),
      );
      assert.equal(res.status, 201, res.raw);
      assert.equal(res.body.data.caption, caption);
    });

    it('prototype poisoning is still refused', async () => {
      for (const body of [
        '{"name":"Evil","__proto__":{"isAdmin":true}}',
        '{"name":"Evil","constructor":{"prototype":{"x":1}}}',
      ]) {
        const res = await send('POST', '/api/v1/brands', body);
        assert.equal(res.status, 400, res.raw);
        assert.equal(res.body.error.code, 'INVALID_INPUT');
        assert.equal(res.body.error.message, 'Request body is not valid JSON');
      }
    });

    it('body limits still hold: 1 MiB in general, 20 MiB on POST /jobs', async () => {
      const posts = Array.from({ length: 1_500 }, (_, i) => ({
        brandId,
        platform: 'twitter',
        caption: `Post ${i} ${'x'.repeat(1_000)}`,
      }));
      const body = JSON.stringify({ posts });
      assert.ok(body.length > 1.2 * 1024 * 1024);
      const tooLarge = await send('POST', '/api/v1/posts/batch', body);
      assert.equal(tooLarge.status, 413, tooLarge.raw);
      assert.equal(tooLarge.body.error.code, 'PAYLOAD_TOO_LARGE');
      const job = await send(
        'POST',
        '/api/v1/jobs',
        JSON.stringify({ type: 'posts.import', payload: { posts } }),
      );
      assert.equal(job.status, 202, job.raw);
      assert.equal(job.body.data.type, 'posts.import');
    });

    describe('an empty body with Content-Type: application/json is no body', () => {
      const empty = (method: 'POST' | 'DELETE', url: string, apiKey = key()) =>
        call(t.app, method, url, { key: apiKey, body: '', headers: { 'content-type': 'application/json' } });

      it('DELETE /posts/{id} answers 200', async () => {
        const id = await createPost();
        const res = await empty('DELETE', `/api/v1/posts/${id}`);
        assert.equal(res.status, 200, res.raw);
        assert.deepEqual(res.body, { data: { id, deleted: true } });
      });

      it('POST /posts/{id}/publish answers 202 with the post PUBLISHING', async () => {
        const id = await createPost();
        const res = await empty('POST', `/api/v1/posts/${id}/publish`);
        assert.equal(res.status, 202, res.raw);
        assert.equal(res.body.data.id, id);
        assert.equal(res.body.data.status, 'PUBLISHING');
      });

      it('POST /api-keys/{id}/rotate answers 201 with the default grace period', async () => {
        const created = await call(t.app, 'POST', '/api/v1/api-keys', {
          key: key(),
          body: { name: 'Rotate me', scope: 'read' },
        });
        assert.equal(created.status, 201, created.raw);
        const oldId = created.body.data.id;
        const res = await empty('POST', `/api/v1/api-keys/${oldId}/rotate`);
        assert.equal(res.status, 201, res.raw);
        assert.notEqual(res.body.data.id, oldId);
        assert.equal(res.body.data.scope, 'read');
        assert.match(res.body.data.key, /^sk_test_/);
        const old = await call(t.app, 'GET', `/api/v1/api-keys/${oldId}`, { key: key() });
        const graceMs = Date.parse(old.body.data.expiresAt) - Date.now();
        assert.ok(Math.abs(graceMs - 86_400_000) < 60_000, `the default grace of 24 h (${graceMs} ms)`);
      });

      it('a route with a body schema validates {} and names every missing field', async () => {
        const res = await empty('POST', '/api/v1/posts');
        assert.equal(res.status, 400, res.raw);
        assert.equal(res.body.error.code, 'INVALID_INPUT');
        assert.equal(res.body.error.details.location, 'body');
        const fields = res.body.error.details.errors.map((e: any) => `${e.field}: ${e.reason}`);
        for (const field of ['brandId', 'platform', 'caption']) {
          assert.ok(fields.includes(`${field}: Field is required`), `${field} in ${fields.join(', ')}`);
        }
      });
    });
  });
}
