import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  startWorker,
  type Tenant,
  type TestApp,
} from '../../../test/helpers/app.js';
import type { Worker } from '../../worker/index.js';

interface ApiPost {
  id: string;
  status: string;
  publishedAt: string | null;
  platformPostId: string | null;
  platformUrl: string | null;
  error: { code: string; message: string } | null;
}

for (const dialect of dialects) {
  describe(`publishing through the sandbox (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let worker: Worker;
    let brandId: string;
    const key = () => tenant.test.read_write;

    before(async () => {
      t = await createTestApp(dialect, { env: { AUDENCI_PUBLISH_RETRY_DELAYS: '0.2,0.2,0.2' } });
      tenant = await createTenant(t);
      brandId = (
        await call(t.app, 'POST', '/api/v1/brands', {
          key: tenant.test.admin,
          body: { name: 'Sandbox brand' },
        })
      ).body.data.id;
      worker = await startWorker(t);
    });
    after(async () => {
      await worker.stop(2000);
      await t.close();
    });

    async function create(body: Record<string, unknown>): Promise<ApiPost> {
      const res = await call(t.app, 'POST', '/api/v1/posts', {
        key: key(),
        body: { brandId, platform: 'twitter', caption: 'Hello from the sandbox', ...body },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.data;
    }

    async function read(id: string): Promise<ApiPost> {
      return (await call(t.app, 'GET', `/api/v1/posts/${id}`, { key: key() })).body.data;
    }

    /** Polls until the post leaves PUBLISHING/SCHEDULED or the deadline passes. */
    async function settle(id: string, deadlineMs: number): Promise<{ post: ApiPost; at: number }> {
      for (;;) {
        const post = await read(id);
        if (post.status !== 'PUBLISHING' && post.status !== 'SCHEDULED') return { post, at: Date.now() };
        if (Date.now() > deadlineMs) return { post, at: Date.now() };
        await sleep(50);
      }
    }

    it('a post scheduled 3 s ahead is PUBLISHED within 2 s after its time', async () => {
      const due = Date.now() + 3000;
      const post = await create({ scheduledFor: new Date(due).toISOString() });
      assert.equal(post.status, 'SCHEDULED');
      await sleep(1500);
      assert.equal((await read(post.id)).status, 'SCHEDULED', 'not published early');
      const { post: done, at } = await settle(post.id, due + 5000);
      assert.equal(done.status, 'PUBLISHED');
      assert.ok(at - due <= 2000, `published ${at - due} ms after its time`);
      assert.ok(Date.parse(done.publishedAt!) >= due);
      assert.match(done.platformPostId!, /^sbx_\d{19}$/);
      assert.match(done.platformUrl!, /^https:\/\/sandbox\.audenci\.dev\//);
      assert.equal(done.error, null);
    });

    it('publish now answers 202 PUBLISHING, then PUBLISHED; publishing or editing again is 409', async () => {
      const post = await create({});
      const res = await call(t.app, 'POST', `/api/v1/posts/${post.id}/publish`, { key: key() });
      assert.equal(res.status, 202);
      assert.equal(res.body.data.status, 'PUBLISHING');
      const { post: done } = await settle(post.id, Date.now() + 5000);
      assert.equal(done.status, 'PUBLISHED');
      const again = await call(t.app, 'POST', `/api/v1/posts/${post.id}/publish`, { key: key() });
      assert.equal(again.status, 409);
      assert.equal(again.body.error.code, 'CONFLICT');
      const edit = await call(t.app, 'PATCH', `/api/v1/posts/${post.id}`, {
        key: key(),
        body: { caption: 'changed' },
      });
      assert.equal(edit.status, 409);
      assert.deepEqual(await read(post.id), done);
    });

    it('a post that breaks its platform rules cannot be published (400, rule named)', async () => {
      const post = await create({ caption: 'x'.repeat(300) });
      const res = await call(t.app, 'POST', `/api/v1/posts/${post.id}/publish`, { key: key() });
      assert.equal(res.status, 400);
      assert.equal(res.body.error.details.rule, 'text.maxLength');
      assert.equal((await read(post.id)).status, 'DRAFT');
    });

    it('metadata.sandbox outcome "fail" ends FAILED with error.code', async () => {
      const post = await create({ metadata: { sandbox: { outcome: 'fail' } } });
      assert.equal(
        (await call(t.app, 'POST', `/api/v1/posts/${post.id}/publish`, { key: key() })).status,
        202,
      );
      const { post: done } = await settle(post.id, Date.now() + 5000);
      assert.equal(done.status, 'FAILED');
      assert.equal(done.error?.code, 'sandbox_failure');
      assert.ok(done.error?.message);
      assert.equal(done.platformPostId, null);
    });

    it('metadata.sandbox outcome "transient" with 2 failures is PUBLISHED after two retries', async () => {
      const post = await create({ metadata: { sandbox: { outcome: 'transient', failures: 2 } } });
      assert.equal(
        (await call(t.app, 'POST', `/api/v1/posts/${post.id}/publish`, { key: key() })).status,
        202,
      );
      const { post: done } = await settle(post.id, Date.now() + 8000);
      assert.equal(done.status, 'PUBLISHED');
      const row = await t.runtime.ctx.db
        .selectFrom('posts')
        .select('publish_attempts')
        .where('id', '=', post.id)
        .executeTakeFirstOrThrow();
      assert.equal(row.publish_attempts, 3);
      const job = await t.runtime.ctx.db
        .selectFrom('jobs')
        .selectAll()
        .where('dedupe_key', '=', `post.publish:${post.id}`)
        .executeTakeFirstOrThrow();
      assert.equal(job.status, 'succeeded');
      assert.equal(job.attempts, 3);
    });

    it('cancelling a PUBLISHING post is refused', async () => {
      const post = await create({ metadata: { sandbox: { outcome: 'transient', failures: 3 } } });
      await call(t.app, 'POST', `/api/v1/posts/${post.id}/publish`, { key: key() });
      const cancel = await call(t.app, 'PATCH', `/api/v1/posts/${post.id}`, {
        key: key(),
        body: { status: 'CANCELLED' },
      });
      assert.equal(cancel.status, 409);
      await settle(post.id, Date.now() + 8000);
    });
  });
}
