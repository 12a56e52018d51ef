/**
 * Publish-benchmark worker child (bundled by bench/build-children.ts, run on plain node), spawned by
 * bench/publish.ts with an IPC channel. It runs what `audenci worker` runs — the real runtime and the
 * real worker with every handler and periodic task (scheduler sweep, token refresh) at their defaults —
 * on the database the parent prepared. One process per worker, as an operator would scale out.
 *
 * Protocol: parent → `start` → child answers `ready` (or `failed`); `stop` → `stopped` (after a graceful
 * worker stop), then the child exits. The child also exits if the parent goes away.
 */
import { randomBytes } from 'node:crypto';

export interface PublishWorkerSpec {
  dataDir: string;
  databaseUrl?: string;
  schema?: string;
  secretKey: string;
  logLevel: string;
  workerId: string;
  /** More configuration (e.g. AUDENCI_ALLOW_PRIVATE_URLS for a local webhook receiver). */
  env?: Record<string, string>;
}

export type PublishWorkerMessage = { type: 'start'; spec: PublishWorkerSpec } | { type: 'stop' };
export type PublishWorkerAnswer =
  | { type: 'ready'; cpuMicros: number }
  | { type: 'failed'; error: string }
  /** `rss`: bytes, taken when the stop was asked for (after the run, before closing). */
  | { type: 'stopped'; cpuMicros: number; rss: number };

function send(message: PublishWorkerAnswer): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

function cpuMicros(): number {
  const cpu = process.cpuUsage();
  return cpu.user + cpu.system;
}

let close: (() => Promise<void>) | undefined;

async function start(spec: PublishWorkerSpec): Promise<void> {
  const [{ benchConfig }, { createLogger }, { createRuntime }, { createWorker }] = await Promise.all([
    import('./bench-config.js'),
    import('../src/main.js'),
    import('../src/runtime.js'),
    import('../src/worker/index.js'),
  ]);
  const config = benchConfig(spec, spec.env);
  const logger = createLogger(config);
  const runtime = await createRuntime(config, {
    schema: spec.schema,
    onBackgroundError: (error, what) => logger.error({ err: error }, `${what} failed`),
  });
  const worker = createWorker(
    {
      config,
      ctx: runtime.ctx,
      db: runtime.ctx.db,
      connectors: runtime.connectors,
      tokenBox: runtime.tokenBox,
      webhookBox: runtime.webhookBox,
      media: runtime.media,
      jobTypes: runtime.jobTypes,
    },
    {
      workerId: spec.workerId || `bench-${randomBytes(3).toString('hex')}`,
      onError: (error, what) => logger.error({ err: error }, `worker: ${what} failed`),
    },
  );
  await worker.start();
  close = async () => {
    await worker.stop(5_000);
    await runtime.close();
  };
}

async function exit(code: number): Promise<never> {
  await close?.().catch(() => undefined);
  process.exit(code);
}

process.on('disconnect', () => void exit(1));

process.on('message', (message: PublishWorkerMessage) => {
  void (async () => {
    if (message.type === 'start') {
      try {
        await start(message.spec);
        await send({ type: 'ready', cpuMicros: cpuMicros() });
      } catch (error) {
        await send({
          type: 'failed',
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        });
      }
    } else {
      const rss = process.memoryUsage().rss;
      await close?.().catch(() => undefined);
      close = undefined;
      await send({ type: 'stopped', cpuMicros: cpuMicros(), rss });
      process.exit(0);
    }
  })();
});
