import pino, { type Logger } from 'pino';
import { buildApp, LOG_REDACT } from './app.js';
import { bootstrapIfEmpty, setupUrl } from './bootstrap.js';
import type { Config } from './config/index.js';
import { createRuntime, isEmbedded, type Runtime } from './runtime.js';
import { closeOutboundAgents } from './shared/safe-fetch.js';
import { createWorker } from './worker/index.js';
import { serveMetrics, type MetricsListener } from './http/worker-metrics.js';
import type { Worker } from './worker/worker.js';

export type ProcessRole = 'serve' | 'api' | 'worker';

export function createLogger(config: Config): Logger {
  return pino({ level: config.logLevel, redact: LOG_REDACT, base: { pid: process.pid } });
}

export interface Started {
  runtime: Runtime;
  /** Where the API listens (`serve` and `api`). */
  url?: string;
  stop(): Promise<void>;
}

/**
 * Starts a process role. `serve` runs the API and the worker in one process (the default of
 * `npm start`), `api` only the HTTP API, `worker` only background work.
 */
export async function start(
  role: ProcessRole,
  config: Config,
  logger: Logger,
  out: NodeJS.WritableStream,
): Promise<Started> {
  let worker: Worker | undefined;
  const runtime = await createRuntime(config, {
    onBackgroundError: (error, what) => logger.error({ err: error }, `${what} failed`),
  });
  logger.info({ database: runtime.db.capabilities.name, role }, 'database ready');

  if (role !== 'worker' && isEmbedded(config)) {
    const first = await bootstrapIfEmpty(runtime.db.db, runtime.ctx.clock);
    if (first) {
      out.write(
        [
          '',
          `Audenci created organization ${first.organization.id} (plan ${first.organization.plan}) with two admin API keys.`,
          'They are shown this once; store them now. The live key (real social networks):',
          '',
          first.key.key,
          '',
          'The test key (sandbox accounts; nothing reaches a social network). Paste these two lines into a',
          'shell to follow "First five minutes" in the README, the SDK examples and the CLI:',
          '',
          `export AUDENCI_BASE_URL=${config.publicUrl}`,
          `export AUDENCI_API_KEY=${first.testKey.key}`,
          '',
          `Set up the first owner: ${setupUrl(config.publicUrl, first.setup)}`,
          '(the link works once, for 7 days; `audenci setup-link` prints a new one)',
          '',
          '',
        ].join('\n'),
      );
    }
  }

  let url: string | undefined;
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  if (role !== 'api') {
    worker = createWorker(
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
        onError: (error, what) => logger.error({ err: error }, `worker: ${what} failed`),
        // Each job's and each webhook delivery's outcome (no payloads, no secrets).
        logger: logger.child({ component: 'worker' }),
        metrics: runtime.metrics,
      },
    );
    await worker.start();
    logger.info({ workerId: worker.id }, 'worker started');
  }
  // A worker on its own serves its metrics (jobs, publishing, webhooks) when given a port.
  let metricsListener: MetricsListener | undefined;
  if (role === 'worker' && config.workerMetricsPort > 0) {
    metricsListener = await serveMetrics(runtime.metrics, config.workerMetricsPort, config.host);
    logger.info({ url: `${metricsListener.url}/metrics` }, 'worker metrics listening');
  }
  if (role !== 'worker') {
    app = await buildApp(runtime, { loggerInstance: logger });
    url = await app.listen({ port: config.port, host: config.host });
    logger.info({ url, docs: `${config.publicUrl}/docs` }, 'Audenci API listening');
  }

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      // Stop taking requests and jobs first: the port closes, idle connections close at once, requests
      // in flight are answered with `Connection: close` (src/http/protocol.ts), running jobs finish or
      // go back to the queue. What is still busy at the drain bound is cut, so that the orderly close
      // below always runs within AUDENCI_SHUTDOWN_TIMEOUT_MS.
      const drainMs = drainBoundMs(config.shutdownTimeoutMs);
      const cut = setTimeout(() => {
        app?.server.getConnections((_error, open) => {
          if (open > 0) logger.warn({ open, drainMs }, 'closing connections still busy at the drain bound');
          app?.server.closeAllConnections();
        });
      }, drainMs);
      const drained = await Promise.allSettled([
        app?.close(),
        worker?.stop(drainMs),
        metricsListener?.close(),
      ]);
      clearTimeout(cut);
      // Flushes key usage, closes the database and Redis, whatever happened above.
      await runtime.close();
      // Keep-alive connections to webhook receivers (process-wide pools).
      await closeOutboundAgents().catch(() => undefined);
      const failed = drained.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    })();
    return stopping;
  };
  return { runtime, url, stop };
}

/**
 * How long a shutdown waits for requests in flight and running jobs: all of AUDENCI_SHUTDOWN_TIMEOUT_MS
 * but what the orderly close after it needs (2 s, at most half).
 */
export function drainBoundMs(shutdownTimeoutMs: number): number {
  return Math.max(shutdownTimeoutMs / 2, shutdownTimeoutMs - 2000);
}

/**
 * SIGTERM/SIGINT: stop accepting connections, close idle ones, answer the requests in flight (with
 * `Connection: close`) and let running jobs finish, up to the drain bound; then always the orderly close
 * (key usage flushed, database, Redis and the worker closed) and exit 0. Only when that close itself
 * does not finish within AUDENCI_SHUTDOWN_TIMEOUT_MS (e.g. a database that does not answer) does the
 * process exit 1 without it.
 */
export function handleSignals(started: Started, config: Config, logger: Logger): void {
  let received = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) return;
    received = true;
    const signalledAt = Date.now();
    logger.info({ signal, timeoutMs: config.shutdownTimeoutMs }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timed out; exiting');
      logger.flush?.();
      process.exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    started.stop().then(
      () => {
        logger.info({ durationMs: Date.now() - signalledAt }, 'shut down cleanly');
        logger.flush?.();
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        logger.flush?.();
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
