import type { FastifyContextConfig, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../shared/clock.js';
import { AppError } from '../shared/errors.js';
import { toRetryAfterSeconds } from '../shared/retry.js';
import type { Principal, Scope, SessionPrincipal } from '../db/tables/keys.js';
import { parseCookies, SESSION_COOKIE } from './cookies.js';
import { checkCsrf } from './csrf.js';
import type { AuthFailureThrottle, Refusal } from './auth-throttle.js';
import type { RateLimiter, RateLimitResult } from './rate-limit.js';
import { routeConfig } from './route-config.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The least scope that may call this route, or `public` for no authentication. Required on every route. */
    scope?: Scope | 'public';
    /**
     * The route also serves requests without a key that carry a `signature` query parameter (signed
     * media links); its handler verifies the signature. `request.principal` is then null.
     */
    signedAccess?: boolean;
    /**
     * A public route for probes and scrapers (liveness, readiness, metrics): never rate limited, so an
     * orchestrator never takes a healthy process out because it asked too often.
     */
    probe?: boolean;
    /** About the signed-in person (`/me`): an API key, whatever its scope, is answered 403. */
    sessionOnly?: boolean;
  }
  interface FastifyRequest {
    /** Set on every authenticated route before its handler runs. */
    principal: Principal;
    /** This request's own rate-limit check (its organization and environment), on authenticated routes. */
    rateLimit: RateLimitResult | null;
  }
}

const SCOPE_RANK: Record<Scope, number> = { read: 0, read_write: 1, admin: 2 };

export function scopeAllows(granted: Scope, required: Scope): boolean {
  return SCOPE_RANK[granted] >= SCOPE_RANK[required];
}

const REALM = 'Bearer realm="audenci"';

function unauthorized(message: string, invalidToken: boolean): AppError {
  return new AppError('UNAUTHORIZED', message, undefined, {
    'WWW-Authenticate': invalidToken ? `${REALM}, error="invalid_token"` : REALM,
  });
}

const REFUSALS = {
  unknown: 'Invalid API key',
  revoked: 'This API key has been revoked',
  expired: 'This API key has expired',
} as const;

/** Whether an API key names a caller, and if not, why. */
export type Authentication =
  { ok: true; principal: Principal } | { ok: false; reason: 'unknown' | 'revoked' | 'expired' };

/**
 * What authentication asks of whoever keeps the API keys (the keys module; app.ts passes it in): the
 * caller a key names, as the client sent it.
 */
export interface Authenticator {
  identify(key: string): Promise<Authentication>;
  /**
   * The answer for a key kept in memory, without waiting (undefined: it needs `identify`). Saves the
   * promises of `identify` on the requests of a key in use.
   */
  identifyKept?(key: string): Authentication | undefined;
}

/** A session cookie's principal, and the hash of the session's CSRF token. */
export interface SessionIdentity {
  principal: SessionPrincipal;
  csrfTokenHash: string;
}

/** What authentication asks of whoever keeps the sessions (the people module; app.ts passes it in). */
export interface SessionAuthenticator {
  /**
   * The person a session cookie's token signs in, acting in the session's organization and environment;
   * undefined when the session is unknown, revoked, expired, idle too long or without an organization.
   */
  identifySession(token: string): Promise<SessionIdentity | undefined>;
}

/** The session cookie's token of a request, if it carries one. */
export function sessionToken(request: FastifyRequest): string | undefined {
  const token = parseCookies(request.headers.cookie).get(SESSION_COOKIE);
  return token === '' ? undefined : token;
}

/** Records when a key was last used (batched by the implementation: never a write per request). */
export interface KeyUseRecorder {
  touch(keyId: string, at: number): void;
}

export interface AuthDeps {
  authenticator: Authenticator;
  keyUsage: KeyUseRecorder;
  /**
   * Sessions, accepted instead of a Bearer key (the key wins when both are sent); absent: keys only.
   * State-changing requests of a session must come from `publicOrigin` with its CSRF token.
   */
  sessions?: SessionAuthenticator;
  /** The origin of AUDENCI_PUBLIC_URL (`https://audenci.example.com`). */
  publicOrigin?: string;
  rateLimiter: RateLimiter;
  /** Failed authentications per client address (`request.ip`); absent: not throttled. */
  authFailures?: AuthFailureThrottle;
  /** Requests per window a client address may make to public routes other than probes; 0: no limit. */
  publicRateLimit?: number;
  clock: Clock;
}

