import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { SessionPrincipal } from '../../db/tables/keys.js';
import type { Role, SessionRow } from '../../db/tables/people.js';
import type { Clock } from '../../shared/clock.js';
import { newId } from '../../shared/ids.js';
import type { Environment } from '../../shared/tenant.js';
import { rateLimitOf } from '../organizations/index.js';
import * as repo from './people.repository.js';
import { csrfTokenFor, hashToken, newToken } from './people.tokens.js';

/** The API scope each role acts with. */
export const ROLE_SCOPES = {
  owner: 'admin',
  admin: 'admin',
  editor: 'read_write',
  viewer: 'read',
} as const satisfies Record<Role, SessionPrincipal['scope']>;

export interface SessionSettings {
  /** A session ends this long after sign-in, however active. */
  lifetimeMs: number;
  /** A session ends when unused this long. */
  idleMs: number;
}

/** `last_seen_at` is written at most this often per session: the idle timeout needs no finer time. */
const TOUCH_EVERY_MS = 60_000;

/** Where a new session starts, and who the browser said it was. */
export interface SessionStart {
  organizationId: string | null;
  environment: Environment;
  ip: string | null;
  userAgent: string | null;
}

/** A new session: its row, the cookie's token and its CSRF token (both shown only to its browser). */
export interface NewSession {
  row: SessionRow;
  token: string;
  csrfToken: string;
}

/**
 * Sessions of people signed in with a browser: made at sign-in, found by the hash of the cookie's token
 * on every request, ended by sign-out, revocation, their absolute lifetime or idleness. The API's
 * authentication asks `identifySession` (app.ts passes this store to it).
 */
export class SessionStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    readonly settings: SessionSettings,
  ) {}

  /** `db` is the transaction the session is made in (with its audit entry), the store's own by default. */
  async create(userId: string, start: SessionStart, db = this.db): Promise<NewSession> {
    const now = this.clock.now();
    const { token, hash } = newToken();
    const csrfToken = csrfTokenFor(token);
    const row: SessionRow = {
      id: newId('session', now),
      token_hash: hash,
      csrf_token_hash: hashToken(csrfToken),
      user_id: userId,
      organization_id: start.organizationId,
      environment: start.environment,
      created_at: now,
      last_seen_at: now,
      expires_at: now + this.settings.lifetimeMs,
      revoked_at: null,
      ip: start.ip,
      user_agent: start.userAgent === null ? null : start.userAgent.slice(0, 500),
    };
    await repo.insertSession(db, row);
    return { row, token, csrfToken };
  }

  /** Whether a session is still open at `now`. */
  isOpen(row: Pick<SessionRow, 'revoked_at' | 'expires_at' | 'last_seen_at'>, now: number): boolean {
    return row.revoked_at === null && row.expires_at > now && row.last_seen_at + this.settings.idleMs > now;
  }

  /** The open session a cookie's token names (its last use recorded), or undefined. */
  async find(token: string): Promise<repo.SessionForAuth | undefined> {
    const row = await repo.findSessionByHash(this.db, hashToken(token));
    const now = this.clock.now();
    if (!row || !this.isOpen(row, now)) return undefined;
    if (now - row.last_seen_at >= TOUCH_EVERY_MS) {
      await repo.updateSession(this.db, row.id, { last_seen_at: now });
      row.last_seen_at = now;
    }
    return row;
  }

  /** What the API's authentication asks: the member acting in the session's organization. */
  async identifySession(
    token: string,
  ): Promise<{ principal: SessionPrincipal; csrfTokenHash: string } | undefined> {
    const row = await this.find(token);
    if (!row || row.organization_id === null || row.role === null || row.plan === null) return undefined;
    return {
      principal: {
        kind: 'session',
        sessionId: row.id,
        userId: row.user_id,
        role: row.role,
        organizationId: row.organization_id,
        environment: row.environment,
        scope: ROLE_SCOPES[row.role],
        rateLimit: rateLimitOf({ plan: row.plan, rate_limit_override: row.rate_limit_override }),
      },
      csrfTokenHash: row.csrf_token_hash,
    };
  }

  /** Ends the session a cookie's token names (sign-out, or the old cookie at a new sign-in); false if ended. */
  async revokeToken(token: string, db = this.db): Promise<boolean> {
    return repo.revokeSessionByHash(db, hashToken(token), this.clock.now());
  }
}
