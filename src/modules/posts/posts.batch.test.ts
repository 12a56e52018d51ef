import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  ManualClock,
  type Tenant,
  type TestApp,
} from '../../../test/helpers/app.js';

const HOUR = 3600_000;

for (const dialect of dialects) {
  describe(`posts batch (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let other: Tenant;
    let brandId: string;
    let otherBrandId: string;
    let clock: ManualClock;
    const key = () => tenant.live.read_write;
    const future = (hours: number) => new Date(clock.now() + hours * HOUR).toISOString();
    const post = (fields: Record<string, unknown> = {}) => ({
      brandId,
      platform: 'twitter',
      caption: 'Hi',
      ...fields,
    });

    before(async () => {
      clock = new ManualClock(Date.parse('2026-06-01T12:00:00Z'));
      t = await createTestApp(dialect, { clock });
      tenant = await createTenant(t);
      other = await createTenant(t, { name: 'Other org' });
      const brand = await call(t.app, 'POST', '/api/v1/brands', {
        key: tenant.live.admin,
        body: { name: 'Brand' },
      });
      brandId = brand.body.data.id;
      const foreign = await call(t.app, 'POST', '/api/v1/brands', {
        key: other.live.admin,
        body: { name: 'Foreign brand' },
      });
      otherBrandId = foreign.body.data.id;
    });
    after(() => t.close());

    const batch = (method: 'POST' | 'PUT', body: unknown, headers?: Record<string, string>, k = key()) =>
      call(t.app, method, '/api/v1/posts/batch', { key: k, body, headers });

    async function countPosts(k = key()): Promise<number> {
      const list = await call(t.app, 'GET', '/api/v1/posts', { key: k, query: { limit: 1 } });
      return list.body.pagination.totalCount as number;
    }

    async function countEvents(type: string): Promise<number> {
      const list = await call(t.app, 'GET', '/api/v1/events', { key: key(), query: { type, limit: 1 } });
      return list.body.pagination.totalCount as number;
    }

    it('creates the valid items and reports the invalid one with the rule, as POST /posts would', async () => {
      const before_ = await countPosts();
      const created = await countEvents('post.created');
      const tooLong = post({ caption: 'a'.repeat(281), scheduledFor: future(2) });
      const res = await batch('POST', {
        posts: [post({ caption: 'One' }), post({ caption: 'Two', scheduledFor: future(1) }), post(), tooLong],
      });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.summary, { total: 4, succeeded: 3, failed: 1 });
      assert.deepEqual(
        res.body.data.map((r: { index: number; status: number }) => [r.index, r.status]),
        [
          [0, 201],
          [1, 201],
          [2, 201],
          [3, 400],
        ],
      );
      assert.equal(res.body.data[0].data.caption, 'One');
      assert.equal(res.body.data[1].data.status, 'SCHEDULED');
      const item = res.body.data[3];
      assert.equal(item.data, undefined);
      assert.equal(item.error.code, 'INVALID_INPUT');
      assert.equal(item.error.details.rule, 'text.maxLength');
      assert.equal(item.error.details.field, 'caption');
      // Exactly what the single endpoint answers for the same object.
      const single = await call(t.app, 'POST', '/api/v1/posts', { key: key(), body: tooLong });
      assert.equal(single.status, 400);
      assert.deepEqual(item.error, single.body.error);

      assert.equal(await countPosts(), before_ + 3);
      // Each created post recorded post.created (and the scheduled one post.scheduled) as POST /posts does.
      assert.equal(await countEvents('post.created'), created + 3);
      for (const r of res.body.data.slice(0, 3)) {
        const read = await call(t.app, 'GET', `/api/v1/posts/${r.data.id}`, { key: tenant.live.read });
        assert.deepEqual(read.body.data, r.data);
      }
    });

    it('reports schema errors per item with the same message and details as POST /posts, index for index', async () => {
      const items: unknown[] = [
        { brandId, platform: 'twitter' }, // caption missing
        post({ caption: 'fine 1' }),
        post({ platform: 'myspace' }),
        post({ caption: 'fine 2' }),
        post({ unknownField: 1 }),
        post({ id: 'post_x' }), // read-only
        'not an object',
        post({ scheduledFor: 'tomorrow-ish' }),
        post({ caption: 'fine 3' }),
      ];
      const res = await batch('POST', { posts: items });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.summary, { total: 9, succeeded: 3, failed: 6 });
      for (const [index, item] of items.entries()) {
        const result = res.body.data[index];
        assert.equal(result.index, index);
        const single = await call(t.app, 'POST', '/api/v1/posts', {
          key: key(),
          // A string item is sent as a JSON string, as it stands in the batch.
          body: typeof item === 'string' ? JSON.stringify(item) : item,
          headers: { 'content-type': 'application/json' },
        });
        if (single.status === 201) {
          assert.equal(result.status, 201, `item ${index}`);
          assert.equal(result.data.caption, single.body.data.caption);
        } else {
          assert.equal(result.status, single.status, `item ${index}`);
          assert.deepEqual(result.error, single.body.error, `item ${index}`);
        }
      }
      assert.equal(res.body.data[0].error.details.field, 'caption');
      assert.equal(res.body.data[2].error.details.field, 'platform');
      assert.equal(res.body.data[5].error.details.reason, 'Read-only field: set by Audenci, not by clients');
      assert.equal(res.body.data[6].error.details.reason, 'Must be an object');
    });

    it('atomic: one invalid item and nothing is created; the valid items answer 424 ROLLED_BACK', async () => {
      const before_ = await countPosts();
      const res = await batch('POST', {
        atomic: true,
        posts: [
          post({ caption: 'A' }),
          post({ caption: '' }),
          post({ caption: 'C' }),
          post({ platform: 'x' }),
        ],
      });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.summary, { total: 4, succeeded: 0, failed: 4 });
      assert.deepEqual(
        res.body.data.map((r: { status: number; error: { code: string } }) => [r.status, r.error.code]),
        [
          [424, 'ROLLED_BACK'],
          [400, 'INVALID_INPUT'],
          [424, 'ROLLED_BACK'],
          [400, 'INVALID_INPUT'],
        ],
      );
      assert.deepEqual(res.body.data[0].error.details, { failedIndexes: [1, 3] });
      assert.equal(await countPosts(), before_);

      const ok = await batch('POST', {
        atomic: true,
        posts: [post({ caption: 'A' }), post({ caption: 'B' })],
      });
      assert.deepEqual(ok.body.summary, { total: 2, succeeded: 2, failed: 0 });
      assert.equal(await countPosts(), before_ + 2);
    });

    it('more than 100 items, an empty list or an unknown field: 400 for the whole request, nothing done', async () => {
      const before_ = await countPosts();
      const big = await batch('POST', { posts: Array.from({ length: 101 }, () => post()) });
      assert.equal(big.status, 400);
      assert.equal(big.body.error.code, 'INVALID_INPUT');
      assert.equal(big.body.error.details.field, 'posts');
      assert.equal(big.body.error.details.reason, 'Must have at most 100 items');
      const bigPut = await batch('PUT', { posts: Array.from({ length: 101 }, () => ({ id: 'post_x' })) });
      assert.equal(bigPut.status, 400);
      assert.equal(bigPut.body.error.details.field, 'posts');
      const empty = await batch('POST', { posts: [] });
      assert.equal(empty.status, 400);
      assert.equal(empty.body.error.details.field, 'posts');
      const unknown = await batch('POST', { posts: [post()], extra: true });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.error.details.field, 'extra');
      assert.equal(await countPosts(), before_);
      const exactly100 = await batch('POST', {
        posts: Array.from({ length: 100 }, (_, i) => post({ caption: `n${i}` })),
      });
      assert.equal(exactly100.status, 200);
      assert.deepEqual(exactly100.body.summary, { total: 100, succeeded: 100, failed: 0 });
      assert.equal(await countPosts(), before_ + 100);
    });

    it('PUT: changes what each item names; a missing post is its 404, a frozen one its 409', async () => {
      const made = await batch('POST', {
        posts: [
          post({ caption: 'edit me' }),
          post({ caption: 'cancel me' }),
          post({ caption: 'publish me' }),
        ],
      });
      const [editId, cancelId, publishId] = made.body.data.map((r: { data: { id: string } }) => r.data.id);
      const cancelled = await call(t.app, 'PATCH', `/api/v1/posts/${cancelId}`, {
        key: key(),
        body: { status: 'CANCELLED' },
      });
      assert.equal(cancelled.status, 200);
      const published = await call(t.app, 'POST', `/api/v1/posts/${publishId}/publish`, { key: key() });
      assert.equal(published.status, 202);
      const updated = await countEvents('post.updated');

      const res = await batch('PUT', {
        posts: [
          { id: 'post_01JD7Q8ZK2M4N6P8R0T2V4X6Z8', caption: 'nobody' },
          { id: editId, caption: 'edited', scheduledFor: future(3), status: 'SCHEDULED' },
          { id: cancelId, caption: 'too late' },
          { id: publishId, caption: 'too late' },
          { caption: 'no id' },
          { id: editId },
          { id: editId, status: 'PUBLISHED' },
        ],
      });
      assert.equal(res.status, 200);
      assert.deepEqual(
        res.body.data.map((r: { index: number; status: number }) => [r.index, r.status]),
        [
          [0, 404],
          [1, 200],
          [2, 409],
          [3, 409],
          [4, 400],
          [5, 400],
          [6, 400],
        ],
      );
      assert.deepEqual(res.body.summary, { total: 7, succeeded: 1, failed: 6 });
      assert.equal(res.body.data[0].error.code, 'NOT_FOUND');
      assert.equal(res.body.data[0].error.message, "No post with id 'post_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'");
      assert.deepEqual(res.body.data[2].error, {
        code: 'CONFLICT',
        message: 'A CANCELLED post cannot be edited',
        details: { status: 'CANCELLED' },
      });
      assert.equal(res.body.data[3].error.message, 'A PUBLISHING post cannot be edited');
      assert.equal(res.body.data[4].error.details.field, 'id');
      assert.equal(res.body.data[5].error.details.reason, 'Must have at least 1 field(s)');
      assert.equal(res.body.data[6].error.details.field, 'status');
      // Partial update: the other fields are kept.
      assert.equal(res.body.data[1].data.caption, 'edited');
      assert.equal(res.body.data[1].data.status, 'SCHEDULED');
      assert.equal(res.body.data[1].data.platform, 'twitter');
      const read = await call(t.app, 'GET', `/api/v1/posts/${editId}`, { key: key() });
      assert.deepEqual(read.body.data, res.body.data[1].data);
      assert.equal(await countEvents('post.updated'), updated + 1);
      // The same 409 as the single endpoint.
      const single = await call(t.app, 'PATCH', `/api/v1/posts/${cancelId}`, {
        key: key(),
        body: { caption: 'too late' },
      });
      assert.deepEqual(res.body.data[2].error, single.body.error);
    });

    it('PUT atomic: a 404 among the items and no post changes', async () => {
      const made = await batch('POST', { posts: [post({ caption: 'keep 1' }), post({ caption: 'keep 2' })] });
      const ids = made.body.data.map((r: { data: { id: string } }) => r.data.id);
      const res = await batch('PUT', {
        atomic: true,
        posts: [
          { id: ids[0], caption: 'changed' },
          { id: 'post_missing', caption: 'x' },
          { id: ids[1], caption: 'changed' },
        ],
      });
      assert.deepEqual(
        res.body.data.map((r: { status: number }) => r.status),
        [424, 404, 424],
      );
      for (const id of ids) {
        const read = await call(t.app, 'GET', `/api/v1/posts/${id}`, { key: key() });
        assert.match(read.body.data.caption, /^keep/);
      }
    });

    it('an Idempotency-Key replays the whole batch, POST and PUT, and nothing is done twice', async () => {
      const before_ = await countPosts();
      const body = { posts: [post({ caption: 'once' }), post({ caption: '' })] };
      const first = await batch('POST', body, { 'idempotency-key': 'batch-1' });
      assert.equal(first.status, 200);
      const again = await batch('POST', body, { 'idempotency-key': 'batch-1' });
      assert.equal(again.status, 200);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal(again.raw, first.raw);
      assert.equal(await countPosts(), before_ + 1);
      const reused = await batch('POST', { posts: [post()] }, { 'idempotency-key': 'batch-1' });
      assert.equal(reused.status, 422);

      const id = first.body.data[0].data.id;
      const updated = await countEvents('post.updated');
      const put = { posts: [{ id, caption: 'twice?' }] };
      const p1 = await batch('PUT', put, { 'idempotency-key': 'batch-put-1' });
      const p2 = await batch('PUT', put, { 'idempotency-key': 'batch-put-1' });
      assert.equal(p1.status, 200);
      assert.equal(p2.headers['idempotent-replayed'], 'true');
      assert.equal(p2.raw, p1.raw);
      assert.equal(await countEvents('post.updated'), updated + 1);
      // PUT /posts/{id} is not covered: the key is ignored there, as before.
      const single = await call(t.app, 'PUT', `/api/v1/posts/${id}`, {
        key: key(),
        body: post({ caption: 'plain put' }),
        headers: { 'idempotency-key': 'batch-put-1' },
      });
      assert.equal(single.status, 200);
      assert.equal(single.headers['idempotent-replayed'], undefined);
    });

    it("items naming another organization's brand or post fail on their own; nothing leaks", async () => {
      const foreignPost = await call(t.app, 'POST', '/api/v1/posts', {
        key: other.live.read_write,
        body: { brandId: otherBrandId, platform: 'twitter', caption: 'theirs' },
      });
      assert.equal(foreignPost.status, 201);
      const foreignId = foreignPost.body.data.id;
      const theirsBefore = await countPosts(other.live.read);

      const created = await batch('POST', {
        posts: [post({ brandId: otherBrandId }), post({ caption: 'mine' })],
      });
      assert.deepEqual(
        created.body.data.map((r: { status: number }) => r.status),
        [400, 201],
      );
      assert.equal(created.body.data[0].error.details.field, 'brandId');
      assert.equal(created.body.data[0].error.details.reason, `No brand with id '${otherBrandId}'`);

      const updated = await batch('PUT', { posts: [{ id: foreignId, caption: 'hijacked' }] });
      assert.equal(updated.body.data[0].status, 404);
      assert.equal(updated.body.data[0].error.code, 'NOT_FOUND');
      // The same key's test environment does not see live posts either.
      const testEnv = await batch(
        'PUT',
        { posts: [{ id: created.body.data[1].data.id, caption: 'x' }] },
        {},
        tenant.test.read_write,
      );
      assert.equal(testEnv.body.data[0].status, 404);

      const theirs = await call(t.app, 'GET', `/api/v1/posts/${foreignId}`, { key: other.live.read });
      assert.equal(theirs.body.data.caption, 'theirs');
      assert.equal(await countPosts(other.live.read), theirsBefore);
    });

    it('a read key cannot run a batch (403), nor without a key (401)', async () => {
      const before_ = await countPosts();
      for (const method of ['POST', 'PUT'] as const) {
        const res = await batch(method, { posts: [post()] }, {}, tenant.live.read);
        assert.equal(res.status, 403);
        assert.equal(res.body.error.code, 'FORBIDDEN');
        assert.equal(res.body.error.details.requiredScope, 'read_write');
        const anonymous = await call(t.app, method, '/api/v1/posts/batch', { body: { posts: [post()] } });
        assert.equal(anonymous.status, 401);
      }
      assert.equal(await countPosts(), before_);
    });
  });
}
