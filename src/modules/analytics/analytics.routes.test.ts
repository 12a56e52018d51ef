/* eslint-disable @typescript-eslint/no-explicit-any -- test answers are JSON of any shape */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  type Tenant,
  type TestApp,
} from '../../../test/helpers/app.js';
import { startJobsWorker, waitForJob } from '../../../test/helpers/job-types.js';
import type { Worker } from '../../worker/worker.js';
import type { NewPostMetricsRow } from './analytics.table.js';
import { storeSnapshot } from './analytics.snapshots.js';

/**
 * CONTRACT §4 (Analytics), issue #8: `GET /analytics` sums each post's LATEST snapshot by groupBy, with
 * totals equal to the sum of the rows; periods follow `timezone`; empty periods are present; every query
 * is scoped to the caller's organization and environment; the export's CSV matches the API's rows.
 */

const H = 3_600_000;
const GROUP_BYS = ['day', 'week', 'month', 'platform', 'campaign', 'post'] as const;
const SUMMED = [
  'impressions',
  'reach',
  'likes',
  'comments',
  'shares',
  'saves',
  'clicks',
  'videoViews',
  'engagements',
];
// A range around the 2026 US DST start (Sunday 8 March), in New York.
const RANGE = { startDate: '2026-03-01', endDate: '2026-03-15', timezone: 'America/New_York' };

let seq = 0;
function snapshot(
  tenant: { org: { id: string } },
  post: { id: string; platform: string; campaignId?: string | null; publishedAt: string },
  capturedAfterH: number,
  metrics: Partial<
    Record<
      'impressions' | 'likes' | 'comments' | 'shares' | 'saves' | 'clicks' | 'video_views' | 'reach',
      number | null
    >
  >,
  environment: 'live' | 'test' = 'live',
): NewPostMetricsRow {
  const publishedAt = Date.parse(post.publishedAt);
  return {
    id: `pm_test_${String(++seq).padStart(6, '0')}`,
    organization_id: tenant.org.id,
    environment,
    post_id: post.id,
    brand_id: 'brand_a',
    campaign_id: post.campaignId ?? null,
    platform: post.platform,
    published_at: publishedAt,
    captured_at: publishedAt + capturedAfterH * H,
    impressions: null,
    reach: null,
    likes: null,
    comments: null,
    shares: null,
    saves: null,
    clicks: null,
    video_views: null,
    ...metrics,
  };
}

const sumRows = (rows: any[], field: string) => rows.reduce((total, row) => total + row[field], 0);

