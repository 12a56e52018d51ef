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
import type { NewPostMetricsRow } from '../../db/tables/analytics.js';
import { storeSnapshot } from './analytics.snapshots.js';

/**
 * docs/analytics.md ("Summing metrics"): `GET /analytics` sums each post's LATEST snapshot by groupBy, with
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

    it("without a timezone, follows the zone of the brand given as brandId (the caller's own only)", async () => {
      const brandIn = async (owner: Tenant, timezone: string) => {
        const res = await call(t.app, 'POST', '/api/v1/brands', {
          key: owner.live.admin,
          body: { name: `Zoned ${timezone}`, timezone },
        });
        assert.equal(res.status, 201, res.raw);
        return res.body.data.id as string;
      };
      const ny = await brandIn(tenant, 'America/New_York');
      const tokyo = await brandIn(other, 'Asia/Tokyo');
      // 23:30 on Saturday 9 May in New York (EDT) is 03:30 UTC on the 10th.
      const post = { id: 'post_zoned', platform: 'twitter', publishedAt: '2026-05-10T03:30:00Z' };
      await t.runtime.ctx.db
        .transaction()
        .execute((trx) =>
          storeSnapshot(trx, { ...snapshot(tenant, post, 1, { impressions: 9 }), brand_id: ny }),
        );
      const range = { startDate: '2026-05-09', endDate: '2026-05-11', groupBy: 'day' };

      const zoned = await analytics(tenant.live.read, { ...range, brandId: ny });
      assert.equal(zoned.timezone, 'America/New_York');
      assert.equal(zoned.startDate, '2026-05-09T04:00:00.000Z');
      assert.deepEqual(
        zoned.rows.map((r: any) => [r.key, r.posts]),
        [
          ['2026-05-09', 1],
          ['2026-05-10', 0],
        ],
      );
      // An explicit timezone wins.
      const utc = await analytics(tenant.live.read, { ...range, brandId: ny, timezone: 'UTC' });
      assert.equal(utc.timezone, 'UTC');
      assert.deepEqual(
        utc.rows.map((r: any) => [r.key, r.posts]),
        [
          ['2026-05-09', 0],
          ['2026-05-10', 1],
        ],
      );
      // No brand filter, or another organization's brand: UTC, and that brand's zone is not revealed.
      assert.equal((await analytics(tenant.live.read, range)).timezone, 'UTC');
      const foreign = await analytics(tenant.live.read, { ...range, brandId: tokyo });
      assert.equal(foreign.timezone, 'UTC');
      assert.equal(foreign.totals.posts, 0);
      // The export resolves the zone the same way.
      const { job } = await exportJob({ ...range, brandId: ny, format: 'json' });
      assert.deepEqual(job.result.totals, zoned.totals);
      const { text } = await exportJob({ ...range, brandId: ny, format: 'csv' });
      assert.deepEqual(
        (parse(text, { columns: true }) as Record<string, string>[]).map((r) => [r.key, r.posts]),
        [
          ['2026-05-09', '1'],
          ['2026-05-10', '0'],
        ],
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

    it('pages groupBy=post by keyset: every post once, page sums adding up to totals over the whole range', async () => {
      const paged = await createTenant(t, { name: 'Paging org' });
      const now = Date.now();
      const ids = Array.from({ length: 25 }, (_, i) => `post_page_${String(i).padStart(2, '0')}`);
      for (const [i, id] of ids.entries()) {
        const post = { id, platform: 'twitter', publishedAt: new Date(now - (i + 1) * H).toISOString() };
        // Two syncs each, the later one with the figures that count.
        for (const row of [
          snapshot(paged, post, 1, { impressions: 1, likes: 1 }),
          snapshot(paged, post, 6, { impressions: 100 + i, likes: i, clicks: i % 3 }),
        ])
          await t.runtime.ctx.db.transaction().execute((trx) => storeSnapshot(trx, row));
      }
      // No dates: the default range (the last 30 days), frozen by the cursor for the whole walk.
      const query = { groupBy: 'post', metrics: 'impressions,likes,engagements,engagementRate', limit: '10' };
      const pages = [];
      let cursor: string | null = null;
      do {
        const page = await analytics(paged.live.read, { ...query, ...(cursor ? { cursor } : {}) });
        pages.push(page);
        cursor = page.pagination.nextCursor;
      } while (cursor && pages.length < 10);

      assert.deepEqual(
        pages.map((p) => [p.rows.length, p.pagination.page, p.pagination.hasMore, p.pagination.totalCount]),
        [
          [10, 1, true, 25],
          [10, 2, true, 25],
          [5, 3, false, 25],
        ],
      );
      assert.equal(pages[2].pagination.nextCursor, null);
      assert.equal(pages[0].pagination.limit, 10);
      const keys = pages.flatMap((p) => p.rows.map((r: any) => r.key));
      assert.deepEqual(keys, ids, 'every post once, in id order');
      const totals = {
        posts: 25,
        impressions: ids.reduce((sum, _, i) => sum + 100 + i, 0),
        likes: ids.reduce((sum, _, i) => sum + i, 0),
        engagements: ids.reduce((sum, _, i) => sum + i + (i % 3), 0),
      };
      for (const page of pages) {
        assert.deepEqual(
          { ...page.totals, engagementRate: undefined },
          { ...totals, engagementRate: undefined },
          'totals cover the whole range on every page',
        );
        assert.equal(page.startDate, pages[0].startDate);
        assert.equal(page.endDate, pages[0].endDate);
      }
      const rows = pages.flatMap((p) => p.rows);
      for (const field of ['posts', 'impressions', 'likes', 'engagements'] as const) {
        assert.equal(sumRows(rows, field), totals[field], field);
      }

      // Without a limit: 100 a page, so all 25 at once. Other groupings carry no pagination.
      const whole = await analytics(paged.live.read, { groupBy: 'post' });
      assert.equal(whole.rows.length, 25);
      assert.deepEqual(whole.pagination, {
        page: 1,
        limit: 100,
        totalCount: 25,
        hasMore: false,
        nextCursor: null,
      });
      assert.equal((await analytics(paged.live.read, { groupBy: 'platform' })).pagination, undefined);

      // A bad limit, a bad or foreign cursor, or paging another grouping: 400 naming the field.
      const next = pages[0].pagination.nextCursor as string;
      const tampered = `${next.slice(0, 10)}${next[10] === 'A' ? 'B' : 'A'}${next.slice(11)}`;
      for (const [extra, field] of [
        [{ limit: '1001' }, 'limit'],
        [{ limit: '0' }, 'limit'],
        [{ limit: 'ten' }, 'limit'],
        [{ cursor: 'not-a-cursor' }, 'cursor'],
        [{ cursor: tampered }, 'cursor'],
        [{ cursor: next, platform: 'facebook' }, 'cursor'],
        [{ cursor: next, groupBy: 'day' }, 'cursor'],
        [{ limit: '10', groupBy: 'campaign' }, 'limit'],
      ] as const) {
        const res = await call(t.app, 'GET', '/api/v1/analytics', {
          key: paged.live.read,
          query: { groupBy: 'post', ...extra },
        });
        assert.equal(res.status, 400, `${JSON.stringify(extra)}: ${res.raw}`);
        assert.equal(res.body.error.code, 'INVALID_INPUT');
        assert.equal(res.body.error.details.field, field, res.raw);
      }
      // A cursor is no key to another tenant's posts: same walk, its own (empty) rows.
      const foreign = await analytics(other.live.read, { groupBy: 'post', limit: '10', cursor: next });
      assert.deepEqual([foreign.rows, foreign.totals.posts], [[], 0]);
    });

    it('ranks groupBy=post by a metric with sortBy, highest first, ties by post id, paged by keyset', async () => {
      const ranked = await createTenant(t, { name: 'Ranking org' });
      const now = Date.now();
      // Engagements (likes + clicks): 7 posts, two pairs tied, one post without figures.
      const figures: [string, number, number, number | null][] = [
        ['post_rank_a', 500, 3, 1],
        ['post_rank_b', 100, 40, 0],
        ['post_rank_c', 900, 10, 2],
        ['post_rank_d', 300, 10, 2],
        ['post_rank_e', 50, 1, null],
        ['post_rank_f', 700, 40, 0],
        ['post_rank_g', 0, 0, null],
      ];
      for (const [i, [id, impressions, likes, clicks]] of figures.entries()) {
        const post = { id, platform: 'twitter', publishedAt: new Date(now - (i + 1) * H).toISOString() };
        // An older sync with bigger numbers: only the latest counts for the rank too.
        for (const row of [
          snapshot(ranked, post, 1, { impressions: 10_000, likes: 10_000 }),
          snapshot(ranked, post, 6, { impressions, likes, clicks }),
        ])
          await t.runtime.ctx.db.transaction().execute((trx) => storeSnapshot(trx, row));
      }
      const walk = async (sortBy: string, limit: string) => {
        const pages = [];
        let cursor: string | null = null;
        do {
          const page = await analytics(ranked.live.read, {
            groupBy: 'post',
            sortBy,
            limit,
            ...(cursor ? { cursor } : {}),
          });
          pages.push(page);
          cursor = page.pagination.nextCursor;
        } while (cursor && pages.length < 10);
        return pages;
      };
      const byEngagements = await walk('engagements', '3');
      assert.deepEqual(
        byEngagements.map((p) => p.rows.map((r: any) => [r.key, r.engagements])),
        [
          [
            ['post_rank_b', 40],
            ['post_rank_f', 40],
            ['post_rank_c', 12],
          ],
          [
            ['post_rank_d', 12],
            ['post_rank_a', 4],
            ['post_rank_e', 1],
          ],
          [['post_rank_g', 0]],
        ],
      );
      assert.deepEqual(
        byEngagements.map((p) => [p.pagination.page, p.pagination.hasMore, p.pagination.totalCount]),
        [
          [1, true, 7],
          [2, true, 7],
          [3, false, 7],
        ],
      );
      assert.deepEqual(
        (await walk('impressions', '4')).flatMap((p) => p.rows.map((r: any) => r.key)),
        [
          'post_rank_c',
          'post_rank_f',
          'post_rank_a',
          'post_rank_d',
          'post_rank_b',
          'post_rank_e',
          'post_rank_g',
        ],
      );
      // The top posts in one call; postId is the default order.
      const top = await analytics(ranked.live.read, { groupBy: 'post', sortBy: 'engagements', limit: '2' });
      assert.deepEqual(
        top.rows.map((r: any) => r.key),
        ['post_rank_b', 'post_rank_f'],
      );
      assert.equal(top.totals.posts, 7, 'totals still cover the whole range');
      assert.deepEqual(
        (await analytics(ranked.live.read, { groupBy: 'post', sortBy: 'postId' })).rows.map(
          (r: any) => r.key,
        ),
        figures.map(([id]) => id),
      );

      // A cursor belongs to its sortBy; sortBy belongs to groupBy=post; an unknown one is refused.
      const next = byEngagements[0].pagination.nextCursor as string;
      for (const [query, field] of [
        [{ groupBy: 'post', sortBy: 'impressions', cursor: next }, 'cursor'],
        [{ groupBy: 'post', cursor: next }, 'cursor'],
        [{ groupBy: 'day', sortBy: 'engagements' }, 'sortBy'],
        [{ groupBy: 'post', sortBy: 'likes' }, 'sortBy'],
      ] as const) {
        const res = await call(t.app, 'GET', '/api/v1/analytics', { key: ranked.live.read, query });
        assert.equal(res.status, 400, `${JSON.stringify(query)}: ${res.raw}`);
        assert.equal(res.body.error.details.field, field, res.raw);
      }
    });

    it("GET /posts/{id}/analytics gives each snapshot's engagementRate, as GET /analytics defines it", async () => {
      const brand = await call(t.app, 'POST', '/api/v1/brands', {
        key: tenant.live.admin,
        body: { name: 'Series brand' },
      });
      assert.equal(brand.status, 201, brand.raw);
      const created = await call(t.app, 'POST', '/api/v1/posts', {
        key: tenant.live.read_write,
        body: { brandId: brand.body.data.id, platform: 'facebook', caption: 'Rates' },
      });
      assert.equal(created.status, 201, created.raw);
      const post = {
        id: created.body.data.id as string,
        platform: 'facebook',
        publishedAt: '2026-02-01T12:00:00Z',
      };
      for (const row of [
        snapshot(tenant, post, 1, { impressions: 0, likes: 2 }),
        snapshot(tenant, post, 6, { impressions: null, likes: 3 }),
        snapshot(tenant, post, 24, { impressions: 400, likes: 20, comments: 5, shares: null, clicks: 7 }),
      ])
        await t.runtime.ctx.db.transaction().execute((trx) => storeSnapshot(trx, row));
      const res = await call(t.app, 'GET', `/api/v1/posts/${post.id}/analytics`, { key: tenant.live.read });
      assert.equal(res.status, 200, res.raw);
      assert.deepEqual(
        res.body.data.snapshots.map((s: any) => [s.impressions, s.likes, s.engagementRate]),
        [
          [0, 2, null],
          [null, 3, null],
          [400, 20, 32 / 400],
        ],
      );
      // The same figure as the post's row of GET /analytics (its latest snapshot).
      const report = await analytics(tenant.live.read, {
        groupBy: 'post',
        postId: post.id,
        startDate: '2026-02-01',
        endDate: '2026-02-02',
      });
      assert.equal(report.rows[0].engagementRate, res.body.data.snapshots[2].engagementRate);
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
      return { job, text: file.raw, headers: file.headers };
    }

    it('exports CSV that a standard parser reads back as the API rows', async () => {
      for (const groupBy of ['day', 'post', 'campaign'] as const) {
        const query = { ...RANGE, groupBy };
        const api = await analytics(tenant.live.read, query);
        const { job, text, headers } = await exportJob({ ...query, format: 'csv' });
        assert.equal(headers['content-type'], 'text/csv; charset=utf-8');
        assert.equal(headers['content-disposition'], 'attachment; filename="analytics.csv"');
        const records: Record<string, string>[] = parse(text, { columns: true });
        const expected = api.rows.map((row: any) =>
          Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null ? '' : String(v)])),
        );
        assert.deepEqual(records, expected, groupBy);
        assert.deepEqual(job.result.totals, api.totals);
      }
    });

    it('exports JSON with the rows and totals of the API, served as application/json', async () => {
      const query = { ...RANGE, groupBy: 'post', metrics: 'impressions,engagementRate' };
      const api = await analytics(tenant.live.read, query);
      const { text, headers } = await exportJob({ ...query, format: 'json' });
      assert.equal(headers['content-type'], 'application/json; charset=utf-8');
      assert.equal(headers['content-disposition'], 'attachment; filename="analytics.json"');
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
