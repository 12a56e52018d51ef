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
import type { Worker } from '../../worker/index.js';
import { parseCsv } from './posts.csv.js';

/**
 * The date a post is filtered by (`startDate`/`endDate`) and sorted by (`sortBy=date`): its
 * `scheduledFor`, else its `publishedAt`, else its `createdAt` — on `GET /posts`, `GET /campaigns/{id}/posts`
 * and the `posts.export` job, each post published by the real worker through the sandbox.
 */

const HOUR = 3600_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

interface ApiPost {
  id: string;
  status: string;
  caption: string;
  scheduledFor: string | null;
  publishedAt: string | null;
  createdAt: string;
}

for (const dialect of dialects) {
  describe(`the date posts are filtered by (${dialect})`, () => {
    let t: TestApp;
    let clock: ManualClock;
    let tenant: Tenant;
    let worker: Worker;
    let brandId: string;
    let campaignId: string;
    /** A draft created at T0 + 1 h, never given a time. */
    let draft: ApiPost;
    /** Created at T0 + 2 h, scheduled for T0 + 30 h. */
    let scheduled: ApiPost;
    /** Created at T0 + 3 h as a draft, published at once at T0 + 5 h (no schedule). */
    let immediate: ApiPost;
    /** Created at T0 + 4 h scheduled for T0 + 40 h, then published early, at T0 + 5 h. */
    let early: ApiPost;
    const key = () => tenant.test.read_write;

    async function create(body: Record<string, unknown>): Promise<ApiPost> {
      const res = await call(t.app, 'POST', '/api/v1/posts', {
        key: key(),
        body: { brandId, platform: 'twitter', caption: 'Fresh roast', ...body },
      });
      assert.equal(res.status, 201, res.raw);
      return res.body.data;
    }

    async function publishNow(id: string): Promise<ApiPost> {
      const res = await call(t.app, 'POST', `/api/v1/posts/${id}/publish`, { key: key() });
      assert.equal(res.status, 202, res.raw);
      for (let i = 0; i < 200; i++) {
        const post = (await call(t.app, 'GET', `/api/v1/posts/${id}`, { key: key() })).body.data as ApiPost;
        if (post.status !== 'PUBLISHING') {
          assert.equal(post.status, 'PUBLISHED', JSON.stringify(post));
          return post;
        }
        await sleep(50);
      }
      throw new Error(`post ${id} was not published`);
    }

    async function list(query: Record<string, string | number>, path = '/api/v1/posts') {
      return call(t.app, 'GET', path, { key: tenant.test.read, query: { limit: 100, ...query } });
    }

    /** The ids of a list answer, asserting the whole pagination block of a one-page answer. */
    function ids(res: Awaited<ReturnType<typeof list>>): string[] {
      assert.equal(res.status, 200, res.raw);
      const data = res.body.data as ApiPost[];
      assert.deepEqual(res.body.pagination, {
        page: 1,
        limit: 100,
        totalCount: data.length,
        hasMore: false,
        nextCursor: null,
      });
      return data.map((p) => p.id);
    }

    /** The posts dated in [start, end), in `sortBy=date asc` order. */
    const inRange = (start: number, end: number) =>
      list({ startDate: iso(start), endDate: iso(end), sortBy: 'date', sortOrder: 'asc' });

    before(async () => {
      clock = new ManualClock(T0);
      t = await createTestApp(dialect, { clock });
      tenant = await createTenant(t);
      brandId = (
        await call(t.app, 'POST', '/api/v1/brands', { key: tenant.test.admin, body: { name: 'Roastery' } })
      ).body.data.id;
      campaignId = (
        await call(t.app, 'POST', '/api/v1/campaigns', {
          key: tenant.test.admin,
          body: { brandId, name: 'Spring', startDate: '2026-03-01', endDate: '2026-04-01' },
        })
      ).body.data.id;
      worker = await startWorker(t);

      clock.set(T0 + HOUR);
      draft = await create({ caption: 'draft', campaignId });
      clock.set(T0 + 2 * HOUR);
      scheduled = await create({ caption: 'scheduled', scheduledFor: iso(T0 + 30 * HOUR), campaignId });
      clock.set(T0 + 3 * HOUR);
      immediate = await create({ caption: 'immediate', campaignId });
      clock.set(T0 + 4 * HOUR);
      early = await create({ caption: 'early', scheduledFor: iso(T0 + 40 * HOUR) });
      clock.set(T0 + 5 * HOUR);
      immediate = await publishNow(immediate.id);
      early = await publishNow(early.id);
    });
    after(async () => {
      await worker.stop(2000);
      await t.close();
    });

    it('the fixtures are what the cases below assume', () => {
      assert.deepEqual(
        [draft, scheduled, immediate, early].map((p) => [
          p.caption,
          p.status,
          p.scheduledFor,
          p.publishedAt,
          p.createdAt,
        ]),
        [
          ['draft', 'DRAFT', null, null, iso(T0 + HOUR)],
          ['scheduled', 'SCHEDULED', iso(T0 + 30 * HOUR), null, iso(T0 + 2 * HOUR)],
          ['immediate', 'PUBLISHED', null, iso(T0 + 5 * HOUR), iso(T0 + 3 * HOUR)],
          ['early', 'PUBLISHED', iso(T0 + 40 * HOUR), iso(T0 + 5 * HOUR), iso(T0 + 4 * HOUR)],
        ],
      );
    });

    it('a post published at once is found by a range around its publishedAt, not its createdAt', async () => {
      assert.deepEqual(ids(await inRange(T0 + 5 * HOUR - 1000, T0 + 5 * HOUR + 1000)), [immediate.id]);
      assert.deepEqual(ids(await inRange(T0 + 3 * HOUR - 1000, T0 + 3 * HOUR + 1000)), []);
    });

    it('a draft without a time is found by its createdAt', async () => {
      assert.deepEqual(ids(await inRange(T0 + HOUR - 1000, T0 + HOUR + 1000)), [draft.id]);
    });

    it('a scheduled post is found by its scheduledFor and not by its createdAt, even once published', async () => {
      assert.deepEqual(ids(await inRange(T0 + 30 * HOUR - 1000, T0 + 30 * HOUR + 1000)), [scheduled.id]);
      assert.deepEqual(ids(await inRange(T0 + 2 * HOUR - 1000, T0 + 2 * HOUR + 1000)), []);
      // Published ahead of its time: still dated by the schedule.
      assert.deepEqual(ids(await inRange(T0 + 40 * HOUR - 1000, T0 + 40 * HOUR + 1000)), [early.id]);
      assert.deepEqual(ids(await inRange(T0 + 4 * HOUR - 1000, T0 + 4 * HOUR + 1000)), []);
    });

    it('startDate is inclusive and endDate exclusive, to the millisecond', async () => {
      const at = T0 + 5 * HOUR;
      assert.deepEqual(ids(await inRange(at, at + 1)), [immediate.id], 'start == date: included');
      assert.deepEqual(ids(await inRange(at - 1, at)), [], 'end == date: excluded');
      assert.deepEqual(ids(await inRange(at + 1, at + 2)), [], 'start one ms after: excluded');
      // One bound alone.
      assert.deepEqual(
        ids(await list({ startDate: iso(T0 + 30 * HOUR), sortBy: 'date', sortOrder: 'asc' })),
        [scheduled.id, early.id],
      );
      assert.deepEqual(ids(await list({ endDate: iso(T0 + 5 * HOUR), sortBy: 'date', sortOrder: 'asc' })), [
        draft.id,
      ]);
      // Calendar dates are UTC midnights: the whole first day holds the draft and the one published at once.
      assert.deepEqual(ids(await list({ startDate: '2026-03-01', endDate: '2026-03-02', sortBy: 'date' })), [
        immediate.id,
        draft.id,
      ]);
    });

    it('sortBy=date orders every kind of post by its date, both ways', async () => {
      const asc = [draft.id, immediate.id, scheduled.id, early.id];
      assert.deepEqual(ids(await list({ sortBy: 'date', sortOrder: 'asc' })), asc);
      assert.deepEqual(ids(await list({ sortBy: 'date', sortOrder: 'desc' })), [...asc].reverse());
    });

    it('GET /campaigns/{id}/posts filters by the same date', async () => {
      const path = `/api/v1/campaigns/${campaignId}/posts`;
      assert.deepEqual(
        ids(
          await list(
            { startDate: iso(T0), endDate: iso(T0 + 6 * HOUR), sortBy: 'date', sortOrder: 'asc' },
            path,
          ),
        ),
        [draft.id, immediate.id],
      );
      // Created before the range, published in it.
      assert.deepEqual(
        ids(await list({ startDate: iso(T0 + 4 * HOUR), endDate: iso(T0 + 6 * HOUR) }, path)),
        [immediate.id],
      );
      assert.deepEqual(ids(await list({ startDate: iso(T0 + 6 * HOUR), sortBy: 'date' }, path)), [
        scheduled.id,
      ]);
    });

    it('the posts.export job filters by the same date', async () => {
      const submitted = await call(t.app, 'POST', '/api/v1/jobs', {
        key: tenant.test.read,
        body: {
          type: 'posts.export',
          payload: { filter: { startDate: iso(T0 + 4 * HOUR), endDate: iso(T0 + 6 * HOUR) } },
        },
      });
      assert.equal(submitted.status, 202, submitted.raw);
      const jobId = submitted.body.data.id as string;
      let job = submitted.body.data;
      for (let i = 0; i < 200 && job.status !== 'succeeded' && job.status !== 'failed'; i++) {
        await sleep(50);
        job = (await call(t.app, 'GET', `/api/v1/jobs/${jobId}`, { key: tenant.test.read })).body.data;
      }
      assert.equal(job.status, 'succeeded', JSON.stringify(job));
      const result = await call(t.app, 'GET', `/api/v1/jobs/${jobId}/result`, { key: tenant.test.read });
      assert.equal(result.status, 200, result.raw);
      const rows = parseCsv(result.raw).map((r) => r.cells);
      const captionAt = rows[0]!.indexOf('caption');
      // Created before the range and published in it; the post created in it is dated by its schedule.
      assert.deepEqual(
        rows.slice(1).map((r) => r[captionAt]),
        ['immediate'],
      );
    });

    it('a cursor walk over a date range returns each matching post once, in date order, while posts arrive', async () => {
      const other = await createTenant(t, { name: 'Walker' });
      const brand = (
        await call(t.app, 'POST', '/api/v1/brands', { key: other.test.admin, body: { name: 'W' } })
      ).body.data.id;
      const base = T0 + 100 * HOUR;
      clock.set(base);
      const start = base + 10 * HOUR;
      const end = base + 20 * HOUR;
      const expected: { id: string; date: number }[] = [];
      for (let i = 0; i < 30; i++) {
        clock.advance(1000);
        // Drafts dated by creation (before the range), and scheduled posts spread in and around it,
        // several sharing a time so that ties are broken by id.
        const scheduledFor = i % 3 === 0 ? undefined : base + 8 * HOUR + (i % 7) * 2 * HOUR;
        const res = await call(t.app, 'POST', '/api/v1/posts', {
          key: other.test.read_write,
          body: {
            brandId: brand,
            platform: 'twitter',
            caption: `w${i}`,
            ...(scheduledFor ? { scheduledFor: iso(scheduledFor) } : {}),
          },
        });
        assert.equal(res.status, 201, res.raw);
        const date = scheduledFor ?? clock.now();
        if (date >= start && date < end) expected.push({ id: res.body.data.id, date });
      }
      expected.sort((a, b) => a.date - b.date || (a.id < b.id ? -1 : 1));
      assert.ok(expected.length >= 10, `${expected.length} posts in the range`);

      for (const sortOrder of ['asc', 'desc'] as const) {
        const seen: string[] = [];
        let cursor: string | undefined;
        for (let page = 1; ; page++) {
          const res = await call(t.app, 'GET', '/api/v1/posts', {
            key: other.test.read,
            query: {
              startDate: iso(start),
              endDate: iso(end),
              sortBy: 'date',
              sortOrder,
              limit: 4,
              ...(cursor ? { cursor } : {}),
            },
          });
          assert.equal(res.status, 200, res.raw);
          assert.equal(res.body.pagination.page, page);
          seen.push(...res.body.data.map((p: ApiPost) => p.id));
          // Someone keeps writing while we page: a post dated before the cursor, inside the range.
          clock.advance(1000);
          const late = await call(t.app, 'POST', '/api/v1/posts', {
            key: other.test.read_write,
            body: {
              brandId: brand,
              platform: 'twitter',
              caption: 'late',
              scheduledFor: iso(sortOrder === 'asc' ? start : end - 1),
            },
          });
          assert.equal(late.status, 201, late.raw);
          if (!res.body.pagination.hasMore) {
            assert.equal(res.body.pagination.nextCursor, null);
            break;
          }
          cursor = res.body.pagination.nextCursor;
        }
        const want = expected.map((e) => e.id);
        assert.deepEqual(
          seen.filter((id) => want.includes(id)),
          sortOrder === 'asc' ? want : [...want].reverse(),
          `${sortOrder}: every original post once, in date order`,
        );
        assert.equal(new Set(seen).size, seen.length, `${sortOrder}: no duplicates`);
      }
    });
  });
}
