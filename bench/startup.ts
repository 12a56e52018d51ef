/**
 * Start-up and memory of the production process (issue #20: idle < 100 MB RSS, under load < 150 MB, cold
 * start to `/readyz` < 1 s). Unlike the HTTP scenarios of bench/run.ts, whose server children run src/
 * through tsx inside a bench harness, this spawns what `npm start` runs — `node bin/audenci.js serve`
 * (the bundle dist/bundle/cli.mjs, else the compiled dist/cli.js; the API and the worker in one
 * process) — on a fresh SQLite data dir, and reads the server process's own RSS from /proc (no npm, no
 * tsx, no IPC child around it).
 *
 * For each of `runs` cold starts (a new data dir each: migrations, the secret key and the first-start
 * organization are made, as on a real first `npm start`): the time from spawn to the first `/readyz`
 * 200 (polled every 5 ms), then the RSS after `settleMs` of idleness. Then one restart on the last
 * data dir (`restartMs`: the everyday start, nothing to migrate). With `loadSeconds` > 0 that restarted
 * server gets an organization with a rate limit nothing reaches and is loaded with autocannon —
 * `GET /api/v1/posts/{id}`, `GET /api/v1/posts?limit=20` (with `totalCount`), `POST /api/v1/posts`, one
 * after the other, `loadSeconds` each — while its RSS is sampled every 50 ms (`loadRssMb.peak`), and
 * read again once the load stopped (`loadRssMb.after`).
 *
 * `measureStartup(options)` is the API (bench/run.ts calls it); `npx tsx bench/startup.ts` prints the
 * figures (STARTUP_RUNS, STARTUP_SETTLE_MS, STARTUP_LOAD_SECONDS, STARTUP_ENTRY, STARTUP_ROOT override the defaults,
 * STARTUP_OUTPUT=<file> also writes the JSON).
 *
 * dist/ must be current: when src/ changed since the last build, measureStartup() compiles first (as
 * bin/audenci.js would, but outside the timing), so that no run times a compile.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { build, inspect, ROOT, serverLaunch } from '../bin/build.mjs';
import { fire, problems, type LoadResult } from './load.js';
import type { BenchRequest } from './scenarios.js';

/** What is spawned: `bin` = `node bin/audenci.js serve` (npm start), `dist` = `node dist/cli.js serve`. */
export type StartupEntry = 'bin' | 'dist';

export interface StartupOptions {
  /** Cold starts, each on a new data dir (default 5). */
  runs?: number;
  /** Idle time after readiness before the idle RSS is read (default 2000 ms). */
  settleMs?: number;
  /** Seconds of load per request kind on the restarted server; 0 skips the load (default 3). */
  loadSeconds?: number;
  connections?: number;
  entry?: StartupEntry;
  /**
   * The checkout whose build is run (default: this one, compiled first when stale). Another root — e.g.
   * an older commit's `src/` compiled into its own `dist/` — compares two builds in the same conditions;
   * it is run as it is.
   */
  root?: string;
  /** Extra environment of the server (e.g. `LOG_LEVEL`). */
  env?: Record<string, string>;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export interface Spread {
  p50: number;
  min: number;
  max: number;
  runs: number[];
}

export interface StartupResult {
  entry: string;
  node: string;
  /** Spawn → first `/readyz` 200 on a fresh data dir (first start: migrations and bootstrap). */
  coldStartMs: Spread;
  /** Spawn → first `/readyz` 200 on an existing data dir (the everyday start). */
  restartMs: number;
  /** Server RSS `settleMs` after readiness, per cold start. */
  idleRssMb: Spread;
  /** The same process's heap in use then (MB), from `/metrics`' nodejs_heap_size_used_bytes. */
  idleHeapUsedMb: Spread;
  settleMs: number;
  /** Present when loadSeconds > 0. */
  load?: {
    seconds: number;
    connections: number;
    /** Requests per second of each kind (reported to show it was real load, not a benchmark figure). */
    requestsPerSecond: Record<string, number>;
    /** Server RSS: highest sample during the load, and right after it. */
    rssMb: { peak: number; after: number };
  };
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const p50 = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const r = (n: number) => Math.round(n * 10) / 10;
  return { p50: r(p50), min: r(sorted[0]!), max: r(sorted.at(-1)!), runs: values.map(r) };
}

/** The resident set of a process, from /proc (Linux); ps elsewhere. */
export function rssBytes(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
    if (kb) return Number(kb[1]) * 1024;
  } catch {
    // not Linux, or the process is gone
  }
  throw new Error(`cannot read the RSS of process ${pid}`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Server {
  child: ChildProcess;
  url: string;
  readyMs: number;
  output(): string;
  stop(): Promise<void>;
}

/** Spawns the server and resolves when `/readyz` answered 200, with the time it took since the spawn. */
async function startServer(
  root: string,
  entry: StartupEntry,
  dataDir: string,
  env: Record<string, string>,
): Promise<Server> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // The Node.js options and environment of root's `npm start` (package.json; bin/build.mjs).
  const launch = serverLaunch(root);
  const script = path.join(root, entry === 'bin' ? 'bin/audenci.js' : 'dist/cli.js');
  const args = [...launch.nodeOptions, script, 'serve'];
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? os.tmpdir(),
      NODE_ENV: 'production',
      AUDENCI_DATA_DIR: dataDir,
      AUDENCI_PUBLIC_URL: url,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      ...launch.env,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  const stop = async () => {
    if (!gone) child.kill('SIGTERM');
    const code = await Promise.race([exited, sleep(15_000).then(() => 'timeout' as const)]);
    if (code === 'timeout') {
      child.kill('SIGKILL');
      await exited;
    }
  };
  const deadline = started + 120_000;
  for (;;) {
    if (gone) throw new Error(`the server exited before it was ready:\n${out}`);
    if (performance.now() > deadline) {
      await stop();
      throw new Error(`the server was not ready within 120 s:\n${out}`);
    }
    const status = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) }).then(
      (r) => (void r.body?.cancel(), r.status),
      () => 0,
    );
    if (status === 200) break;
    await sleep(5);
  }
  return { child, url, readyMs: performance.now() - started, output: () => out, stop };
}

