import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  ManualClock,
  startWorker,
  type Tenant,
  type TestApp,
} from '../../../test/helpers/app.js';
import { sandboxMetrics } from '../../platforms/sandbox/sandbox.connector.js';
import { createWorker, type Worker } from '../../worker/index.js';
import { PlatformError, type PlatformConnector } from '../../platforms/connector.js';
import { ConnectorRegistry } from '../../platforms/registry.js';
import { MAX_DELAYS } from '../../config/index.js';
import {
  METRICS_SYNC_JOB,
  metricSyncDelays,
  snapshotId,
  syncDedupeKey,
  TEST_FIRST_SYNC_SECONDS,
} from './analytics.jobs.js';

const DEFAULT_DELAYS = [3600, 21600, 86400, 259200, 604800, 2592000];

describe('metric sync delays', () => {
  it('are the configured ones live; the test environment adds a first sync 15 s after publishing', () => {
    assert.equal(TEST_FIRST_SYNC_SECONDS, 15);
    assert.deepEqual(metricSyncDelays('live', DEFAULT_DELAYS), DEFAULT_DELAYS);
    assert.deepEqual(metricSyncDelays('test', DEFAULT_DELAYS), [15, ...DEFAULT_DELAYS]);
    // A delay that soon already: nothing added.
    assert.deepEqual(metricSyncDelays('test', [0.1, 0.3]), [0.1, 0.3]);
    assert.deepEqual(metricSyncDelays('test', [60, 15]), [60, 15]);
    // Never more than AUDENCI_METRICS_SYNC_DELAYS may list: the last gives way.
    const many = Array.from({ length: MAX_DELAYS }, (_, i) => 60 * (i + 1));
    const test = metricSyncDelays('test', many);
    assert.equal(test.length, MAX_DELAYS);
    assert.deepEqual(test, [15, ...many.slice(0, -1)]);
  });
});

describe('sandbox metrics', () => {
  it('are deterministic and never decrease with age', () => {
    const ages = [0, 1000, 3_600_000, 6 * 3_600_000, 86_400_000, 7 * 86_400_000, 30 * 86_400_000];
    for (const platform of ['twitter', 'facebook', 'instagram']) {
      const series = ages.map((age) => sandboxMetrics('post_01TEST', platform, age));
      assert.deepEqual(
        series,
        ages.map((age) => sandboxMetrics('post_01TEST', platform, age)),
      );
      for (let i = 1; i < series.length; i++) {
        for (const [name, value] of Object.entries(series[i]!)) {
          const before = series[i - 1]![name as keyof (typeof series)[number]];
          if (value === null) assert.equal(before, null);
          else assert.ok(value >= before!, `${platform} ${name} fell from ${before} to ${value}`);
        }
      }
      assert.ok(series.at(-1)!.impressions! > 300, 'a month-old post has an audience');
    }
  });
});