function rateLimited(limit: RateLimitResult, now: number, details: Record<string, unknown> = {}): AppError {
  const retryAfter = toRetryAfterSeconds(limit.resetAt - now);
  return new AppError(
    'RATE_LIMITED',
    `Rate limit of ${limit.limit} requests per window exceeded; retry after ${retryAfter} s`,
    { ...details, limit: limit.limit, resetAt: new Date(limit.resetAt).toISOString() },
    { 'Retry-After': String(retryAfter) },
  );
}

function rateLimitHeaders(reply: FastifyReply, limit: RateLimitResult): void {
  reply.header('X-RateLimit-Limit', String(limit.limit));
  reply.header('X-RateLimit-Remaining', String(limit.remaining));
  reply.header('X-RateLimit-Reset', String(Math.ceil(limit.resetAt / 1000)));
}

/**
 * The address's budget of failed authentications, in the rate-limit headers of its 401s and 429s (as
 * GitHub reports its unauthenticated limit): a client sees how many more refusals it may cause.
 */
function failureBudgetHeaders(limit: number, count: number, resetAt: number): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(limit),
    'X-RateLimit-Remaining': String(Math.max(0, limit - count)),
    'X-RateLimit-Reset': String(Math.ceil(resetAt / 1000)),
  };
}

/**
 * `refusal.limit` is the throttle's limit, or this process's share of it while Redis is unreachable.
 * `who`: what was refused (the address, or the account of a sign-in).
 */
export function tooManyFailures(refusal: Refusal, now: number, who = 'from this address'): AppError {
  const { until, limit } = refusal;
  const retryAfter = toRetryAfterSeconds(until - now);
  return new AppError(
    'RATE_LIMITED',
    `Too many failed authentication attempts ${who}; retry after ${retryAfter} s`,
    {
      reason: 'authentication_failures',
      limit,
      resetAt: new Date(until).toISOString(),
    },
    { 'Retry-After': String(retryAfter), ...failureBudgetHeaders(limit, limit, until) },
  );
}

/** The key's principal, or the 401 that refuses it. */
async function identify(header: string | undefined, authenticator: Authenticator): Promise<Principal> {
  if (!header) throw unauthorized('Missing API key: send it as "Authorization: Bearer <key>"', false);
  const match = /^Bearer +(\S+) *$/i.exec(header);
  if (!match) throw unauthorized('Malformed Authorization header: expected "Bearer <key>"', true);
  const result = await authenticator.identify(match[1]!);
  if (!result.ok) throw unauthorized(REFUSALS[result.reason], true);
  return result.principal;
}

/** The session's principal, or the 401 that refuses the cookie; a state-changing request must pass CSRF. */
async function identifySession(
  request: FastifyRequest,
  token: string,
  sessions: SessionAuthenticator,
  publicOrigin: string,
): Promise<Principal> {
  const identity = await sessions.identifySession(token);
  if (!identity) throw unauthorized('Your session has ended or is not valid: sign in again', false);
  checkCsrf(request, identity.csrfTokenHash, publicOrigin);
  return identity.principal;
}

/**
 * Authentication, rate limiting and scope checks, in that order, for every route whose config declares
 * a scope. Runs in `onRequest`, before the body is read: an unauthenticated caller costs no parsing.
 * A request carrying an Authorization header that is refused counts as a failure of its address;
 * an address past the failure limit is answered 429 before anything else is looked at. Without an
 * Authorization header the session cookie, when sent, authenticates: it acts with its member's role
 * and shares its organization's rate limit with the keys.
 */
