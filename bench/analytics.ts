/**
 * `GET /analytics` over many snapshots, for `npm run bench` (`BENCH_ANALYTICS_SNAPSHOTS`, default
 * 1,000,000, `0` skips it) or on its own:
 * `BENCH_ANALYTICS_SNAPSHOTS=1000000 npx tsx bench/analytics.ts [postgres-url]`.
 *
 * Seeds `snapshots` rows into `post_metrics` (10 syncs per post, so snapshots / 10 posts, published over
 * the last 90 days, 4 platforms, 5 brands, 40 % in one of 10 campaigns) and each post's last one into
 * `post_metrics_latest` — what the sync's upsert leaves there; its triggers (migration 0018) add each to
 * `post_metrics_daily` and `post_metrics_slots` — with multi-row INSERTs (500 rows on SQLite, 2,000 on
 * PostgreSQL; 20,000 snapshots a transaction), then times the service call behind
 * `GET /analytics` for a few groupBys and filters over the whole 90 days (the median of
 * `BENCH_ANALYTICS_RUNS` runs, default 5, after one warm-up call).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { benchConfig } from './bench-config.js';
import { getAnalytics } from '../src/modules/analytics/index.js';
import { latestRow } from '../src/modules/analytics/analytics.snapshots.js';
import type { NewPostMetricsLatestRow, NewPostMetricsRow } from '../src/db/tables/analytics.js';
import { createOrganization } from '../src/modules/organizations/organizations.service.js';
import { createRuntime } from '../src/runtime.js';
import type { Tenant } from '../src/shared/tenant.js';
import type { Dialect } from './scenarios.js';

const DAY = 86_400_000;
const SYNCS_PER_POST = 10;
const PLATFORMS = ['twitter', 'facebook', 'instagram', 'linkedin'];

export interface AnalyticsBenchOptions {
  dialect: Dialect;
  dataDir: string;
  databaseUrl?: string;
  schema?: string;
  snapshots: number;
  runs: number;
  logLevel: string;
}

export interface AnalyticsMeasurement {
  dialect: Dialect;
  snapshots: number;
  seedSeconds: number;
  /** Median milliseconds per query, by label. */
  queries: Array<{ label: string; rows: number; ms: number }>;
}

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

