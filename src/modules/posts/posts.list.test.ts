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
import { updatePost as updatePostRow } from './posts.repository.js';
import type { PostStatus } from '../../db/tables/posts.js';

const HOUR = 3600_000;

interface ApiPost {
  id: string;
  status: string;
  platform: string;
  campaignId: string | null;
  brandId: string;
  scheduledFor: string | null;
  publishedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

for (const dialect of dialects) {
  describe(`posts lists: pagination, filters, sorting (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let clock: ManualClock;
    let brandA: string;
    let brandB: string;
    let campaign: string;
    let posts: ApiPost[] = [];
    const key = () => tenant.live.read;

    async function list(query: Record<string, string | number>) {
      return call(t.app, 'GET', '/api/v1/posts', { key: key(), query });
    }

    /** Every item of a list, following nextCursor; asserts the pagination block on the way. */
    async function walk(query: Record<string, string | number>, limit = 7): Promise<string[]> {
      const ids: string[] = [];
      let cursor: string | undefined;
      for (let pageNo = 1; pageNo < 1000; pageNo++) {
        const res = await list({ ...query, limit, ...(cursor ? { cursor } : {}) });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.pagination.page, pageNo);
        ids.push(...res.body.data.map((p: ApiPost) => p.id));
        if (!res.body.pagination.hasMore) {
          assert.equal(res.body.pagination.nextCursor, null);
          return ids;
        }
        cursor = res.body.pagination.nextCursor;
      }
      throw new Error('walk did not end');
    }

    before(async () => {
      clock = new ManualClock(Date.parse('2026-03-01T00:00:00Z'));
      t = await createTestApp(dialect, { clock });
      tenant = await createTenant(t);
      const admin = tenant.live.admin;
      brandA = (await call(t.app, 'POST', '/api/v1/brands', { key: admin, body: { name: 'A' } })).body.data
        .id;
      brandB = (await call(t.app, 'POST', '/api/v1/brands', { key: admin, body: { name: 'B' } })).body.data
        .id;
      campaign = (
        await call(t.app, 'POST', '/api/v1/campaigns', {
          key: admin,
          body: { brandId: brandA, name: 'C', startDate: '2026-03-01', endDate: '2026-04-01' },
        })
      ).body.data.id;
      const platforms = ['twitter', 'facebook', 'linkedin'];
      for (let i = 0; i < 40; i++) {
        // Several posts share a timestamp, so ties are broken by id.
        if (i % 3 === 0) clock.advance(1000);
        const body: Record<string, unknown> = {
          brandId: i % 4 === 0 ? brandB : brandA,
          platform: platforms[i % 3],
          caption: `post ${i}`,
          ...(i % 4 !== 0 && i % 2 === 0 ? { campaignId: campaign } : {}),
          ...(i % 5 !== 0
            ? { scheduledFor: new Date(clock.now() + ((i * 7) % 13) * HOUR + HOUR).toISOString() }
            : {}),
        };
        const res = await call(t.app, 'POST', '/api/v1/posts', { key: tenant.live.read_write, body });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        posts.push(res.body.data);
      }
      // Some posts are published (as the publisher would leave them) at distinct times.
      for (const [n, post] of posts.entries()) {
        if (n % 6 === 1) {
          const publishedAt = Date.parse('2026-05-01T00:00:00Z') + ((n * 11) % 17) * HOUR;
          // Through the repository, which keeps the post's date (post_date) in step.
          const changed = await updatePostRow(
            t.runtime.ctx.db,
            { organizationId: tenant.org.id, environment: 'live' },
            post.id,
            post.status as PostStatus,
            {
              status: 'PUBLISHED',
              published_at: publishedAt,
              updated_at: clock.now() + n,
            },
          );
          assert.equal(changed, 1);
        }
      }
      clock.advance(1000);
      const fresh = await list({ limit: 100 });
      posts = fresh.body.data;
      assert.equal(posts.length, 40);
    });
    after(() => t.close());

    /** The date a post is filtered by: scheduledFor, else publishedAt, else createdAt. */
    const dateOf = (p: ApiPost): number => Date.parse(p.scheduledFor ?? p.publishedAt ?? p.createdAt);
    const sortValue = (p: ApiPost, field: string): number => {
      if (field === 'date') return dateOf(p);
      const v = p[field as keyof ApiPost] as string | null;
      return v === null ? -1 : Date.parse(v);
    };
    function expected(filter: (p: ApiPost) => boolean, sortBy: string, order: 'asc' | 'desc'): string[] {
      const sign = order === 'asc' ? 1 : -1;
      return posts
        .filter(filter)
        .sort(
          (a, b) =>
            sign * (sortValue(a, sortBy) - sortValue(b, sortBy) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
        )
        .map((p) => p.id);
    }

    it('each filter and each sort, in both orders, returns exactly the expected ids', async () => {
      const start = Date.parse('2026-03-01T05:00:00Z');
      const end = Date.parse('2026-03-01T12:00:00Z');
      const filters: [Record<string, string>, (p: ApiPost) => boolean][] = [
        [{}, () => true],
        [{ status: 'SCHEDULED' }, (p) => p.status === 'SCHEDULED'],
        [{ status: 'PUBLISHED' }, (p) => p.status === 'PUBLISHED'],
        [{ status: 'DRAFT' }, (p) => p.status === 'DRAFT'],
        [{ platform: 'facebook' }, (p) => p.platform === 'facebook'],
        [{ campaignId: campaign }, (p) => p.campaignId === campaign],
        [{ brandId: brandB }, (p) => p.brandId === brandB],
        [
          { startDate: new Date(start).toISOString(), endDate: new Date(end).toISOString() },
          (p) => dateOf(p) >= start && dateOf(p) < end,
        ],
        [{ startDate: new Date(start).toISOString() }, (p) => dateOf(p) >= start],
        // Drafts without a time are dated by their creation (2026-03-01T00:00:01Z … 00:00:14Z).
        [{ endDate: '2026-03-01T00:00:05Z' }, (p) => dateOf(p) < Date.parse('2026-03-01T00:00:05Z')],
        [{ status: 'DRAFT', startDate: '2026-03-01', endDate: '2026-03-02' }, (p) => p.status === 'DRAFT'],
        [
          { status: 'SCHEDULED', platform: 'twitter', brandId: brandA },
          (p) => p.status === 'SCHEDULED' && p.platform === 'twitter' && p.brandId === brandA,
        ],
      ];
      for (const [query, predicate] of filters) {
        for (const sortBy of ['createdAt', 'updatedAt', 'scheduledFor', 'publishedAt', 'date']) {
          for (const sortOrder of ['asc', 'desc'] as const) {
            const want = expected(predicate, sortBy, sortOrder);
            const got = await walk({ ...query, sortBy, sortOrder });
            assert.deepEqual(got, want, `${JSON.stringify(query)} ${sortBy} ${sortOrder}`);
            const first = await list({ ...query, sortBy, sortOrder, limit: 100 });
            assert.equal(first.body.pagination.totalCount, want.length);
          }
        }
      }
    });

    it('page/limit arithmetic and hasMore are right at the edges', async () => {
      const all = expected(() => true, 'createdAt', 'desc');
      for (const [page, limit] of [
        [1, 40],
        [1, 39],
        [2, 20],
        [3, 20],
        [4, 13],
        [5, 10],
        [1, 1],
        [40, 1],
        [41, 1],
      ] as const) {
        const res = await list({ page, limit });
        assert.equal(res.status, 200);
        const want = all.slice((page - 1) * limit, page * limit);
        assert.deepEqual(
          res.body.data.map((p: ApiPost) => p.id),
          want,
          `page ${page} limit ${limit}`,
        );
        const hasMore = page * limit < all.length;
        assert.deepEqual(
          { ...res.body.pagination, nextCursor: res.body.pagination.nextCursor === null ? null : 'set' },
          { page, limit, totalCount: 40, hasMore, nextCursor: hasMore ? 'set' : null },
        );
      }
      // A cursor from page 2 continues at page 3.
      const second = await list({ page: 2, limit: 10 });
      const third = await list({ cursor: second.body.pagination.nextCursor, limit: 10, page: 9 });
      assert.equal(third.body.pagination.page, 3);
      assert.deepEqual(
        third.body.data.map((p: ApiPost) => p.id),
        all.slice(20, 30),
      );
    });

    it('bad list parameters are 400 naming the parameter', async () => {
      const cursor = (await list({ limit: 5 })).body.pagination.nextCursor as string;
      const [body, sig] = cursor.split('.');
      const tampered = `${Buffer.from(
        JSON.stringify({ ...JSON.parse(Buffer.from(body!, 'base64url').toString()), i: 'post_0' }),
      ).toString('base64url')}.${sig}`;
      const cases: [Record<string, string | number>, string][] = [
        [{ limit: 0 }, 'limit'],
        [{ limit: 101 }, 'limit'],
        [{ page: 0 }, 'page'],
        [{ sortBy: 'caption' }, 'sortBy'],
        [{ sortOrder: 'sideways' }, 'sortOrder'],
        [{ status: 'LIVE' }, 'status'],
        [{ platform: 'myspace' }, 'platform'],
        [{ startDate: 'yesterday' }, 'startDate'],
        [{ startDate: '2026-03-02', endDate: '2026-03-01' }, 'endDate'],
        [{ cursor: 'garbage' }, 'cursor'],
        [{ cursor: tampered }, 'cursor'],
        [{ cursor, status: 'DRAFT' }, 'cursor'],
        [{ cursor, sortOrder: 'asc' }, 'cursor'],
        [{ cursor, sortBy: 'updatedAt' }, 'cursor'],
        [{ unknown: 'x' }, 'unknown'],
      ];
      for (const [query, field] of cases) {
        const res = await list(query);
        assert.equal(res.status, 400, JSON.stringify(query));
        assert.equal(res.body.error.code, 'INVALID_INPUT');
        assert.equal(res.body.error.details.field, field, JSON.stringify(query));
      }
    });

    it('ids= lists just those posts, with the other filters, sort, count and cursor', async () => {
      const chosen = posts.filter((_, n) => n % 3 === 0);
      const ids = chosen.map((p) => p.id);
      // Another organization's post, an unknown id and a repeat are left out, never an error.
      const other = await createTenant(t, { name: 'Other org' });
      const otherBrand = (
        await call(t.app, 'POST', '/api/v1/brands', { key: other.live.admin, body: { name: 'O' } })
      ).body.data.id;
      const foreign = (
        await call(t.app, 'POST', '/api/v1/posts', {
          key: other.live.admin,
          body: { brandId: otherBrand, platform: 'twitter', caption: 'not yours' },
        })
      ).body.data.id as string;
      const asked = [...ids, foreign, 'post_00000000000000000000000000', ids[0]!].join(',');

      const all = await list({ ids: asked, limit: 100 });
      assert.equal(all.status, 200, JSON.stringify(all.body));
      assert.deepEqual(all.body.data.map((p: ApiPost) => p.id).sort(), [...ids].sort());
      assert.equal(all.body.pagination.totalCount, ids.length);

      const sorted = expected((p) => ids.includes(p.id) && p.brandId === brandA, 'scheduledFor', 'asc');
      assert.ok(sorted.length > 3 && sorted.length < ids.length);
      const filtered = await list({ ids: asked, brandId: brandA, sortBy: 'scheduledFor', sortOrder: 'asc' });
      assert.deepEqual(
        filtered.body.data.map((p: ApiPost) => p.id),
        sorted,
      );
      assert.equal(filtered.body.pagination.totalCount, sorted.length);
      assert.deepEqual(
        await walk({ ids: asked, brandId: brandA, sortBy: 'scheduledFor', sortOrder: 'asc' }, 2),
        sorted,
      );

      // The other organization sees only its own post among the same ids; the test environment none.
      const theirs = await call(t.app, 'GET', '/api/v1/posts', {
        key: other.live.read,
        query: { ids: asked },
      });
      assert.deepEqual(
        theirs.body.data.map((p: ApiPost) => p.id),
        [foreign],
      );
      const testEnv = await call(t.app, 'GET', '/api/v1/posts', {
        key: tenant.test.read,
        query: { ids: asked },
      });
      assert.deepEqual(testEnv.body.data, []);
      assert.equal(testEnv.body.pagination.totalCount, 0);

      const tooMany = Array.from({ length: 101 }, (_, i) => `post_${String(i).padStart(26, '0')}`).join(',');
      for (const bad of [
        '',
        'post_a,,post_b',
        'brand_01JD7Q8ZK2M4N6P8R0T2V4X6Z8',
        "post_a' or 1=1",
        tooMany,
      ]) {
        const res = await list({ ids: bad });
        assert.equal(res.status, 400, bad.slice(0, 80));
        assert.equal(res.body.error.code, 'INVALID_INPUT');
        assert.equal(res.body.error.details.field, 'ids', JSON.stringify(res.body));
      }
      // A hundred distinct ids are fine.
      const hundred = await list({ ids: tooMany.split(',').slice(0, 100).join(',') });
      assert.equal(hundred.status, 200);
      assert.deepEqual(hundred.body.data, []);
    });

    it('a cursor walk over 250 posts returns each exactly once, in order, while new posts arrive', async () => {
      const other = await createTenant(t, { name: 'Walker' });
      const brand = (
        await call(t.app, 'POST', '/api/v1/brands', { key: other.live.admin, body: { name: 'W' } })
      ).body.data.id;
      const base = clock.now();
      const created: string[] = [];
      for (let i = 0; i < 250; i++) {
        if (i % 4 === 0) clock.advance(1);
        const res = await call(t.app, 'POST', '/api/v1/posts', {
          key: other.live.read_write,
          body: {
            brandId: brand,
            platform: 'twitter',
            caption: `w${i}`,
            scheduledFor: new Date(base + HOUR + (i % 50) * 60_000).toISOString(),
          },
        });
        created.push(res.body.data.id);
      }
      for (const [sortBy, sortOrder] of [
        ['createdAt', 'desc'],
        ['createdAt', 'asc'],
        ['scheduledFor', 'asc'],
      ] as const) {
        const seen: string[] = [];
        let cursor: string | undefined;
        let inserted = 0;
        for (;;) {
          const res = await call(t.app, 'GET', '/api/v1/posts', {
            key: other.live.read,
            query: { limit: 20, sortBy, sortOrder, ...(cursor ? { cursor } : {}) },
          });
          assert.equal(res.status, 200);
          seen.push(...res.body.data.map((p: ApiPost) => p.id));
          // Someone keeps writing while we page.
          clock.advance(1);
          await call(t.app, 'POST', '/api/v1/posts', {
            key: other.live.read_write,
            body: {
              brandId: brand,
              platform: 'twitter',
              caption: `new ${inserted++}`,
              scheduledFor: new Date(base + 2 * HOUR).toISOString(),
            },
          });
          if (!res.body.pagination.hasMore) break;
          cursor = res.body.pagination.nextCursor;
        }
        assert.equal(new Set(seen).size, seen.length, `${sortBy} ${sortOrder}: no duplicates`);
        const originals = seen.filter((id) => created.includes(id));
        assert.equal(originals.length, 250, `${sortBy} ${sortOrder}: every original post once`);
        if (sortBy === 'createdAt') {
          const order = sortOrder === 'asc' ? created : [...created].reverse();
          assert.deepEqual(originals, order);
        }
      }
    });
  });
}