export function registerAuth(app: FastifyInstance, deps: AuthDeps): void {
  app.decorateRequest<Principal>('principal', null as unknown as Principal);
  app.decorateRequest('rateLimit', null);
  // A serving process counts among the API processes a rate limit is shared by while Redis is down.
  app.addHook('onReady', async () => deps.rateLimiter.join());
  app.addHook('onClose', async () => deps.rateLimiter.leave());

  // A callback hook: a kept key under an in-memory rate limit is answered without a promise; anything
  // else (a lookup, a session, Redis, a refusal to count) continues in `authenticate`.
  app.addHook('onRequest', (request, reply, done) => {
    const config = routeConfig(request);
    const required = config.scope;
    if (required === undefined) return done();
    if (required !== 'public' && admitKept(request, reply, config, required)) return done();
    authenticate(request, reply, config, required).then(() => done(), done);
  });

  /**
   * The synchronous path: a Bearer key the authenticator keeps and finds valid, a rate limit counted in
   * memory, no refusal pending for the address. True when the request was admitted (or throws its
   * 403/429, as `admit` would); false when `authenticate` must decide.
   */
  function admitKept(
    request: FastifyRequest,
    reply: FastifyReply,
    config: FastifyContextConfig,
    required: Scope,
  ): boolean {
    const header = request.headers.authorization;
    if (header === undefined || !deps.authenticator.identifyKept || !deps.rateLimiter.countsNow) return false;
    const now = deps.clock.now();
    if (deps.authFailures?.refusal(request.ip, now) !== undefined) return false;
    const match = /^Bearer +(\S+) *$/i.exec(header);
    if (!match) return false;
    const result = deps.authenticator.identifyKept(match[1]!);
    if (result === undefined || !result.ok) return false;
    const principal = result.principal;
    const limit = deps.rateLimiter.checkNow(
      `${principal.organizationId}:${principal.environment}`,
      principal.rateLimit,
      now,
    );
    if (limit === undefined) return false;
    request.principal = principal;
    if (principal.kind === 'key') deps.keyUsage.touch(principal.keyId, now);
    admit(request, reply, config, required, principal, limit, now);
    return true;
  }

  async function authenticate(
    request: FastifyRequest,
    reply: FastifyReply,
    config: FastifyContextConfig,
    required: Scope | 'public',
  ): Promise<void> {
    if (required === 'public') {
      // Public routes (the documents, the OAuth callback) are limited per client address.
      const publicLimit = deps.publicRateLimit ?? 0;
      if (publicLimit === 0 || config.probe) return;
      const now = deps.clock.now();
      const limit = await deps.rateLimiter.check(`public:${request.ip}`, publicLimit, now);
      rateLimitHeaders(reply, limit);
      if (!limit.allowed) throw rateLimited(limit, now, { reason: 'public_requests' });
      return;
    }
    if (
      config.signedAccess &&
      request.headers.authorization === undefined &&
      typeof (request.query as Record<string, unknown>).signature === 'string'
    ) {
      return;
    }

    const throttle = deps.authFailures;
    const now = deps.clock.now();
    const refusal = throttle?.refusal(request.ip, now);
    if (refusal !== undefined) throw tooManyFailures(refusal, now);

    const header = request.headers.authorization;
    const sessions = header === undefined ? deps.sessions : undefined;
    const cookie = sessions ? sessionToken(request) : undefined;
    let principal: Principal;
    try {
      principal =
        sessions && cookie !== undefined
          ? await identifySession(request, cookie, sessions, deps.publicOrigin ?? '')
          : await identify(header, deps.authenticator);
    } catch (error) {
      // A missing header is not counted: it costs nothing and guesses nothing.
      if (throttle && header !== undefined && error instanceof AppError && error.status === 401) {
        const failure = await throttle.fail(request.ip, now);
        // Past the limit already (counted by another process first): refused like the next ones.
        if (failure.refusedUntil !== undefined && failure.count > failure.limit) {
          throw tooManyFailures({ until: failure.refusedUntil, limit: failure.limit }, now);
        }
        if (throttle.limit > 0) {
          reply.headers(failureBudgetHeaders(failure.limit, failure.count, failure.resetAt));
        }
      }
      throw error;
    }
    request.principal = principal;

    if (principal.kind === 'key') deps.keyUsage.touch(principal.keyId, now);
    const limit = await deps.rateLimiter.check(
      `${principal.organizationId}:${principal.environment}`,
      principal.rateLimit,
      now,
    );
    admit(request, reply, config, required, principal, limit, now);
  }
}

/** The rate limit's headers and verdict, then the scope's: what every authenticated request passes. */
function admit(
  request: FastifyRequest,
  reply: FastifyReply,
  config: FastifyContextConfig,
  required: Scope,
  principal: Principal,
  limit: RateLimitResult,
  now: number,
): void {
  request.rateLimit = limit;
  rateLimitHeaders(reply, limit);
  if (!limit.allowed) throw rateLimited(limit, now);
  if (!scopeAllows(principal.scope, required)) {
    const who =
      principal.kind === 'key'
        ? `This API key's scope '${principal.scope}'`
        : `Your role '${principal.role}' (scope '${principal.scope}')`;
    throw new AppError('FORBIDDEN', `${who} cannot do this; it needs '${required}'`, {
      requiredScope: required,
      grantedScope: principal.scope,
    });
  }
  if (config.sessionOnly && principal.kind !== 'session') {
    throw new AppError(
      'FORBIDDEN',
      'This is about a signed-in person: call it with a session, not an API key',
      {
        reason: 'session_required',
      },
    );
  }
}
