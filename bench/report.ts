/**
 * The report of `npm run bench`: every figure of the run as one summary table (stdout) and as the
 * `summary` and `results` of bench/results/latest.json.
 */
import type { AnalyticsMeasurement } from './analytics.js';
import type { ImportMeasurement } from './import.js';
import type { LatencySummary, LoadResult } from './load.js';
import type { PublishMeasurement } from './publish.js';
import type { Dialect } from './scenarios.js';
import type { SelfTime } from './profile.js';
import type { StartupResult } from './startup.js';
import type { ProcessStats } from './server.js';
import type { WebhooksMeasurement } from './webhooks.js';
import { comparedVariant, REFERENCE_GOALS, type ReferenceVariant } from './reference/compare.js';

const round = (n: number, digits: number) => Number(n.toFixed(digits));
const mb = (bytes: number) => round(bytes / (1024 * 1024), 1);

/** One HTTP scenario on one dialect, served by one process or (scale-out) several. */
export interface Measurement {
  scenario: string;
  dialect: Dialect | 'none';
  description: string;
  label: string;
  /** API server processes sharing the load (2 in the scale-out rows). */
  processes: number;
  /** Whether the servers shared a Redis rate-limit store (REDIS_URL). */
  redis: boolean;
  result?: LoadResult;
  latency?: LatencySummary;
  /** Each server child just before and just after the measured run. */
  servers?: { stats: Array<{ before: ProcessStats; after: ProcessStats }>; seconds: number };
  failure?: string;
  /** Set on the hand-written reference's rows (bench/reference/): which variant served. */
  reference?: ReferenceVariant;
  /**
   * A row measured interleaved with others (an Audenci row and its references): the req/s of each of its
   * slices, in turn order; the rows of one run have as many.
   */
  slices?: number[];
  /** Where the server's CPU time went under the same load (bench/profile.ts). */
  profile?: ProfileSummary;
}

/** The top self-time functions of a CPU profile taken under load, and the same by package or folder. */
export interface ProfileSummary {
  /** The `.cpuprofile`, relative to the repository. */
  file: string;
  top: SelfTime[];
  areas: { area: string; share: number }[];
  /** What went wrong in the profiled run (non-2xx answers…), when something did. */
  problem?: string;
}

/** The reference row an Audenci row is compared with (same scenario and dialect, one process). */
function referenceOf(m: Measurement, all: Measurement[]): Measurement | undefined {
  if (m.reference || m.processes !== 1 || m.dialect === 'none') return undefined;
  const variant = comparedVariant(m.scenario);
  if (!variant) return undefined;
  return all.find(
    (r) => r.reference?.count === variant.count && r.scenario === m.scenario && r.dialect === m.dialect,
  );
}

/** Audenci's req/s ÷ the hand-written reference's, same scenario and dialect, same run. */
export function ratioToReference(m: Measurement, all: Measurement[]): number | null {
  const ref = referenceOf(m, all)?.result?.requestsPerSecond;
  return m.result && ref ? round(m.result.requestsPerSecond / ref, 3) : null;
}

/** `latest.json`'s `reference`: each comparison of issue #20, with its goal. */
export function referenceComparisons(all: Measurement[]) {
  return all.flatMap((m) => {
    const ref = referenceOf(m, all);
    if (!ref || m.dialect === 'none') return [];
    const goal = REFERENCE_GOALS[m.scenario]?.[m.dialect] ?? null;
    const ratio = ratioToReference(m, all);
    return [
      {
        scenario: m.scenario,
        dialect: m.dialect,
        request: m.label,
        audenciRequestsPerSecond: m.result ? round(m.result.requestsPerSecond, 1) : null,
        referenceRequestsPerSecond: ref.result ? round(ref.result.requestsPerSecond, 1) : null,
        referenceCounts: ref.reference!.count,
        ratio,
        goal,
        met: ratio !== null && goal !== null ? ratio >= goal : null,
        turns: turnRatios(m, ref),
      },
    ];
  });
}

