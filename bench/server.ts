/**
 * Benchmark server child: bundled by bench/build-children.ts and run on plain node (with the start
 * script's options), spawned by bench/run.ts with an IPC channel. It runs one server per process so the load generator (the parent) and the server do not
 * share an event loop. The parent owns the data dir and the PostgreSQL schema and removes them after
 * this process exits.
 *
 * A first child creates the data and stops; the measured children get its data dir or schema, secret
 * key and requests (`attach`) and only build the app and listen, as an `audenci api` started on an
 * existing database would. Scale-out: two of them on PostgreSQL, both with REDIS_URL when the parent
 * has a Redis server for them.
 *
 * Protocol: parent → `start` → child answers `ready` (or `failed`); `stats` → `stats`; `stop` →
 * `stopped`, then the child exits. The child also exits if the parent goes away.
 *
 * The baseline loads nothing but Fastify, the reference Fastify and its database driver; the Audenci
 * modules are imported only for Audenci servers, so the memory figures compare like with like.
 */
import { randomBytes } from 'node:crypto';
import type { Session } from 'node:inspector/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import type { BenchRequest, Dialect } from './scenarios.js';

export type ServerSpec =
  | { kind: 'baseline'; route: string; body: unknown; logLevel: string }
  | {
      /**
       * The hand-written reference (bench/reference/), on the database an Audenci child created and
       * seeded and then stopped; it serves that child's requests.
       */
      kind: 'reference';
      /** The Audenci scenario it mirrors (for the CPU profile's directory name). */
      scenario: string;
      dialect: Dialect;
      dataDir: string;
      databaseUrl?: string;
      schema?: string;
      logLevel: string;
      /** Lists answer `totalCount` (a COUNT per request); false: `totalCount: null`. */
      count: boolean;
      requests: BenchRequest[];
    }
  | {
      kind: 'audenci';
      scenario: string;
      dialect: Dialect;
      dataDir: string;
      databaseUrl?: string;
      schema?: string;
      logLevel: string;
      /** AUDENCI_SECRET_KEY (hex); servers sharing a database share it. Default: a random one. */
      secretKey?: string;
      /**
       * A server on the database another child created and seeded. It creates nothing and serves these
       * requests (the first child's, with its admin key).
       */
      attach?: BenchRequest[];
      /** REDIS_URL (the shared rate-limit store of a scale-out deployment) and this run's key prefix. */
      redis?: { url: string; prefix: string };
    };

export type ParentMessage =
  | { type: 'start'; spec: ServerSpec }
  | { type: 'stats' }
  /** Starts sampling this process's CPU (the inspector's profiler, 1 ms interval). */
  | { type: 'profile-start' }
  /** Stops sampling and writes the `.cpuprofile` to `file`. */
  | { type: 'profile-stop'; file: string }
  | { type: 'stop' };

export interface ProcessStats {
  rss: number;
  heapUsed: number;
  /** User + system CPU time since the process started, in microseconds. */
  cpuMicros: number;
}

export type ChildMessage =
  | { type: 'ready'; url: string; requests: BenchRequest[] }
  | { type: 'failed'; error: string }
  | { type: 'stats'; stats: ProcessStats }
  | { type: 'profiling' }
  | { type: 'profiled'; file: string }
  | { type: 'stopped' };

interface Running {
  url: string;
  requests: BenchRequest[];
  close(): Promise<void>;
}

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

function stats(): ProcessStats {
  const m = process.memoryUsage();
  const cpu = process.cpuUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, cpuMicros: cpu.user + cpu.system };
}

async function startBaseline(spec: Extract<ServerSpec, { kind: 'baseline' }>): Promise<Running> {
  const app: FastifyInstance = Fastify({ logger: { level: spec.logLevel } });
  const body = spec.body;
  app.get(spec.route, async () => body);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, requests: [], close: () => app.close() };
}

/** Audenci's SQLite file in a data dir (src/db/index.ts). */
const SQLITE_FILE = 'audenci.db';

async function startReferenceServer(spec: Extract<ServerSpec, { kind: 'reference' }>): Promise<Running> {
  const [{ startReference }, stores, path] = await Promise.all([
    import('./reference/server.js'),
    import('./reference/store.js'),
    import('node:path'),
  ]);
  const store =
    spec.dialect === 'sqlite'
      ? stores.openSqliteStore(path.join(spec.dataDir, SQLITE_FILE))
      : // Audenci's default pool size (AUDENCI_DB_POOL_SIZE).
        stores.openPostgresStore(spec.databaseUrl!, spec.schema, 10);
  const server = await startReference({ store, logLevel: spec.logLevel, count: spec.count });
  return { url: server.url, requests: spec.requests, close: () => server.close() };
}