for (const dialect of dialects) {
  describe(`metrics sync (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let worker: Worker;
    let brandId: string;

    before(async () => {
      t = await createTestApp(dialect, { env: { AUDENCI_METRICS_SYNC_DELAYS: '0.1,0.3' } });
      tenant = await createTenant(t);
      brandId = (
        await call(t.app, 'POST', '/api/v1/brands', {
          key: tenant.test.admin,
          body: { name: 'Metrics brand' },
        })
      ).body.data.id;
      worker = await startWorker(t);
    });
    after(async () => {
      await worker.stop(2000);
      await t.close();
    });

    async function publishedPost(): Promise<{ id: string; publishedAt: string }> {
      const created = await call(t.app, 'POST', '/api/v1/posts', {
        key: tenant.test.read_write,
        body: { brandId, platform: 'facebook', caption: 'Growth curve' },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = created.body.data.id as string;
      const publish = await call(t.app, 'POST', `/api/v1/posts/${id}/publish`, {
        key: tenant.test.read_write,
      });
      assert.equal(publish.status, 202, JSON.stringify(publish.body));
      for (let i = 0; i < 100; i++) {
        const post = (await call(t.app, 'GET', `/api/v1/posts/${id}`, { key: tenant.test.read })).body.data;
        if (post.status === 'PUBLISHED') return post;
        await sleep(50);
      }
      throw new Error('not published');
    }

    async function series(id: string, key = tenant.test.read) {
      return call(t.app, 'GET', `/api/v1/posts/${id}/analytics`, { key });
    }

    it('runs a sync per configured delay, each enqueuing the next, and stores one snapshot for each', async () => {
      const post = await publishedPost();
      const publishedAt = Date.parse(post.publishedAt);
      let answer;
      for (let i = 0; i < 60; i++) {
        answer = await series(post.id);
        if (answer.body.data?.snapshots.length === 2) break;
        await sleep(50);
      }
      // One job per delay, each due at publishedAt + its delay (not after the previous run), none past
      // the end of the schedule.
      const jobs = await t.runtime.ctx.db
        .selectFrom('jobs')
        .select(['run_at', 'dedupe_key', 'status'])
        .where('type', '=', METRICS_SYNC_JOB)
        .where('payload', 'like', `%${post.id}%`)
        .orderBy('run_at')
        .execute();
      assert.deepEqual(
        jobs.map((j) => [Number(j.run_at) - publishedAt, j.dedupe_key, j.status]),
        [
          [100, syncDedupeKey(post.id, 0), 'succeeded'],
          [300, syncDedupeKey(post.id, 1), 'succeeded'],
        ],
      );
      assert.equal(answer!.status, 200);
      const data = answer!.body.data;
      assert.equal(data.postId, post.id);
      assert.equal(data.platform, 'facebook');
      assert.equal(data.snapshots.length, 2);
      const [first, second] = data.snapshots;
      assert.ok(Date.parse(first.capturedAt) >= publishedAt + 100);
      assert.ok(Date.parse(second.capturedAt) >= publishedAt + 300);
      assert.equal(first.saves, null, 'Facebook has no saves');
      for (const name of ['impressions', 'reach', 'likes', 'comments', 'shares', 'clicks']) {
        assert.equal(typeof second[name], 'number', name);
        assert.ok(second[name] >= first[name], `${name} grows`);
      }
    });

    it('re-running a sync never stores a second snapshot for the same delay', async () => {
      const post = await publishedPost();
      for (let i = 0; i < 60; i++) {
        if ((await series(post.id)).body.data.snapshots.length === 2) break;
        await sleep(50);
      }
      // The same run again (as after a lost lease): a new job row for the same post and delay.
      await t.runtime.ctx.queue.enqueue(t.runtime.ctx.db, {
        type: METRICS_SYNC_JOB,
        payload: { postId: post.id, index: 0 },
        tenant: { organizationId: tenant.org.id, environment: 'test' },
      });
      // And the schedule again: deduplicated.
      const again = await t.runtime.ctx.queue.enqueue(t.runtime.ctx.db, {
        type: METRICS_SYNC_JOB,
        payload: { postId: post.id, index: 1 },
        tenant: { organizationId: tenant.org.id, environment: 'test' },
        dedupeKey: syncDedupeKey(post.id, 1),
      });
      assert.equal(again.status, 'succeeded', 'the scheduled job already ran; no second one');
      await sleep(600);
      // The re-run of the first sync enqueued no second next one.
      const keyed = await t.runtime.ctx.db
        .selectFrom('jobs')
        .select('dedupe_key')
        .where('type', '=', METRICS_SYNC_JOB)
        .where('payload', 'like', `%${post.id}%`)
        .where('dedupe_key', 'is not', null)
        .orderBy('dedupe_key')
        .execute();
      assert.deepEqual(
        keyed.map((j) => j.dedupe_key),
        [syncDedupeKey(post.id, 0), syncDedupeKey(post.id, 1)],
      );
      const rows = await t.runtime.ctx.db
        .selectFrom('post_metrics')
        .select('id')
        .where('post_id', '=', post.id)
        .orderBy('id')
        .execute();
      assert.deepEqual(
        rows.map((r) => r.id),
        [snapshotId(post.id, 0), snapshotId(post.id, 1)],
      );
      // One latest row for the post, the newer snapshot's.
      const latest = await t.runtime.ctx.db
        .selectFrom('post_metrics_latest')
        .select('snapshot_id')
        .where('post_id', '=', post.id)
        .execute();
      assert.deepEqual(
        latest.map((r) => r.snapshot_id),
        [snapshotId(post.id, 1)],
      );
    });

    it('answers 404 for a post of another environment, and lets a read key see the series', async () => {
      const post = await publishedPost();
      assert.equal((await series(post.id, tenant.live.read)).status, 404);
      const mine = await series(post.id, tenant.test.read);
      assert.equal(mine.status, 200);
      assert.ok(Array.isArray(mine.body.data.snapshots));
    });
  });
}

for (const dialect of dialects) {
  describe(`metrics sync in the test environment, default delays (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let worker: Worker;
    let clock: ManualClock;

    before(async () => {
      clock = new ManualClock(Date.now());
      t = await createTestApp(dialect, { clock });
      tenant = await createTenant(t);
      worker = await startWorker(t);
    });
    after(async () => {
      await worker.stop(2000);
      await t.close();
    });

    it('a sandbox post has its first snapshot 15 s after publishing, before the live schedule begins', async () => {
      const brandId = (
        await call(t.app, 'POST', '/api/v1/brands', { key: tenant.test.admin, body: { name: 'Quick' } })
      ).body.data.id;
      const created = await call(t.app, 'POST', '/api/v1/posts', {
        key: tenant.test.read_write,
        body: { brandId, platform: 'twitter', caption: 'Within a minute' },
      });
      assert.equal(created.status, 201, created.raw);
      const id = created.body.data.id as string;
      const publish = await call(t.app, 'POST', `/api/v1/posts/${id}/publish`, {
        key: tenant.test.read_write,
      });
      assert.equal(publish.status, 202, publish.raw);
      let post;
      for (let i = 0; i < 200 && post?.status !== 'PUBLISHED'; i++) {
        post = (await call(t.app, 'GET', `/api/v1/posts/${id}`, { key: tenant.test.read })).body.data;
        if (post.status !== 'PUBLISHED') await sleep(25);
      }
      assert.equal(post.status, 'PUBLISHED');
      const publishedAt = Date.parse(post.publishedAt);
      const syncJobs = () =>
        t.runtime.ctx.db
          .selectFrom('jobs')
          .select(['run_at', 'dedupe_key', 'status'])
          .where('type', '=', METRICS_SYNC_JOB)
          .where('organization_id', '=', tenant.org.id)
          .orderBy('run_at')
          .execute();
      // Publishing enqueues the first sync only; each run enqueues the next.
      const jobs = await syncJobs();
      assert.deepEqual(
        jobs.map((j) => [Number(j.run_at) - publishedAt, j.dedupe_key]),
        [[15_000, syncDedupeKey(id, 0)]],
      );

      const snapshots = async () =>
        (await call(t.app, 'GET', `/api/v1/posts/${id}/analytics`, { key: tenant.test.read })).body.data
          .snapshots as { impressions: number }[];
      await sleep(300);
      assert.deepEqual(await snapshots(), [], 'nothing before the first delay');
      clock.advance(15_000);
      let got: { impressions: number }[] = [];
      for (let i = 0; i < 200 && got.length === 0; i++) {
        got = await snapshots();
        if (got.length === 0) await sleep(25);
      }
      assert.equal(got.length, 1, 'one snapshot 15 s after publishing');
      assert.ok(got[0]!.impressions > 0, 'the sandbox has an audience from the start');
      // The first sync enqueued the second, due an hour after publishing (not after the first sync).
      assert.deepEqual(
        (await syncJobs()).map((j) => [Number(j.run_at) - publishedAt, j.dedupe_key, j.status]),
        [
          [15_000, syncDedupeKey(id, 0), 'succeeded'],
          [DEFAULT_DELAYS[0]! * 1000, syncDedupeKey(id, 1), 'queued'],
        ],
      );
    });
  });
}

