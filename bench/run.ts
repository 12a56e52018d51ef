/**
 * `npm run bench`: measures each scenario of bench/scenarios.ts with autocannon over loopback, every
 * server in a child process of its own (bench/server.ts), and compares it with a bare Fastify baseline
 * measured in the same run. Prints a table, writes bench/results/latest.json, exits non-zero if any
 * response was not 2xx. See bench/README.md.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type AutocannonResult } from 'autocannon';
import pg from 'pg';
import * as prettier from 'prettier';
import {
  DIALECTS,
  SCENARIOS,
  type BenchRequest,
  type Dialect,
  type Sample,
  type Scenario,
} from './scenarios.js';
import { measurePublish, type PublishMeasurement } from './publish.js';
import { measureWebhooks, type WebhooksMeasurement } from './webhooks.js';
import { measureImport, type ImportMeasurement } from './import.js';
import { analyticsTable, measureAnalytics, type AnalyticsMeasurement } from './analytics.js';
import type { ChildMessage, ParentMessage, ProcessStats, ServerSpec } from './server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SERVER_ENTRY = path.join(ROOT, 'bench', 'server.ts');
const RESULTS_SCHEMA_VERSION = 2;
/** The publish-throughput measurement's name in BENCH_SCENARIOS. */
const PUBLISH = 'publish';
/** The webhook-delivery measurement's name in BENCH_SCENARIOS. */
const WEBHOOKS = 'webhooks';
/** The import-throughput measurement's name in BENCH_SCENARIOS. */
const IMPORT = 'import';
/** The `GET /analytics` aggregation measurement's name in BENCH_SCENARIOS. */
const ANALYTICS = 'analytics';

const round = (n: number, digits: number) => Number(n.toFixed(digits));
const mb = (bytes: number) => round(bytes / (1024 * 1024), 1);

// ---------------------------------------------------------------------------------------------------
// Settings

function positiveInt(name: string, fallback: number, min = 1): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min) {
    throw new Error(`${name} must be a whole number ≥ ${min}, got '${raw}'`);
  }
  return Number(raw);
}

function list(name: string): string[] | undefined {
  const raw = process.env[name]?.trim();
  return raw
    ? raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;
}

const settings = {
  connections: positiveInt('BENCH_CONNECTIONS', 10),
  pipelining: positiveInt('BENCH_PIPELINING', 1),
  durationSeconds: positiveInt('BENCH_DURATION', 5),
  warmupSeconds: positiveInt('BENCH_WARMUP', 1, 0),
};
const logLevel = process.env.BENCH_LOG_LEVEL?.trim() || 'warn';
const databaseUrl =
  process.env.BENCH_DATABASE_URL?.trim() || process.env.TEST_DATABASE_URL?.trim() || undefined;
const output = path.resolve(ROOT, process.env.BENCH_OUTPUT?.trim() || 'bench/results/latest.json');
/** Directory for a V8 CPU profile of every server child (`node --cpu-prof`), one file per run. */
const cpuProfDir = process.env.BENCH_CPU_PROF?.trim()
  ? path.resolve(process.env.BENCH_CPU_PROF.trim())
  : undefined;

const wantedDialects = list('BENCH_DIALECTS') ?? [...DIALECTS];
for (const d of wantedDialects) {
  if (!(DIALECTS as readonly string[]).includes(d)) throw new Error(`BENCH_DIALECTS: unknown dialect '${d}'`);
}
const dialects: Dialect[] = DIALECTS.filter(
  (d) => wantedDialects.includes(d) && (d !== 'postgres' || databaseUrl !== undefined),
);
if (dialects.length === 0)
  throw new Error('No dialect to run (PostgreSQL needs BENCH_DATABASE_URL or TEST_DATABASE_URL)');

