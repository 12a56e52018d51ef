import { hash, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { appMetrics } from '../shared/app-metrics.js';
import { redactUrl } from '../shared/redact.js';
import { runInTrace, traceFrom, type TraceContext } from '../shared/trace.js';
import type { Principal } from '../db/tables/keys.js';
import { ifNoneMatchHits } from './etag.js';
import { REPLAYED_HEADER } from './idempotency.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** This request's W3C trace: the caller's `traceparent` continued, or a new one. */
    trace: TraceContext;
  }
}

/** An incoming `X-Request-Id` is echoed when it matches this; otherwise one is made. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

const ID_BYTES = 12;
/**
 * Random bytes for request ids, drawn 256 ids at a time: a `randomBytes` call costs ~6 µs whatever its
 * size, which was a few per cent of a whole request. The ids are as random as before (same CSPRNG).
 */
let idPool = Buffer.alloc(0);
let idOffset = 0;

function randomIdPart(): string {
  if (idOffset + ID_BYTES > idPool.length) {
    idPool = randomBytes(ID_BYTES * 256);
    idOffset = 0;
  }
  const text = idPool.toString('base64url', idOffset, idOffset + ID_BYTES);
  idOffset += ID_BYTES;
  return text;
}

/** Echo a well-formed incoming `X-Request-Id`; otherwise make one. */
export function genReqId(request: { headers: Record<string, string | string[] | undefined> }): string {
  const incoming = request.headers['x-request-id'];
  if (typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming)) return incoming;
  return `req_${randomIdPart()}`;
}

export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'audenci_' });
  return registry;
}

/**
 * Every request runs in a W3C trace (see shared/trace.ts): a well-formed `traceparent` is continued, a
 * malformed one ignored. Outbound calls made while serving it (platforms, AI provider, webhook tests)
 * carry it. Register first: the hooks and the handler after it run inside the trace.
 */
export function registerTracing(app: FastifyInstance): void {
  app.decorateRequest<TraceContext>('trace', null as unknown as TraceContext);
  app.addHook('onRequest', (request, _reply, done) => {
    request.trace = traceFrom(request.headers.traceparent);
    runInTrace(request.trace, done);
  });
  // Reading the body continues in the socket's async context, not the request's: enter the trace again.
  app.addHook('preValidation', (request, _reply, done) => {
    if (request.trace) runInTrace(request.trace, done);
    else done();
  });
}

/** Who made an authenticated request, for its log line: ids only, never a key or a token. */
function callerFields(principal: Principal | null): Record<string, string> {
  if (!principal) return {};
  const base = { organizationId: principal.organizationId, environment: principal.environment };
  return principal.kind === 'key'
    ? { ...base, keyId: principal.keyId }
    : { ...base, sessionId: principal.sessionId, userId: principal.userId };
}

/**
 * Request counts and latency by route pattern and status, rate-limit rejections and idempotent replays,
 * for `GET /metrics`; one log line per request.
 */
export function registerRequestMetrics(app: FastifyInstance, registry: Registry): void {
  const families = appMetrics(registry);
  const labelNames = ['method', 'route', 'status_code'] as const;
  const duration = new Histogram({
    name: 'audenci_http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const total = new Counter({
    name: 'audenci_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames,
    registers: [registry],
  });
  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status_code: String(reply.statusCode),
    };
    total.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
    const principal = (request.principal as Principal | null) ?? null;
    const environment = principal?.environment ?? 'none';
    if (reply.statusCode === 429) families.rateLimitRejections.inc({ environment });
    if (reply.getHeader(REPLAYED_HEADER) === 'true') families.idempotentReplays.inc({ environment });
    request.log.info(
      {
        ...callerFields(principal),
        ...(request.trace ? { traceId: request.trace.traceId } : {}),
        method: request.method,
        // Signed-link signatures, OAuth codes and states, keys pasted into the URL: never logged as is.
        url: redactUrl(request.url),
        statusCode: reply.statusCode,
        responseTime: reply.elapsedTime,
      },
      'request completed',
    );
  });
}

/** One-shot `hash` (same digest as `createHash`): half the cost on small bodies, ~15 % less on large ones. */
function etagOf(payload: string): string {
  return `"${hash('sha1', payload, 'base64url')}"`;
}

/**
 * Request ids on every response, `Cache-Control: private, no-cache` on the API, and an `ETag` on
 * successful GETs so that `If-None-Match` answers 304 without a body.
 */
export function registerResponseHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('X-Request-Id', request.id);
    if (request.url.startsWith('/api')) reply.header('Cache-Control', 'private, no-cache');
  });
  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || reply.statusCode !== 200) return payload;
    if (typeof payload !== 'string' || reply.hasHeader('ETag')) return payload;
    const etag = etagOf(payload);
    reply.header('ETag', etag);
    const ifNoneMatch = request.headers['if-none-match'];
    if (ifNoneMatchHits(ifNoneMatch, etag)) {
      reply.code(304);
      reply.removeHeader('Content-Type');
      reply.removeHeader('Content-Length');
      return '';
    }
    return payload;
  });
}