/**
 * The ratio turn by turn of an interleaved run — Audenci's slice ÷ the reference's slice of the same
 * round, seconds apart — as least, median and most: how far the machine's drift moved it within the run.
 */
function turnRatios(m: Measurement, ref: Measurement) {
  const a = m.slices ?? [];
  const b = ref.slices ?? [];
  if (a.length === 0 || a.length !== b.length) return null;
  const ratios = a.map((v, i) => (b[i]! > 0 ? v / b[i]! : 0)).sort((x, y) => x - y);
  const mid = ratios.length >> 1;
  const median = ratios.length % 2 ? ratios[mid]! : (ratios[mid - 1]! + ratios[mid]!) / 2;
  return {
    count: ratios.length,
    least: round(ratios[0]!, 3),
    median: round(median, 3),
    most: round(ratios[ratios.length - 1]!, 3),
  };
}

export function ratio(m: Measurement, baseline: Measurement | undefined): number | null {
  const base = baseline?.result?.requestsPerSecond;
  return m.result && base ? round(m.result.requestsPerSecond / base, 3) : null;
}

/** A server's CPU time over the measured run, as a share of one core: near 100 means server-bound. */
function cpuPercents(m: Measurement): number[] {
  const s = m.servers;
  if (!s || s.seconds <= 0) return [];
  return s.stats.map(({ before, after }) =>
    round(((after.cpuMicros - before.cpuMicros) / 1e6 / s.seconds) * 100, 1),
  );
}

const total = (values: number[]) =>
  round(
    values.reduce((a, b) => a + b, 0),
    1,
  );

/** A row of `results` in latest.json; the memory and CPU figures are totals over the row's servers. */
export function toJson(m: Measurement, baseline: Measurement | undefined, all: Measurement[] = []) {
  const r = m.result;
  const stats = m.servers?.stats ?? [];
  const cpu = cpuPercents(m);
  const memory = (field: 'rss' | 'heapUsed') =>
    stats.length
      ? {
          beforeLoad: total(stats.map((s) => mb(s.before[field]))),
          afterLoad: total(stats.map((s) => mb(s.after[field]))),
        }
      : null;
  return {
    scenario: m.scenario,
    dialect: m.dialect,
    processes: m.processes,
    redis: m.redis,
    server: m.dialect === 'none' ? 'baseline' : m.reference ? 'reference' : 'audenci',
    referenceCounts: m.reference ? m.reference.count : null,
    request: m.label,
    description: m.description,
    ok: m.failure === undefined,
    failure: m.failure ?? null,
    requestsPerSecond: r ? round(r.requestsPerSecond, 1) : null,
    totalRequests: r ? r.total : null,
    sliceRequestsPerSecond: m.slices ?? null,
    latencyMs: m.latency
      ? {
          average: m.latency.average,
          p50: m.latency.p50,
          p90: m.latency.p90,
          p99: m.latency.p99,
          max: m.latency.max,
        }
      : null,
    ratioToBaseline: ratio(m, baseline),
    ratioToReference: ratioToReference(m, all),
    non2xx: r ? r.non2xx : null,
    errors: r ? r.errors : null,
    timeouts: r ? r.timeouts : null,
    serverRssMb: memory('rss'),
    serverHeapUsedMb: memory('heapUsed'),
    serverCpuPercent: cpu.length ? total(cpu) : null,
    servers: stats.map((s, i) => ({
      rssMb: { beforeLoad: mb(s.before.rss), afterLoad: mb(s.after.rss) },
      heapUsedMb: { beforeLoad: mb(s.before.heapUsed), afterLoad: mb(s.after.heapUsed) },
      cpuPercent: cpu[i] ?? null,
    })),
    profile: m.profile ?? null,
  };
}

/**
 * Where each server's time went under load: per HTTP row, the heaviest functions by self time and the
 * same by package or source folder (from the profile taken after its measured run).
 */
