import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CompiledQuery, sql, type Kysely } from 'kysely';
import { createTestApp, dialects, type TestApp } from '../../../test/helpers/app.js';
import type { Database } from '../../db/database.js';
import { METRIC_NAMES, type NewPostMetricsRow } from '../../db/tables/analytics.js';
import type { Tenant } from '../../shared/tenant.js';
import type { ServiceContext } from '../context.js';
import { periodIndexes, periodsBetween } from './analytics.periods.js';
import * as repo from './analytics.repository.js';
import { emptySums, addSums, groupSums, parseAnalyticsQuery, type Sums } from './analytics.service.js';
import { storeSnapshot } from './analytics.snapshots.js';

/**
 * `post_metrics_daily` and `post_metrics_slots` (migration 0018) and the way `GET /analytics` reads them:
 * whole UTC days from the daily sums, the rest of the range by slot, and the range's cut slots row by row
 * (`dailyPlan`, `partReads`). Over posts of three tenants published at
 * odd minutes across a DST change, every grouping, filter, zone and range must give exactly what summing
 * `post_metrics_latest` row by row gives (the query `aggregateQuery` compiles, folded into periods as
 * before) — after the first snapshots, after newer snapshots (same group, and moving a post to another
 * brand, campaign, platform or day), after late older ones, and after rows are deleted — and the tables
 * must hold exactly the GROUP BY of `post_metrics_latest`. A write of one tenant changes nothing for the
 * others, and a write is seen by the next read (nothing is cached).
 */

const MIN = 60_000;
const DAY = 86_400_000;
const T0 = Date.parse('2026-03-02T00:00:00Z'); // US DST starts on 8 March, EU on 29 March
const SPAN_DAYS = 40;

const TENANTS: Tenant[] = [
  { organizationId: 'org_daily_a', environment: 'live' },
  { organizationId: 'org_daily_a', environment: 'test' },
  { organizationId: 'org_daily_b', environment: 'live' },
];
const BRANDS = ['brand_1', 'brand_2', 'brand_3'];
const CAMPAIGNS = [null, 'cmp_1', 'cmp_2', 'cmp_3'];
const PLATFORMS = ['twitter', 'facebook', 'instagram'];
const ZONES = ['UTC', 'Europe/Paris', 'America/New_York', 'Asia/Kathmandu'];

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface PostState {
  tenant: Tenant;
  id: string;
  brand: string;
  campaign: string | null;
  platform: string;
  publishedAt: number;
  syncs: number;
}

