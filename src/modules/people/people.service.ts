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

/** What the people services need: the database, the clock and the session store. */
export interface PeopleContext {
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
 * came with: a session is never carried over a sign-in (session fixation).
 */
export async function startSession(
  pc: PeopleContext,
  user: UserRow,
  browser: Browser,
  organizationId?: string,
): Promise<SignedIn> {
  if (browser.previousToken !== undefined) await pc.sessions.revokeToken(browser.previousToken);
  const memberships = await repo.membershipsOf(pc.db, user.id);
  const start: SessionStart = {
    organizationId: organizationId ?? memberships[0]?.organization_id ?? null,
    environment: 'live',
    ip: browser.ip,
    userAgent: browser.userAgent,
  };
  const session = await pc.sessions.create(user.id, start);
  return { token: session.token, info: await sessionInfo(pc, user, session.row, session.token) };
}

/** Email and password → a new session; a wrong pair is 401 whichever part was wrong, in the same time. */
export async function signIn(
  pc: PeopleContext,
  input: { email: string; password: string },
  browser: Browser,
): Promise<SignedIn> {
  const user = await repo.findUserByEmail(pc.db, normalizeEmail(input.email));
  if (!(await verifyPassword(user?.password_hash, input.password)) || !user) throw wrongCredentials();
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

export async function signOut(pc: PeopleContext, token: string | undefined): Promise<void> {
  if (token !== undefined) await pc.sessions.revokeToken(token);
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
  const { user, organizationId } = await acceptLink(pc, { ...input, email: normalizeEmail(input.email) });
  return startSession(pc, user, browser, organizationId);
}

async function userOf(pc: PeopleContext, id: string): Promise<UserRow> {
  const user = await repo.findUser(pc.db, id);
  if (!user) throw new AppError('UNAUTHORIZED', 'This account no longer exists');
  return user;
}

/** The session behind a principal; an API key has no person (403). */
function personOf(principal: Principal): SessionPrincipal {
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
): Promise<{ revokedSessions: number }> {
  const person = personOf(principal);
  const user = await userOf(pc, person.userId);
  if (!(await verifyPassword(user.password_hash, input.currentPassword))) {
    throw invalidInput([{ field: 'currentPassword', reason: 'Is not your current password' }]);
  }
  const now = pc.clock.now();
  await repo.updateUser(pc.db, user.id, {
    password_hash: await hashPassword(input.newPassword),
    updated_at: now,
  });
  return { revokedSessions: await repo.revokeSessions(pc.db, user.id, now, { keep: person.sessionId }) };
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
): Promise<SessionView> {
  const person = personOf(principal);
  const row = await repo.findSessionOfUser(pc.db, person.userId, id);
  if (!row) throw notFound('Session', id);
  const now = pc.clock.now();
  if (row.revoked_at === null) {
    await repo.revokeSessions(pc.db, person.userId, now, { only: id });
    row.revoked_at = now;
  }
  return toSessionView(row, person.sessionId);
}

/** "Sign out everywhere": every session of the person but this one ends. */
export async function revokeOtherSessions(
  pc: PeopleContext,
  principal: Principal,
): Promise<{ revoked: number }> {
  const person = personOf(principal);
  return {
    revoked: await repo.revokeSessions(pc.db, person.userId, pc.clock.now(), { keep: person.sessionId }),
  };
}
