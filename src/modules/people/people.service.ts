import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { Principal, SessionPrincipal } from '../../db/tables/keys.js';
import type { SessionRow, UserRow } from '../../db/tables/people.js';
import { toIso } from '../../shared/clock.js';
import { AppError, invalidInput, notFound } from '../../shared/errors.js';
import type { Environment } from '../../shared/tenant.js';
import * as repo from './people.repository.js';
import { hashPassword, verifyPassword } from './people.passwords.js';
import type { SessionStart, SessionStore } from './people.sessions.js';
import { csrfTokenFor } from './people.tokens.js';
import { toMe, toSessionView, type Me, type SessionInfo, type SessionView } from './people.views.js';
import { acceptLink } from './people.invitations.js';
import { recordForPerson } from './people.audit.js';
import { verifySecondFactor, type TwoFactorContext } from './people.two-factor.js';

/** What the people services need: the database, the clock, the session store and the TOTP secrets box. */
export interface PeopleContext extends TwoFactorContext {
  db: Kysely<Database>;
  clock: { now(): number };
  sessions: SessionStore;
}

/** Who a browser said it was when it signed in: the old cookie (ended at once), address, user agent. */
export interface Browser {
  previousToken: string | undefined;
  ip: string | null;
  userAgent: string | null;
}

/** A new session for the browser: the cookie's token and what the app is told. */
export interface SignedIn {
  token: string;
  info: SessionInfo;
}

/** Emails are compared lower-cased and trimmed: one person, one address, however typed. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function wrongCredentials(): AppError {
  return new AppError('UNAUTHORIZED', 'Wrong email or password');
}

async function sessionInfo(
  pc: PeopleContext,
  user: UserRow,
  row: SessionRow,
  token: string,
): Promise<SessionInfo> {
  const me = toMe(user, await repo.membershipsOf(pc.db, user.id), row);
  return {
    ...me,
    csrfToken: csrfTokenFor(token),
    session: { id: row.id, createdAt: toIso(row.created_at), expiresAt: toIso(row.expires_at) },
  };
}

/**
 * A new session for `user` in their first organization (live), after ending the session the browser
 * came with: a session is never carried over a sign-in (session fixation). Recorded as
 * `session.signed_in` in the same transaction.
 */
export async function startSession(
  pc: PeopleContext,
  user: UserRow,
  browser: Browser,
  organizationId?: string,
): Promise<SignedIn> {
  const session = await pc.db.transaction().execute(async (trx) => {
    if (browser.previousToken !== undefined) await pc.sessions.revokeToken(browser.previousToken, trx);
    const memberships = await repo.membershipsOf(trx, user.id);
    const start: SessionStart = {
      organizationId: organizationId ?? memberships[0]?.organization_id ?? null,
      environment: 'live',
      ip: browser.ip,
      userAgent: browser.userAgent,
    };
    const made = await pc.sessions.create(user.id, start, trx);
    await recordForPerson(trx, user.id, {
      ip: browser.ip,
      action: 'session.signed_in',
      target: { type: 'session', id: made.row.id },
      data: { method: 'password' },
      at: made.row.created_at,
    });
    return made;
  });
  return { token: session.token, info: await sessionInfo(pc, user, session.row, session.token) };
}

/**
 * Email and password → a new session; a wrong pair is 401 whichever part was wrong, in the same time.
 * A wrong password for a known account is recorded in its organizations; an unknown email has none,
 * and recording nothing for it tells nobody which emails have accounts.
 */
export async function signIn(
  pc: PeopleContext,
  input: { email: string; password: string; code?: string },
  browser: Browser,
): Promise<SignedIn> {
  const user = await repo.findUserByEmail(pc.db, normalizeEmail(input.email));
  const failed = async (userId: string, reason: 'wrong_password' | 'invalid_two_factor_code') => {
    const failure = {
      ip: browser.ip,
      action: 'session.sign_in_failed',
      data: { reason },
      at: pc.clock.now(),
    };
    await pc.db.transaction().execute((trx) => recordForPerson(trx, userId, failure));
  };
  if (!(await verifyPassword(user?.password_hash, input.password)) || !user) {
    if (user) await failed(user.id, 'wrong_password');
    throw wrongCredentials();
  }
  try {
    await verifySecondFactor(pc, user, input.code);
  } catch (error) {
    if (error instanceof AppError && error.details?.reason === 'invalid_two_factor_code') {
      await failed(user.id, 'invalid_two_factor_code');
    }
    throw error;
  }
  return startSession(pc, user, browser);
}

/** The open session a cookie names, or 401. */
export async function currentSession(
  pc: PeopleContext,
  token: string | undefined,
): Promise<repo.SessionForAuth> {
  const row = token === undefined ? undefined : await pc.sessions.find(token);
  if (!row) throw new AppError('UNAUTHORIZED', 'Not signed in, or the session has ended: sign in again');
  return row;
}

/** `GET /auth/session`: who the cookie signs in, with the session's CSRF token. */
export async function describeSession(pc: PeopleContext, token: string | undefined): Promise<SessionInfo> {
  const row = await currentSession(pc, token);
  return sessionInfo(pc, await userOf(pc, row.user_id), row, token!);
}

/** Ends the cookie's session; `open` is that session when it was still open (then recorded), from `ip`. */
export async function signOut(
  pc: PeopleContext,
  token: string | undefined,
  open: Pick<SessionRow, 'id' | 'user_id'> | undefined,
  ip: string,
): Promise<void> {
  if (token === undefined) return;
  await pc.db.transaction().execute(async (trx) => {
    // Only the request that ended the session records it (two sign-outs may race).
    if (!(await pc.sessions.revokeToken(token, trx)) || !open) return;
    const target = { type: 'session', id: open.id };
    await recordForPerson(trx, open.user_id, {
      ip,
      action: 'session.signed_out',
      target,
      at: pc.clock.now(),
    });
  });
}

