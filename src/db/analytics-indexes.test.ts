import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { CompiledQuery, sql, type Kysely } from 'kysely';
import { createTestApp, dialects, type DialectName, type TestApp } from '../../test/helpers/app.js';
import {
  aggregateQuery,
  countPosts,
  sumAllQuery,
  type AnalyticsFilters,
  type Dimension,
} from '../modules/analytics/analytics.repository.js';
import type { NewPostMetricsLatestRow } from './tables/analytics.js';
import type { Environment, Tenant } from '../shared/tenant.js';
import type { Database } from './database.js';

/**
 * The queries `analytics.repository.ts` compiles over `post_metrics_latest` (migration 0012) read it
 * through the index made for their filter — brand, campaign, platform, or the whole tenant's
 * `published_at` range — never by a full SCAN of the table, and never by walking the primary key
 * (`post_id`) to skip a sort, which would read every tenant's rows: rows in post id order come from the
 * tenant's part of the `(tenant, post_id, published_at)` index (migration 0013). Explained after ANALYZE over several
 * tenants, as in production. PostgreSQL (when TEST_DATABASE_URL is set) is told to avoid sequential
 * scans and must then use an index scan.
 */

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const TABLE = 'post_metrics_latest';
const PRIMARY_KEY = 'post_metrics_latest_pkey';

const INDEX = {
  tenant: 'post_metrics_latest_tenant_published',
  brand: 'post_metrics_latest_tenant_brand_published',
  campaign: 'post_metrics_latest_tenant_campaign_published',
  platform: 'post_metrics_latest_tenant_platform_published',
  post: 'post_metrics_latest_tenant_post',
};

async function explain(db: Kysely<Database>, dialect: DialectName, query: { compile(): CompiledQuery }) {
  const compiled = query.compile();
  if (dialect === 'sqlite') {
    const result = await db.executeQuery<{ detail: string }>(
      CompiledQuery.raw(`explain query plan ${compiled.sql}`, [...compiled.parameters]),
    );
    return result.rows.map((r) => r.detail);
  }
  return db.transaction().execute(async (trx) => {
    await sql`set local enable_seqscan = off`.execute(trx);
    const result = await trx.executeQuery<{ 'QUERY PLAN': string }>(
      CompiledQuery.raw(`explain ${compiled.sql}`, [...compiled.parameters]),
    );
    return result.rows.map((r) => r['QUERY PLAN']);
  });
}

/**
 * The plan reads the table only by a search of one of `indexes` on the tenant prefix (SQLite), or by an
 * index scan of one of them and no sequential scan (PostgreSQL). With `range`, the `published_at` range
 * is part of the SQLite search too (not checked row by row).
 */
function assertUses(
  lines: string[],
  dialect: DialectName,
  indexes: readonly string[],
  what: string,
  range: boolean,
): void {
  const text = lines.join('\n');
  const names = indexes.join('|');
  if (dialect === 'sqlite') {
    const accesses = lines.filter((l) => new RegExp(`^(SCAN|SEARCH) ${TABLE}\\b`).test(l));
    assert.ok(accesses.length > 0, `${what}: no access to ${TABLE}?\n${text}`);
    for (const line of accesses) {
      assert.match(
        line,
        new RegExp(
          `^SEARCH ${TABLE} USING (COVERING )?INDEX (${names}) \\(organization_id=\\? AND environment=\\?`,
        ),
        `${what}: not a search of ${names} on the tenant\n${text}`,
      );
      if (range)
        assert.match(line, /published_at>\? AND published_at<\?\)$/, `${what}: range not searched\n${text}`);
    }
  } else {
    assert.doesNotMatch(text, new RegExp(`Seq Scan on ${TABLE}\\b`), `${what}: sequential scan\n${text}`);
    assert.match(
      text,
      new RegExp(`(Index (Only )?Scan (Backward )?using|Bitmap Index Scan on) (${names})\\b`),
      `${what}: none of ${names} used\n${text}`,
    );
  }
}