for (const dialect of dialects) {
  describe(`GET /analytics (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let other: Tenant;
    let worker: Worker;

    // 23:30 on Saturday 7 March in New York is 04:30 UTC on the 8th.
    const late = {
      id: 'post_late',
      platform: 'twitter',
      campaignId: 'cmp_1',
      publishedAt: '2026-03-08T04:30:00Z',
    };
    // 23:30 on Sunday 8 March (EDT, after the DST change) is 03:30 UTC on the 9th.
    const afterDst = { id: 'post_dst', platform: 'instagram', publishedAt: '2026-03-09T03:30:00Z' };
    const midweek = {
      id: 'post_mid',
      platform: 'facebook',
      campaignId: 'cmp_2',
      publishedAt: '2026-03-11T15:00:00Z',
    };

    before(async () => {
      t = await createTestApp(dialect);
      tenant = await createTenant(t);
      other = await createTenant(t, { name: 'Other org' });
      const rows = [
        // Three syncs of the same post: only the latest counts.
        snapshot(tenant, late, 1, { impressions: 10, likes: 1 }),
        snapshot(tenant, late, 24, { impressions: 100, likes: 5, comments: 2, clicks: 3 }),
        snapshot(tenant, late, 6, { impressions: 50, likes: 3 }),
        snapshot(tenant, afterDst, 1, { impressions: 200, reach: 150, likes: 10, saves: 4, video_views: 80 }),
        snapshot(tenant, midweek, 1, { impressions: 0, likes: 0, shares: 1 }),
        // Not ours: another organization, and our own test environment.
        snapshot(other, { ...late, id: 'post_foreign' }, 1, { impressions: 1_000_000, likes: 1000 }),
        snapshot(tenant, { ...late, id: 'post_test_env' }, 1, { impressions: 7_000, likes: 70 }, 'test'),
      ];
      // Through the sync's write path (snapshot + post_metrics_latest), in this order: the 24 h sync
      // stored before the 6 h one must stay the latest.
      for (const row of rows) await t.runtime.ctx.db.transaction().execute((trx) => storeSnapshot(trx, row));
      worker = await startJobsWorker(t);
    });
    after(async () => {
      await worker.stop();
      await t.close();
    });

    async function analytics(key: string, query: Record<string, string>) {
      const res = await call(t.app, 'GET', '/api/v1/analytics', { key, query });
      assert.equal(res.status, 200, res.raw);
      return res.body.data;
    }

    it('counts each post once with its latest snapshot, and totals are the sum of the rows for every groupBy', async () => {
      const expected = {
        posts: 3,
        impressions: 300,
        reach: 150,
        likes: 15,
        comments: 2,
        shares: 1,
        saves: 4,
        clicks: 3,
        videoViews: 80,
        engagements: 25,
        engagementRate: 25 / 300,
      };
      for (const groupBy of GROUP_BYS) {
        const report = await analytics(tenant.live.read, { ...RANGE, groupBy });
        assert.deepEqual(report.totals, expected, groupBy);
        for (const field of ['posts', ...SUMMED]) {
          assert.equal(sumRows(report.rows, field), report.totals[field], `${groupBy}: ${field}`);
        }
      }
      const byPost = await analytics(tenant.live.read, { ...RANGE, groupBy: 'post' });
      assert.deepEqual(
        byPost.rows.map((r: any) => [r.key, r.impressions, r.engagements, r.engagementRate]),
        [
          ['post_dst', 200, 14, 14 / 200],
          ['post_late', 100, 10, 0.1],
          ['post_mid', 0, 1, null],
        ],
      );
      const byCampaign = await analytics(tenant.live.read, { ...RANGE, groupBy: 'campaign' });
      assert.deepEqual(
        byCampaign.rows.map((r: any) => [r.key, r.posts]),
        [
          ['cmp_1', 1],
          ['cmp_2', 1],
          [null, 1],
        ],
      );
    });

    it('a re-sync (a newer snapshot of the same post) replaces the old figures instead of adding to them', async () => {
      const before = await analytics(tenant.live.read, { ...RANGE, groupBy: 'platform' });
      const resync = snapshot(tenant, late, 72, { impressions: 120, likes: 6, comments: 2, clicks: 3 });
      await t.runtime.ctx.db.transaction().execute((trx) => storeSnapshot(trx, resync));
      // Storing the same snapshot again (a repeated job run) changes nothing.
      assert.equal(await t.runtime.ctx.db.transaction().execute((trx) => storeSnapshot(trx, resync)), false);
      const afterSync = await analytics(tenant.live.read, { ...RANGE, groupBy: 'platform' });
      assert.equal(afterSync.totals.posts, before.totals.posts);
      assert.equal(afterSync.totals.impressions, before.totals.impressions + 20);
      assert.equal(afterSync.totals.likes, before.totals.likes + 1);
      const twitter = afterSync.rows.find((r: any) => r.key === 'twitter');
      assert.deepEqual([twitter.posts, twitter.impressions], [1, 120]);
    });

    it('places a post published at 23:30 local in its local day, across a DST change, and lists empty days with zeros', async () => {
      const report = await analytics(tenant.live.read, { ...RANGE, groupBy: 'day', metrics: 'impressions' });
      assert.equal(report.rows.length, 14);
      assert.deepEqual(
        report.rows.map((r: any) => r.key),
        Array.from({ length: 14 }, (_, i) => `2026-03-${String(i + 1).padStart(2, '0')}`),
      );
      const day = (key: string) => report.rows.find((r: any) => r.key === key);
      assert.deepEqual(day('2026-03-07'), {
        key: '2026-03-07',
        startsAt: '2026-03-07T05:00:00.000Z',
        posts: 1,
        impressions: 120,
      });
      // The 23-hour day: midnight EST, then EDT from 02:00.
      assert.deepEqual(day('2026-03-08'), {
        key: '2026-03-08',
        startsAt: '2026-03-08T05:00:00.000Z',
        posts: 1,
        impressions: 200,
      });
      assert.equal(day('2026-03-09').startsAt, '2026-03-09T04:00:00.000Z');
      assert.deepEqual(day('2026-03-01'), {
        key: '2026-03-01',
        startsAt: '2026-03-01T05:00:00.000Z',
        posts: 0,
        impressions: 0,
      });
      assert.equal(report.rows.filter((r: any) => r.posts === 0).length, 11);

      // In UTC the same posts fall a day later.
      const utc = await analytics(tenant.live.read, { ...RANGE, timezone: 'UTC', groupBy: 'day' });
      assert.equal(utc.rows.find((r: any) => r.key === '2026-03-07').posts, 0);
      assert.equal(utc.rows.find((r: any) => r.key === '2026-03-08').posts, 1);

      const weeks = await analytics(tenant.live.read, { ...RANGE, groupBy: 'week', metrics: 'impressions' });
      assert.deepEqual(
        weeks.rows.map((r: any) => [r.key, r.posts]),
        [
          ['2026-02-23', 0],
          ['2026-03-02', 2],
          ['2026-03-09', 1],
        ],
      );
      const months = await analytics(tenant.live.read, { ...RANGE, groupBy: 'month' });
      assert.deepEqual(
        months.rows.map((r: any) => [r.key, r.posts]),
        [['2026-03', 3]],
      );
    });

    it('answers only the chosen metrics', async () => {
      const report = await analytics(tenant.live.read, {
        ...RANGE,
        groupBy: 'platform',
        metrics: 'likes,engagementRate',
      });
      assert.deepEqual(report.metrics, ['likes', 'engagementRate']);
      assert.deepEqual(Object.keys(report.rows[0]).sort(), ['engagementRate', 'key', 'likes', 'posts']);
      assert.deepEqual(Object.keys(report.totals).sort(), ['engagementRate', 'likes', 'posts']);
    });

    it('keeps each organization and environment to its own snapshots', async () => {
      const theirs = await analytics(other.live.read, { ...RANGE, groupBy: 'post' });
      assert.deepEqual(
        theirs.rows.map((r: any) => r.key),
        ['post_foreign'],
      );
      const testEnv = await analytics(tenant.test.read, { ...RANGE, groupBy: 'post' });
      assert.deepEqual(
        testEnv.rows.map((r: any) => r.key),
        ['post_test_env'],
      );
      const mine = await analytics(tenant.live.read, { ...RANGE, groupBy: 'post', postId: 'post_foreign' });
      assert.deepEqual(mine.rows, []);
      assert.equal(mine.totals.posts, 0);
    });

    it('answers 400 naming the field for a bad groupBy, metric, time zone or range', async () => {
      for (const [query, field] of [
        [{ groupBy: 'year' }, 'groupBy'],
        [{ metrics: 'likes,hearts' }, 'metrics'],
        [{ timezone: 'Mars/Olympus' }, 'timezone'],
        [{ startDate: 'last tuesday' }, 'startDate'],
        [{ startDate: '2026-03-10', endDate: '2026-03-01' }, 'endDate'],
        [{ startDate: '2020-01-01', endDate: '2026-01-01', groupBy: 'day' }, 'endDate'],
      ] as const) {
        const res = await call(t.app, 'GET', '/api/v1/analytics', { key: tenant.live.read, query });
        assert.equal(res.status, 400, res.raw);
        assert.equal(res.body.error.code, 'INVALID_INPUT');
        assert.equal(res.body.error.details.field, field, res.raw);
      }
    });

    async function exportJob(payload: Record<string, string>) {
      const submitted = await call(t.app, 'POST', '/api/v1/jobs', {
        key: tenant.live.read,
        body: { type: 'analytics.export', payload },
      });
      assert.equal(submitted.status, 202, submitted.raw);
      const job = await waitForJob(t, tenant.live.read, submitted.body.data.id);
      assert.equal(job.status, 'succeeded', JSON.stringify(job));
      const file = await call(t.app, 'GET', `/api/v1/jobs/${job.id}/result`, { key: tenant.live.read });
      assert.equal(file.status, 200);
      return { job, text: file.raw };
    }

    it('exports CSV that a standard parser reads back as the API rows', async () => {
      for (const groupBy of ['day', 'post', 'campaign'] as const) {
        const query = { ...RANGE, groupBy };
        const api = await analytics(tenant.live.read, query);
        const { job, text } = await exportJob({ ...query, format: 'csv' });
        const records: Record<string, string>[] = parse(text, { columns: true });
        const expected = api.rows.map((row: any) =>
          Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null ? '' : String(v)])),
        );
        assert.deepEqual(records, expected, groupBy);
        assert.deepEqual(job.result.totals, api.totals);
      }
    });

    it('exports JSON with the rows and totals of the API', async () => {
      const query = { ...RANGE, groupBy: 'post', metrics: 'impressions,engagementRate' };
      const api = await analytics(tenant.live.read, query);
      const { text } = await exportJob({ ...query, format: 'json' });
      assert.deepEqual(JSON.parse(text), { rows: api.rows, totals: api.totals });
    });

    it('refuses a bad export payload naming the field', async () => {
      const res = await call(t.app, 'POST', '/api/v1/jobs', {
        key: tenant.live.read,
        body: { type: 'analytics.export', payload: { groupBy: 'day', timezone: 'Nowhere/Land' } },
      });
      assert.equal(res.status, 400, res.raw);
      assert.equal(res.body.error.details.field, 'payload.timezone');
    });
  });
}