async function startAudenci(spec: Extract<ServerSpec, { kind: 'audenci' }>): Promise<Running> {
  const [{ SCENARIOS }, { buildApp }, { loadConfig }, { createLogger }, { createRuntime }, orgs, keys] =
    await Promise.all([
      import('./scenarios.js'),
      import('../src/app.js'),
      import('../src/config/index.js'),
      import('../src/main.js'),
      import('../src/runtime.js'),
      import('../src/modules/organizations/index.js'),
      import('../src/modules/keys/index.js'),
    ]);
  const scenario = SCENARIOS.find((s) => s.name === spec.scenario);
  if (!scenario || scenario.kind !== 'audenci') throw new Error(`No Audenci scenario '${spec.scenario}'`);

  const config = loadConfig({
    AUDENCI_DATA_DIR: spec.dataDir,
    AUDENCI_SECRET_KEY: spec.secretKey ?? randomBytes(32).toString('hex'),
    AUDENCI_PUBLIC_URL: 'http://127.0.0.1',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: spec.logLevel,
    ...(spec.databaseUrl ? { DATABASE_URL: spec.databaseUrl } : {}),
    ...(spec.redis ? { REDIS_URL: spec.redis.url } : {}),
    ...scenario.env,
  });
  const logger = createLogger(config);
  const runtime = await createRuntime(config, {
    schema: spec.schema,
    redisPrefix: spec.redis?.prefix,
    onBackgroundError: (error, what) => logger.error({ err: error }, `${what} failed`),
  });
  const listen = async (requests: BenchRequest[]): Promise<Running> => {
    const app = await buildApp(runtime, { loggerInstance: logger });
    const url = await app.listen({ host: config.host, port: config.port });
    return {
      url,
      requests,
      async close() {
        await app.close();
        await runtime.close();
      },
    };
  };
  try {
    if (spec.attach) return await listen(spec.attach);
    const { clock, db } = runtime.ctx;
    const organization = await orgs.createOrganization(db, clock, {
      name: 'Benchmark',
      plan: 'enterprise',
      // The highest override allowed: the benchmark measures the API, not the throttle.
      rateLimit: 10_000_000,
    });
    const adminKey = (
      await keys.createKey(db, clock, {
        organizationId: organization.id,
        environment: 'live',
        scope: 'admin',
        name: 'benchmark',
      })
    ).key;
    const requests = await scenario.setup({
      dialect: spec.dialect,
      runtime,
      ctx: runtime.ctx,
      clock,
      organization,
      tenant: { organizationId: organization.id, environment: 'live' },
      adminKey,
    });
    return await listen(requests);
  } catch (error) {
    await runtime.close();
    throw error;
  }
}

let running: Running | undefined;

/** The inspector session of a CPU profile in progress (bench/run.ts takes one under load). */
let profiler: Session | undefined;

async function startProfile(): Promise<void> {
  const { Session } = await import('node:inspector/promises');
  profiler = new Session();
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.setSamplingInterval', { interval: 1000 });
  await profiler.post('Profiler.start');
}

async function stopProfile(file: string): Promise<void> {
  if (!profiler) throw new Error('no profile was started');
  const { profile } = await profiler.post('Profiler.stop');
  profiler.disconnect();
  profiler = undefined;
  const { writeFile } = await import('node:fs/promises');
  await writeFile(file, JSON.stringify(profile));
}

async function stopAndExit(code: number): Promise<never> {
  await running?.close().catch(() => undefined);
  process.exit(code);
}

process.on('disconnect', () => void stopAndExit(1));

process.on('message', (message: ParentMessage) => {
  void (async () => {
    switch (message.type) {
      case 'start':
        try {
          running =
            message.spec.kind === 'baseline'
              ? await startBaseline(message.spec)
              : message.spec.kind === 'reference'
                ? await startReferenceServer(message.spec)
                : await startAudenci(message.spec);
          await send({ type: 'ready', url: running.url, requests: running.requests });
        } catch (error) {
          await send({
            type: 'failed',
            error: error instanceof Error ? (error.stack ?? error.message) : String(error),
          });
        }
        break;
      case 'stats':
        await send({ type: 'stats', stats: stats() });
        break;
      case 'profile-start':
        try {
          await startProfile();
          await send({ type: 'profiling' });
        } catch (error) {
          await send({ type: 'failed', error: String(error) });
        }
        break;
      case 'profile-stop':
        try {
          await stopProfile(message.file);
          await send({ type: 'profiled', file: message.file });
        } catch (error) {
          await send({ type: 'failed', error: String(error) });
        }
        break;
      case 'stop':
        await running?.close().catch(() => undefined);
        running = undefined;
        await send({ type: 'stopped' });
        process.exit(0);
    }
  })();
});
