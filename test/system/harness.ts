/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are JSON of any shape */
/**
 * The system-test harness: real `audenci` processes (spawned from the repository root through tsx, as an
 * operator would run them), a fresh PostgreSQL database per test file, Redis, a round-robin proxy and the
 * local fake platforms running in the test process. See README.md beside this file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { CONFIG_VARIABLES } from '../../src/config/index.js';

export const ROOT = path.resolve(fileURLToPath(import.meta.url), '../../..');
const CLI = ['--import', 'tsx', 'src/cli.ts'];

/** Why the PostgreSQL + Redis system tests are skipped, or `false` when they run. */
export const skipScaleOut: string | false =
  process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL
    ? false
    : 'TEST_DATABASE_URL and TEST_REDIS_URL are not set: the PostgreSQL + Redis system tests are skipped ' +
      '(CI sets TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test TEST_REDIS_URL=redis://127.0.0.1:6379)';
if (skipScaleOut) console.log(`NOTICE: ${skipScaleOut}`);

// ---------------------------------------------------------------------------------------------------
// Small utilities

export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Runs `fn` over `items`, at most `width` at a time; results in order. */
export async function inParallel<T, R>(items: T[], width: number, fn: (item: T, i: number) => Promise<R>) {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resident set size of a process (Linux `/proc/<pid>/status` VmRSS), in bytes. */
export function rssOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

export const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

// ---------------------------------------------------------------------------------------------------
// HTTP client

export interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

export interface Request {
  key?: string;
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/** One JSON request; a network failure or timeout throws (the caller decides whether it counts). */
export async function request(base: string, method: string, url: string, r: Request = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...r.headers };
  if (r.key) headers.authorization = `Bearer ${r.key}`;
  if (r.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${base}${url}`, {
    method,
    headers,
    body: r.body === undefined ? undefined : JSON.stringify(r.body),
    redirect: 'manual',
    signal: AbortSignal.timeout(r.timeoutMs ?? 30_000),
  });
  const text = await response.text();
  let body: unknown = text;
  if ((response.headers.get('content-type') ?? '').includes('json') && text) body = JSON.parse(text);
  return { status: response.status, headers: response.headers, body };
}

/** Counts answers by status (`'network'` for a request that got none). */
export class Tally {
  readonly counts = new Map<string, number>();
  add(outcome: number | 'network'): void {
    const name = String(outcome);
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
  }
  get(outcome: number | 'network'): number {
    return this.counts.get(String(outcome)) ?? 0;
  }
  total(): number {
    return [...this.counts.values()].reduce((a, b) => a + b, 0);
  }
  /** Outcomes that are not 2xx. */
  unexpected(allowed: (status: number) => boolean): string[] {
    return [...this.counts.keys()].filter((k) => k === 'network' || !allowed(Number(k)));
  }
  toString(): string {
    return [...this.counts.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ');
  }
}

// ---------------------------------------------------------------------------------------------------
// Processes

const children = new Set<ChildProcess>();
// A test process that dies or is interrupted must not leave servers behind.
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of CONFIG_VARIABLES) delete env[name];
  delete env.NODE_TEST_CONTEXT;
  delete env.NODE_OPTIONS;
  return { ...env, ...extra };
}

/** Runs an `audenci` command to completion (killed after 60 s). */
export async function runCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...CLI, ...args], {
    cwd: ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The one JSON object a `--json` command prints. */
export async function cliJson(args: string[], env: Record<string, string>): Promise<any> {
  const result = await runCli([...args, '--json'], env);
  if (result.code !== 0) {
    throw new Error(`audenci ${args.join(' ')} exited ${result.code}: ${result.stderr}${result.stdout}`);
  }
  return JSON.parse(result.stdout.trim().split('\n').pop()!);
}

const TAIL = 64 * 1024;

/**
 * One long-running `audenci serve|api|worker` process that can be killed and started again with the
 * same environment (and port). Its output is kept (the last 64 KB) for failure messages; lines logged at
 * level error or above are counted.
 */
export class AudenciProcess {
  child: ChildProcess | undefined;
  output = '';
  errorLines: string[] = [];
  starts = 0;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    readonly name: string,
    readonly role: 'serve' | 'api' | 'worker',
    readonly env: Record<string, string>,
    readonly port?: number,
    /** Node options before the CLI (e.g. a preload). */
    readonly nodeArgs: string[] = [],
  ) {}

  get url(): string {
    if (this.port === undefined) throw new Error(`${this.name} does not listen`);
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    if (!this.child?.pid) throw new Error(`${this.name} is not running`);
    return this.child.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process; for `serve` and `api`, resolves once `/readyz` answers 200. */
  async start(timeoutMs = 90_000): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running`);
    this.starts++;
    const env = { ...this.env, ...(this.port !== undefined ? { PORT: String(this.port) } : {}) };
    const child = spawn(process.execPath, [...this.nodeArgs, ...CLI, this.role], {
      cwd: ROOT,
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    children.add(child);
    const collect = (d: string) => {
      this.output = (this.output + d).slice(-TAIL);
      for (const line of d.split('\n')) {
        if (/"level":(50|60)/.test(line)) this.errorLines.push(line.slice(0, 2000));
      }
    };
    child.stdout!.setEncoding('utf8').on('data', collect);
    child.stderr!.setEncoding('utf8').on('data', collect);
    this.exited = new Promise((resolve) =>
      child.on('exit', () => {
        children.delete(child);
        resolve();
      }),
    );
    if (this.role === 'worker') {
      // A worker has no port: give it a moment and make sure it did not exit at start-up.
      await sleep(1500);
      if (!this.running) throw new Error(`${this.name} exited at start-up:\n${this.output}`);
      return;
    }
    await waitFor(
      `${this.name} /readyz`,
      async () => {
        if (!this.running) throw new Error(`${this.name} exited at start-up:\n${this.output}`);
        try {
          return (await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(2000) })).status === 200;
        } catch {
          return false;
        }
      },
      timeoutMs,
      200,
    );
  }

  /** Resolves when the process has exited (at once if it is not running). */
  exit(): Promise<void> {
    return this.exited;
  }

  /** SIGKILL: no shutdown, no lease released, in-flight requests cut. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.running) return;
    this.child!.kill(signal);
    await this.exited;
  }

  /** SIGTERM and wait (SIGKILL after `graceMs`). */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  /** The last lines of output, for an assertion message. */
  tail(lines = 40): string {
    return `--- ${this.name} (pid ${this.child?.pid}, ${this.starts} start(s)) ---\n${this.output
      .split('\n')
      .slice(-lines)
      .join('\n')}`;
  }
}

