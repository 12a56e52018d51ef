/* eslint-disable @typescript-eslint/no-explicit-any -- test answers are JSON of any shape */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/database.js';
import type { Role } from '../../src/db/tables/people.js';
import { createSetupLink } from '../../src/modules/people/index.js';
import type { Clock } from '../../src/shared/clock.js';
import { call, type Answer, type TestApp } from './app.js';

/**
 * What tests of people share: browsers signed in with a session cookie, invitation links made straight
 * in the database, and members made by accepting them (`/auth/setup`).
 */

/** The origin of the test apps' AUDENCI_PUBLIC_URL: a browser's state-changing requests come from it. */
export const ORIGIN = 'http://audenci.test';
export const PASSWORD = 'correct horse battery';

/** A browser signed in: its cookie's token, its CSRF token and its session's id. */
export interface Browser {
  token: string;
  csrf: string;
  sessionId: string;
}

/** The one Set-Cookie header of an answer. */
export function cookieOf(res: Answer): string {
  const header = res.headers['set-cookie'];
  assert.equal(typeof header, 'string', `one Set-Cookie: ${String(header)}`);
  return header as string;
}

/** The session token an answer's Set-Cookie gives the browser. */
export function tokenOf(res: Answer): string {
  const match = /^audenci_session=([^;]*)/.exec(cookieOf(res));
  assert.ok(match, cookieOf(res));
  return decodeURIComponent(match[1]!);
}

/** The browser a sign-in (or setup, or acceptance) answer signed in; fails unless it is a 200. */
export function browserOf(res: Answer): Browser {
  assert.equal(res.status, 200, res.raw);
  const data = res.body.data as { csrfToken: string; session: { id: string } };
  return { token: tokenOf(res), csrf: data.csrfToken, sessionId: data.session.id };
}

/** An error answer in the envelope, with its status and code. */
export function assertError(res: Answer, status: number, code: string): void {
  assert.equal(res.status, status, res.raw);
  assert.deepEqual(Object.keys(res.body), ['error']);
  assert.equal(res.body.error.code, code);
}

/** The headers a browser sends: its cookie, and on changes its CSRF token and the app's origin. */
export function browserHeaders(b: Browser | undefined, method: string): Record<string, string> {
  if (!b) return method === 'GET' ? {} : { origin: ORIGIN };
  return {
    cookie: `audenci_session=${encodeURIComponent(b.token)}`,
    ...(method === 'GET' ? {} : { 'x-csrf-token': b.csrf, origin: ORIGIN }),
  };
}

/** A request made by a browser with its session. */
export function as<T = any>(
  t: Pick<TestApp, 'app'>,
  b: Browser,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  body?: unknown,
): Promise<Answer<T>> {
  return call<T>(t.app, method, url, {
    headers: browserHeaders(b, method),
    ...(body === undefined ? {} : { body }),
  });
}

/**
 * An invitation link of `role` to the organization, made in the database: an owner's is a setup link;
 * another role's has no email (whoever holds it) unless `email` is given. Answers the link's token.
 */
export async function invitationLink(
  db: Kysely<Database>,
  clock: Clock,
  organizationId: string,
  role: Role,
  options: { email?: string; expiresInMs?: number } = {},
): Promise<string> {
  if (role === 'owner' && options.email === undefined) {
    return (await createSetupLink(db, clock, organizationId)).token;
  }
  const token = randomBytes(32).toString('base64url');
  await db
    .insertInto('invitations')
    .values({
      id: `inv_${randomBytes(8).toString('hex')}`,
      organization_id: organizationId,
      email: options.email ?? null,
      role,
      token_hash: createHash('sha256').update(token).digest('hex'),
      invited_by: null,
      created_at: clock.now(),
      expires_at: clock.now() + (options.expiresInMs ?? 86_400_000),
      accepted_at: null,
      revoked_at: null,
    })
    .execute();
  return token;
}

/** A member of `role` with `email`, made by accepting a link at `/auth/setup`; answers their browser. */
export async function signUpMember(
  t: Pick<TestApp, 'app' | 'runtime' | 'clock'>,
  organizationId: string,
  role: Role,
  email: string,
  options: { name?: string; password?: string } = {},
): Promise<Browser> {
  const token = await invitationLink(t.runtime.ctx.db, t.clock, organizationId, role);
  const res = await call(t.app, 'POST', '/auth/setup', {
    body: { token, name: options.name ?? `The ${role}`, email, password: options.password ?? PASSWORD },
  });
  return browserOf(res);
}

/** Signs a person in with email and password (answers the raw answer: it may be refused). */
export function signIn(
  t: Pick<TestApp, 'app'>,
  email: string,
  password = PASSWORD,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return call(t.app, 'POST', '/auth/sign-in', { body: { email, password }, headers });
}