export async function measureAnalytics(options: AnalyticsBenchOptions): Promise<AnalyticsMeasurement> {
  const config = benchConfig({ ...options, secretKey: randomBytes(32).toString('hex') });
  const runtime = await createRuntime(config, { schema: options.schema });
  try {
    const { ctx } = runtime;
    const org = await createOrganization(ctx.db, ctx.clock, {
      name: 'Analytics benchmark',
      plan: 'enterprise',
    });
    const tenant: Tenant = { organizationId: org.id, environment: 'live' };
    const now = ctx.clock.now();
    const random = prng(8);
    const posts = Math.max(1, Math.floor(options.snapshots / SYNCS_PER_POST));
    const started = performance.now();
    const perInsert = options.dialect === 'sqlite' ? 500 : 2_000;
    let buffer: NewPostMetricsRow[] = [];
    let trxRows: NewPostMetricsRow[][] = [];
    let latest: NewPostMetricsLatestRow[] = [];
    const flush = async () => {
      const batches = trxRows;
      const latestRows = latest;
      trxRows = [];
      latest = [];
      await ctx.db.transaction().execute(async (trx) => {
        for (const rows of batches) await trx.insertInto('post_metrics').values(rows).execute();
        for (let i = 0; i < latestRows.length; i += perInsert)
          await trx
            .insertInto('post_metrics_latest')
            .values(latestRows.slice(i, i + perInsert))
            .execute();
      });
    };
    let n = 0;
    for (let p = 0; p < posts; p++) {
      const postId = `post_${String(p).padStart(8, '0')}`;
      const publishedAt = now - Math.floor(random() * 90 * DAY);
      const platform = PLATFORMS[p % PLATFORMS.length]!;
      const campaign = random() < 0.4 ? `cmp_${p % 10}` : null;
      const base = Math.floor(random() * 5_000);
      let last: NewPostMetricsRow | undefined;
      for (let s = 0; s < SYNCS_PER_POST && n < options.snapshots; s++, n++) {
        const growth = (s + 1) / SYNCS_PER_POST;
        buffer.push(
          (last = {
            id: `pm_${String(n).padStart(9, '0')}`,
            organization_id: tenant.organizationId,
            environment: 'live',
            post_id: postId,
            brand_id: `brand_${p % 5}`,
            campaign_id: campaign,
            platform,
            published_at: publishedAt,
            captured_at: publishedAt + (s + 1) * 3_600_000,
            impressions: Math.floor(base * growth),
            reach: Math.floor(base * 0.7 * growth),
            likes: Math.floor(base * 0.05 * growth),
            comments: Math.floor(base * 0.01 * growth),
            shares: platform === 'instagram' ? null : Math.floor(base * 0.005 * growth),
            saves: platform === 'instagram' ? Math.floor(base * 0.004 * growth) : null,
            clicks: Math.floor(base * 0.02 * growth),
            video_views: null,
          }),
        );
        if (buffer.length === perInsert) {
          trxRows.push(buffer);
          buffer = [];
        }
      }
      if (last) latest.push(latestRow(last));
      if (trxRows.length * perInsert >= 20_000) await flush();
    }
    if (buffer.length) trxRows.push(buffer);
    if (trxRows.length || latest.length) await flush();
    // The triggers of migration 0018 filled post_metrics_daily and post_metrics_slots meanwhile (each
    // row upserted once per post: dead versions for autovacuum, which it would soon clear).
    if (options.dialect === 'postgres')
      await sql`vacuum (analyze) post_metrics, post_metrics_latest, post_metrics_daily, post_metrics_slots`.execute(
        ctx.db,
      );
    else await sql`analyze`.execute(ctx.db);
    const seedSeconds = (performance.now() - started) / 1000;

    const range = {
      startDate: new Date(now - 90 * DAY).toISOString(),
      endDate: new Date(now + 1).toISOString(),
    };
    const cases: Array<[string, Record<string, string>]> = [
      ['groupBy=day, 90 days, Europe/Paris', { ...range, groupBy: 'day', timezone: 'Europe/Paris' }],
      ['groupBy=platform, 90 days', { ...range, groupBy: 'platform' }],
      ['groupBy=campaign, 90 days', { ...range, groupBy: 'campaign' }],
      ['groupBy=week, one platform', { ...range, groupBy: 'week', platform: 'twitter' }],
      ['groupBy=day, one campaign', { ...range, groupBy: 'day', campaignId: 'cmp_3' }],
      ['groupBy=month, one brand', { ...range, groupBy: 'month', brandId: 'brand_2' }],
      ['groupBy=day, 7 days', { startDate: new Date(now - 7 * DAY).toISOString(), endDate: range.endDate }],
      // The first page (100 posts) of the per-post grouping, as GET /analytics?groupBy=post serves it.
      ['groupBy=post, 90 days, first page', { ...range, groupBy: 'post' }],
      [
        'groupBy=post, 7 days, first page',
        { startDate: new Date(now - 7 * DAY).toISOString(), endDate: range.endDate, groupBy: 'post' },
      ],
    ];
    const queries: AnalyticsMeasurement['queries'] = [];
    for (const [label, query] of cases) {
      const times: number[] = [];
      let rows = (await getAnalytics(ctx, tenant, query)).rows.length; // warm-up
      for (let r = 0; r < options.runs; r++) {
        const t0 = performance.now();
        rows = (await getAnalytics(ctx, tenant, query)).rows.length;
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      queries.push({ label, rows, ms: times[Math.floor(times.length / 2)]! });
    }
    return { dialect: options.dialect, snapshots: options.snapshots, seedSeconds, queries };
  } finally {
    await runtime.close();
  }
}

export function analyticsTable(results: AnalyticsMeasurement[]): string {
  const lines = [
    'analytics   dialect   snapshots   query                                   rows   median ms',
  ];
  for (const m of results) {
    for (const q of m.queries) {
      lines.push(
        `            ${m.dialect.padEnd(9)} ${m.snapshots.toLocaleString('en-US').padStart(9)}   ${q.label.padEnd(39)} ${String(q.rows).padStart(4)}   ${q.ms.toFixed(1).padStart(9)}`,
      );
    }
    lines.push(`            ${m.dialect.padEnd(9)} seeded in ${m.seedSeconds.toFixed(1)} s`);
  }
  return lines.join('\n');
}

// Standalone: `npx tsx bench/analytics.ts [postgres-url]`.
if (import.meta.url === `file://${process.argv[1]}`) {
  const databaseUrl = process.argv[2];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'audenci-bench-analytics-'));
  const schema = databaseUrl ? `bench_${randomBytes(4).toString('hex')}` : undefined;
  const run = async () => {
    if (databaseUrl && schema) {
      const pg = (await import('pg')).default;
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      await client.query(`create schema "${schema}"`);
      await client.end();
    }
    try {
      const result = await measureAnalytics({
        dialect: databaseUrl ? 'postgres' : 'sqlite',
        dataDir,
        databaseUrl,
        schema,
        snapshots: Number(process.env.BENCH_ANALYTICS_SNAPSHOTS ?? 1_000_000),
        runs: Number(process.env.BENCH_ANALYTICS_RUNS ?? 5),
        logLevel: 'warn',
      });
      console.log(analyticsTable([result]));
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
      if (databaseUrl && schema) {
        const pg = (await import('pg')).default;
        const client = new pg.Client({ connectionString: databaseUrl });
        await client.connect();
        await client.query(`drop schema "${schema}" cascade`);
        await client.end();
      }
    }
  };
  run().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
