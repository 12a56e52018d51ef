import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  type Tenant,
  type TestApp,
} from '../../../test/helpers/app.js';
import type { Tenant as Scope } from '../../shared/tenant.js';
import { firstPostsPage, postsQuery, type PostFilters } from './posts.repository.js';

/**
 * The first page of `GET /posts` filtered by equality only is read through a statement compiled once per
 * filters, sort and direction (`firstPostsPage`): its rows are those the list's query answers, for every
 * tenant and value, whichever came first.
 */
for (const dialect of dialects) {
  describe(`posts: the first page compiled once (${dialect})`, () => {
    let t: TestApp;
    let a: Tenant;
    let b: Tenant;
    const brands: Record<string, string[]> = {};
    const live = (x: Tenant): Scope => ({ organizationId: x.org.id, environment: 'live' });

    before(async () => {
      t = await createTestApp(dialect);
      a = await createTenant(t, { name: 'A' });
      b = await createTenant(t, { name: 'B' });
      const future = Date.now() + 86_400_000;
      for (const [name, x] of [
        ['a', a],
        ['b', b],
      ] as const) {
        brands[name] = [];
        for (let i = 0; i < 2; i++) {
          const brand = await call(t.app, 'POST', '/api/v1/brands', {
            key: x.live.admin,
            body: { name: `${name}${i}`, timezone: 'UTC' },
          });
          brands[name].push(brand.body.data.id as string);
        }
        for (let i = 0; i < 24; i++) {
          const res: { status: number; raw: string } = await call(t.app, 'POST', '/api/v1/posts', {
            key: x.live.read_write,
            body: {
              brandId: brands[name][i % 2],
              platform: i % 3 === 0 ? 'linkedin' : 'twitter',
              caption: `${name} post ${i}`,
              ...(i % 2 === 0 ? { scheduledFor: new Date(future + (i % 5) * 60_000).toISOString() } : {}),
            },
          });
          assert.equal(res.status, 201, res.raw);
        }
      }
    });
    after(() => t.close());

    const built = (
      scope: Scope,
      filters: PostFilters,
      expression: string,
      direction: 'asc' | 'desc',
      limit = 7,
    ) =>
      postsQuery(t.runtime.ctx.db, scope, filters)
        .orderBy(sql.raw(expression), direction)
        .orderBy(sql.ref('id'), direction)
        .limit(limit)
        .execute();

    it('answers the rows of the list’s query, per tenant, filters, sort and direction', async () => {
      const { db } = t.runtime.ctx;
      const cases: [Tenant, PostFilters][] = [
        [b, { status: 'SCHEDULED' }],
        [a, { status: 'SCHEDULED' }],
        [a, { status: 'DRAFT', brandId: brands.a![1] }],
        [b, { status: 'DRAFT', brandId: brands.b![0] }],
        [a, { brandId: brands.b![0] }],
        [a, { platform: 'linkedin', brandId: brands.a![0] }],
        [b, {}],
        [a, {}],
      ];
      for (const expression of ['coalesce(scheduled_for, -1)', 'created_at']) {
        for (const direction of ['desc', 'asc'] as const) {
          for (const [x, filters] of cases) {
            const rows = await firstPostsPage(db, live(x), filters, expression, direction, 7);
            assert.ok(rows, 'equality filters are covered');
            const expected = await built(live(x), filters, expression, direction);
            assert.deepEqual(
              rows.map((r) => r.id),
              expected.map((r) => r.id),
            );
            assert.ok(rows.every((r) => r.organization_id === x.org.id && r.environment === 'live'));
          }
        }
      }
      // Another tenant's brand: nothing; another environment: nothing.
      assert.deepEqual(
        await firstPostsPage(db, live(a), { brandId: brands.b![0] }, 'created_at', 'asc', 7),
        [],
      );
      const test: Scope = { organizationId: a.org.id, environment: 'test' };
      assert.deepEqual(await firstPostsPage(db, test, {}, 'created_at', 'asc', 7), []);
    });

    it('leaves media and date filters to the list’s query', () => {
      const { db } = t.runtime.ctx;
      assert.equal(firstPostsPage(db, live(a), { mediaId: 'med_x' }, 'created_at', 'asc', 7), undefined);
      assert.equal(firstPostsPage(db, live(a), { startDate: 1 }, 'created_at', 'asc', 7), undefined);
      assert.equal(firstPostsPage(db, live(a), { endDate: 1 }, 'created_at', 'asc', 7), undefined);
    });

    it('GET /posts: the first page and the next through the cursor, with the exact total', async () => {
      const query = { status: 'SCHEDULED', brandId: brands.a![0]!, sortBy: 'scheduledFor', limit: 5 };
      const first = await call(t.app, 'GET', '/api/v1/posts', { key: a.live.read, query });
      assert.equal(first.status, 200, first.raw);
      assert.equal(first.body.pagination.totalCount, 12);
      const next = await call(t.app, 'GET', '/api/v1/posts', {
        key: a.live.read,
        query: { ...query, cursor: first.body.pagination.nextCursor },
      });
      const ids = [...first.body.data, ...next.body.data].map((p: { id: string }) => p.id);
      const filters = { status: 'SCHEDULED' as const, brandId: brands.a![0] };
      const expected = await built(live(a), filters, 'coalesce(scheduled_for, -1)', 'desc', 10);
      assert.deepEqual(
        ids,
        expected.map((r) => r.id),
      );
    });
  });
}
