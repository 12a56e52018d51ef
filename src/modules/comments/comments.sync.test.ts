import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  startWorker,
  type Tenant,
  type TestApp,
} from '../../../test/helpers/app.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../../test/fakes/webhook-receiver.js';
import { eventually } from '../../../test/helpers/webhooks.js';
import type { Worker } from '../../worker/index.js';
import { commentSyncWindowMs, nextCommentSync, syncDueComments } from './comments.sync.js';
import type { CommentsDeps } from './comments.service.js';

const HOUR = 3600_000;

describe('comment sync schedule', () => {
  const options = { intervalMs: 5 * 60_000, delaysMs: [HOUR, 6 * HOUR, 24 * HOUR], batch: 50 };
  const published = Date.UTC(2026, 10, 1, 12);
  it('visits every interval, and at each metrics-sync delay that comes first', () => {
    assert.equal(nextCommentSync(published, published, options), published + 5 * 60_000);
    assert.equal(nextCommentSync(published, published + 58 * 60_000, options), published + HOUR);
    assert.equal(nextCommentSync(published, published + HOUR, options), published + HOUR + 5 * 60_000);
  });
  it('follows shortened delays (tests) and stops one interval after the last', () => {
    const short = { intervalMs: 60_000, delaysMs: [100, 300], batch: 50 };
    assert.equal(nextCommentSync(published, published + 20, short), published + 100);
    assert.equal(nextCommentSync(published, published + 150, short), published + 300);
    assert.equal(commentSyncWindowMs(short), 60_300);
    assert.equal(commentSyncWindowMs(options), 24 * HOUR + 5 * 60_000);
  });
});

for (const dialect of dialects) {
  describe(`comment sync (${dialect})`, () => {
    let t: TestApp;
    let a: Tenant;
    let b: Tenant;
    let worker: Worker;
    let receiver: WebhookReceiver;
    let deps: CommentsDeps;

    before(async () => {
      receiver = await startWebhookReceiver();
      t = await createTestApp(dialect, { env: { AUDENCI_ALLOW_PRIVATE_URLS: 'true' } });
      a = await createTenant(t, { name: 'A' });
      b = await createTenant(t, { name: 'B' });
      // The periodic sync is kept out of the way: the test drives it.
      worker = await startWorker(t, { commentsEveryMs: 3_600_000 });
      deps = {
        ctx: t.runtime.ctx,
        connectors: t.runtime.connectors,
        resolveAccount: () => Promise.reject(new Error('no live accounts here')),
      };
    });
    after(async () => {
      await worker.stop();
      await t.close();
      await receiver.close();
    });

    async function publishedPost(key: string): Promise<string> {
      const brand = await call(t.app, 'POST', '/api/v1/brands', { key: a.test.admin, body: { name: 'B' } });
      assert.equal(brand.status, 201, brand.raw);
      const post = await call(t.app, 'POST', '/api/v1/posts', {
        key,
        body: { brandId: brand.body.data.id, platform: 'facebook', caption: 'Comments please' },
      });
      assert.equal(post.status, 201, post.raw);
      const id = post.body.data.id as string;
      const res = await call(t.app, 'POST', `/api/v1/posts/${id}/publish`, { key });
      assert.equal(res.status, 202, res.raw);
      await eventually(async () => {
        const got = await call(t.app, 'GET', `/api/v1/posts/${id}`, { key });
        return got.body.data.status === 'PUBLISHED' ? true : undefined;
      });
      return id;
    }

    it('delivers comment.received once per new comment, also when the sync runs twice', async () => {
      const hook = await call(t.app, 'POST', '/api/v1/webhooks', {
        key: a.test.admin,
        body: { url: receiver.url('/comments'), events: ['comment.received'] },
      });
      assert.equal(hook.status, 201, hook.raw);
      const postId = await publishedPost(a.test.read_write);
      // Published "3 hours ago": the sandbox has comments at 0, 2, 6, … 156 minutes (13 of them).
      await t.runtime.ctx.db
        .updateTable('posts')
        .set({ published_at: Date.now() - 3 * HOUR })
        .where('id', '=', postId)
        .execute();

      const first = await syncDueComments(deps);
      assert.equal(first.inserted, 13);
      await t.runtime.ctx.db.updateTable('comment_syncs').set({ next_sync_at: 0 }).execute();
      const second = await syncDueComments(deps);
      assert.deepEqual(second, { posts: 1, inserted: 0 });

      const list = await call(t.app, 'GET', `/api/v1/posts/${postId}/comments`, {
        key: a.test.read,
        query: { limit: 100 },
      });
      assert.equal(list.status, 200, list.raw);
      assert.equal(list.body.pagination.totalCount, 13);
      const replies = list.body.data.filter((c: { parentId: string | null }) => c.parentId !== null);
      assert.ok(replies.length >= 3, 'threaded sandbox replies are linked to their parents');

      const hits = await eventually(async () =>
        receiver.requests.filter((r) => r.path === '/comments').length >= 13 ? receiver.requests : undefined,
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      const ids = hits.filter((r) => r.path === '/comments').map((r) => JSON.parse(r.body).data.id);
      assert.equal(ids.length, 13);
      assert.equal(new Set(ids).size, 13);
    });

    it('replies through the connector and stores the reply; other tenants see 404', async () => {
      const list = await call(t.app, 'GET', '/api/v1/comments', { key: a.test.read, query: { limit: 1 } });
      const target = list.body.data[0];
      const reply = await call(t.app, 'POST', `/api/v1/comments/${target.id}/reply`, {
        key: a.test.read_write,
        body: { text: 'Thank you!' },
      });
      assert.equal(reply.status, 201, reply.raw);
      assert.equal(reply.body.data.parentId, target.id);
      assert.equal(reply.body.data.own, true);
      assert.match(reply.body.data.platformCommentId, /^sbxc_/);

      const readOnly = await call(t.app, 'POST', `/api/v1/comments/${target.id}/reply`, {
        key: a.test.read,
        body: { text: 'x' },
      });
      assert.equal(readOnly.status, 403);
      for (const key of [b.test.read_write, a.live.read_write]) {
        const foreign = await call(t.app, 'POST', `/api/v1/comments/${target.id}/reply`, {
          key,
          body: { text: 'x' },
        });
        assert.equal(foreign.status, 404, foreign.raw);
        const posts = await call(t.app, 'GET', `/api/v1/posts/${target.postId}/comments`, { key });
        assert.equal(posts.status, 404, posts.raw);
        const all = await call(t.app, 'GET', '/api/v1/comments', { key });
        assert.deepEqual([all.status, all.body.data], [200, []]);
      }
    });
  });
}