// ---------------------------------------------------------------------------------------------------
// PostgreSQL

export interface SystemDatabase {
  name: string;
  url: string;
  pool: pg.Pool;
  query<T extends pg.QueryResultRow = any>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Terminates every client connection to this database (what a failover or a DBA would do). */
  terminateConnections(): Promise<number>;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/** A fresh `audenci_sys_<random>` database on the TEST_DATABASE_URL server. */
export async function createSystemDatabase(): Promise<SystemDatabase> {
  const base = process.env.TEST_DATABASE_URL!;
  const name = `audenci_sys_${randomBytes(5).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: withDatabase(base, 'postgres') });
    await client.connect();
    try {
      return await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`create database "${name}"`);
  const url = withDatabase(base, name);
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => undefined);
  return {
    name,
    url,
    pool,
    async query(sql, params) {
      return (await pool.query(sql, params as unknown[])).rows;
    },
    async terminateConnections() {
      const result = await admin(
        `select pg_terminate_backend(pid) from pg_stat_activity where datname = '${name}' and pid <> pg_backend_pid()`,
      );
      return result.rowCount ?? 0;
    },
    async drop() {
      await pool.end().catch(() => undefined);
      await admin(`drop database if exists "${name}" with (force)`);
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// A round-robin proxy

export interface Proxy {
  url: string;
  setUpstreams(urls: string[]): void;
  close(): Promise<void>;
}

/**
 * A small HTTP proxy that sends each request to the next upstream in turn (502 when it is down), after
 * `delayMs` (to slow a receiver down).
 */
export async function startProxy(options: { delayMs?: number } = {}): Promise<Proxy> {
  let upstreams: string[] = [];
  let next = 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
  const server = http.createServer(async (req, res) => {
    if (options.delayMs) await sleep(options.delayMs);
    const target = new URL(req.url ?? '/', upstreams[next++ % upstreams.length]);
    const upstream = http.request(target, { method: req.method, headers: req.headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      if (res.headersSent) return void res.destroy();
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'BAD_GATEWAY', message: 'upstream unavailable' } }));
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setUpstreams(urls) {
      upstreams = urls;
    },
    async close() {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// A scale-out cluster

export interface ClusterOptions {
  apis?: number;
  workers?: number;
  /** Extra environment for every process (platform base URLs, retry delays, …). */
  env?: Record<string, string>;
  /** Node options of the API processes. */
  apiNodeArgs?: string[];
}

export interface Cluster {
  db: SystemDatabase;
  /** The environment every process (and CLI command) of the cluster runs with. */
  env: Record<string, string>;
  apis: AudenciProcess[];
  workers: AudenciProcess[];
  /** Round-robin over the API processes; also `AUDENCI_PUBLIC_URL`. */
  proxy: Proxy;
  /** Creates an organization and an admin live key through the CLI. */
  tenant(options?: { plan?: string; rateLimit?: number }): Promise<{ orgId: string; key: string }>;
  /** Every process's output tail and error lines, for a failure message. */
  diagnostics(): string;
  close(): Promise<void>;
}

/**
 * `audenci migrate` once on a fresh PostgreSQL database, then `apis` × `audenci api` (each on a free
 * port) and `workers` × `audenci worker`, all with REDIS_URL set. Rate-limit counters in Redis are keyed
 * by organization id, which is new for every run, so nothing there is flushed or shared.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const started = Date.now();
  const db = await createSystemDatabase();
  const proxy = await startProxy();
  const dataDir = tempDir('audenci-sys-');
  const env: Record<string, string> = {
    DATABASE_URL: db.url,
    REDIS_URL: process.env.TEST_REDIS_URL!,
    AUDENCI_SECRET_KEY: randomBytes(32).toString('hex'),
    AUDENCI_DATA_DIR: dataDir,
    AUDENCI_PUBLIC_URL: proxy.url,
    AUDENCI_ALLOW_PRIVATE_URLS: 'true',
    AUDENCI_DB_POOL_SIZE: '8',
    AUDENCI_SHUTDOWN_TIMEOUT_MS: '5000',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ...options.env,
  };
  const apis: AudenciProcess[] = [];
  const workers: AudenciProcess[] = [];
  const close = async () => {
    await Promise.all([...apis, ...workers].map((p) => p.stop(5000)));
    await proxy.close();
    await db.drop().catch((error: unknown) => console.error(`dropping ${db.name} failed:`, error));
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const migrated = await runCli(['migrate'], env);
    if (migrated.code !== 0) throw new Error(`audenci migrate failed: ${migrated.stderr}${migrated.stdout}`);
    for (let i = 0; i < (options.apis ?? 2); i++) {
      apis.push(new AudenciProcess(`api-${i + 1}`, 'api', env, await freePort(), options.apiNodeArgs));
    }
    for (let i = 0; i < (options.workers ?? 2); i++) {
      workers.push(new AudenciProcess(`worker-${i + 1}`, 'worker', env));
    }
    // One at a time: a burst of Node start-ups on a small machine is slower than a queue.
    for (const p of [...apis, ...workers]) await p.start();
    proxy.setUpstreams(apis.map((a) => a.url));
  } catch (error) {
    await close();
    throw error;
  }
  console.log(
    `cluster on ${db.name}: ${apis.length} API + ${workers.length} worker process(es) ready in ${Date.now() - started} ms`,
  );
  return {
    db,
    env,
    apis,
    workers,
    proxy,
    async tenant(o = {}) {
      const org = await cliJson(
        [
          'orgs',
          'create',
          '--name',
          `System ${randomBytes(3).toString('hex')}`,
          '--plan',
          o.plan ?? 'enterprise',
          ...(o.rateLimit !== undefined ? ['--rate-limit', String(o.rateLimit)] : []),
        ],
        env,
      );
      const key = await cliJson(['keys', 'create', '--org', org.id, '--scope', 'admin'], env);
      return { orgId: org.id as string, key: key.key as string };
    },
    diagnostics() {
      return [...apis, ...workers]
        .map(
          (p) => `${p.tail()}\n${p.errorLines.length} error line(s)${p.errorLines.length ? ':' : ''}
${p.errorLines.slice(0, 5).join('\n')}`,
        )
        .join('\n');
    },
    close,
  };
}
