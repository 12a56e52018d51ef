import { hash } from 'node:crypto';
import { randomBase64url } from '../shared/random-pool.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { appMetrics } from '../shared/app-metrics.js';
import { redactUrl } from '../shared/redact.js';
import {
  checkingOutboundCalls,
  openTrace,
  traceFrom,
  type TraceContext,
  type TraceScope,
} from '../shared/trace.js';
import type { Principal } from '../db/tables/keys.js';
import { ifNoneMatchHits } from './etag.js';
import { REPLAYED_HEADER } from './idempotency.js';
import { TalliedHistogram, tallyCounter, type RequestSeries } from './request-tally.js';
import { routeConfig } from './route-config.js';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * This request's W3C trace: the caller's `traceparent` continued, or a new one. Made when first read
     * (the log line, a route that calls out): most requests never need its random ids.
     */
    trace: TraceContext;
    /** The trace once made (see `trace`). */
    madeTrace: TraceContext | null;
    /** The request went through the tracing hook (its log line carries the trace id). */
    traced: boolean;
    /** The trace entered for this request, when its route calls out (see shared/trace.ts). */
    traceScope: TraceScope | null;
  }
  interface FastifyContextConfig {
    /**
     * The handler may call out (a platform, the AI provider, a webhook receiver, a URL to import): the
     * request enters its trace so that those calls carry its `traceparent`. Routes without it do not
     * pay for the async context (tests throw on an outbound call from a route without it).
     */
    outbound?: boolean;
  }
}

/** An incoming `X-Request-Id` is echoed when it matches this; otherwise one is made. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** Random bytes of a made request id (16 base64url characters). */
const ID_BYTES = 12;

function randomIdPart(): string {
  return randomBase64url(ID_BYTES);
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
 * Every request has a W3C trace (see shared/trace.ts): a well-formed `traceparent` is continued, a
 * malformed one ignored; its id is in the request's log line. A route that calls out (`outbound: true`)
 * runs in the trace, so those calls carry it. Register first: the hooks and the handler after it run
 * inside the trace.
 */
export function registerTracing(app: FastifyInstance): void {
  app.decorateRequest('madeTrace', null);
  app.decorateRequest('trace', {
    getter(this: FastifyRequest): TraceContext {
      return (this.madeTrace ??= traceFrom(this.headers.traceparent));
    },
  });
  app.decorateRequest('traced', false);
  app.decorateRequest('traceScope', null);
  app.addHook('onRequest', (request, reply, done) => {
    request.traced = true;
    const outbound = routeConfig(request).outbound === true;
    if (!outbound && !checkingOutboundCalls()) return done();
    const scope = openTrace(request.trace, outbound);
    request.traceScope = scope;
    // Answered or abandoned: the trace's async context is no longer paid for.
    reply.raw.once('close', scope.end);
    scope.run(done);
  });
  // Reading the body continues in the socket's async context, not the request's: enter the trace again.
  app.addHook('preValidation', (request, _reply, done) => {
    if (request.traceScope) request.traceScope.run(done);
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
  const duration = new TalliedHistogram({
    name: 'audenci_http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registry,
  });
  // Its counts are the histogram's, handed over when scraped.
  tallyCounter(
    { name: 'audenci_http_requests_total', help: 'HTTP requests by route and status', registry },
    duration,
  );
  // The series of each route and status, found once per request by one lookup; counted in plain numbers
  // (request-tally.ts), not through prom-client's label hashing on every request.
  const series = new Map<string, RequestSeries>();
  app.addHook('onResponse', (request, reply, done) => {
    const method = request.method;
    const route = routeConfig(request).url ?? 'unmatched';
    const status = reply.statusCode;
    const key = `${method} ${status} ${route}`;
    let found = series.get(key);
    if (found === undefined) series.set(key, (found = duration.open(method, route, status)));
    duration.observeIn(found, reply.elapsedTime / 1000);
    const principal = (request.principal as Principal | null) ?? null;
    if (reply.statusCode === 429)
      families.rateLimitRejections.inc({ environment: principal?.environment ?? 'none' });
    if (reply.getHeader(REPLAYED_HEADER) === 'true')
      families.idempotentReplays.inc({ environment: principal?.environment ?? 'none' });
    if (infoEnabled(request.log)) {
      request.log.info(
        {
          ...callerFields(principal),
          ...(request.traced ? { traceId: request.trace.traceId } : {}),
          method: request.method,
          // Signed-link signatures, OAuth codes and states, keys pasted into the URL: never logged as is.
          url: redactUrl(request.url),
          statusCode: reply.statusCode,
          responseTime: reply.elapsedTime,
        },
        'request completed',
      );
    }
    done();
  });
}

/** Whether a request's log line would be written (fields are not built for a line that is dropped). */
function infoEnabled(log: FastifyRequest['log']): boolean {
  const pino = log as unknown as { isLevelEnabled?: (level: string) => boolean };
  return pino.isLevelEnabled ? pino.isLevelEnabled('info') : true;
}

/** One-shot `hash` (same digest as `createHash`): half the cost on small bodies, ~15 % less on large ones. */
function etagOf(payload: string | Buffer): string {
  return `"${hash('sha1', payload, 'base64url')}"`;
}

/**
 * Answers of more than this many characters are encoded to UTF-8 once, here, and sent as bytes: the tag
 * is the hash of those bytes, Fastify's Content-Length their length and the socket writes them as they
 * are. Left a string, an answer was encoded three times (for the hash, for Content-Length, for the
 * socket) — a page of posts is 15–20 KB. Short ones stay strings, whose encoding costs less than a
 * buffer's allocation.
 */
const ENCODE_ONCE_FROM = 2048;

/**
 * Request ids on every response, `Cache-Control: private, no-cache` on the API, and an `ETag` on
 * successful GETs so that `If-None-Match` answers 304 without a body.
 */
export function registerResponseHeaders(app: FastifyInstance): void {
  // Hooks that never wait take Fastify's callback: an async hook costs a promise and a tick per request.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('X-Request-Id', request.id);
    if (request.url.startsWith('/api')) reply.header('Cache-Control', 'private, no-cache');
    done();
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || reply.statusCode !== 200) {
      return done(null, payload);
    }
    if (typeof payload !== 'string' || reply.hasHeader('ETag')) return done(null, payload);
    const body = payload.length > ENCODE_ONCE_FROM ? Buffer.from(payload) : payload;
    const etag = etagOf(body);
    reply.header('ETag', etag);
    const ifNoneMatch = request.headers['if-none-match'];
    if (ifNoneMatchHits(ifNoneMatch, etag)) {
      reply.code(304);
      reply.removeHeader('Content-Type');
      reply.removeHeader('Content-Length');
      return done(null, '');
    }
    done(null, body);
  });
}