const wantedScenarios = list('BENCH_SCENARIOS');
for (const name of wantedScenarios ?? []) {
  if (![PUBLISH, WEBHOOKS, IMPORT, ANALYTICS].includes(name) && !SCENARIOS.some((s) => s.name === name))
    throw new Error(`BENCH_SCENARIOS: unknown scenario '${name}'`);
}
const publishSettings = {
  posts: positiveInt('BENCH_PUBLISH_POSTS', 2_000, 0),
  /** Worker processes on PostgreSQL; SQLite runs its one worker. */
  postgresWorkers: positiveInt('BENCH_PUBLISH_WORKERS', 2),
};
const webhookSettings = {
  /** Events, each delivered to two endpoints. */
  events: positiveInt('BENCH_WEBHOOK_EVENTS', 2_000, 0),
};
const runWebhooks =
  webhookSettings.events > 0 && (wantedScenarios === undefined || wantedScenarios.includes(WEBHOOKS));
const importSettings = {
  /** Posts in the one `posts.import` job. */
  posts: positiveInt('BENCH_IMPORT_POSTS', 20_000, 0),
};
const runImport =
  importSettings.posts > 0 && (wantedScenarios === undefined || wantedScenarios.includes(IMPORT));
const analyticsSettings = {
  /** Snapshots in `post_metrics` (10 per post; each post's last one in `post_metrics_latest`). */
  snapshots: positiveInt('BENCH_ANALYTICS_SNAPSHOTS', 1_000_000, 0),
  /** Timed calls per query (the median is reported), after one warm-up call. */
  runs: positiveInt('BENCH_ANALYTICS_RUNS', 5),
};
const runAnalytics =
  analyticsSettings.snapshots > 0 && (wantedScenarios === undefined || wantedScenarios.includes(ANALYTICS));
const runPublish =
  publishSettings.posts > 0 && (wantedScenarios === undefined || wantedScenarios.includes(PUBLISH));

// ---------------------------------------------------------------------------------------------------
// Resources the run must remove even when it fails or is interrupted

const cleanups = new Set<() => Promise<void>>();
const children = new Set<ChildProcess>();

async function cleanUp(): Promise<void> {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const fn of [...cleanups]) await fn().catch((e: unknown) => console.error('cleanup failed:', e));
  cleanups.clear();
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping`);
    void cleanUp().finally(() => process.exit(130));
  });
}

function trackChild(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
}

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

/** Leaves no data behind: the temporary data dir, and the PostgreSQL schema if there is one. */
function allocateStorage(dialect: Dialect): { dataDir: string; schema?: string; release(): Promise<void> } {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'audenci-bench-'));
  const schema = dialect === 'postgres' ? `bench_${randomBytes(6).toString('hex')}` : undefined;
  const release = async () => {
    cleanups.delete(release);
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (schema) await dropSchema(schema);
  };
  cleanups.add(release);
  return { dataDir, schema, release };
}

// ---------------------------------------------------------------------------------------------------
// Server children

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

class ServerChild {
  private readonly waiting: Array<(m: ChildMessage) => void> = [];
  private exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    children.add(child);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        children.delete(child);
        const error = `server child exited (${signal ?? `code ${code}`})`;
        for (const fn of this.waiting.splice(0)) fn({ type: 'failed', error });
        resolve();
      });
    });
    child.on('message', (message: ChildMessage) => this.waiting.shift()?.(message));
    child.on('error', (error) => {
      for (const fn of this.waiting.splice(0)) fn({ type: 'failed', error: error.message });
    });
  }

  static async start(
    spec: ServerSpec,
  ): Promise<{ server: ServerChild; url: string; requests: BenchRequest[] }> {
    const name = spec.kind === 'baseline' ? 'baseline' : `${spec.scenario}.${spec.dialect}`;
    // One directory per scenario and dialect; the main thread's profile is the largest file in it.
    const profile = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${path.join(cpuProfDir, name)}`] : [];
    const child = spawn(process.execPath, [...profile, '--import', 'tsx', SERVER_ENTRY], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, NODE_ENV: 'production' },
    });
    const server = new ServerChild(child);
    // Migrating a fresh PostgreSQL schema and seeding 100,000 posts (about 10 s) fit easily; a hang must not.
    const ready = await server.ask({ type: 'start', spec }, 120_000).catch(async (error: unknown) => {
      await server.stop();
      throw error;
    });
    if (ready.type !== 'ready') {
      await server.stop();
      throw new Error(ready.type === 'failed' ? ready.error : `unexpected '${ready.type}' from server`);
    }
    return { server, url: ready.url, requests: ready.requests };
  }

  /** One question at a time: answers arrive in order. */
  private ask(message: ParentMessage, timeoutMs: number): Promise<ChildMessage> {
    let waiter: ((m: ChildMessage) => void) | undefined;
    const answer = new Promise<ChildMessage>((resolve) => {
      waiter = resolve;
      this.waiting.push(resolve);
      this.child.send(message, (error) => {
        if (error) resolve({ type: 'failed', error: `cannot reach the server child: ${error.message}` });
      });
    });
    return withTimeout(answer, timeoutMs, `server '${message.type}'`).finally(() => {
      // A late answer must not be taken for the answer to the next question.
      const at = this.waiting.indexOf(waiter!);
      if (at >= 0) this.waiting.splice(at, 1);
    });
  }

  async stats(): Promise<ProcessStats> {
    const answer = await this.ask({ type: 'stats' }, 10_000);
    if (answer.type !== 'stats') throw new Error(`server answered '${answer.type}' to 'stats'`);
    return answer.stats;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null && this.child.connected) {
      await this.ask({ type: 'stop' }, 15_000).catch(() => undefined);
    }
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = withTimeout(this.exited, 5_000, 'server exit').catch(() => undefined);
      await exited;
      if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    }
    await this.exited;
  }
}

