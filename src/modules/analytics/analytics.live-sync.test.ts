import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFakeX, type FakeX } from '../../../test/fakes/x-server.js';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  startWorker,
  type Tenant,
  type TestApp,
} from '../../../test/helpers/app.js';
import { connectLiveAccount } from '../../../test/helpers/platforms.js';
import type { Worker } from '../../worker/index.js';
import { METRICS_SYNC_JOB, syncDedupeKey } from './analytics.jobs.js';

/**
 * The worker's syncs against a live connector (X, on its local platform server): a rate-limited
 * metrics call is retried after the platform's reset instead of failing the sync; a rate-limited
 * comments call defers the post's next comment sync, and the later sync stores the reply and records
 * `comment.received` once; the account's follower count is stored once per day.
 */
async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

for (const dialect of dialects) {
  describe(`live syncs against X (${dialect})`, () => {
    let x: FakeX;
    let t: TestApp;
    let tenant: Tenant;
    let worker: Worker;
    let brandId: string;
    let accountId: string;

    before(async () => {
      x = await startFakeX();
      x.setUserMetrics({ followers_count: 1234, following_count: 56, tweet_count: 789 });
      t = await createTestApp(dialect, {
        env: {
          TWITTER_CLIENT_ID: x.clientId,
          TWITTER_CLIENT_SECRET: x.clientSecret!,
          TWITTER_API_BASE_URL: x.url,
          TWITTER_AUTH_BASE_URL: x.url,
          AUDENCI_METRICS_SYNC_DELAYS: '0.3',
        },
      });
      tenant = await createTenant(t);
      brandId = (
        await call(t.app, 'POST', '/api/v1/brands', { key: tenant.live.admin, body: { name: 'Live brand' } })
      ).body.data.id;
      accountId = await connectLiveAccount(t, tenant.live.read_write, brandId, 'twitter');
      worker = await startWorker(t, {
        metricsRetryDelays: [0.05],
        commentsEveryMs: 100,
        commentsIntervalMs: 60_000,
        accountStatsEveryMs: 100,
      });
    });
    after(async () => {
      await worker.stop(2000);
      await t.close();
      await x.close();
    });

    async function publish(caption: string): Promise<{ id: string; platformPostId: string }> {
      const created = await call(t.app, 'POST', '/api/v1/posts', {
        key: tenant.live.read_write,
        body: { brandId, platform: 'twitter', socialAccountId: accountId, caption },
      });
      assert.equal(created.status, 201, created.raw);
      const id = created.body.data.id as string;
      const res = await call(t.app, 'POST', `/api/v1/posts/${id}/publish`, { key: tenant.live.read_write });
      assert.equal(res.status, 202, res.raw);
      return until(`post ${id} published`, async () => {
        const post = (await call(t.app, 'GET', `/api/v1/posts/${id}`, { key: tenant.live.read })).body.data;
        assert.notEqual(post.status, 'FAILED', JSON.stringify(post.error));
        return post.status === 'PUBLISHED' ? post : undefined;
      });
    }

    it('retries a rate-limited metrics sync after the reset, then stores the snapshot', async () => {
      const before = x.requestsTo('tweetsLookup').length;
      x.failNext('tweetsLookup', { kind: 'rate_limited', resetInSeconds: 2 });
      const post = await publish('Metrics, eventually');
      x.setTweetMetrics(post.platformPostId, { impression_count: 900, like_count: 40, reply_count: 3 });

      await until('the rate-limited attempt', async () =>
        x.requestsTo('tweetsLookup').length > before ? true : undefined,
      );
      const failedAt = Date.now();
      const retried = await until('the retry to be queued', async () => {
        const job = await t.runtime.ctx.db
          .selectFrom('jobs')
          .select(['status', 'attempts', 'run_at', 'last_error'])
          .where('type', '=', METRICS_SYNC_JOB)
          .where('dedupe_key', '=', syncDedupeKey(post.id, 0))
          .executeTakeFirst();
        return job?.status === 'queued' && job.attempts === 1 ? job : undefined;
      });
      // Not failed, and not before X's window resets (the handler's own delay is 50 ms).
      assert.ok(
        Number(retried.run_at) >= failedAt + 500,
        `retried at +${Number(retried.run_at) - failedAt} ms`,
      );
      assert.match(String(retried.last_error), /rate|429|limit/i);

      const snapshot = await until('the snapshot', async () => {
        const answer = await call(t.app, 'GET', `/api/v1/posts/${post.id}/analytics`, {
          key: tenant.live.read,
        });
        assert.equal(answer.status, 200, answer.raw);
        return answer.body.data.snapshots[0];
      });
      assert.equal(snapshot.impressions, 900);
      assert.equal(snapshot.likes, 40);
      assert.equal(snapshot.comments, 3);
      const job = await t.runtime.ctx.db
        .selectFrom('jobs')
        .select(['status', 'attempts'])
        .where('dedupe_key', '=', syncDedupeKey(post.id, 0))
        .executeTakeFirstOrThrow();
      assert.deepEqual({ status: job.status, attempts: job.attempts }, { status: 'succeeded', attempts: 2 });
      assert.equal(x.requestsTo('tweetsLookup').length - before, 2);
    });

    it('defers a rate-limited comment sync, then stores the reply and records comment.received once', async () => {
      x.failNext('searchRecent', { kind: 'rate_limited', resetInSeconds: 2 });
      const searches = x.requestsTo('searchRecent').length;
      const post = await publish('Talk to us');
      const deferred = await until('the deferred comment sync', async () => {
        const row = await t.runtime.ctx.db
          .selectFrom('comment_syncs')
          .selectAll()
          .where('post_id', '=', post.id)
          .executeTakeFirst();
        return row?.last_error ? row : undefined;
      });
      assert.ok(x.requestsTo('searchRecent').length > searches);
      assert.ok(Number(deferred.next_sync_at) > Date.now() + 300, 'pushed out to the reset');
      assert.ok(Number(deferred.next_sync_at) < Date.now() + 10_000, 'by the reset, not the interval');

      const fan = { ...x.user, id: '990001', username: 'coffee_fan', name: 'Coffee Fan' };
      x.addTweet({ text: '@you love it', inReplyToId: post.platformPostId, author: fan });

      const comments = await until('the reply to be stored', async () => {
        const list = await call(t.app, 'GET', `/api/v1/posts/${post.id}/comments`, { key: tenant.live.read });
        assert.equal(list.status, 200, list.raw);
        return list.body.data.length > 0 ? list.body.data : undefined;
      });
      assert.equal(comments.length, 1);
      assert.equal(comments[0].text, '@you love it');
      assert.equal(comments[0].author.handle, 'coffee_fan');
      const sync = await t.runtime.ctx.db
        .selectFrom('comment_syncs')
        .selectAll()
        .where('post_id', '=', post.id)
        .executeTakeFirstOrThrow();
      assert.equal(sync.last_error, null);
      assert.ok(Number(sync.next_sync_at) > Date.now() + 30_000, 'next visit one interval later');

      // Another sync finds the same reply: nothing new is stored or recorded.
      await t.runtime.ctx.db
        .updateTable('comment_syncs')
        .set({ next_sync_at: 0 })
        .where('post_id', '=', post.id)
        .execute();
      const calls = x.requestsTo('searchRecent').length;
      await until('one more sync', async () =>
        x.requestsTo('searchRecent').length > calls ? true : undefined,
      );
      await sleep(200);
      const events = await call(t.app, 'GET', '/api/v1/events', {
        key: tenant.live.read,
        query: { type: 'comment.received', limit: 100 },
      });
      assert.equal(events.status, 200, events.raw);
      const mine = events.body.data.filter((e: { data: { postId: string } }) => e.data.postId === post.id);
      assert.equal(mine.length, 1);
    });

    it("stores the account's own reply made outside the API as its own: no comment.received, the comment counts as replied", async () => {
      const post = await publish('Ask us anything');
      const fan = { ...x.user, id: '990002', username: 'latte_lover', name: 'Latte Lover' };
      const question = x.addTweet({ text: '@you oat milk?', inReplyToId: post.platformPostId, author: fan });
      const stored = await until('the question to be stored', async () => {
        const list = await call(t.app, 'GET', `/api/v1/posts/${post.id}/comments`, { key: tenant.live.read });
        assert.equal(list.status, 200, list.raw);
        return list.body.data.length > 0 ? list.body.data[0] : undefined;
      });
      assert.equal(stored.own, false);
      assert.equal(stored.repliedAt, null);

      // The account answers on X itself (or a reply through the API reached X, and its process died
      // before storing it).
      const answer = x.addTweet({ text: '@latte_lover always', inReplyToId: question.id, author: x.user });
      await t.runtime.ctx.db
        .updateTable('comment_syncs')
        .set({ next_sync_at: 0 })
        .where('post_id', '=', post.id)
        .execute();
      const both = await until('the answer to be stored', async () => {
        const list = await call(t.app, 'GET', `/api/v1/posts/${post.id}/comments`, { key: tenant.live.read });
        return list.body.data.length === 2 ? list.body.data : undefined;
      });
      const own = both.find((c: { platformCommentId: string }) => c.platformCommentId === answer.id);
      assert.equal(own.own, true);
      assert.equal(own.parentId, stored.id);
      assert.equal(own.author.id, x.user.id);
      const asked = both.find((c: { id: string }) => c.id === stored.id);
      assert.equal(asked.repliedAt, own.createdAt);
      const events = await call(t.app, 'GET', '/api/v1/events', {
        key: tenant.live.read,
        query: { type: 'comment.received', limit: 100 },
      });
      const mine = events.body.data.filter((e: { data: { postId: string } }) => e.data.postId === post.id);
      assert.deepEqual(
        mine.map((e: { data: { id: string } }) => e.data.id),
        [stored.id],
      );
    });

    it('stores what X sends within the documented limits: a 10,000-character reply is cut, a huge metric clamped', async () => {
      const post = await publish('Say everything');
      x.setTweetMetrics(post.platformPostId, { impression_count: 1e20, like_count: 7 });
      const fan = { ...x.user, id: '990003', username: 'verbose_fan', name: 'V'.repeat(500) };
      const long = `@you ${'a'.repeat(9_995)}`;
      assert.equal(long.length, 10_000);
      x.addTweet({ text: long, inReplyToId: post.platformPostId, author: fan });

      // Every answer below is also checked against the document (maxLength, maximum) by the test app.
      const [comment] = await until('the long reply to be stored', async () => {
        const list = await call(t.app, 'GET', `/api/v1/posts/${post.id}/comments`, { key: tenant.live.read });
        assert.equal(list.status, 200, list.raw);
        return list.body.data.length > 0 ? list.body.data : undefined;
      });
      assert.equal(comment.text, `${long.slice(0, 7_999)}…`);
      assert.equal(comment.author.name, `${'V'.repeat(199)}…`);
      assert.equal(comment.author.handle, 'verbose_fan');
      const event = await call(t.app, 'GET', '/api/v1/events', {
        key: tenant.live.read,
        query: { type: 'comment.received', limit: 100 },
      });
      assert.equal(event.status, 200, event.raw);
      const received = event.body.data.find((e: { data: { id: string } }) => e.data.id === comment.id);
      assert.equal(received.data.text.length, 8_000);

      const snapshot = await until('the snapshot', async () => {
        const answer = await call(t.app, 'GET', `/api/v1/posts/${post.id}/analytics`, {
          key: tenant.live.read,
        });
        assert.equal(answer.status, 200, answer.raw);
        return answer.body.data.snapshots[0];
      });
      assert.equal(snapshot.impressions, 2_147_483_647);
      assert.equal(snapshot.likes, 7);
    });

    it("stores the account's follower count once a day", async () => {
      const row = await until('account stats', async () =>
        t.runtime.ctx.db
          .selectFrom('account_stats')
          .selectAll()
          .where('social_account_id', '=', accountId)
          .executeTakeFirst(),
      );
      assert.equal(row.followers, 1234);
      assert.equal(row.following, 56);
      assert.equal(row.posts, 789);
      const calls = x.requestsTo('me').length;
      await sleep(500); // several more runs of the task
      const rows = await t.runtime.ctx.db
        .selectFrom('account_stats')
        .select('id')
        .where('social_account_id', '=', accountId)
        .execute();
      assert.equal(rows.length, 1, 'one row per account per day');
      assert.equal(x.requestsTo('me').length, calls, 'not fetched again the same day');
    });
  });
}
