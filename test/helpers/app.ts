/* eslint-disable @typescript-eslint/no-explicit-any -- test answers are JSON of any shape */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import pg from 'pg';
import { Writable } from 'node:stream';
import { Migrator, type Kysely } from 'kysely';
import pino, { type Logger } from 'pino';
import { buildApp, LOG_REDACT, type BuildAppOptions } from '../../src/app.js';
import type { Database } from '../../src/db/database.js';
import { createDb, type DbHandle } from '../../src/db/index.js';
import { migrations } from '../../src/db/migrations/index.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { createKey, type Scope } from '../../src/modules/keys/index.js';
import {
  createOrganization,
  type Organization,
  type PlanName,
} from '../../src/modules/organizations/index.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { installContractCheck, type ContractCheck } from './contract.js';
import { createWorker, type CreateWorkerOptions } from '../../src/worker/index.js';
import type { Worker } from '../../src/worker/worker.js';
import { ManualClock, systemClock, type Clock } from '../../src/shared/clock.js';
import type { Environment } from '../../src/shared/tenant.js';
import { checkOutboundCalls } from '../../src/shared/trace.js';

// Every request of a test enters its trace, and a route that calls out without `outbound: true` fails.
checkOutboundCalls();

export type DialectName = 'sqlite' | 'postgres';

/** SQLite always; PostgreSQL joins when TEST_DATABASE_URL is set. Every data test loops over this. */
export const dialects: DialectName[] = [
  'sqlite',
  ...(process.env.TEST_DATABASE_URL ? (['postgres'] as const) : []),
];
export const redisUrl: string | undefined = process.env.TEST_REDIS_URL;

export interface TestAppOptions {
  clock?: Clock;
  /** Extra environment variables for loadConfig. */
  env?: Record<string, string>;
  rateLimitWindowMs?: number;
  /** Use Redis (TEST_REDIS_URL) for rate limits. */
  redis?: boolean;
}

/** One database (SQLite file or PostgreSQL schema) that several app instances may share. */
export interface TestDatabase {
  dialect: DialectName;
  config: Config;
  schema?: string;
  sqliteFile?: string;
  redisPrefix: string;
  drop(): Promise<void>;
}