// ---------------------------------------------------------------------------------------------------
// Load

async function fetchSample(url: string, request: BenchRequest): Promise<Sample> {
  const response = await fetch(url + request.path, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    signal: AbortSignal.timeout(10_000),
  });
  const body = await response.text();
  if (response.status < 200 || response.status > 299) {
    throw new Error(`${request.method} ${request.path} answered ${response.status}: ${body.slice(0, 500)}`);
  }
  return { status: response.status, body };
}

/**
 * Response times in milliseconds. autocannon's own histogram stores whole milliseconds, which says
 * nothing about a sub-millisecond API; its `response` event carries the precise time.
 */
class Latencies {
  private values = new Float64Array(1 << 16);
  private count = 0;

  record(ms: number): void {
    if (this.count === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.count++] = ms;
  }

  summary(): LatencySummary {
    const sorted = this.values.slice(0, this.count).sort();
    const at = (q: number) =>
      sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]! : 0;
    let sum = 0;
    for (const v of sorted) sum += v;
    const ms = (v: number) => round(v, 3);
    return {
      count: sorted.length,
      average: ms(sorted.length ? sum / sorted.length : 0),
      p50: ms(at(0.5)),
      p90: ms(at(0.9)),
      p99: ms(at(0.99)),
      max: ms(sorted.length ? sorted[sorted.length - 1]! : 0),
    };
  }
}

interface LatencySummary {
  count: number;
  average: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

async function fire(
  url: string,
  requests: BenchRequest[],
  seconds: number,
): Promise<{ result: AutocannonResult; latency: LatencySummary }> {
  const latencies = new Latencies();
  const instance = autocannon({
    url,
    connections: settings.connections,
    pipelining: settings.pipelining,
    duration: seconds,
    timeout: 10,
    requests,
  });
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, ms: number) => {
    if (statusCode >= 200 && statusCode < 300) latencies.record(ms);
  });
  // autocannon ends on its own after `seconds`; this only guards against a wedged run.
  const watchdog = setTimeout(() => instance.stop(), (seconds + 30) * 1000);
  try {
    const result = await instance;
    return { result, latency: latencies.summary() };
  } finally {
    clearTimeout(watchdog);
  }
}

