import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../shared/clock.js';
import { AppError } from '../shared/errors.js';
import {
  parseKey,
  type KeyAuthenticator,
  type KeyUsage,
  type Principal,
  type Scope,
} from '../modules/keys/index.js';
import type { RateLimiter } from './rate-limit.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The least scope that may call this route, or `public` for no authentication. Required on every route. */
    scope?: Scope | 'public';
    /**
     * The route also serves requests without a key that carry a `signature` query parameter (signed
     * media links); its handler verifies the signature. `request.principal` is then null.
     */
    signedAccess?: boolean;
  }
  interface FastifyRequest {
    /** Set on every authenticated route before its handler runs. */
    principal: Principal;
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

export interface AuthDeps {
  authenticator: KeyAuthenticator;
  keyUsage: KeyUsage;
  rateLimiter: RateLimiter;
  clock: Clock;
}

/**
 * Authentication, rate limiting and scope checks, in that order, for every route whose config declares
 * a scope. Runs in `onRequest`, before the body is read: an unauthenticated caller costs no parsing.
 */
export function registerAuth(app: FastifyInstance, deps: AuthDeps): void {
  app.decorateRequest('principal', null as unknown as Principal);

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const required = request.routeOptions.config.scope;
    if (required === undefined || required === 'public') return;
    if (
      request.routeOptions.config.signedAccess &&
      request.headers.authorization === undefined &&
      typeof (request.query as Record<string, unknown>).signature === 'string'
    ) {
      return;
    }

    const header = request.headers.authorization;
    if (!header) throw unauthorized('Missing API key: send it as "Authorization: Bearer <key>"', false);
    const match = /^Bearer +(\S+) *$/i.exec(header);
    if (!match) throw unauthorized('Malformed Authorization header: expected "Bearer <key>"', true);
    const parsed = parseKey(match[1]!);
    if (!parsed) throw unauthorized('Invalid API key', true);
    const result = await deps.authenticator.authenticate(parsed.hash);
    if (!result.ok) throw unauthorized(REFUSALS[result.reason], true);
    const principal = result.principal;
    request.principal = principal;

    const now = deps.clock.now();
    deps.keyUsage.touch(principal.keyId, now);
    const limit = await deps.rateLimiter.check(
      `${principal.organizationId}:${principal.environment}`,
      principal.rateLimit,
      now,
    );
    reply.header('X-RateLimit-Limit', String(limit.limit));
    reply.header('X-RateLimit-Remaining', String(limit.remaining));
    reply.header('X-RateLimit-Reset', String(Math.ceil(limit.resetAt / 1000)));
    if (!limit.allowed) {
      const retryAfter = Math.max(1, Math.ceil((limit.resetAt - now) / 1000));
      throw new AppError(
        'RATE_LIMITED',
        `Rate limit of ${limit.limit} requests per window exceeded; retry after ${retryAfter} s`,
        { limit: limit.limit, resetAt: new Date(limit.resetAt).toISOString() },
        { 'Retry-After': String(retryAfter) },
      );
    }
    if (!scopeAllows(principal.scope, required)) {
      throw new AppError(
        'FORBIDDEN',
        `This API key's scope '${principal.scope}' cannot do this; it needs '${required}'`,
        {
          requiredScope: required,
          grantedScope: principal.scope,
        },
      );
    }
  });
}