export function profilesText(measurements: Measurement[], functions = 8): string {
  const blocks = measurements
    .filter((m) => m.profile)
    .map((m) => {
      const who = m.reference ? `reference${m.reference.count ? '' : ' without COUNT'}` : 'api';
      const p = m.profile!;
      const pct = (share: number) => `${(share * 100).toFixed(1).padStart(5)} %`;
      return [
        `${m.scenario} ${m.dialect} (${who}), ${p.file}`,
        ...p.top.slice(0, functions).map((f) => `  ${pct(f.share)}  ${f.function}`),
        `  by area: ${p.areas.map((a) => `${a.area} ${(a.share * 100).toFixed(0)} %`).join(' · ')}`,
      ].join('\n');
    });
  return blocks.length
    ? `Top self time under load (CPU profile after each measured run):\n\n${blocks.join('\n\n')}`
    : '';
}

/** One line of the summary table, and of `summary` in latest.json. */
export interface SummaryRow {
  /** `posts.get`, `publish`, `analytics groupBy=day, 7 days`, … */
  scenario: string;
  dialect: Dialect | 'none';
  /** What served or did the work: `1 api`, `2 api + redis`, `2 workers`, `in-process`. */
  processes: string;
  ok: boolean;
  /** Requests, posts or deliveries per second; null for analytics (a duration) or a failed run. */
  rate: number | null;
  unit: 'req/s' | 'posts/s' | 'deliveries/s' | null;
  /** HTTP: response time; publish: lag from the due instant; analytics: median call time. */
  p50Ms: number | null;
  p99Ms: number | null;
  /** A request rate divided by the baseline's of the same run. */
  ratioToBaseline: number | null;
  /** Audenci's request rate divided by the hand-written reference's (same scenario, dialect and run). */
  ratioToReference: number | null;
  /** Each process's resident memory after the measured work. */
  rssMb: number[];
  /** Each process's CPU time over the measured work, as a share of one core. */
  cpuPercent: number[];
}

export interface Background {
  published: PublishMeasurement[];
  delivered: WebhooksMeasurement[];
  imported: ImportMeasurement[];
  analyzed: AnalyticsMeasurement[];
  /** The production process's start-up and memory (bench/startup.ts). */
  startup?: StartupResult;
}

const workers = (n: number) => `${n} worker${n === 1 ? '' : 's'}`;

export function summaryRows(measurements: Measurement[], background: Background): SummaryRow[] {
  const baseline = measurements.find((m) => m.dialect === 'none');
  const rows: SummaryRow[] = measurements.map((m) => ({
    scenario: m.scenario,
    dialect: m.dialect,
    processes:
      m.dialect === 'none'
        ? '1 fastify'
        : m.reference
          ? `1 reference${m.reference.count ? '' : ', no COUNT'}`
          : `${m.processes} api${m.redis ? ' + redis' : ''}`,
    ok: m.failure === undefined,
    rate: m.result ? round(m.result.requestsPerSecond, 1) : null,
    unit: 'req/s',
    p50Ms: m.latency?.p50 ?? null,
    p99Ms: m.latency?.p99 ?? null,
    ratioToBaseline: ratio(m, baseline),
    ratioToReference: ratioToReference(m, measurements),
    rssMb: m.servers?.stats.map((s) => mb(s.after.rss)) ?? [],
    cpuPercent: cpuPercents(m),
  }));
  // The workers' CPU is a total over their processes: shown once, not per process.
  const workerRow = (
    scenario: string,
    m: { dialect: SummaryRow['dialect']; workerRssMb: number[]; workerCpuPercent: number },
    count: number,
    rate: number,
    unit: SummaryRow['unit'],
    lag?: { p50: number; p99: number },
  ): SummaryRow => ({
    scenario,
    dialect: m.dialect,
    processes: workers(count),
    ok: true,
    rate,
    unit,
    p50Ms: lag?.p50 ?? null,
    p99Ms: lag?.p99 ?? null,
    ratioToBaseline: null,
    ratioToReference: null,
    rssMb: m.workerRssMb,
    cpuPercent: [m.workerCpuPercent],
  });
  for (const p of background.published) {
    const row = workerRow('publish', p, p.workers, p.postsPerSecond, 'posts/s', p.lagMs);
    if (p.workerCpuShare !== null) row.processes += `, ${Math.round(p.workerCpuShare * 100)} % CPU each`;
    rows.push(row);
  }
  for (const d of background.delivered)
    rows.push(workerRow('webhooks', d, d.workers, d.deliveriesPerSecond, 'deliveries/s'));
  for (const i of background.imported) rows.push(workerRow('import', i, 1, i.postsPerSecond, 'posts/s'));
  for (const a of background.analyzed)
    for (const q of a.queries)
      rows.push({
        scenario: `analytics ${q.label}`,
        dialect: a.dialect,
        processes: 'in-process',
        ok: true,
        rate: null,
        unit: null,
        p50Ms: round(q.ms, 1),
        p99Ms: null,
        ratioToBaseline: null,
        ratioToReference: null,
        rssMb: [],
        cpuPercent: [],
      });
  const s = background.startup;
  if (s) {
    // p50: the cold start to /readyz; p99 column: the slowest of the runs. RSS: idle, then peak under load.
    rows.push({
      scenario: 'startup (npm start)',
      dialect: 'sqlite',
      processes: '1 server',
      ok: true,
      rate: null,
      unit: null,
      p50Ms: round(s.coldStartMs.p50, 0),
      p99Ms: round(s.coldStartMs.max, 0),
      ratioToBaseline: null,
      ratioToReference: null,
      rssMb: [s.idleRssMb.p50, ...(s.load ? [s.load.rssMb.peak] : [])],
      cpuPercent: [],
    });
  }
  return rows;
}