/** What the groups are when every matching row of `post_metrics_latest` is summed (the query before 0018). */
async function rowByRow(
  db: Kysely<Database>,
  tenant: Tenant,
  query: ReturnType<typeof parseAnalyticsQuery>,
): Promise<Array<{ key: string | null; sums: Sums }>> {
  const { groupBy, filters } = query;
  if (groupBy === 'day' || groupBy === 'week' || groupBy === 'month') {
    const rows = await repo.aggregateQuery(db, tenant, filters, 'slot').execute();
    const periods = periodsBetween(filters.start, filters.end, groupBy, query.timezone, 1000)!;
    const groups = periods.map((p) => ({ key: p.key, sums: emptySums() }));
    const indexes = periodIndexes(
      periods,
      rows.map((r) => Number(r.key)),
    );
    rows.forEach((row, i) => addSums(groups[indexes[i]!]!.sums, sums(row)));
    return groups;
  }
  const dimension = groupBy === 'platform' ? 'platform' : 'campaign';
  const rows = await repo.aggregateQuery(db, tenant, filters, dimension).execute();
  return rows
    .map((row) => ({ key: row.key === null ? null : String(row.key), sums: sums(row) }))
    .sort((a, b) => (a.key === null ? 1 : b.key === null ? -1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function sums(row: Record<string, unknown>): Sums {
  const out = emptySums();
  out.posts = Number(row.posts);
  for (const c of METRIC_NAMES) out[c] = Number(row[c]);
  return out;
}

/** A table of migration 0018 and what it must hold: the GROUP BY of `post_metrics_latest`. */
async function rollupTable(db: Kysely<Database>, table: 'post_metrics_daily' | 'post_metrics_slots') {
  const [column, ms] = table === 'post_metrics_daily' ? ['day', DAY] : ['slot', 15 * MIN];
  const key = ['organization_id', 'environment', column, 'brand_id', 'campaign_id', 'platform'].join(', ');
  const stored = await sql<Record<string, unknown>>`select ${sql.raw(key)}, posts,
      ${sql.raw(METRIC_NAMES.join(', '))}
    from ${sql.table(table)} order by ${sql.raw(key)}`.execute(db);
  const expected = await sql<Record<string, unknown>>`select organization_id, environment,
      published_at / ${sql.lit(ms)} as ${sql.raw(column)}, brand_id, coalesce(campaign_id, '') as campaign_id,
      platform, count(*) as posts,
      ${sql.raw(METRIC_NAMES.map((m) => `coalesce(sum(${m}), 0) as ${m}`).join(', '))}
    from post_metrics_latest
    group by organization_id, environment, published_at / ${sql.lit(ms)}, brand_id,
      coalesce(campaign_id, ''), platform
    order by ${sql.raw(key)}`.execute(db);
  const normalize = (rows: Array<Record<string, unknown>>) =>
    rows.map((r) =>
      Object.fromEntries(
        Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v]),
      ),
    );
  return { stored: normalize(stored.rows), expected: normalize(expected.rows) };
}

/** Both tables hold exactly the sums of `post_metrics_latest`, and no group without posts. */
async function assertRollups(db: Kysely<Database>): Promise<void> {
  for (const table of ['post_metrics_daily', 'post_metrics_slots'] as const) {
    const { stored, expected } = await rollupTable(db, table);
    assert.ok(stored.length > 100, table);
    assert.deepEqual(stored, expected, table);
    assert.ok(
      stored.every((r) => Number(r.posts) > 0),
      `${table}: no group without posts is kept`,
    );
  }
}

for (const dialect of dialects) {
  describe(`post_metrics_daily and GET /analytics over it (${dialect})`, () => {
    let t: TestApp;
    let ctx: ServiceContext;
    let db: Kysely<Database>;
    const random = prng(20);
    const posts: PostState[] = [];
    let seq = 0;

    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
    const metric = () => (random() < 0.15 ? null : Math.floor(random() * 10_000));

    function snapshotOf(post: PostState, capturedAt: number): NewPostMetricsRow {
      const row: NewPostMetricsRow = {
        id: `pm_daily_${String(++seq).padStart(6, '0')}`,
        organization_id: post.tenant.organizationId,
        environment: post.tenant.environment,
        post_id: post.id,
        brand_id: post.brand,
        campaign_id: post.campaign,
        platform: post.platform,
        published_at: post.publishedAt,
        captured_at: capturedAt,
        impressions: null,
        reach: null,
        likes: null,
        comments: null,
        shares: null,
        saves: null,
        clicks: null,
        video_views: null,
      };
      for (const c of METRIC_NAMES) row[c] = metric();
      return row;
    }

    /** A newer sync of `post` through the sync's write path. */
    async function sync(post: PostState, capturedAt = post.publishedAt + ++post.syncs * 3_600_000) {
      const row = snapshotOf(post, capturedAt);
      await db.transaction().execute((trx) => storeSnapshot(trx, row));
    }

    before(async () => {
      t = await createTestApp(dialect);
      ctx = t.runtime.ctx;
      db = ctx.db;
      for (const tenant of TENANTS) {
        const count = tenant.organizationId === 'org_daily_a' && tenant.environment === 'live' ? 240 : 80;
        for (let p = 0; p < count; p++) {
          posts.push({
            tenant,
            id: `post_${tenant.organizationId}_${tenant.environment}_${p}`,
            brand: pick(BRANDS),
            campaign: pick(CAMPAIGNS),
            platform: pick(PLATFORMS),
            // Any minute of the span, and a few on a UTC midnight or a local one.
            publishedAt:
              p % 17 === 0
                ? T0 + Math.floor(random() * SPAN_DAYS) * DAY - (p % 2) * 60 * MIN
                : T0 + Math.floor(random() * SPAN_DAYS * 24 * 60) * MIN + Math.floor(random() * MIN),
            syncs: 0,
          });
        }
      }
      for (const post of posts) {
        const syncs = 1 + Math.floor(random() * 3);
        for (let s = 0; s < syncs; s++) await sync(post);
      }
    });
    after(() => t.close());

    /** Every query shape, for one tenant, as the service answers it and as row-by-row sums answer it. */
    async function compare(tenant: Tenant): Promise<unknown[]> {
      const now = T0 + SPAN_DAYS * DAY;
      const ranges = [
        // Arbitrary instants (the bench's "last N days" shape), calendar dates, and short ranges.
        {
          startDate: new Date(T0 - 3 * DAY + 7 * MIN + 123).toISOString(),
          endDate: new Date(now + 1).toISOString(),
        },
        { startDate: '2026-03-05', endDate: '2026-04-02' },
        {
          startDate: new Date(T0 + 6 * DAY + 13 * 3_600_000).toISOString(),
          endDate: new Date(T0 + 9 * DAY + 2 * 3_600_000 + 1).toISOString(),
        },
        {
          startDate: new Date(T0 + 20 * DAY + 3 * 3_600_000).toISOString(),
          endDate: new Date(T0 + 20 * DAY + 8 * 3_600_000).toISOString(),
        },
      ];
      const filters: Array<Record<string, string>> = [
        {},
        { brandId: 'brand_2' },
        { platform: 'facebook' },
        { campaignId: 'cmp_1' },
        { brandId: 'brand_1', platform: 'twitter' },
      ];
      const answers: unknown[] = [];
      for (const range of ranges) {
        for (const filter of filters) {
          for (const timezone of ZONES) {
            for (const groupBy of ['day', 'week', 'month', 'platform', 'campaign'] as const) {
              if (
                timezone !== 'UTC' &&
                (groupBy === 'platform' || groupBy === 'campaign') &&
                range.endDate.length !== 10
              )
                continue;
              const query = parseAnalyticsQuery({ ...range, ...filter, timezone, groupBy }, now);
              const what = `${groupBy} ${timezone} ${JSON.stringify(range)} ${JSON.stringify(filter)}`;
              const got = (await groupSums(ctx, tenant, query)).map((g) => ({
                key: g.key,
                sums: sums(g.sums),
              }));
              const want = await rowByRow(db, tenant, query);
              assert.deepEqual(got, want, what);
              answers.push(got);
            }
            const query = parseAnalyticsQuery({ ...range, ...filter, timezone, groupBy: 'post' }, now);
            const totals = await repo.sumAll(db, tenant, query.filters);
            const want = sums(await repo.sumAllQuery(db, tenant, query.filters).executeTakeFirstOrThrow());
            assert.deepEqual({ ...totals }, { ...want }, `totals ${timezone} ${JSON.stringify(range)}`);
            assert.equal(await repo.countPosts(db, tenant, query.filters), want.posts);
            answers.push(totals);
          }
        }
      }
      return answers;
    }

    it('reads whole days from the daily sums: the long ranges are planned so', () => {
      const start = T0 - 3 * DAY + 7 * MIN + 123;
      const plan = repo.dailyPlan(start, T0 + SPAN_DAYS * DAY + 1, []);
      assert.equal(plan.days.size, SPAN_DAYS + 3);
      assert.ok(plan.raw.length <= 2, 'only the cut first and last days are read row by row');
      const reads = repo.partReads(plan);
      assert.ok(
        reads.rows.length > 0 && reads.rows.every((r) => r.to - r.from < 15 * MIN),
        'only cut slots row by row',
      );
      // Cut every day at 23:00 UTC (Paris in winter): each day's sums go to its 23-hour piece, and the
      // hour after 23:00 is read row by row — added to the next piece, taken from the day's.
      const cuts = Array.from({ length: 10 }, (_, d) => T0 + d * DAY + 23 * 3_600_000);
      const paris = repo.dailyPlan(T0, T0 + 10 * DAY, cuts);
      assert.deepEqual(paris.days.get(T0 / DAY + 2), T0 + 2 * DAY);
      assert.deepEqual(paris.raw.find((p) => p.from === T0 + 2 * DAY + 23 * 3_600_000)?.into, [
        [T0 + 2 * DAY + 23 * 3_600_000, 1],
        [T0 + 2 * DAY, -1],
      ]);
      // A range shorter than half a day is read row by row.
      assert.equal(repo.dailyPlan(T0 + 3_600_000, T0 + 5 * 3_600_000, []).days.size, 0);
    });

    it('reads each table by a search of the tenant and the range, never a scan', async () => {
      if (dialect === 'sqlite') await sql`analyze`.execute(db);
      // Vacuumed: an index-only scan needs the visibility map (autovacuum keeps it in production).
      else
        await sql`vacuum (analyze) post_metrics_latest, post_metrics_daily, post_metrics_slots`.execute(db);
      const cuts = Array.from({ length: SPAN_DAYS }, (_, d) => T0 + d * DAY + 23 * 3_600_000);
      const start = T0 - 3 * DAY + 7 * MIN + 123;
      const end = T0 + SPAN_DAYS * DAY + 1;
      const plan = repo.dailyPlan(start, end, cuts);
      const reads = repo.partReads(plan);
      const tenant = TENANTS[0]!;
      for (const filter of [{}, { brandId: 'brand_2' }, { platform: 'facebook', campaignId: 'cmp_1' }]) {
        const filters = { start, end, ...filter };
        // Many reads (a day's cut hour, every day: one join of a VALUES list) and few (a union).
        const few = { ...reads.slots[0]!, to: reads.slots[0]!.from + 3_600_000 };
        const queries: Array<[string, { compile(): CompiledQuery }]> = [
          ['post_metrics_daily', repo.dailyQuery(db, tenant, filters, 'platform', plan)],
          ['post_metrics_slots', repo.slotPartsQueries(db, tenant, filters, 'slot', reads.slots)[0]!],
          ['post_metrics_slots', repo.slotPartsQueries(db, tenant, filters, 'platform', [few])[0]!],
          ['post_metrics_latest', repo.rowPartsQueries(db, tenant, filters, 'campaign', reads.rows)[0]!],
          ['post_metrics_latest', repo.rowPartsQueries(db, tenant, filters, 'slot', reads.slots)[0]!],
        ];
        assert.ok(reads.slots.length > 12 && reads.rows.length <= 12);
        for (const [table, query] of queries) {
          const compiled = query.compile();
          const lines =
            dialect === 'sqlite'
              ? (
                  await db.executeQuery<{ detail: string }>(
                    CompiledQuery.raw(`explain query plan ${compiled.sql}`, [...compiled.parameters]),
                  )
                ).rows.map((r) => r.detail)
              : await db.transaction().execute(async (trx) => {
                  await sql`set local enable_seqscan = off`.execute(trx);
                  const result = await trx.executeQuery<{ 'QUERY PLAN': string }>(
                    CompiledQuery.raw(`explain ${compiled.sql}`, [...compiled.parameters]),
                  );
                  return result.rows.map((r) => r['QUERY PLAN']);
                });
          const text = `${table} ${JSON.stringify(filter)}:\n${lines.join('\n')}`;
          const column = { post_metrics_daily: 'day', post_metrics_slots: 'slot' }[table] ?? 'published_at';
          if (dialect === 'sqlite') {
            const access = lines.filter((l) => new RegExp(`^(SCAN|SEARCH) ${table}\\b`).test(l));
            assert.ok(access.length > 0, text);
            for (const line of access)
              assert.match(
                line,
                new RegExp(
                  `^SEARCH ${table} USING (COVERING )?INDEX \\w+ \\(organization_id=\\? AND environment=\\?.*${column}>\\? AND ${column}<\\?\\)$`,
                ),
                text,
              );
          } else {
            assert.doesNotMatch(lines.join('\n'), new RegExp(`Seq Scan on ${table}\\b`), text);
            assert.match(lines.join('\n'), new RegExp(`${column} >= `), text);
            // The rollups' primary keys INCLUDE the sums (migration 0018): no heap row fetched per group.
            if (table !== 'post_metrics_latest')
              assert.match(lines.join('\n'), new RegExp(`Index Only Scan using ${table}_pkey`), text);
          }
        }
      }
    });

    it('answers exactly the row-by-row sums for every grouping, filter, zone and range, per tenant', async () => {
      await assertRollups(db);
      for (const tenant of TENANTS) await compare(tenant);
    });

    it('stays exact after newer, moved, late and deleted snapshots, and a write shows at once', async () => {
      const mine = TENANTS[0]!;
      const before = await repo.sumAll(db, mine, { start: T0 - DAY, end: T0 + (SPAN_DAYS + 4) * DAY });
      const theirs = TENANTS[2]!;
      const theirAnswers = await compare(theirs);
      const minePosts = posts.filter((p) => p.tenant === mine);

      // Newer snapshots of the same group.
      for (const post of minePosts.slice(0, 30)) await sync(post);
      // Posts moved to another brand, campaign, platform, or published_at (another UTC day), then synced.
      for (const [i, post] of minePosts.slice(30, 60).entries()) {
        if (i % 4 === 0) post.brand = BRANDS[(BRANDS.indexOf(post.brand) + 1) % BRANDS.length]!;
        if (i % 4 === 1)
          post.campaign = CAMPAIGNS[(CAMPAIGNS.indexOf(post.campaign) + 1) % CAMPAIGNS.length]!;
        if (i % 4 === 2)
          post.platform = PLATFORMS[(PLATFORMS.indexOf(post.platform) + 1) % PLATFORMS.length]!;
        if (i % 4 === 3) post.publishedAt += (i % 3) * DAY + 5 * 3_600_000;
        await sync(post);
      }
      // Late, older snapshots: stored, but not the latest.
      for (const post of minePosts.slice(60, 70)) await sync(post, post.publishedAt + 1);
      // New posts of the tenant.
      for (let p = 0; p < 10; p++) {
        const post: PostState = {
          tenant: mine,
          id: `post_new_${p}`,
          brand: pick(BRANDS),
          campaign: pick(CAMPAIGNS),
          platform: pick(PLATFORMS),
          publishedAt: T0 + Math.floor(random() * SPAN_DAYS * DAY),
          syncs: 0,
        };
        posts.push(post);
        await sync(post);
      }
      // Rows deleted (a purge of a post's figures): its group loses the post, an emptied group goes.
      const purged = minePosts.slice(70, 80).map((p) => p.id);
      await db.deleteFrom('post_metrics_latest').where('post_id', 'in', purged).execute();
      await db.deleteFrom('post_metrics').where('post_id', 'in', purged).execute();

      await assertRollups(db);
      await compare(mine);
      const now = await repo.sumAll(db, mine, { start: T0 - DAY, end: T0 + (SPAN_DAYS + 4) * DAY });
      assert.equal(now.posts, before.posts + 10 - 10);
      assert.notDeepEqual(now, before, 'the writes show in the next answer');
      // Another tenant's answers did not move.
      assert.deepEqual(await compare(theirs), theirAnswers);
    });
  });
}
