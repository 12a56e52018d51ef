/**
 * `npm run bench`: measures each scenario of bench/scenarios.ts with autocannon over loopback, every
 * server in a child process of its own (bench/server.ts) — and, on PostgreSQL, the posts scenarios
 * again on two API processes sharing the database (scale-out) — then the background work (publish,
 * webhooks, import, analytics), and compares the request rates with a bare Fastify baseline measured in
 * the same run and, for the posts scenarios, with the hand-written reference of bench/reference/ on the
 * same data (checked to answer as Audenci does before it is measured). Prints one summary table, writes bench/results/latest.json, exits non-zero if any
 * response was not 2xx or any measurement failed. See bench/README.md.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
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
import { cpuLimitUnavailable } from './cpu-limit.js';
import { measureWebhooks, type WebhooksMeasurement } from './webhooks.js';
import { measureImport, type ImportMeasurement } from './import.js';
import { measureAnalytics, type AnalyticsMeasurement } from './analytics.js';
import {
  fetchAnswer,
  fetchSample,
  fire,
  Latencies,
  problems,
  type LatencySummary,
  type LoadResult,
} from './load.js';
import {
  comparedVariant,
  compareRefusals,
  compareWithAudenci,
  REFERENCE_VARIANTS,
  withUnknownKey,
  type ReferenceVariant,
} from './reference/compare.js';
import {
  referenceComparisons,
  SUMMARY_NOTES,
  summaryRows,
  summaryTable,
  profilesText,
  toJson,
  type Measurement,
} from './report.js';
import type { ChildMessage, ParentMessage, ProcessStats, ServerSpec } from './server.js';
import { selfTimeByArea, topSelfTime, type CpuProfile } from './profile.js';
import { buildChildren } from './build-children.js';
import { serverLaunch } from '../bin/build.mjs';
import { measureStartup, type StartupResult } from './startup.js';
import type { ProfileSummary } from './report.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The server child's source; it runs bundled as plain JavaScript (bench/build-children.ts). */
const SERVER_SOURCE = path.join(ROOT, 'bench', 'server.ts');
let serverEntry = SERVER_SOURCE;
/**
 * 3: a row of `results` is identified by scenario, dialect and `processes` (scale-out rows share the
 * scenario name), its server figures are totals over its processes (`servers` has each), `publish` has
 * a 1-worker and an N-worker entry on PostgreSQL, and `summary` holds the printed table.
 * 4: rows of the hand-written reference (`server: 'reference'`, `referenceCounts`), each Audenci row's
 * `ratioToReference`, and `reference`: the comparisons of issue #20 with their goals.
 * 5: each HTTP row's `profile` (top self time under load).
 * 6: an Audenci row and its references are measured interleaved in one-second turns: each such row's
 * `sliceRequestsPerSecond`, and each comparison's `turns` (the ratio turn by turn: least, median, most).
 */
const RESULTS_SCHEMA_VERSION = 7;
/** The publish-throughput measurement's name in BENCH_SCENARIOS. */
const PUBLISH = 'publish';
/** The webhook-delivery measurement's name in BENCH_SCENARIOS. */
const WEBHOOKS = 'webhooks';
/** The import-throughput measurement's name in BENCH_SCENARIOS. */
const IMPORT = 'import';
/** The `GET /analytics` aggregation measurement's name in BENCH_SCENARIOS. */
const ANALYTICS = 'analytics';
/** The production start-up and memory measurement's name in BENCH_SCENARIOS (bench/startup.ts). */
const STARTUP = 'startup';
/** The scale-out rows' name in BENCH_SCENARIOS: the scenarios below on API_PROCESSES servers. */
const SCALEOUT = 'scaleout';
const SCALEOUT_SCENARIOS = ['posts.get', 'posts.list', 'posts.create'];
/** API server processes of a scale-out row, on one PostgreSQL schema. */
const API_PROCESSES = 2;
/** Seconds of one server's turn under load in a paired run (`runPaired`): BENCH_DURATION turns each. */
const SLICE_SECONDS = 1;

const round = (n: number, digits: number) => Number(n.toFixed(digits));
const mb = (bytes: number) => round(bytes / (1024 * 1024), 1);
const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

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

/**
 * Whether one-process HTTP rows pin the server to one CPU and the load generator to another, as issue
 * #20's figures were taken: `BENCH_PIN=0` turns it off; it is off where there are fewer than two CPUs
 * or no `taskset` (util-linux).
 */