for (const dialect of dialects) {
  describe(`post_metrics_latest queries use their index (${dialect})`, () => {
    let t: TestApp;
    let db: Kysely<Database>;
    let tenant: Tenant;

    before(async () => {
      t = await createTestApp(dialect);
      db = t.runtime.ctx.db;
      // Three organizations × two environments, each with 4 brands, 20 campaigns, 3 platforms and posts
      // over 120 days: every index prefix has several values.
      const rows: NewPostMetricsLatestRow[] = [];
      for (let o = 0; o < 3; o++) {
        for (const environment of ['live', 'test'] as Environment[]) {
          const organizationId = `org_${o}`;
          if (o === 0 && environment === 'live') tenant = { organizationId, environment };
          const count = o === 0 && environment === 'live' ? 1500 : 400;
          for (let p = 0; p < count; p++) {
            const publishedAt = T0 + ((p * 7) % 120) * DAY + (p % 24) * 3_600_000;
            rows.push({
              post_id: `post_${o}_${environment}_${String(p).padStart(5, '0')}`,
              snapshot_id: `pm_${o}_${environment}_${p}`,
              organization_id: organizationId,
              environment,
              brand_id: `brand_${p % 4}`,
              campaign_id: p % 3 === 0 ? null : `cmp_${p % 20}`,
              platform: ['twitter', 'facebook', 'instagram'][p % 3]!,
              published_at: publishedAt,
              captured_at: publishedAt + DAY,
              impressions: p * 10,
              reach: null,
              likes: p,
              comments: p % 5,
              shares: null,
              saves: null,
              clicks: p % 7,
              video_views: null,
            });
          }
        }
      }
      for (let i = 0; i < rows.length; i += 100) {
        await db
          .insertInto('post_metrics_latest')
          .values(rows.slice(i, i + 100))
          .execute();
      }
      if (dialect === 'sqlite') await sql`analyze`.execute(db);
      else await sql`analyze post_metrics_latest`.execute(db);
    });
    after(() => t.close());

    const range = { start: T0 + 10 * DAY, end: T0 + 40 * DAY };
    const ALL = Object.values(INDEX);
    /**
     * Per filter: the index it must search, with its column and the range in the search. The whole
     * tenant grouped by platform or campaign may instead walk the tenant's entries of the platform or
     * campaign index in group order (no sort step): `published_at` is in every one of these indexes, so
     * the range is still checked on index entries and only matching rows are read from the table.
     */
    const FILTERS: Record<string, { filters: AnalyticsFilters; index: string }> = {
      'whole tenant': { filters: range, index: INDEX.tenant },
      brandId: { filters: { ...range, brandId: 'brand_1' }, index: INDEX.brand },
      campaignId: { filters: { ...range, campaignId: 'cmp_5' }, index: INDEX.campaign },
      platform: { filters: { ...range, platform: 'facebook' }, index: INDEX.platform },
    };

    it('every grouping, page and total of GET /analytics searches the index of its filter', async (ctx: TestContext) => {
      const dimensions: Dimension[] = ['slot', 'platform', 'campaign', 'post'];
      const notes: string[] = [];
      for (const [name, { filters, index }] of Object.entries(FILTERS)) {
        const queries: Record<string, { compile(): CompiledQuery }> = {
          ...Object.fromEntries(
            dimensions.map((d) => [`groupBy ${d}`, aggregateQuery(db, tenant, filters, d)] as const),
          ),
          // GET /analytics?groupBy=post pages, and the export's chunks, by keyset over post_id: never by
          // walking the primary key (every tenant's rows) to skip the sort.
          'post page 1': aggregateQuery(db, tenant, filters, 'post', { limit: 101 }),
          'post page 2': aggregateQuery(db, tenant, filters, 'post', {
            limit: 101,
            afterPost: 'post_0_live_00100',
          }),
          // sortBy=engagements (the top posts): the same rows, grouped by post, then sorted by the value.
          'post ranked 1': aggregateQuery(db, tenant, filters, 'post', {
            limit: 11,
            rank: { by: 'engagements' },
          }),
          'post ranked 2': aggregateQuery(db, tenant, filters, 'post', {
            limit: 11,
            rank: { by: 'engagements', after: { value: 12, postId: 'post_0_live_00100' } },
          }),
          totals: sumAllQuery(db, tenant, filters),
        };
        for (const [what, query] of Object.entries(queries)) {
          const lines = await explain(db, dialect, query);
          const grouped =
            name === 'whole tenant' && (what === 'groupBy platform' || what === 'groupBy campaign');
          // Rows in post id order (the per-post grouping and its pages) may come from walking the
          // tenant's entries of the (tenant, post_id, published_at) index, which skips the sort and
          // checks the range on index entries; PostgreSQL weighs that against the sort for any filter's
          // LIMITed page. Never from the primary key, which holds every tenant's rows (migration 0013).
          const perPost = what === 'groupBy post' || what.startsWith('post ');
          const byPost =
            perPost && (name === 'whole tenant' || (dialect === 'postgres' && what.startsWith('post ')));
          const allowed = grouped ? ALL : byPost ? [index, INDEX.post] : [index];
          const walked = lines.join('\n').includes(INDEX.post);
          assertUses(lines, dialect, allowed, `${name}, ${what}`, !grouped && !walked);
          assert.doesNotMatch(lines.join('\n'), new RegExp(PRIMARY_KEY), `${name}, ${what}: primary key`);
          if (grouped || walked) notes.push(`${name}, ${what}: ${lines.map((l) => l.trim()).join(' | ')}`);
        }
      }
      ctx.diagnostic(`${dialect}: ${notes.join('; ')}`);
      // The plan is not only right but the rows too: the page's and the count's figures agree.
      assert.equal(
        await countPosts(db, tenant, FILTERS.brandId!.filters),
        (await aggregateQuery(db, tenant, FILTERS.brandId!.filters, 'post').execute()).length,
      );
    });
  });
}