export function createTestDatabase(dialect: DialectName, options: TestAppOptions = {}): TestDatabase {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'audenci-test-'));
  const id = randomBytes(6).toString('hex');
  const env: Record<string, string> = {
    AUDENCI_DATA_DIR: dataDir,
    AUDENCI_SECRET_KEY: randomBytes(32).toString('hex'),
    AUDENCI_PUBLIC_URL: 'http://audenci.test',
    LOG_LEVEL: 'silent',
    // A loaded CI machine must not make tests flaky with 503s; src/http/load-shedding.test.ts turns it on.
    AUDENCI_MAX_EVENT_LOOP_DELAY_MS: '0',
    ...(dialect === 'postgres' ? { DATABASE_URL: process.env.TEST_DATABASE_URL! } : {}),
    // A stalled event loop on a loaded CI machine must not pass for an unanswering Redis (which makes
    // the process count alone); the tests of a frozen Redis set their own bound.
    ...(options.redis && redisUrl ? { REDIS_URL: redisUrl, AUDENCI_REDIS_COMMAND_TIMEOUT_MS: '5000' } : {}),
    ...options.env,
  };
  const config = loadConfig(env);
  const schema = dialect === 'postgres' ? `t_${id}` : undefined;
  return {
    dialect,
    config,
    schema,
    sqliteFile: dialect === 'sqlite' ? path.join(dataDir, 'audenci.db') : undefined,
    redisPrefix: `audenci-test:${id}:`,
    async drop() {
      if (schema) {
        const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
        await client.connect();
        try {
          await client.query(`drop schema if exists "${schema}" cascade`);
        } finally {
          await client.end();
        }
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface TestApp {
  app: FastifyInstance;
  /** Every response is checked against the app's OpenAPI document; `close()` fails on a violation. */
  contract: ContractCheck;
  runtime: Runtime;
  database: TestDatabase;
  clock: Clock;
  close(): Promise<void>;
}

/** Creates the PostgreSQL schema a test database lives in (nothing to do on SQLite). */
export async function ensureSchema(database: TestDatabase): Promise<void> {
  if (!database.schema) return;
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`create schema if not exists "${database.schema}"`);
  } finally {
    await client.end();
  }
}

/** A fresh database with no migration run yet, and a migrator over every migration (migration tests). */
export interface UnmigratedDatabase {
  database: TestDatabase;
  handle: DbHandle;
  db: Kysely<Database>;
  migrator: Migrator;
  close(): Promise<void>;
}

export async function openUnmigrated(dialect: DialectName): Promise<UnmigratedDatabase> {
  const database = createTestDatabase(dialect);
  await ensureSchema(database);
  const handle = createDb(database.config, { schema: database.schema, sqliteFile: database.sqliteFile });
  const migrator = new Migrator({ db: handle.db, provider: { getMigrations: async () => migrations } });
  return {
    database,
    handle,
    db: handle.db,
    migrator,
    async close() {
      await handle.destroy();
      await database.drop();
    },
  };
}

/**
 * A real app whose log lines (pino, at `level`) are kept in `log`, one JSON string per line. Not ready
 * yet: add test routes if needed, then `await app.ready()`.
 */
export interface LoggedApp {
  app: FastifyInstance;
  runtime: Runtime;
  database: TestDatabase;
  log: string[];
  /** The app's logger (a worker started with it logs to `log` too). */
  logger: Logger;
  close(): Promise<void>;
}

export async function startLoggedApp(
  dialect: DialectName,
  level: 'info' | 'trace' = 'trace',
  deps: (runtime: Runtime) => Runtime = (runtime) => runtime,
  options: TestAppOptions = {},
): Promise<LoggedApp> {
  const database = createTestDatabase(dialect, options);
  await ensureSchema(database);
  const runtime = await createRuntime(database.config, {
    schema: database.schema,
    sqliteFile: database.sqliteFile,
    redisPrefix: database.redisPrefix,
  });
  const log: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      log.push(String(chunk));
      done();
    },
  });
  const logger = pino({ level, redact: LOG_REDACT }, stream);
  const { app, contract } = await buildCheckedApp(deps(runtime), { loggerInstance: logger });
  return {
    app,
    runtime,
    database,
    log,
    logger,
    async close() {
      await app.close();
      await runtime.close();
      await database.drop();
      assertContractKept(contract);
    },
  };
}

/**
 * `buildApp` with the OpenAPI contract check installed (not yet ready: add routes or hooks, then call
 * `ready()`). Tests that build their own app use this, so every response of every test is checked.
 */
export async function buildCheckedApp(
  runtime: Runtime,
  options: BuildAppOptions = {},
): Promise<{ app: FastifyInstance; contract: ContractCheck }> {
  const app = await buildApp(runtime, options);
  return { app, contract: installContractCheck(app) };
}

/** Throws when responses broke the app's OpenAPI document (call after the app is closed). */
export function assertContractKept(contract: ContractCheck): void {
  if (contract.violations.length === 0) return;
  throw new Error(`Responses broke the OpenAPI document:\n${[...new Set(contract.violations)].join('\n')}`);
}