async function heapUsedBytes(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = /^(?:audenci_)?nodejs_heap_size_used_bytes (\S+)/m.exec(text);
  return line ? Number(line[1]) : NaN;
}

/** Runs `args` of the CLI (dist/cli.js) on the data dir and returns its JSON answer. */
async function cli(root: string, dataDir: string, args: string[]): Promise<Record<string, unknown>> {
  const child = spawn(process.execPath, [path.join(root, 'dist/cli.js'), ...args, '--json'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', AUDENCI_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`audenci ${args.join(' ')} failed (${code}): ${out}`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

async function send(url: string, method: string, route: string, key: string, body?: unknown) {
  const response = await fetch(url + route, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${route} answered ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as { data: { id: string } };
}

/** An organization whose rate limit nothing reaches, a brand, 50 posts; the three kinds of request. */
async function loadRequests(
  root: string,
  server: Server,
  dataDir: string,
): Promise<Record<string, BenchRequest[]>> {
  const org = await cli(root, dataDir, [
    'orgs',
    'create',
    '--name',
    'Startup bench',
    '--plan',
    'enterprise',
    '--rate-limit',
    '10000000',
  ]);
  const { key } = (await cli(root, dataDir, [
    'keys',
    'create',
    '--org',
    String(org.id),
    '--scope',
    'admin',
  ])) as {
    key: string;
  };
  const brand = await send(server.url, 'POST', '/api/v1/brands', key, { name: 'Startup bench' });
  const post = (i: number) => ({
    brandId: brand.data.id,
    platform: 'twitter',
    caption: `Post ${i}: we open at 7 tomorrow ☕ #coffee`,
    status: 'DRAFT',
  });
  const ids: string[] = [];
  for (let i = 0; i < 50; i++)
    ids.push((await send(server.url, 'POST', '/api/v1/posts', key, post(i))).data.id);
  const headers = { authorization: `Bearer ${key}` };
  return {
    'GET /posts/{id}': ids.map((id) => ({ method: 'GET', path: `/api/v1/posts/${id}`, headers })),
    'GET /posts': [{ method: 'GET', path: '/api/v1/posts?limit=20', headers }],
    'POST /posts': [
      {
        method: 'POST',
        path: '/api/v1/posts',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(post(0)),
      },
    ],
  };
}

export async function measureStartup(options: StartupOptions = {}): Promise<StartupResult> {
  const runs = options.runs ?? 5;
  const settleMs = options.settleMs ?? 2000;
  const loadSeconds = options.loadSeconds ?? 3;
  const connections = options.connections ?? 10;
  const entry = options.entry ?? 'bin';
  const env = options.env ?? {};
  const log = options.log ?? (() => undefined);

  const root = options.root ?? ROOT;
  // dist/ current before each start, so that bin/audenci.js never compiles inside a timed run (src/ may
  // change while the bench runs).
  const ensureBuilt = async () => {
    if (root !== ROOT) return;
    const state = inspect();
    if (state.built && state.fresh) return;
    log('startup: dist/ is older than src/: compiling first (not timed)');
    // As bin/audenci.js does: type errors elsewhere in src/ do not stop a runnable build.
    const built = await build({ ifStale: true, allowTypeErrors: true });
    if (!built.ok) throw new Error(`compiling src/ failed:\n${built.output}`);
  };

  const dirs: string[] = [];
  const newDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audenci-startup-'));
    dirs.push(dir);
    return dir;
  };
  try {
    const cold: number[] = [];
    const idle: number[] = [];
    const heap: number[] = [];
    let lastDir = '';
    for (let i = 0; i < runs; i++) {
      lastDir = newDir();
      await ensureBuilt();
      const server = await startServer(root, entry, lastDir, env);
      try {
        await sleep(settleMs);
        idle.push(mb(rssBytes(server.child.pid!)));
        heap.push(mb(await heapUsedBytes(server.url)));
        cold.push(server.readyMs);
        log(
          `startup: cold start ${i + 1}/${runs}: ready in ${server.readyMs.toFixed(0)} ms, idle RSS ${idle.at(-1)} MB`,
        );
      } finally {
        await server.stop();
      }
    }

    await ensureBuilt();
    const server = await startServer(root, entry, lastDir, env);
    const restartMs = Math.round(server.readyMs * 10) / 10;
    log(`startup: restart: ready in ${restartMs} ms`);
    let load: StartupResult['load'];
    try {
      if (loadSeconds > 0) {
        const kinds = await loadRequests(root, server, lastDir);
        let peak = 0;
        const sampler = setInterval(() => {
          try {
            peak = Math.max(peak, rssBytes(server.child.pid!));
          } catch {
            // exited: the load's errors say so
          }
        }, 50);
        const requestsPerSecond: Record<string, number> = {};
        try {
          for (const [kind, requests] of Object.entries(kinds)) {
            const { result }: { result: LoadResult } = await fire([server.url], requests, loadSeconds, {
              connections,
              pipelining: 1,
            });
            const bad = problems(result);
            if (bad) throw new Error(`${kind} under load: ${bad}`);
            requestsPerSecond[kind] = Math.round(result.requestsPerSecond);
            log(`startup: ${kind}: ${requestsPerSecond[kind]} req/s, RSS peak so far ${mb(peak)} MB`);
          }
        } finally {
          clearInterval(sampler);
        }
        load = {
          seconds: loadSeconds,
          connections,
          requestsPerSecond,
          rssMb: { peak: mb(peak), after: mb(rssBytes(server.child.pid!)) },
        };
      }
    } finally {
      await server.stop();
    }
    return {
      entry: entry === 'bin' ? 'node bin/audenci.js serve' : 'node dist/cli.js serve',
      node: process.version,
      coldStartMs: spread(cold),
      restartMs,
      idleRssMb: spread(idle),
      idleHeapUsedMb: spread(heap),
      settleMs,
      ...(load ? { load } : {}),
    };
  } finally {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  }
}

// `npx tsx bench/startup.ts`: the figures, as JSON on stdout (progress on stderr).
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const number = (name: string) => (process.env[name] === undefined ? undefined : Number(process.env[name]));
  const entry = process.env.STARTUP_ENTRY;
  if (entry !== undefined && entry !== 'bin' && entry !== 'dist')
    throw new Error('STARTUP_ENTRY: bin or dist');
  const result = await measureStartup({
    runs: number('STARTUP_RUNS'),
    settleMs: number('STARTUP_SETTLE_MS'),
    loadSeconds: number('STARTUP_LOAD_SECONDS'),
    entry,
    root: process.env.STARTUP_ROOT,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const json = `${JSON.stringify(result, null, 2)}\n`;
  process.stdout.write(json);
  if (process.env.STARTUP_OUTPUT) fs.writeFileSync(process.env.STARTUP_OUTPUT, json);
}