for (const dialect of dialects) {
  describe(`metrics sync chain through failures (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let worker: Worker;
    let brandId: string;
    /** Platform calls per post, and what the platform answers each (by the post's age). */
    const calls = new Map<string, number>();
    let nextQueuedAtRetry: string | undefined;

    before(async () => {
      t = await createTestApp(dialect, { env: { AUDENCI_METRICS_SYNC_DELAYS: '0.2,1,2' } });
      tenant = await createTenant(t);
      brandId = (
        await call(t.app, 'POST', '/api/v1/brands', { key: tenant.test.admin, body: { name: 'Flaky' } })
      ).body.data.id;
      const sandbox = t.runtime.connectors.get('facebook', 'test')!;
      // The sandbox platform, failing some metrics calls: the first sync's first attempt with an outage
      // (retried), the second sync for good; the rest answer.
      const flaky: PlatformConnector = {
        ...sandbox,
        async fetchMetrics(request) {
          const n = (calls.get(request.postId) ?? 0) + 1;
          calls.set(request.postId, n);
          const age = Date.now() - request.publishedAt;
          if (n === 1) throw new PlatformError('transient', 'Platform outage', 'outage');
          if (age < 900) {
            // The retry of the first sync: the second sync is queued already.
            const next = await t.runtime.ctx.db
              .selectFrom('jobs')
              .select('status')
              .where('dedupe_key', '=', syncDedupeKey(request.postId, 1))
              .executeTakeFirst();
            nextQueuedAtRetry = next?.status;
          } else if (age < 1900) {
            throw new PlatformError('permanent', 'The post is not visible to this token', 'hidden');
          }
          return sandbox.fetchMetrics!(request);
        },
      };
      const { runtime } = t;
      worker = createWorker(
        {
          config: runtime.config,
          ctx: runtime.ctx,
          db: runtime.ctx.db,
          connectors: new ConnectorRegistry({}, flaky),
          tokenBox: runtime.tokenBox,
          webhookBox: runtime.webhookBox,
          media: runtime.media,
          jobTypes: runtime.jobTypes,
        },
        { pollMs: 50, sweepEveryMs: 100, leaseMs: 5000, metricsRetryDelays: [0.05] },
      );
      await worker.start();
    });
    after(async () => {
      await worker.stop(2000);
      await t.close();
    });

    it('goes on after a retried and after a failed sync, and a re-run does not double it', async () => {
      const created = await call(t.app, 'POST', '/api/v1/posts', {
        key: tenant.test.read_write,
        body: { brandId, platform: 'facebook', caption: 'Flaky platform' },
      });
      assert.equal(created.status, 201, created.raw);
      const id = created.body.data.id as string;
      const published = await call(t.app, 'POST', `/api/v1/posts/${id}/publish`, {
        key: tenant.test.read_write,
      });
      assert.equal(published.status, 202, published.raw);
      const syncJobs = () =>
        t.runtime.ctx.db
          .selectFrom('jobs')
          .select(['dedupe_key', 'status', 'attempts'])
          .where('type', '=', METRICS_SYNC_JOB)
          .where('payload', 'like', `%${id}%`)
          .orderBy('run_at')
          .orderBy('created_at')
          .execute();
      const done = (jobs: { status: string }[]) =>
        jobs.length === 3 && jobs.every((j) => j.status === 'succeeded' || j.status === 'failed');
      let jobs = await syncJobs();
      for (let i = 0; i < 200 && !done(jobs); i++) {
        await sleep(50);
        jobs = await syncJobs();
      }
      assert.deepEqual(
        jobs.map((j) => [j.dedupe_key, j.status, Number(j.attempts)]),
        [
          [syncDedupeKey(id, 0), 'succeeded', 2],
          [syncDedupeKey(id, 1), 'failed', 1],
          [syncDedupeKey(id, 2), 'succeeded', 1],
        ],
      );
      assert.equal(nextQueuedAtRetry, 'queued', 'the next sync was enqueued by the failed first attempt');
      const snapshots = async () =>
        (
          await t.runtime.ctx.db
            .selectFrom('post_metrics')
            .select('id')
            .where('post_id', '=', id)
            .orderBy('id')
            .execute()
        ).map((r) => r.id);
      assert.deepEqual(await snapshots(), [snapshotId(id, 0), snapshotId(id, 2)]);

      // Each sync run again (as after a crash or a lost lease): no job past the schedule's end, none twice.
      const tenantOf = { organizationId: tenant.org.id, environment: 'test' as const };
      for (const index of [0, 1, 2])
        await t.runtime.ctx.queue.enqueue(t.runtime.ctx.db, {
          type: METRICS_SYNC_JOB,
          payload: { postId: id, index },
          tenant: tenantOf,
        });
      for (let i = 0; i < 100; i++) {
        jobs = await syncJobs();
        if (jobs.length === 6 && jobs.every((j) => j.status !== 'queued' && j.status !== 'running')) break;
        await sleep(50);
      }
      assert.equal(jobs.length, 6, JSON.stringify(jobs));
      assert.deepEqual(
        jobs.flatMap((j) => (j.dedupe_key ? [j.dedupe_key] : [])),
        [0, 1, 2].map((index) => syncDedupeKey(id, index)),
      );
      assert.deepEqual(
        await snapshots(),
        [0, 1, 2].map((index) => snapshotId(id, index)),
      );
    });
  });
}