function problems(result: AutocannonResult): string | undefined {
  const bad: string[] = [];
  if (result.non2xx > 0) {
    const codes = Object.entries(result.statusCodeStats)
      .filter(([code]) => !code.startsWith('2'))
      .map(([code, { count }]) => `${count}×${code}`);
    bad.push(`${result.non2xx} non-2xx responses (${codes.join(', ')})`);
  }
  if (result.errors > 0) bad.push(`${result.errors} errors`);
  if (result.timeouts > 0) bad.push(`${result.timeouts} timeouts`);
  if (result.requests.total === 0) bad.push('no responses');
  return bad.length ? bad.join('; ') : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Scenarios

interface Measurement {
  scenario: string;
  dialect: Dialect | 'none';
  description: string;
  label: string;
  result?: AutocannonResult;
  latency?: LatencySummary;
  /** The server child just before and just after the measured run. */
  server?: { before: ProcessStats; after: ProcessStats; seconds: number };
  failure?: string;
}

/** First request and answer of each Audenci scenario, by name: the baseline serves a copy. */
const samples = new Map<string, { request: BenchRequest; sample: Sample }>();

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function audenciSpec(scenario: string, dialect: Dialect): { spec: ServerSpec; release(): Promise<void> } {
  const storage = allocateStorage(dialect);
  return {
    spec: {
      kind: 'audenci',
      scenario,
      dialect,
      dataDir: storage.dataDir,
      ...(dialect === 'postgres' ? { databaseUrl, schema: storage.schema } : {}),
      logLevel,
    },
    release: storage.release,
  };
}

/** A scenario's first request and answer without measuring it (when the baseline runs before it). */
async function probe(name: string): Promise<{ request: BenchRequest; sample: Sample }> {
  const known = samples.get(name);
  if (known) return known;
  const { spec, release } = audenciSpec(name, dialects[0]!);
  try {
    const { server, url, requests } = await ServerChild.start(spec);
    try {
      const request = requests[0]!;
      const entry = { request, sample: await fetchSample(url, request) };
      samples.set(name, entry);
      return entry;
    } finally {
      await server.stop();
    }
  } finally {
    await release();
  }
}

async function runOne(scenario: Scenario, dialect: Dialect | 'none'): Promise<Measurement> {
  const m: Measurement = {
    scenario: scenario.name,
    dialect,
    description: scenario.description,
    label: scenario.label,
  };
  let release: (() => Promise<void>) | undefined;
  let server: ServerChild | undefined;
  try {
    let spec: ServerSpec;
    let mirrored: { request: BenchRequest; sample: Sample } | undefined;
    if (scenario.kind === 'baseline') {
      mirrored = await probe(scenario.mirrors);
      spec = { kind: 'baseline', route: scenario.route, body: JSON.parse(mirrored.sample.body), logLevel };
    } else {
      ({ spec, release } = audenciSpec(scenario.name, dialect as Dialect));
    }
    const started = await ServerChild.start(spec);
    server = started.server;
    const requests = mirrored ? [mirrored.request] : started.requests;
    if (requests.length === 0) throw new Error('the scenario returned no requests');

    // Every request must succeed once before any is measured.
    const first = await fetchSample(started.url, requests[0]!);
    for (const request of requests.slice(1)) await fetchSample(started.url, request);
    if (scenario.kind === 'baseline' && first.body !== mirrored?.sample.body) {
      throw new Error(
        `the baseline's body differs from ${scenario.mirrors}'s:\n${first.body}\n${mirrored?.sample.body}`,
      );
    }
    if (scenario.kind === 'audenci') {
      scenario.check?.(first);
      if (!samples.has(scenario.name)) samples.set(scenario.name, { request: requests[0]!, sample: first });
    }

    if (settings.warmupSeconds > 0) {
      const warm = await fire(started.url, requests, settings.warmupSeconds);
      const bad = problems(warm.result);
      if (bad) throw new Error(`warm-up: ${bad}`);
    }
    const before = await server.stats();
    const { result, latency } = await fire(started.url, requests, settings.durationSeconds);
    m.result = result;
    m.latency = latency;
    m.server = { before, after: await server.stats(), seconds: result.duration };
    const bad = problems(result);
    if (bad) throw new Error(bad);
  } catch (error) {
    m.failure = error instanceof Error ? error.message : String(error);
  } finally {
    await server?.stop();
    await release?.();
  }
  return m;
}

// ---------------------------------------------------------------------------------------------------
// Report

function ratio(m: Measurement, baseline: Measurement | undefined): number | null {
  const base = baseline?.result?.requests.average;
  return m.result && base ? round(m.result.requests.average / base, 3) : null;
}

/** The server's CPU time over the measured run, as a share of one core: near 100 means server-bound. */
function cpuPercent(m: Measurement): number | null {
  if (!m.server || m.server.seconds <= 0) return null;
  const micros = m.server.after.cpuMicros - m.server.before.cpuMicros;
  return round((micros / 1e6 / m.server.seconds) * 100, 1);
}

function toJson(m: Measurement, baseline: Measurement | undefined) {
  const r = m.result;
  return {
    scenario: m.scenario,
    dialect: m.dialect,
    request: m.label,
    description: m.description,
    ok: m.failure === undefined,
    failure: m.failure ?? null,
    requestsPerSecond: r ? round(r.requests.average, 1) : null,
    totalRequests: r ? r.requests.total : null,
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
    non2xx: r ? r.non2xx : null,
    errors: r ? r.errors : null,
    timeouts: r ? r.timeouts : null,
    serverRssMb: m.server ? { beforeLoad: mb(m.server.before.rss), afterLoad: mb(m.server.after.rss) } : null,
    serverHeapUsedMb: m.server
      ? { beforeLoad: mb(m.server.before.heapUsed), afterLoad: mb(m.server.after.heapUsed) }
      : null,
    serverCpuPercent: cpuPercent(m),
  };
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

function commit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

function version(pkg: string): string | null {
  try {
    const file = path.join(ROOT, 'node_modules', pkg, 'package.json');
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const selected = SCENARIOS.filter(
    (s) => s.kind === 'baseline' || wantedScenarios === undefined || wantedScenarios.includes(s.name),
  );
  const plan: Array<{ scenario: Scenario; dialect: Dialect | 'none' }> = [];
  for (const scenario of selected) {
    if (scenario.kind === 'baseline') plan.push({ scenario, dialect: 'none' });
    else
      for (const d of dialects)
        if (!scenario.dialects || scenario.dialects.includes(d)) plan.push({ scenario, dialect: d });
  }

  log(
    `bench: ${plan.length} runs; ${settings.connections} connections, pipelining ${settings.pipelining}, ` +
      `${settings.warmupSeconds} s warm-up + ${settings.durationSeconds} s each; dialects ${dialects.join(', ')}`,
  );
  const started = Date.now();
  const loadAtStart = round(os.loadavg()[0]!, 2);
  if (loadAtStart > os.cpus().length * 0.5) {
    log(
      `bench: WARNING: 1-minute load average is ${loadAtStart} on ${os.cpus().length} CPUs; ` +
        'other work on this machine will distort the figures',
    );
  }
  const measurements: Measurement[] = [];
  for (const { scenario, dialect } of plan) {
    log(`- ${scenario.name} (${dialect})`);
    const m = await runOne(scenario, dialect);
    if (m.failure) log(`  FAILED: ${m.failure}`);
    measurements.push(m);
  }
  const published: PublishMeasurement[] = [];
  const backgroundFailures: string[] = [];
  if (runPublish) {
    for (const dialect of dialects) {
      const workers = dialect === 'postgres' ? publishSettings.postgresWorkers : 1;
      log(`- ${PUBLISH} (${dialect}, ${publishSettings.posts} posts, ${workers} worker process(es))`);
      const storage = allocateStorage(dialect);
      try {
        published.push(
          await measurePublish({
            dialect,
            dataDir: storage.dataDir,
            ...(dialect === 'postgres' ? { databaseUrl, schema: storage.schema } : {}),
            posts: publishSettings.posts,
            workers,
            logLevel,
            timeoutMs: Math.max(60_000, publishSettings.posts * 20),
            track: trackChild,
          }),
        );
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        log(`  FAILED: ${message}`);
        backgroundFailures.push(`${dialect}: ${message}`);
      } finally {
        await storage.release();
      }
    }
  }
  const delivered: WebhooksMeasurement[] = [];
  if (runWebhooks) {
    for (const dialect of dialects) {
      const workers = dialect === 'postgres' ? publishSettings.postgresWorkers : 1;
      log(
        `- ${WEBHOOKS} (${dialect}, ${webhookSettings.events} events × 2 endpoints, ${workers} worker process(es))`,
      );
      const storage = allocateStorage(dialect);
      try {
        delivered.push(
          await measureWebhooks({
            dialect,
            dataDir: storage.dataDir,
            ...(dialect === 'postgres' ? { databaseUrl, schema: storage.schema } : {}),
            events: webhookSettings.events,
            workers,
            logLevel,
            timeoutMs: Math.max(60_000, webhookSettings.events * 40),
            track: trackChild,
          }),
        );
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        log(`  FAILED: ${message}`);
        backgroundFailures.push(`${WEBHOOKS} ${dialect}: ${message}`);
      } finally {
        await storage.release();
      }
    }
  }
  const imported: ImportMeasurement[] = [];
  if (runImport) {
    for (const dialect of dialects) {
      log(`- ${IMPORT} (${dialect}, ${importSettings.posts} posts in one posts.import job)`);
      const storage = allocateStorage(dialect);
      try {
        imported.push(
          await measureImport({
            dialect,
            dataDir: storage.dataDir,
            ...(dialect === 'postgres' ? { databaseUrl, schema: storage.schema } : {}),
            posts: importSettings.posts,
            logLevel,
            timeoutMs: Math.max(60_000, importSettings.posts * 20),
            track: trackChild,
          }),
        );
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        log(`  FAILED: ${message}`);
        backgroundFailures.push(`${IMPORT} ${dialect}: ${message}`);
      } finally {
        await storage.release();
      }
    }
  }
  const analyzed: AnalyticsMeasurement[] = [];
  if (runAnalytics) {
    for (const dialect of dialects) {
      log(`- ${ANALYTICS} (${dialect}, GET /analytics over ${analyticsSettings.snapshots} snapshots)`);
      const storage = allocateStorage(dialect);
      try {
        // In this process: it times the service call behind the route, not HTTP.
        const m = await measureAnalytics({
          dialect,
          dataDir: storage.dataDir,
          ...(dialect === 'postgres' ? { databaseUrl, schema: storage.schema } : {}),
          snapshots: analyticsSettings.snapshots,
          runs: analyticsSettings.runs,
          logLevel,
        });
        log(`  seeded ${m.snapshots} snapshots in ${m.seedSeconds.toFixed(1)} s`);
        analyzed.push(m);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        log(`  FAILED: ${message}`);
        backgroundFailures.push(`${ANALYTICS} ${dialect}: ${message}`);
      } finally {
        await storage.release();
      }
    }
  }
  await cleanUp();

  const baseline = measurements.find((m) => m.dialect === 'none');
  const rows = [
    [
      'scenario',
      'dialect',
      'req/s',
      'p50 ms',
      'p99 ms',
      '× baseline',
      'server RSS MB (before → after)',
      'server CPU %',
    ],
  ];
  for (const m of measurements) {
    const r = m.result;
    const x = ratio(m, baseline);
    rows.push([
      m.scenario,
      m.dialect,
      m.failure ? 'FAILED' : r ? round(r.requests.average, 0).toLocaleString('en-US') : '-',
      m.latency ? m.latency.p50.toFixed(2) : '-',
      m.latency ? m.latency.p99.toFixed(2) : '-',
      x === null ? '-' : x.toFixed(3),
      m.server ? `${mb(m.server.before.rss)} → ${mb(m.server.after.rss)}` : '-',
      cpuPercent(m)?.toFixed(0) ?? '-',
    ]);
  }
  console.log(`\n${table(rows)}\n`);
  if (published.length) {
    const publishRows = [
      [
        'publish',
        'dialect',
        'workers',
        'posts',
        'posts/s',
        'first ms',
        'p50 ms',
        'p99 ms',
        'last ms',
        'worker CPU %',
      ],
    ];
    for (const p of published) {
      publishRows.push([
        'due → PUBLISHED',
        p.dialect,
        String(p.workers),
        p.posts.toLocaleString('en-US'),
        Math.round(p.postsPerSecond).toLocaleString('en-US'),
        String(p.lagMs.first),
        String(p.lagMs.p50),
        String(p.lagMs.p99),
        String(p.lagMs.last),
        p.workerCpuPercent.toFixed(0),
      ]);
    }
    console.log(`${table(publishRows)}\n`);
  }
  if (imported.length) {
    const rows = [['import', 'dialect', 'posts', 'posts/s', 'seconds', 'worker CPU %']];
    for (const d of imported) {
      rows.push([
        'posts.import job',
        d.dialect,
        d.posts.toLocaleString('en-US'),
        Math.round(d.postsPerSecond).toLocaleString('en-US'),
        d.seconds.toFixed(2),
        d.workerCpuPercent.toFixed(0),
      ]);
    }
    console.log(`${table(rows)}\n`);
  }
  if (delivered.length) {
    const rows = [
      ['webhooks', 'dialect', 'workers', 'deliveries', 'deliveries/s', 'seconds', 'worker CPU %'],
    ];
    for (const d of delivered) {
      rows.push([
        `${d.events.toLocaleString('en-US')} events × ${d.endpoints}`,
        d.dialect,
        String(d.workers),
        d.deliveries.toLocaleString('en-US'),
        Math.round(d.deliveriesPerSecond).toLocaleString('en-US'),
        d.seconds.toFixed(2),
        d.workerCpuPercent.toFixed(0),
      ]);
    }
    console.log(`${table(rows)}\n`);
  }
  if (analyzed.length) console.log(`${analyticsTable(analyzed)}\n`);
  log(`bench: finished in ${Math.round((Date.now() - started) / 1000)} s`);

  const failed = measurements.filter((m) => m.failure).length + backgroundFailures.length;
  if (failed) {
    log(`bench: ${failed} run(s) failed; ${path.relative(ROOT, output)} left unchanged`);
    return 1;
  }

  const report = {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    generatedAt: new Date().toISOString(),
    commit: commit(),
    machine: {
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model.trim() ?? null,
      totalMemoryMb: mb(os.totalmem()),
      loadAverage1m: { start: loadAtStart, end: round(os.loadavg()[0]!, 2) },
    },
    versions: { fastify: version('fastify'), autocannon: version('autocannon') },
    settings: {
      ...settings,
      dialects,
      scenarios: [
        ...selected.map((s) => s.name),
        ...(runPublish ? [PUBLISH] : []),
        ...(runWebhooks ? [WEBHOOKS] : []),
        ...(runImport ? [IMPORT] : []),
        ...(runAnalytics ? [ANALYTICS] : []),
      ],
      import: importSettings,
      analytics: analyticsSettings,
      publish: publishSettings,
      webhooks: webhookSettings,
    },
    results: measurements.map((m) => toJson(m, baseline)),
    publish: published,
    webhooks: delivered,
    import: imported,
    analytics: analyzed,
  };
  fs.mkdirSync(path.dirname(output), { recursive: true });
  const tmp = `${output}.tmp`;
  // Formatted as `npm run format` would, so that the committed file passes `prettier --check`.
  const text = await prettier.format(JSON.stringify(report), {
    ...(await prettier.resolveConfig(output)),
    filepath: output,
  });
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, output);
  log(`bench: wrote ${path.relative(ROOT, output)}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    console.error(error);
    await cleanUp();
    process.exit(1);
  },
);