function pinningWanted(): boolean {
  const raw = process.env.BENCH_PIN?.trim();
  if (raw !== undefined && raw !== '' && raw !== '0' && raw !== '1') {
    throw new Error(`BENCH_PIN must be 0 or 1, got '${raw}'`);
  }
  if (raw === '0' || os.availableParallelism() < 2) return false;
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    if (raw === '1') throw new Error('BENCH_PIN=1 needs taskset (util-linux)');
    return false;
  }
}

const settings = {
  connections: positiveInt('BENCH_CONNECTIONS', 10),
  pipelining: positiveInt('BENCH_PIPELINING', 1),
  durationSeconds: positiveInt('BENCH_DURATION', 5),
  warmupSeconds: positiveInt('BENCH_WARMUP', 1, 0),
  /** A CPU profile under the same load after the measured run (not counted in it); 0: none. */
  profileSeconds: positiveInt('BENCH_PROFILE', 3, 0),
  /** One-process rows: the server on the first CPU, the load generator on the last (see `pinRow`). */
  pinned: pinningWanted(),
};
const logLevel = process.env.BENCH_LOG_LEVEL?.trim() || 'warn';
const databaseUrl =
  process.env.BENCH_DATABASE_URL?.trim() || process.env.TEST_DATABASE_URL?.trim() || undefined;