export function table(rows: string[][], leftColumns = 2): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((cell, i) => (i < leftColumns ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

export function summaryTable(rows: SummaryRow[]): string {
  const cells = [
    [
      'scenario',
      'dialect',
      'processes',
      'rate',
      'p50 ms',
      'p99 ms',
      '× baseline',
      '× reference',
      'RSS MB',
      'CPU %',
    ],
  ];
  const ms = (v: number | null) =>
    v === null ? '-' : v < 100 ? v.toFixed(2) : Math.round(v).toLocaleString('en-US');
  for (const r of rows) {
    cells.push([
      r.scenario,
      r.dialect,
      r.processes,
      !r.ok ? 'FAILED' : r.rate === null ? '-' : `${Math.round(r.rate).toLocaleString('en-US')} ${r.unit}`,
      ms(r.p50Ms),
      ms(r.p99Ms),
      r.ratioToBaseline === null ? '-' : r.ratioToBaseline.toFixed(3),
      r.ratioToReference === null ? '-' : r.ratioToReference.toFixed(3),
      r.rssMb.length ? r.rssMb.map((v) => v.toFixed(0)).join(' + ') : '-',
      r.cpuPercent.length ? r.cpuPercent.map((v) => v.toFixed(0)).join(' + ') : '-',
    ]);
  }
  return table(cells, 3);
}

/** What the columns of the summary table mean where it is not obvious. */
export const SUMMARY_NOTES = [
  'HTTP rows: autocannon over loopback; p50/p99 of every response; × baseline = req/s ÷ the baseline row.',
  '"2 api": two API processes on one PostgreSQL schema, half the connections each (+ redis: shared',
  '  rate-limit store, REDIS_URL). RSS and CPU % per process, after / over the measured run.',
  '"1 reference": the hand-written server of bench/reference/ on the same data; × reference = the api',
  "  row's req/s ÷ the reference's (posts.list: ÷ the reference without COUNT, as issue #20 states);",
  '  the api row and the reference it is compared with take turns under load, 1 s each.',
  'publish: p50/p99 = lag from the due instant to PUBLISHED; workers CPU % is their total.',
  'analytics: p50 = median call time of the service behind GET /analytics (no HTTP).',
  'startup: node bin/audenci.js serve on a new SQLite data dir; p50/p99 = median/slowest spawn → /readyz',
  '  200 of the cold starts; RSS = idle after readiness, then the peak under load (bench/startup.ts).',
].join('\n');
