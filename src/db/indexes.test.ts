import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { CompiledQuery, sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import {
  createTenant,
  createTestApp,
  dialects,
  type DialectName,
  type TestApp,
} from '../../test/helpers/app.js';
import { newId } from '../shared/ids.js';
import type { Environment, Tenant } from '../shared/tenant.js';
import type { CampaignRow } from './tables/campaigns.js';
import { campaignsQuery, type CampaignFilters } from '../modules/campaigns/campaigns.repository.js';
import type { NewPostRow } from './tables/posts.js';
import { postDate, postsQuery, type PostFilters } from '../modules/posts/posts.repository.js';
import { POST_SORTS } from '../modules/posts/posts.service.js';
import { CAMPAIGN_SORTS } from '../modules/campaigns/campaigns.service.js';
import type { Database } from './database.js';

/**
 * Every documented list filter × sort × order runs on an index, on both databases: the exact query
 * `paginate` builds (first page, and a page continued by a cursor) is explained after a few hundred rows
 * and ANALYZE. Combinations that need a sort step are allowed and listed as diagnostics.
 */

const LIMIT = 20;
const ORDERS = ['asc', 'desc'] as const;
const DAY = 86400_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');

type Query = { compile(): CompiledQuery };
/** A list's base query, as `paginate` takes it. */
type ListQuery = SelectQueryBuilder<Database, keyof Database, { id: string }>;

interface Plan {
  lines: string[];
  indexes: string[];
  sorts: boolean;
}

/** The plan of a compiled query with its own parameters. PostgreSQL is told to avoid sequential scans. */
async function explain(
  db: Kysely<Database>,
  dialect: DialectName,
  query: Query,
  table: string,
  options: { noSort?: boolean } = {},
): Promise<Plan> {
  const compiled = query.compile();
  if (dialect === 'sqlite') {
    const result = await db.executeQuery<{ detail: string }>(
      CompiledQuery.raw(`explain query plan ${compiled.sql}`, [...compiled.parameters]),
    );
    const lines = result.rows.map((r) => r.detail);
    return {
      lines,
      indexes: lines.flatMap((l) => /USING (?:COVERING )?INDEX (\w+)/.exec(l)?.[1] ?? []),
      sorts: lines.some((l) => /TEMP B-TREE FOR .*ORDER BY/.test(l)),
    };
  }
  const lines = await db.transaction().execute(async (trx) => {
    await sql`set local enable_seqscan = off`.execute(trx);
    if (options.noSort) await sql`set local enable_sort = off`.execute(trx);
    const result = await trx.executeQuery<{ 'QUERY PLAN': string }>(
      CompiledQuery.raw(`explain ${compiled.sql}`, [...compiled.parameters]),
    );
    return result.rows.map((r) => r['QUERY PLAN']);
  });
  return {
    lines,
    indexes: lines.flatMap(
      (l) =>
        new RegExp(`Index (?:Only )?Scan(?: Backward)? (?:using|on) (\\w+)(?: on ${table})?`).exec(l)?.[1] ??
        [],
    ),
    sorts: lines.some((l) => /^\s*(->\s+)?(Incremental )?Sort\s+\(/.test(l)),
  };
}

/** How each filter field appears in an index condition. */
const FILTER_COLUMNS: Record<string, { sqlite: string; postgres: string }> = {
  status: { sqlite: 'status=', postgres: 'status =' },
  platform: { sqlite: 'platform=', postgres: 'platform =' },
  campaignId: { sqlite: 'campaign_id=', postgres: 'campaign_id =' },
  brandId: { sqlite: 'brand_id=', postgres: 'brand_id =' },
  startDate: { sqlite: 'post_date>', postgres: 'post_date >' },
  endDate: { sqlite: 'post_date<', postgres: 'post_date <' },
};

/**
 * The filters the index does not narrow: they are checked row by row while the index range of the whole
 * tenant is walked (fine while matches are dense, slow when they are rare).
 */
function rowFilters(plan: Plan, dialect: DialectName, filter: object): string[] {
  const conditions = plan.lines.filter((l) =>
    dialect === 'sqlite'
      ? /^SEARCH .* USING (COVERING )?INDEX/.test(l)
      : /^\s*(Index Cond|Recheck Cond):/.test(l),
  );
  return Object.keys(filter).filter(
    (field) => !conditions.some((l) => l.includes(FILTER_COLUMNS[field]![dialect])),
  );
}

function assertIndexed(plan: Plan, dialect: DialectName, table: string, what: string): void {
  const text = plan.lines.join('\n');
  if (dialect === 'sqlite') {
    const accesses = plan.lines.filter((l) => new RegExp(`^(SCAN|SEARCH) ${table}\\b`).test(l));
    assert.ok(accesses.length > 0, `${what}: no access to ${table}?\n${text}`);
    for (const line of accesses) {
      assert.match(line, /USING (COVERING )?INDEX /, `${what}: ${table} read without an index\n${text}`);
    }
  } else {
    assert.match(text, /Index Scan|Bitmap Index Scan|Index Only Scan/, `${what}: no index scan\n${text}`);
    assert.doesNotMatch(text, new RegExp(`Seq Scan on ${table}\\b`), `${what}: sequential scan\n${text}`);
  }
}

for (const dialect of dialects) {
  describe(`list queries use indexes (${dialect})`, () => {
    let t: TestApp;
    let db: Kysely<Database>;
    let tenant: Tenant;
    let brandId: string;
    let campaignId: string;

    before(async () => {
      t = await createTestApp(dialect);
      db = t.runtime.ctx.db;
      // Three organizations, each with a live and a test environment: the tenant prefix of every index
      // has several values, as in production.
      const orgs = [
        await createTenant(t, { name: 'A' }),
        await createTenant(t, { name: 'B' }),
        await createTenant(t, { name: 'C' }),
      ];
      const platforms = ['instagram', 'facebook', 'twitter', 'linkedin'];
      const statuses = [
        'DRAFT',
        'SCHEDULED',
        'PUBLISHED',
        'SCHEDULED',
        'PUBLISHED',
        'FAILED',
        'CANCELLED',
        'PUBLISHED',
      ] as const;
      const campaignStatuses = ['DRAFT', 'ACTIVE', 'COMPLETED', 'ARCHIVED'] as const;
      const posts: NewPostRow[] = [];
      const campaigns: CampaignRow[] = [];
      let n = 0;
      for (const [o, org] of orgs.entries()) {
        for (const environment of ['live', 'test'] as Environment[]) {
          const main = o === 0 && environment === 'live';
          const scope = { organizationId: org.org.id, environment };
          if (main) tenant = scope;
          const brands: string[] = [];
          for (let b = 0; b < 4; b++) {
            const id = newId('brand', T0);
            brands.push(id);
            await db
              .insertInto('brands')
              .values({
                id,
                organization_id: scope.organizationId,
                environment,
                name: `Brand ${b}`,
                timezone: 'UTC',
                voice: null,
                colors: '[]',
                created_at: T0,
                updated_at: T0,
              })
              .execute();
          }
          const campaignIds: string[] = [];
          for (let c = 0; c < (main ? 120 : 30); c++) {
            const created = T0 + c * 3600_000;
            const row: CampaignRow = {
              id: newId('campaign', created),
              organization_id: scope.organizationId,
              environment,
              brand_id: brands[c % brands.length]!,
              name: `Campaign ${c}`,
              description: null,
              start_date: T0 + ((c * 37) % 90) * DAY,
              end_date: T0 + ((c * 37) % 90) * DAY + 30 * DAY,
              status: campaignStatuses[c % campaignStatuses.length]!,
              goal: null,
              platforms: '[]',
              started_at: null,
              created_at: created,
              updated_at: created,
            };
            campaigns.push(row);
            campaignIds.push(row.id);
          }
          for (let p = 0; p < (main ? 400 : 80); p++) {
            n++;
            const created = T0 + n * 60_000;
            const status = statuses[(p * 5) % statuses.length]!;
            const scheduled =
              status === 'DRAFT' && p % 3 !== 0 ? null : T0 + ((p * 13) % 120) * DAY + (p % 24) * 3600_000;
            posts.push({
              id: newId('post', created),
              organization_id: scope.organizationId,
              environment,
              brand_id: brands[p % brands.length]!,
              platform: platforms[(p * 3) % platforms.length]!,
              social_account_id: null,
              caption: `Post ${p}`,
              media_ids: '[]',
              link: null,
              first_comment: null,
              campaign_id: p % 3 === 0 ? null : campaignIds[p % campaignIds.length]!,
              status,
              scheduled_for: scheduled,
              published_at: status === 'PUBLISHED' ? scheduled : null,
              platform_post_id: null,
              platform_url: null,
              error_code: null,
              error_message: null,
              metadata: '{}',
              created_at: created,
              updated_at: created + (p % 7) * 1000,
              post_date: postDate({
                scheduled_for: scheduled,
                published_at: status === 'PUBLISHED' ? scheduled : null,
                created_at: created,
              }),
            });
          }
          if (main) {
            brandId = brands[1]!;
            campaignId = campaignIds[1]!;
          }
        }
      }
      for (let i = 0; i < campaigns.length; i += 100)
        await db
          .insertInto('campaigns')
          .values(campaigns.slice(i, i + 100))
          .execute();
      for (let i = 0; i < posts.length; i += 100)
        await db
          .insertInto('posts')
          .values(posts.slice(i, i + 100))
          .execute();
      if (dialect === 'sqlite') await sql`analyze`.execute(db);
      else await sql`analyze posts, campaigns, brands`.execute(db);
    });
    after(() => t.close());

    /**
     * Explains every filter × sort × order, first page and cursor page, and the count; asserts each uses
     * an index and answers the first-page combinations that need a sort step.
     */
    async function check(
      table: 'posts' | 'campaigns',
      filters: Record<string, object>,
      sorts: Record<string, string>,
      queryFor: (filters: object) => ListQuery,
    ): Promise<{ sorted: string[]; perRow: string[] }> {
      const sorted: string[] = [];
      const perRow: string[] = [];
      for (const [filterName, filter] of Object.entries(filters)) {
        for (const [sortBy, expression] of Object.entries(sorts)) {
          for (const order of ORDERS) {
            const cmp = sql.raw(order === 'asc' ? '>' : '<');
            const variants = {
              first: queryFor(filter),
              // As `paginate` continues after a cursor: a row-value comparison on (sort key, id).
              cursor: queryFor(filter).where(
                () => sql<boolean>`(${sql.raw(expression)}, id) ${cmp} (${T0 + 20 * DAY}, ${'x_0'})`,
              ),
            };
            for (const [variant, query] of Object.entries(variants)) {
              const what = `${table} ${filterName} × ${sortBy} ${order} (${variant})`;
              const full = query
                .orderBy(sql.raw(expression), order)
                .orderBy(sql.ref('id'), order)
                .limit(LIMIT + 1);
              const plan = await explain(db, dialect, full, table);
              assertIndexed(plan, dialect, table, what);
              if (variant !== 'first') continue;
              const unindexed = rowFilters(plan, dialect, filter);
              if (unindexed.length) {
                perRow.push(
                  `${filterName} × ${sortBy} ${order} [${plan.indexes.join(', ')}; ${unindexed.join(', ')} per row]`,
                );
              }
              if (!plan.sorts) continue;
              let note = `${filterName} × ${sortBy} ${order} [${plan.indexes.join(', ')}]`;
              if (dialect === 'postgres') {
                // Is the sort the planner's choice at this size, or does no index give this order?
                const forced = await explain(db, dialect, full, table, { noSort: true });
                const perRowThen = rowFilters(forced, dialect, filter);
                note += forced.sorts
                  ? ' (no index gives this order)'
                  : ` (planner's choice; without a sort: ${forced.indexes.join(', ')}` +
                    `${perRowThen.length ? ` with ${perRowThen.join(', ')} per row` : ', filter and order both from the index'})`;
              }
              sorted.push(note);
            }
          }
        }
        const count = queryFor(filter)
          .clearSelect()
          .select((eb) => eb.fn.countAll<number>().as('n'));
        assertIndexed(
          await explain(db, dialect, count, table),
          dialect,
          table,
          `${table} ${filterName} count`,
        );
      }
      return { sorted, perRow };
    }

    it('every posts filter × sort × order (first page, cursor page, count) runs on an index', async (ctx: TestContext) => {
      const filters: Record<string, PostFilters> = {
        none: {},
        status: { status: 'SCHEDULED' },
        platform: { platform: 'twitter' },
        campaignId: { campaignId },
        brandId: { brandId },
        'startDate+endDate': { startDate: T0 + 10 * DAY, endDate: T0 + 40 * DAY },
      };
      const sorts = Object.fromEntries(
        Object.entries(POST_SORTS).map(([name, sort]) => [name, sort.expression]),
      );
      const { sorted, perRow } = await check('posts', filters, sorts, (f) => postsQuery(db, tenant, f));
      ctx.diagnostic(
        `${dialect}: posts combinations filtered row by row (${perRow.length} of 60): ${perRow.join('; ') || 'none'}`,
      );
      ctx.diagnostic(
        `${dialect}: posts combinations with a sort step (${sorted.length} of 60): ${sorted.join('; ') || 'none'}`,
      );
    });

    it('a startDate/endDate list walks posts_t_date: the range and, with sortBy=date, the order from the index', async () => {
      const range: PostFilters = { startDate: T0 + 10 * DAY, endDate: T0 + 12 * DAY };
      // Both bounds of the range (a cursor's row-value bound may stand in for one) are conditions of the
      // index search, not checks of each row.
      const rangeInIndex = (plan: Plan) =>
        plan.lines.some((l) =>
          dialect === 'sqlite'
            ? /USING (COVERING )?INDEX posts_t_date \(organization_id=\? AND environment=\? AND .*post_date.*post_date.*\)/.test(
                l,
              )
            : /Index Cond: .*post_date .*post_date /.test(l),
        );
      for (const order of ORDERS) {
        for (const variant of ['first', 'cursor'] as const) {
          let query = postsQuery(db, tenant, range);
          if (variant === 'cursor') {
            const cmp = sql.raw(order === 'asc' ? '>' : '<');
            query = query.where(() => sql<boolean>`(post_date, id) ${cmp} (${T0 + 11 * DAY}, ${'x_0'})`);
          }
          const full = query
            .orderBy(sql.raw(POST_SORTS.date.expression), order)
            .orderBy(sql.ref('id'), order)
            .limit(LIMIT + 1);
          const plan = await explain(db, dialect, full, 'posts');
          const what = `date range × date ${order} (${variant})\n${plan.lines.join('\n')}`;
          assert.deepEqual(plan.indexes, ['posts_t_date'], what);
          assert.ok(rangeInIndex(plan), `the range is an index condition: ${what}`);
          assert.equal(plan.sorts, false, `no sort step: ${what}`);
        }
      }
      // The count of the same filter, and a narrow range under the default sort (createdAt desc).
      const count = postsQuery(db, tenant, range)
        .clearSelect()
        .select((eb) => eb.fn.countAll<number>().as('n'));
      const countPlan = await explain(db, dialect, count, 'posts');
      assert.deepEqual(countPlan.indexes, ['posts_t_date'], countPlan.lines.join('\n'));
      assert.ok(rangeInIndex(countPlan), countPlan.lines.join('\n'));
      const narrow = postsQuery(db, tenant, { startDate: T0 + 10 * DAY, endDate: T0 + 10 * DAY + 3600_000 })
        .orderBy(sql.raw(POST_SORTS.createdAt.expression), 'desc')
        .orderBy(sql.ref('id'), 'desc')
        .limit(LIMIT + 1);
      const narrowPlan = await explain(db, dialect, narrow, 'posts');
      assert.deepEqual(narrowPlan.indexes, ['posts_t_date'], narrowPlan.lines.join('\n'));
      assert.ok(rangeInIndex(narrowPlan), narrowPlan.lines.join('\n'));
    });

    it('every campaigns filter × sort × order (first page, cursor page, count) runs on an index', async (ctx: TestContext) => {
      const filters: Record<string, CampaignFilters> = {
        none: {},
        brandId: { brandId },
        status: { status: 'ACTIVE' },
        'brandId+status': { brandId, status: 'ACTIVE' },
      };
      const sorts = Object.fromEntries(
        Object.entries(CAMPAIGN_SORTS).map(([name, sort]) => [name, sort.expression]),
      );
      const { sorted, perRow } = await check('campaigns', filters, sorts, (f) =>
        campaignsQuery(db, tenant, f),
      );
      ctx.diagnostic(
        `${dialect}: campaigns combinations filtered row by row (${perRow.length} of 16): ${perRow.join('; ') || 'none'}`,
      );
      ctx.diagnostic(
        `${dialect}: campaigns combinations with a sort step (${sorted.length} of 16): ${sorted.join('; ') || 'none'}`,
      );
    });
  });
}
