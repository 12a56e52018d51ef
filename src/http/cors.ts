import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Cross-origin calls from browser pages (AUDENCI_CORS_ORIGINS), off by default. Such pages authenticate
 * with an API key in `Authorization`; credentials (the session cookie) are never allowed cross-origin, so
 * no answer carries `Access-Control-Allow-Credentials` and the web app's sessions stay same-origin.
 */

/** The methods a preflight allows. */
export const CORS_ALLOWED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** The request headers the API (or the SDK) sends or reads that are not CORS-safelisted. */
export const CORS_ALLOWED_HEADERS = [
  'Authorization',
  'Content-Type',
  'Idempotency-Key',
  'If-Match',
  'If-None-Match',
  'If-Range',
  'Range',
  'X-Request-Id',
  'X-CSRF-Token',
  'X-Audenci-Client',
  'User-Agent',
  'traceparent',
  'tracestate',
] as const;

/** The response headers the API sends that a page's script may read (beyond the safelisted ones). */
export const CORS_EXPOSED_HEADERS = [
  'X-Request-Id',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
  'Retry-After',
  'ETag',
  'Location',
  'Idempotent-Replayed',
  'Deprecation',
  'Sunset',
  'Link',
  'Allow',
  'WWW-Authenticate',
  'Content-Disposition',
  'Content-Range',
  'Accept-Ranges',
] as const;

/** How long a browser may reuse a preflight's answer (Chromium caps it at 2 hours). */
export const CORS_MAX_AGE_SECONDS = 7200;

const PREFLIGHT_HEADERS = {
  'Access-Control-Allow-Methods': CORS_ALLOWED_METHODS.join(', '),
  'Access-Control-Allow-Headers': CORS_ALLOWED_HEADERS.join(', '),
  'Access-Control-Max-Age': String(CORS_MAX_AGE_SECONDS),
};
const EXPOSED = CORS_EXPOSED_HEADERS.join(', ');

/** Adds `Origin` to the answer's `Vary` (keeping what another part of the server put there). */
function varyOnOrigin(reply: FastifyReply): void {
  const current = reply.getHeader('Vary');
  const list =
    current === undefined
      ? []
      : String(current)
          .split(',')
          .map((v) => v.trim());
  if (list.some((v) => v === '*' || v.toLowerCase() === 'origin')) return;
  reply.header('Vary', [...list.filter(Boolean), 'Origin'].join(', '));
}

/**
 * `origins`: normalised origins (`https://app.example.com`), or `['*']` for any; empty: nothing is
 * registered. Register before authentication and rate limiting: a preflight of an allowed origin is
 * answered 204 here, on any path (known or not), without a key and without counting against a limit.
 * Every other request of an allowed origin gets `Access-Control-Allow-Origin` (its own origin, echoed)
 * and `Access-Control-Expose-Headers`, whatever its status. An origin not allowed gets no CORS header at
 * all (its preflight goes on as any OPTIONS request: 405 on a known path, 404 otherwise), so the browser
 * withholds the answer from the page.
 */
export function registerCors(app: FastifyInstance, origins: readonly string[]): void {
  if (origins.length === 0) return;
  const any = origins.includes('*');
  const allowed = new Set(origins);
  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done) => {
    // The answer depends on Origin whenever CORS is on: a shared cache must not hand one origin's to another.
    varyOnOrigin(reply);
    const origin = request.headers.origin;
    if (typeof origin !== 'string' || !(any || allowed.has(origin))) {
      done();
      return;
    }
    reply.header('Access-Control-Allow-Origin', origin);
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
      reply.code(204).headers(PREFLIGHT_HEADERS).send();
      return;
    }
    reply.header('Access-Control-Expose-Headers', EXPOSED);
    done();
  });
  // Hooks or handlers that set Vary themselves must not drop Origin from it.
  app.addHook('onSend', (_request, reply, payload, done) => {
    varyOnOrigin(reply);
    done(null, payload);
  });
}
