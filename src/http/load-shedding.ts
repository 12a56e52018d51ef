import underPressure from '@fastify/under-pressure';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/index.js';
import { AppError } from '../shared/errors.js';

/** Probes and scrapes answer even when the process sheds load: an orchestrator must still see it. */
const ALWAYS_ANSWERED = ['/healthz', '/readyz', '/metrics'];

export interface LoadSheddingOptions {
  /** How often the event loop and memory are sampled (default 1 s; tests use less). */
  sampleIntervalMs?: number;
}

/**
 * Load shedding with @fastify/under-pressure: while the event loop lags more than
 * AUDENCI_MAX_EVENT_LOOP_DELAY_MS (or utilization, heap or RSS pass their optional limits), new
 * requests are answered at once with `503 SERVICE_UNAVAILABLE` and `Retry-After` instead of queueing
 * until every client times out. A refused request did nothing (the check runs before routing to a
 * handler), so a client may retry it safely; the SDK does. Health, readiness and metrics are exempt.
 */
export async function registerLoadShedding(
  app: FastifyInstance,
  load: Config['load'],
  options: LoadSheddingOptions = {},
): Promise<void> {
  const checks = [
    load.maxEventLoopDelayMs,
    load.maxEventLoopUtilization,
    load.maxHeapBytes,
    load.maxRssBytes,
  ];
  if (checks.every((limit) => limit <= 0)) return;
  const sampleIntervalMs = options.sampleIntervalMs ?? 1000;
  // Start-up (loading modules, compiling schemas) blocks the loop for a while; the first samples would
  // refuse the first requests for that. Shedding is armed two samples after the app is ready.
  let armedAt = Infinity;
  app.addHook('onReady', async () => {
    armedAt = Date.now() + 2 * sampleIntervalMs;
  });
  await app.register(underPressure, {
    maxEventLoopDelay: load.maxEventLoopDelayMs,
    maxEventLoopUtilization: load.maxEventLoopUtilization,
    eventLoopUtilizationMode: 'interval',
    maxHeapUsedBytes: load.maxHeapBytes,
    maxRssBytes: load.maxRssBytes,
    sampleInterval: sampleIntervalMs,
    pressureHandler: (request, _reply, type) => {
      const path = request.url.split('?')[0]!;
      if (ALWAYS_ANSWERED.includes(path) || Date.now() < armedAt) return undefined;
      request.log.warn({ pressure: type }, 'shedding load');
      // A rejected promise reaches the error handler, which answers in the contract's envelope.
      return Promise.reject(
        new AppError('SERVICE_UNAVAILABLE', 'The server is overloaded; retry shortly', undefined, {
          'Retry-After': String(load.retryAfterSeconds),
        }),
      );
    },
  });
}