/** A real app (all plugins and routes, real database) ready for `inject`. */
export async function startApp(database: TestDatabase, options: TestAppOptions = {}): Promise<TestApp> {
  const clock = options.clock ?? systemClock;
  const open = () =>
    createRuntime(database.config, {
      clock,
      schema: database.schema,
      sqliteFile: database.sqliteFile,
      rateLimitWindowMs: options.rateLimitWindowMs,
      redisPrefix: database.redisPrefix,
    });
  // The schema is created up front. On a PostgreSQL server shared by many concurrent test processes,
  // the first migration of a fresh schema has been seen to fail with "schema … does not exist"; such a
  // start is retried (a real failure repeats and is thrown).
  let runtime: Runtime | undefined;
  for (let attempt = 1; !runtime; attempt++) {
    await ensureSchema(database);
    try {
      runtime = await open();
    } catch (error) {
      if (attempt >= 3 || !database.schema || !/schema .* does not exist/.test(String(error))) throw error;
    }
  }
  let app: FastifyInstance;
  let contract: ContractCheck;
  try {
    // AUDENCI_TEST_WEB_DIST: a web app built elsewhere than web/dist (a build of one's own, beside others).
    const webDist = process.env.AUDENCI_TEST_WEB_DIST;
    ({ app, contract } = await buildCheckedApp(runtime, webDist ? { webDist } : {}));
    await app.ready();
  } catch (error) {
    // Fail the test rather than hang on open connections.
    await runtime.close();
    throw error;
  }
  return {
    app,
    contract,
    runtime,
    database,
    clock,
    async close() {
      await app.close();
      await runtime.close();
      assertContractKept(contract);
    },
  };
}

/** A fresh database and one app on it; `close()` also drops the database. */
export async function createTestApp(dialect: DialectName, options: TestAppOptions = {}): Promise<TestApp> {
  const database = createTestDatabase(dialect, options);
  const started = await startApp(database, options);
  return {
    ...started,
    async close() {
      await started.close();
      await database.drop();
    },
  };
}

export type KeySet = Record<Scope, string>;

export interface Tenant {
  org: Organization;
  live: KeySet;
  test: KeySet;
}

/** An organization with a key of every scope in each environment. */
export async function createTenant(
  testApp: Pick<TestApp, 'runtime' | 'clock'>,
  options: { plan?: PlanName; rateLimit?: number; name?: string } = {},
): Promise<Tenant> {
  const { db } = testApp.runtime.ctx;
  const org = await createOrganization(db, testApp.clock, {
    name: options.name ?? 'Test org',
    plan: options.plan ?? 'enterprise',
    rateLimit: options.rateLimit ?? null,
  });
  const keys = async (environment: Environment): Promise<KeySet> => {
    const make = async (scope: Scope) =>
      (
        await createKey(db, testApp.clock, {
          organizationId: org.id,
          environment,
          scope,
          name: `${scope} ${environment}`,
        })
      ).key;
    return { read: await make('read'), read_write: await make('read_write'), admin: await make('admin') };
  };
  return { org, live: await keys('live'), test: await keys('test') };
}

export interface Call {
  key?: string;
  body?: unknown;
  query?: Record<string, string | number>;
  headers?: Record<string, string>;
}

export interface Answer<T = any> {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: T;
  raw: string;
}

/** `inject` with the bearer key and JSON body; parses the JSON answer. */
export async function call<T = any>(
  app: FastifyInstance,
  method: InjectOptions['method'],
  url: string,
  c: Call = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...(c.headers ?? {}) };
  if (c.key) headers.authorization = `Bearer ${c.key}`;
  const response = await app.inject({
    method,
    url,
    headers,
    query: c.query as Record<string, string> | undefined,
    ...(c.body !== undefined
      ? typeof c.body === 'string'
        ? { payload: c.body }
        : { payload: c.body as object }
      : {}),
  });
  let body: unknown = undefined;
  const type = String(response.headers['content-type'] ?? '');
  if (response.body && type.includes('json')) body = JSON.parse(response.body);
  return { status: response.statusCode, headers: response.headers, body: body as T, raw: response.body };
}

/** The real worker (scheduler, publisher, token refresh) on a test app's runtime; stop it in `after`. */
export async function startWorker(t: TestApp, options: CreateWorkerOptions = {}): Promise<Worker> {
  const { runtime } = t;
  const worker = createWorker(
    {
      config: runtime.config,
      ctx: runtime.ctx,
      db: runtime.ctx.db,
      connectors: runtime.connectors,
      tokenBox: runtime.tokenBox,
      webhookBox: runtime.webhookBox,
      media: runtime.media,
      jobTypes: runtime.jobTypes,
    },
    { pollMs: 200, sweepEveryMs: 100, leaseMs: 5000, ...options },
  );
  await worker.start();
  return worker;
}

export { ManualClock };