/** The scale-out rows' shared rate-limit store, as a scale-out deployment has one. */
const redisUrl = process.env.BENCH_REDIS_URL?.trim() || process.env.TEST_REDIS_URL?.trim() || undefined;
const output = path.resolve(ROOT, process.env.BENCH_OUTPUT?.trim() || 'bench/results/latest.json');
/** Where the profiles under load go (one `.cpuprofile` per row; open one in Chrome DevTools). */
const profileDir = path.resolve(
  ROOT,
  process.env.BENCH_PROFILE_DIR?.trim() || path.join(path.dirname(output), 'profiles'),
);
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
  if (
    ![PUBLISH, WEBHOOKS, IMPORT, ANALYTICS, STARTUP, SCALEOUT].includes(name) &&
    !SCENARIOS.some((s) => s.name === name)
  )
    throw new Error(`BENCH_SCENARIOS: unknown scenario '${name}'`);
}
const publishSettings = {
  posts: positiveInt('BENCH_PUBLISH_POSTS', 2_000, 0),
  /**
   * Worker processes on PostgreSQL (webhooks too): publish runs with one and with this many there;
   * SQLite runs its one worker.
   */
  postgresWorkers: positiveInt('BENCH_PUBLISH_WORKERS', 2),
  /**
   * On PostgreSQL the one and the several workers run again, each limited to this percentage of one
   * CPU (bench/cpu-limit.ts), as workers deployed with a container's CPU limit; 0 leaves those runs out.
   */
  workerCpuPercent: positiveInt('BENCH_WORKER_CPU', 25, 0),
  /** Posts of the limited runs: more than unlimited, since they publish slower. */
  limitedPosts: positiveInt('BENCH_PUBLISH_LIMITED_POSTS', 4_000, 1),
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
const startupSettings = {
  /** Cold starts of `node bin/audenci.js serve` (median reported); 0 skips the measurement. */
  runs: positiveInt('BENCH_STARTUP_RUNS', 5, 0),
  /** Seconds of load per request kind on the started server, while its RSS is sampled. */
  loadSeconds: positiveInt('BENCH_STARTUP_LOAD', 5, 0),
};
const runStartup =
  startupSettings.runs > 0 && (wantedScenarios === undefined || wantedScenarios.includes(STARTUP));
const runPublish =
  publishSettings.posts > 0 && (wantedScenarios === undefined || wantedScenarios.includes(PUBLISH));
const runScaleOut = wantedScenarios === undefined || wantedScenarios.includes(SCALEOUT);
/** `BENCH_REFERENCE=0` skips the hand-written reference's rows. */
const runReference = (process.env.BENCH_REFERENCE?.trim() || '1') !== '0';

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

  /** The child's process id (for its CPU affinity). */
  get pid(): number {
    return this.child.pid!;
  }

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
    /** Of the CPU profile's directory when there are several servers: `posts.get.postgres.2-of-2`. */
    suffix = '',
  ): Promise<{ server: ServerChild; url: string; requests: BenchRequest[] }> {
    const name =
      (spec.kind === 'baseline'
        ? 'baseline'
        : spec.kind === 'reference'
          ? `${spec.scenario}.${spec.dialect}.reference${spec.count ? '' : '-no-count'}`
          : `${spec.scenario}.${spec.dialect}`) + suffix;
    // One directory per scenario and dialect; the main thread's profile is the largest file in it.
    const profile = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${path.join(cpuProfDir, name)}`] : [];
    // The Node.js options and environment `npm start` gives the server (package.json, bin/build.mjs).
    const launch = serverLaunch();
    const child = spawn(process.execPath, [...profile, ...launch.nodeOptions, serverEntry], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, ...launch.env, NODE_ENV: 'production' },
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

  /**
   * Samples the child's CPU while `load` runs, writes the profile to `file`, and answers where its time
   * went (bench/profile.ts).
   */
  async profile(file: string, load: () => Promise<unknown>): Promise<ProfileSummary> {
    const started = await this.ask({ type: 'profile-start' }, 10_000);
    if (started.type !== 'profiling') throw new Error(`server answered '${started.type}' to 'profile-start'`);
    await load();
    const stopped = await this.ask({ type: 'profile-stop', file }, 30_000);
    if (stopped.type !== 'profiled') throw new Error(`server answered '${stopped.type}' to 'profile-stop'`);
    const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
    return {
      file: path.relative(ROOT, file),
      top: topSelfTime(profile, 12),
      areas: selfTimeByArea(profile, 8),
    };
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
// HTTP scenarios

/** First request and answer of each Audenci scenario, by name: the baseline serves a copy. */
const samples = new Map<string, { request: BenchRequest; sample: Sample }>();

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function audenciSpec(
  scenario: string,
  dialect: Dialect,
  extra: Pick<Extract<ServerSpec, { kind: 'audenci' }>, 'secretKey' | 'redis'> = {},
): { spec: Extract<ServerSpec, { kind: 'audenci' }>; release(): Promise<void> } {
  const storage = allocateStorage(dialect);
  return {
    spec: {
      kind: 'audenci',
      scenario,
      dialect,
      dataDir: storage.dataDir,
      ...(dialect === 'postgres' ? { databaseUrl, schema: storage.schema } : {}),
      logLevel,
      ...extra,
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

/** Removes the rate-limit counters a scale-out run left in Redis (they would expire within the hour). */
async function dropRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(redisUrl!, { maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/**
 * The servers of one run: a first child creates the database and the scenario's data and stops; then
 * `processes` children (more than one: scale-out, PostgreSQL) attach to it with the same secret key and
 * serve the same requests, sharing Redis when there is one.
 */
async function startServers(
  scenario: Scenario,
  dialect: Dialect | 'none',
  processes: number,
  redisPrefix: string | undefined,
): Promise<{
  servers: ServerChild[];
  urls: string[];
  requests: BenchRequest[];
  mirrored?: Sample;
  release?: () => Promise<void>;
}> {
  if (scenario.kind === 'baseline') {
    const mirrored = await probe(scenario.mirrors);
    const spec: ServerSpec = {
      kind: 'baseline',
      route: scenario.route,
      body: JSON.parse(mirrored.sample.body),
      logLevel,
    };
    const { server, url } = await ServerChild.start(spec);
    return { servers: [server], urls: [url], requests: [mirrored.request], mirrored: mirrored.sample };
  }
  const { spec, release } = audenciSpec(scenario.name, dialect as Dialect, {
    secretKey: randomBytes(32).toString('hex'),
    ...(processes > 1 && redisPrefix ? { redis: { url: redisUrl!, prefix: redisPrefix } } : {}),
  });
  const servers: ServerChild[] = [];
  const urls: string[] = [];
  try {
    // A child creates the schema and seeds the data, then stops; the measured servers are new processes
    // on that database, as the reference is. The process that inserted 100,000 posts would otherwise
    // serve the run with what seeding left in its heap (an old generation of 170-200 MB RSS), which a
    // server in production does not have.
    const seeder = await ServerChild.start(spec, '.seed');
    await seeder.server.stop();
    const suffix = (i: number) => (processes > 1 ? `.${i}-of-${processes}` : '');
    for (let i = 1; i <= processes; i++) {
      const next = await ServerChild.start({ ...spec, attach: seeder.requests }, suffix(i));
      servers.push(next.server);
      urls.push(next.url);
    }
    return { servers, urls, requests: seeder.requests, release };
  } catch (error) {
    await Promise.all(servers.map((s) => s.stop()));
    await release();
    throw error;
  }
}

/** Sets the CPUs every thread of a process may run on (`taskset -a -p -c`). */
function setAffinity(pid: number, cpus: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
}

/**
 * Pins a one-process row: the server (every thread) on CPU 0, this process — the load generator — on
 * the last CPU, so that neither takes the other's core from one row to the next; PostgreSQL's backends
 * stay free. Answers how to undo it for this process (children started later must not inherit it).
 */
function pinRow(serverPids: number[]): () => void {
  const last = os.availableParallelism() - 1;
  for (const pid of serverPids) setAffinity(pid, '0');
  setAffinity(process.pid, String(last));
  return () => setAffinity(process.pid, `0-${last}`);
}

/** A profile's file name: `posts.list.sqlite`, `posts.list.sqlite.reference-no-count`. */
function profileName(m: Measurement): string {
  const who = m.reference ? `.reference${m.reference.count ? '' : '-no-count'}` : '';
  return `${m.scenario}.${m.dialect}${who}`;
}

/**
 * Where the time went: a CPU profile under the same load, after the measured run (sampling slows a
 * server a little, so the figures come from runs without it). The measurement stands whatever happens
 * here: a profile that fails is logged, not counted.
 */
async function profileRow(m: Measurement, server: ServerChild, url: string, requests: BenchRequest[]) {
  fs.mkdirSync(profileDir, { recursive: true });
  let wrong: string | undefined;
  try {
    m.profile = await server.profile(path.join(profileDir, `${profileName(m)}.cpuprofile`), async () => {
      wrong = problems((await fire([url], requests, settings.profileSeconds, settings)).result);
    });
    if (wrong) m.profile.problem = wrong;
  } catch (error) {
    log(`  profile: ${errorText(error)}`);
  }
  if (wrong) log(`  profile: the profiled run had ${wrong}`);
}

async function runOne(
  scenario: Scenario,
  dialect: Dialect | 'none',
  processes: number,
): Promise<Measurement> {
  const redisPrefix =
    processes > 1 && redisUrl ? `audenci:bench:${randomBytes(6).toString('hex')}:rl:` : undefined;
  const m: Measurement = {
    scenario: scenario.name,
    dialect,
    description: scenario.description,
    label: scenario.label,
    processes,
    redis: redisPrefix !== undefined,
  };
  let started: Awaited<ReturnType<typeof startServers>> | undefined;
  let unpin: (() => void) | undefined;
  try {
    started = await startServers(scenario, dialect, processes, redisPrefix);
    const { servers, urls, requests, mirrored } = started;
    if (settings.pinned && processes === 1) unpin = pinRow(servers.map((s) => s.pid));
    if (requests.length === 0) throw new Error('the scenario returned no requests');

    // Every request must succeed once on every server before any is measured.
    const first = await fetchSample(urls[0]!, requests[0]!);
    for (const [i, url] of urls.entries())
      for (const request of requests.slice(i === 0 ? 1 : 0)) await fetchSample(url, request);
    if (scenario.kind === 'baseline' && first.body !== mirrored?.body) {
      throw new Error(
        `the baseline's body differs from ${scenario.mirrors}'s:\n${first.body}\n${mirrored?.body}`,
      );
    }
    if (scenario.kind === 'audenci') {
      scenario.check?.(first);
      if (!samples.has(scenario.name)) samples.set(scenario.name, { request: requests[0]!, sample: first });
    }

    if (settings.warmupSeconds > 0) {
      const warm = await fire(urls, requests, settings.warmupSeconds, settings);
      const bad = problems(warm.result);
      if (bad) throw new Error(`warm-up: ${bad}`);
    }
    const before = await Promise.all(servers.map((s) => s.stats()));
    const { result, latency } = await fire(urls, requests, settings.durationSeconds, settings);
    const after = await Promise.all(servers.map((s) => s.stats()));
    m.result = result;
    m.latency = latency;
    m.servers = { stats: before.map((b, i) => ({ before: b, after: after[i]! })), seconds: result.duration };
    const bad = problems(result);
    if (bad) throw new Error(bad);
    if (settings.profileSeconds > 0 && scenario.kind !== 'baseline' && processes === 1)
      await profileRow(m, servers[0]!, urls[0]!, requests);
  } catch (error) {
    m.failure = errorText(error);
  } finally {
    unpin?.();
    await Promise.all(started?.servers.map((s) => s.stop()) ?? []);
    await started?.release?.();
    if (redisPrefix)
      await dropRedisKeys(redisPrefix).catch((e: unknown) => log(`  redis cleanup: ${errorText(e)}`));
  }
  return m;
}

/** One server's slices of a paired run: what each measured, and the server before and after it. */
interface Slice {
  result: LoadResult;
  before: ProcessStats;
  after: ProcessStats;
}

/**
 * A paired row's figures from its slices: requests, errors and seconds summed, the rate their quotient,
 * CPU time counted over the server's own slices only (it idles while the others are measured), the
 * memory before the first and after the last.
 */
function fromSlices(
  slices: Slice[],
  latency: LatencySummary,
): Pick<Measurement, 'result' | 'latency' | 'servers' | 'slices'> {
  const sum = (f: (s: Slice) => number) => slices.reduce((total, s) => total + f(s), 0);
  const statusCodes: Record<string, number> = {};
  for (const { result } of slices)
    for (const [code, count] of Object.entries(result.statusCodes))
      statusCodes[code] = (statusCodes[code] ?? 0) + count;
  const seconds = sum((s) => s.result.duration);
  const total = sum((s) => s.result.total);
  const first = slices[0]!.before;
  const last = slices[slices.length - 1]!.after;
  return {
    result: {
      requestsPerSecond: seconds > 0 ? total / seconds : 0,
      total,
      non2xx: sum((s) => s.result.non2xx),
      errors: sum((s) => s.result.errors),
      timeouts: sum((s) => s.result.timeouts),
      duration: round(seconds, 2),
      statusCodes,
    },
    latency,
    servers: {
      stats: [
        {
          before: first,
          after: { ...last, cpuMicros: first.cpuMicros + sum((s) => s.after.cpuMicros - s.before.cpuMicros) },
        },
      ],
      seconds,
    },
    slices: slices.map((s) => round(s.result.duration > 0 ? s.result.total / s.result.duration : 0, 1)),
  };
}

/**
 * An Audenci row and its hand-written references (issue #20), measured together: a child seeds the data
 * and stops; the Audenci server and each reference then run side by side on that one database, each
 * pinned to the same CPU, and take turns under load in slices of `SLICE_SECONDS` — `BENCH_DURATION`
 * rounds, each round giving every server one slice, the order rotating from round to round. The VM's
 * speed drifts from one minute to the next by more than the gaps being measured; rows measured one after
 * the other, tens of seconds apart, took that drift into their ratio, while interleaved slices share it.
 */
async function runPaired(
  scenario: Scenario,
  dialect: Dialect,
  variants: ReferenceVariant[],
): Promise<Measurement[]> {
  const rows: Measurement[] = [undefined, ...variants].map((reference) => ({
    scenario: scenario.name,
    dialect,
    description: scenario.description,
    label: scenario.label,
    processes: 1,
    redis: false,
    ...(reference ? { reference } : {}),
  }));
  const { spec, release } = audenciSpec(scenario.name, dialect, {
    secretKey: randomBytes(32).toString('hex'),
  });
  const servers: ServerChild[] = [];
  let unpin: (() => void) | undefined;
  try {
    // The seeder answers the scenario's first request once — what every reference must answer too.
    const seeder = await ServerChild.start(spec, '.seed');
    let audenciAnswer: Awaited<ReturnType<typeof fetchAnswer>>;
    let audenciRefusal: Awaited<ReturnType<typeof fetchAnswer>>;
    try {
      audenciAnswer = await fetchAnswer(seeder.url, seeder.requests[0]!);
      audenciRefusal = await fetchAnswer(seeder.url, withUnknownKey(seeder.requests[0]!));
    } finally {
      await seeder.server.stop();
    }
    const requests = seeder.requests;
    if (requests.length === 0) throw new Error('the scenario returned no requests');
    const urls: string[] = [];
    const api = await ServerChild.start({ ...spec, attach: requests });
    servers.push(api.server);
    urls.push(api.url);
    for (const variant of variants) {
      const reference = await ServerChild.start({
        kind: 'reference',
        scenario: scenario.name,
        dialect,
        dataDir: spec.dataDir,
        ...(spec.databaseUrl ? { databaseUrl: spec.databaseUrl, schema: spec.schema } : {}),
        logLevel,
        count: variant.count,
        requests,
      });
      servers.push(reference.server);
      urls.push(reference.url);
    }
    if (settings.pinned) unpin = pinRow(servers.map((s) => s.pid));

    // Same status, headers and body as Audenci's answer to the same request on the same data.
    const unknown = withUnknownKey(requests[0]!);
    for (const [i, variant] of variants.entries()) {
      compareWithAudenci(audenciAnswer, await fetchAnswer(urls[i + 1]!, requests[0]!), variant, requests[0]!);
      compareRefusals(audenciRefusal, await fetchAnswer(urls[i + 1]!, unknown), unknown);
    }
    // Every request must succeed once on every server before any is measured.
    const first = await fetchSample(urls[0]!, requests[0]!);
    for (const [i, url] of urls.entries())
      for (const request of requests.slice(i === 0 ? 1 : 0)) await fetchSample(url, request);
    if (scenario.kind === 'audenci') {
      scenario.check?.(first);
      if (!samples.has(scenario.name)) samples.set(scenario.name, { request: requests[0]!, sample: first });
    }

    const who = (i: number) =>
      rows[i]!.reference ? `reference${rows[i]!.reference!.count ? '' : ' without COUNT'}` : 'api';
    const warm = async (i: number) => {
      if (settings.warmupSeconds <= 0) return;
      const bad = problems((await fire([urls[i]!], requests, settings.warmupSeconds, settings)).result);
      if (bad) throw new Error(`${who(i)} warm-up: ${bad}`);
    };
    // The Audenci row and the reference it is compared with take turns; another reference (the lists'
    // that counts, tens of times slower) is measured alone afterwards: the requests it still has in
    // flight when its turn ends — a COUNT runs on in PostgreSQL after its client stopped — would eat
    // into the next turn.
    const compared = comparedVariant(scenario.name);
    const turns = rows.flatMap((m, i) => (!m.reference || m.reference === compared ? [i] : []));
    const slices: Slice[][] = rows.map(() => []);
    const latencies = rows.map(() => new Latencies());
    for (const i of turns) await warm(i);
    for (let turn = 0; turn < settings.durationSeconds; turn++) {
      for (let k = 0; k < turns.length; k++) {
        const i = turns[(turn + k) % turns.length]!;
        const before = await servers[i]!.stats();
        const { result } = await fire([urls[i]!], requests, SLICE_SECONDS, settings, latencies[i]);
        const after = await servers[i]!.stats();
        const bad = problems(result);
        if (bad) throw new Error(`${who(i)}: ${bad}`);
        slices[i]!.push({ result, before, after });
      }
    }
    for (const i of turns) Object.assign(rows[i]!, fromSlices(slices[i]!, latencies[i]!.summary()));
    const profile = async (i: number) => {
      if (settings.profileSeconds > 0) await profileRow(rows[i]!, servers[i]!, urls[i]!, requests);
    };
    for (const i of turns) await profile(i);
    for (const [i, m] of rows.entries()) {
      if (turns.includes(i)) continue;
      await warm(i);
      const before = await servers[i]!.stats();
      const { result, latency } = await fire([urls[i]!], requests, settings.durationSeconds, settings);
      const after = await servers[i]!.stats();
      const bad = problems(result);
      if (bad) throw new Error(`${who(i)}: ${bad}`);
      Object.assign(m, {
        result,
        latency,
        servers: { stats: [{ before, after }], seconds: result.duration },
      });
      await profile(i);
    }
  } catch (error) {
    for (const m of rows) m.failure = errorText(error);
  } finally {
    unpin?.();
    await Promise.all(servers.map((s) => s.stop()));
    await release();
  }
  return rows;
}

/** The HTTP runs: each selected scenario on each dialect, then its scale-out row if it has one. */
type PlannedRun = {
  scenario: Scenario;
  dialect: Dialect | 'none';
  processes: number;
  /** The hand-written references measured with it, interleaved (`runPaired`). */
  references?: ReferenceVariant[];
};

function httpPlan(): PlannedRun[] {
  const named = (s: Scenario) => wantedScenarios === undefined || wantedScenarios.includes(s.name);
  const scaledNames = SCALEOUT_SCENARIOS.filter((n) => wantedScenarios?.includes(n) ?? true);
  const scaled =
    runScaleOut && dialects.includes('postgres')
      ? scaledNames.length
        ? scaledNames
        : SCALEOUT_SCENARIOS
      : [];
  if (runScaleOut && !dialects.includes('postgres'))
    log(`bench: no ${SCALEOUT} rows: they need PostgreSQL (BENCH_DATABASE_URL or TEST_DATABASE_URL)`);
  const plan: PlannedRun[] = [];
  for (const scenario of SCENARIOS) {
    if (scenario.kind === 'baseline') {
      plan.push({ scenario, dialect: 'none', processes: 1 });
      continue;
    }
    if (named(scenario))
      for (const d of dialects)
        if (!scenario.dialects || scenario.dialects.includes(d)) {
          // With its hand-written references, on the same dialect and data (issue #20).
          const references = runReference ? REFERENCE_VARIANTS[scenario.name] : undefined;
          plan.push({ scenario, dialect: d, processes: 1, ...(references ? { references } : {}) });
        }
    if (scaled.includes(scenario.name))
      plan.push({ scenario, dialect: 'postgres', processes: API_PROCESSES });
  }
  return plan;
}

// ---------------------------------------------------------------------------------------------------
// Background work

/** Why background measurements failed, `name dialect: message`. */
const backgroundFailures: string[] = [];

/** Runs one background measurement on fresh storage; a failure is logged and counted, not thrown. */
async function inFreshStorage<T>(
  name: string,
  dialect: Dialect,
  measure: (where: {
    dialect: Dialect;
    dataDir: string;
    databaseUrl?: string;
    schema?: string;
  }) => Promise<T>,
): Promise<T | undefined> {
  const storage = allocateStorage(dialect);
  try {
    return await measure({
      dialect,
      dataDir: storage.dataDir,
      ...(dialect === 'postgres' ? { databaseUrl, schema: storage.schema } : {}),
    });
  } catch (error) {
    log(`  FAILED: ${errorText(error)}`);
    backgroundFailures.push(`${name} ${dialect}: ${errorText(error)}`);
    return undefined;
  } finally {
    await storage.release();
  }
}

async function runBackground() {
  const published: PublishMeasurement[] = [];
  const delivered: WebhooksMeasurement[] = [];
  const imported: ImportMeasurement[] = [];
  const analyzed: AnalyticsMeasurement[] = [];
  const keep = <T>(into: T[], value: T | undefined) => value !== undefined && into.push(value);
  const pgWorkers = publishSettings.postgresWorkers;
  if (runPublish) {
    for (const dialect of dialects) {
      // SQLite has one writer and runs one worker; PostgreSQL shows what a second worker adds.
      const counts = dialect === 'postgres' ? [...new Set([1, pgWorkers])] : [1];
      const runs: { workers: number; posts: number; share?: number }[] = counts.map((workers) => ({
        workers,
        posts: publishSettings.posts,
      }));
      // Whether a second worker adds what the first did, this machine's two CPUs aside (bench/README.md).
      if (dialect === 'postgres' && publishSettings.workerCpuPercent > 0 && counts.length > 1) {
        const unavailable = cpuLimitUnavailable();
        if (unavailable) log(`- ${PUBLISH} with a CPU limit per worker left out: ${unavailable}`);
        else {
          const share = publishSettings.workerCpuPercent / 100;
          for (const workers of counts) runs.push({ workers, posts: publishSettings.limitedPosts, share });
        }
      }
      for (const { workers, posts, share } of runs) {
        const limit = share === undefined ? '' : `, each limited to ${Math.round(share * 100)} % of a CPU`;
        log(`- ${PUBLISH} (${dialect}, ${posts} posts, ${workers} worker process(es)${limit})`);
        const timeoutMs = Math.max(60_000, posts * 20);
        keep(
          published,
          await inFreshStorage(PUBLISH, dialect, (where) =>
            measurePublish({
              ...where,
              posts,
              workers,
              logLevel,
              timeoutMs,
              track: trackChild,
              ...(share === undefined ? {} : { workerCpuShare: share }),
            }),
          ),
        );
      }
    }
  }
  if (runWebhooks) {
    for (const dialect of dialects) {
      const workers = dialect === 'postgres' ? pgWorkers : 1;
      const { events } = webhookSettings;
      log(`- ${WEBHOOKS} (${dialect}, ${events} events × 2 endpoints, ${workers} worker process(es))`);
      const timeoutMs = Math.max(60_000, events * 40);
      keep(
        delivered,
        await inFreshStorage(WEBHOOKS, dialect, (where) =>
          measureWebhooks({ ...where, events, workers, logLevel, timeoutMs, track: trackChild }),
        ),
      );
    }
  }
  if (runImport) {
    for (const dialect of dialects) {
      const { posts } = importSettings;
      log(`- ${IMPORT} (${dialect}, ${posts} posts in one posts.import job)`);
      const timeoutMs = Math.max(60_000, posts * 20);
      keep(
        imported,
        await inFreshStorage(IMPORT, dialect, (where) =>
          measureImport({ ...where, posts, logLevel, timeoutMs, track: trackChild }),
        ),
      );
    }
  }
  if (runAnalytics) {
    for (const dialect of dialects) {
      log(`- ${ANALYTICS} (${dialect}, GET /analytics over ${analyticsSettings.snapshots} snapshots)`);
      // In this process: it times the service call behind the route, not HTTP.
      const m = await inFreshStorage(ANALYTICS, dialect, (where) =>
        measureAnalytics({ ...where, ...analyticsSettings, logLevel }),
      );
      if (m) log(`  seeded ${m.snapshots} snapshots in ${m.seedSeconds.toFixed(1)} s`);
      keep(analyzed, m);
    }
  }
  let startup: StartupResult | undefined;
  if (runStartup) {
    log(`- ${STARTUP} (node bin/audenci.js serve, ${startupSettings.runs} cold starts, SQLite)`);
    try {
      startup = await measureStartup({
        runs: startupSettings.runs,
        loadSeconds: startupSettings.loadSeconds,
        connections: settings.connections,
        env: { LOG_LEVEL: logLevel },
        log: (line) => log(`  ${line}`),
      });
    } catch (error) {
      log(`  FAILED: ${errorText(error)}`);
      backgroundFailures.push(`${STARTUP}: ${errorText(error)}`);
    }
  }
  return { published, delivered, imported, analyzed, startup };
}

// ---------------------------------------------------------------------------------------------------
// Report

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
  serverEntry = (await buildChildren([SERVER_SOURCE]))[0]!;
  const plan = httpPlan();
  log(
    `bench: ${plan.length} HTTP runs; ${settings.connections} connections, pipelining ${settings.pipelining}, ` +
      `${settings.warmupSeconds} s warm-up + ${settings.durationSeconds} s each; dialects ${dialects.join(', ')}` +
      (plan.some((p) => p.processes > 1)
        ? `; scale-out: ${API_PROCESSES} API processes${redisUrl ? ' + Redis' : ''}`
        : '') +
      (settings.pinned ? '; one-process rows pinned: server on CPU 0, load on the last CPU' : ''),
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
  for (const { scenario, dialect, processes, references } of plan) {
    log(
      `- ${scenario.name} (${dialect}${processes > 1 ? `, ${processes} API processes` : ''}` +
        `${references ? `, interleaved with the hand-written reference${references.length > 1 ? 's' : ''}` : ''})`,
    );
    const rows = references
      ? await runPaired(scenario, dialect as Dialect, references)
      : [await runOne(scenario, dialect, processes)];
    if (rows[0]!.failure) log(`  FAILED: ${rows[0]!.failure}`);
    measurements.push(...rows);
  }
  const background = await runBackground();
  await cleanUp();

  const summary = summaryRows(measurements, background);
  console.log(`\n${summaryTable(summary)}\n\n${SUMMARY_NOTES}\n`);
  const profiles = profilesText(measurements);
  if (profiles) console.log(`${profiles}\n`);
  log(`bench: finished in ${Math.round((Date.now() - started) / 1000)} s`);

  const failed = measurements.filter((m) => m.failure).length + backgroundFailures.length;
  if (failed) {
    log(`bench: ${failed} run(s) failed; ${path.relative(ROOT, output)} left unchanged`);
    return 1;
  }

  const baseline = measurements.find((m) => m.dialect === 'none');
  const scaled = [...new Set(plan.filter((p) => p.processes > 1).map((p) => p.scenario.name))];
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
      reference: runReference,
      scenarios: [
        ...new Set(plan.filter((p) => p.processes === 1).map((p) => p.scenario.name)),
        ...(scaled.length ? [SCALEOUT] : []),
        ...(runPublish ? [PUBLISH] : []),
        ...(runWebhooks ? [WEBHOOKS] : []),
        ...(runImport ? [IMPORT] : []),
        ...(runAnalytics ? [ANALYTICS] : []),
        ...(runStartup ? [STARTUP] : []),
      ],
      scaleOut: {
        apiProcesses: API_PROCESSES,
        scenarios: scaled,
        redis: scaled.length > 0 && redisUrl !== undefined,
      },
      import: importSettings,
      analytics: analyticsSettings,
      publish: publishSettings,
      webhooks: webhookSettings,
    },
    summary,
    reference: referenceComparisons(measurements),
    results: measurements.map((m) => toJson(m, baseline, measurements)),
    publish: background.published,
    webhooks: background.delivered,
    import: background.imported,
    analytics: background.analyzed,
    startup: background.startup ?? null,
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