/** Moves the session to another organization the person belongs to, and/or the other environment. */
export async function switchSession(
  pc: PeopleContext,
  token: string,
  row: SessionRow,
  to: { organizationId?: string; environment?: Environment },
): Promise<SessionInfo> {
  const organizationId = to.organizationId ?? row.organization_id;
  const memberships = await repo.membershipsOf(pc.db, row.user_id);
  if (organizationId === null || !memberships.some((m) => m.organization_id === organizationId)) {
    throw notFound('Organization', to.organizationId ?? undefined);
  }
  const environment = to.environment ?? row.environment;
  await repo.updateSession(pc.db, row.id, { organization_id: organizationId, environment });
  const moved = { ...row, organization_id: organizationId, environment };
  return sessionInfo(pc, await userOf(pc, row.user_id), moved, token);
}

/** Accepts a setup link or an invitation, then signs the browser in as the member it made. */
export async function acceptInvitation(
  pc: PeopleContext,
  input: { token: string; name: string; email: string; password: string },
  browser: Browser,
): Promise<SignedIn> {
  const email = normalizeEmail(input.email);
  const { user, organizationId } = await acceptLink(pc, { ...input, email }, browser.ip);
  return startSession(pc, user, browser, organizationId);
}

async function userOf(pc: PeopleContext, id: string): Promise<UserRow> {
  const user = await repo.findUser(pc.db, id);
  if (!user) throw new AppError('UNAUTHORIZED', 'This account no longer exists');
  return user;
}

/** The session behind a principal; an API key has no person (403). */
export function personOf(principal: Principal): SessionPrincipal {
  if (principal.kind === 'session') return principal;
  throw new AppError(
    'FORBIDDEN',
    'This endpoint is about a signed-in person: call it with a session, not an API key',
    {
      reason: 'session_required',
    },
  );
}

export async function getMe(pc: PeopleContext, principal: Principal): Promise<Me> {
  const person = personOf(principal);
  const user = await userOf(pc, person.userId);
  return toMe(user, await repo.membershipsOf(pc.db, user.id), {
    organization_id: person.organizationId,
    environment: person.environment,
  });
}

export async function updateMe(
  pc: PeopleContext,
  principal: Principal,
  changes: { name?: string },
): Promise<Me> {
  const person = personOf(principal);
  if (changes.name !== undefined) {
    await repo.updateUser(pc.db, person.userId, { name: changes.name.trim(), updated_at: pc.clock.now() });
  }
  return getMe(pc, principal);
}

/** A new password, given the current one; every other session of the person ends. */
export async function changePassword(
  pc: PeopleContext,
  principal: Principal,
  input: { currentPassword: string; newPassword: string },
  ip: string,
): Promise<{ revokedSessions: number }> {
  const person = personOf(principal);
  const user = await userOf(pc, person.userId);
  if (!(await verifyPassword(user.password_hash, input.currentPassword))) {
    throw invalidInput([{ field: 'currentPassword', reason: 'Is not your current password' }]);
  }
  const now = pc.clock.now();
  const passwordHash = await hashPassword(input.newPassword);
  return pc.db.transaction().execute(async (trx) => {
    await repo.updateUser(trx, user.id, { password_hash: passwordHash, updated_at: now });
    const revokedSessions = await repo.revokeSessions(trx, user.id, now, { keep: person.sessionId });
    const target = { type: 'user', id: user.id };
    await recordForPerson(trx, user.id, { ip, action: 'user.password_changed', target, at: now });
    return { revokedSessions };
  });
}

/** Most sessions listed: a person with more has signed in from more browsers than a page shows. */
const MAX_SESSIONS_LISTED = 100;

export async function listSessions(pc: PeopleContext, principal: Principal): Promise<SessionView[]> {
  const person = personOf(principal);
  const now = pc.clock.now();
  const rows = await repo.openSessions(pc.db, person.userId, now, MAX_SESSIONS_LISTED);
  return rows
    .filter((row) => pc.sessions.isOpen(row, now))
    .map((row) => toSessionView(row, person.sessionId));
}

/** Ends one of the person's sessions (this one included: that signs out); another person's is 404. */
export async function revokeSession(
  pc: PeopleContext,
  principal: Principal,
  id: string,
  ip: string,
): Promise<SessionView> {
  const person = personOf(principal);
  const row = await repo.findSessionOfUser(pc.db, person.userId, id);
  if (!row) throw notFound('Session', id);
  const now = pc.clock.now();
  if (row.revoked_at === null) {
    // Revoking an ended session again changes nothing and records nothing.
    await pc.db.transaction().execute(async (trx) => {
      if ((await repo.revokeSessions(trx, person.userId, now, { only: id })) === 0) return;
      const target = { type: 'session', id };
      await recordForPerson(trx, person.userId, { ip, action: 'session.revoked', target, at: now });
    });
    row.revoked_at = now;
  }
  return toSessionView(row, person.sessionId);
}

/** "Sign out everywhere": every session of the person but this one ends. */
export async function revokeOtherSessions(
  pc: PeopleContext,
  principal: Principal,
  ip: string,
): Promise<{ revoked: number }> {
  const person = personOf(principal);
  const now = pc.clock.now();
  return pc.db.transaction().execute(async (trx) => {
    const revoked = await repo.revokeSessions(trx, person.userId, now, { keep: person.sessionId });
    // Nothing to sign out is no change: no entry.
    if (revoked > 0) {
      const entry = { ip, action: 'session.revoked_others', data: { count: revoked }, at: now };
      await recordForPerson(trx, person.userId, entry);
    }
    return { revoked };
  });
}
