import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  ManualClock,
  type Tenant,
  type TestApp,
} from '../../../test/helpers/app.js';
import {
  as as asBrowser,
  assertError,
  browserOf,
  cookieOf,
  invitationLink,
  PASSWORD,
  signIn as signInAs,
  signUpMember,
  tokenOf,
  type Browser,
} from '../../../test/helpers/people.js';
import type { Role } from '../../db/tables/people.js';
import { createSetupLink } from './index.js';

const START = Date.parse('2030-03-10T08:00:00.000Z');
const MINUTE = 60_000;
const WINDOW_MS = 300_000;
for (const dialect of dialects) {
  describe(`sessions (${dialect})`, () => {
    let t: TestApp;
    let clock: ManualClock;
    let tenant: Tenant;
    let other: Tenant;
    before(async () => {
      clock = new ManualClock(START);
      t = await createTestApp(dialect, {
        clock,
        env: {
          AUDENCI_SIGN_IN_FAILURE_LIMIT: '3',
          AUDENCI_AUTH_FAILURE_LIMIT: '5',
          AUDENCI_AUTH_FAILURE_WINDOW_SECONDS: String(WINDOW_MS / 1000),
          AUDENCI_SESSION_LIFETIME_HOURS: '2',
          AUDENCI_SESSION_IDLE_MINUTES: '60',
        },
      });
      tenant = await createTenant(t, { name: 'Acme' });
      other = await createTenant(t, { name: 'Other' });
    });
    after(() => t.close());
    // Every test starts in a fresh failure window: the throttles of one do not refuse the next.
    beforeEach(() => clock.advance(WINDOW_MS));

    const db = () => t.runtime.ctx.db;
    const withCookie = (b: Browser, extra: Record<string, string> = {}) => ({
      cookie: `audenci_session=${encodeURIComponent(b.token)}`,
      ...extra,
    });
    const as = (b: Browser, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) =>
      asBrowser(t, b, method, url, body);

    /** An invitation link of `role` to the organization (no email: whoever holds it). */
    const invitation = (organizationId: string, role: Role) =>
      invitationLink(db(), clock, organizationId, role);
    const member = (organizationId: string, role: Role, email: string) =>
      signUpMember(t, organizationId, role, email);
    const signIn = (email: string, password = PASSWORD, headers: Record<string, string> = {}) =>
      signInAs(t, email, password, headers);

    it('the setup link makes an owner, signed in with an HttpOnly, SameSite=Lax cookie', async () => {
      const token = await invitation(tenant.org.id, 'owner');
      const res = await call(t.app, 'POST', '/auth/setup', {
        body: { token, name: 'Ada Lovelace', email: 'Ada@Example.com', password: PASSWORD },
      });
      assert.equal(res.status, 200, res.raw);
      const cookie = cookieOf(res);
      assert.match(
        cookie,
        /^audenci_session=[A-Za-z0-9_-]{43}; Max-Age=7200; Path=\/; HttpOnly; SameSite=Lax$/,
      );
      assert.equal(res.headers['cache-control'], 'no-store');
      const data = res.body.data;
      assert.match(data.user.id, /^usr_[0-9A-Z]{26}$/);
      assert.match(data.session.id, /^ses_[0-9A-Z]{26}$/);
      assert.deepEqual(data, {
        user: {
          id: data.user.id,
          email: 'ada@example.com',
          name: 'Ada Lovelace',
          twoFactorEnabled: false,
          createdAt: new Date(clock.now()).toISOString(),
        },
        organizations: [{ id: tenant.org.id, name: 'Acme', role: 'owner' }],
        organizationId: tenant.org.id,
        environment: 'live',
        role: 'owner',
        csrfToken: data.csrfToken,
        session: {
          id: data.session.id,
          createdAt: new Date(clock.now()).toISOString(),
          expiresAt: new Date(clock.now() + 2 * 3_600_000).toISOString(),
        },
      });
      // Stored as hashes only.
      const stored = await db()
        .selectFrom('sessions')
        .selectAll()
        .where('id', '=', data.session.id)
        .executeTakeFirst();
      assert.equal(stored?.token_hash, createHash('sha256').update(tokenOf(res)).digest('hex'));
      const user = await db()
        .selectFrom('users')
        .selectAll()
        .where('id', '=', data.user.id)
        .executeTakeFirst();
      assert.match(user!.password_hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);

      // The link works once.
      const again = await call(t.app, 'POST', '/auth/setup', {
        body: { token, name: 'Mallory', email: 'mallory@example.com', password: PASSWORD },
      });
      assertError(again, 410, 'GONE');
      assert.equal(again.body.error.details.reason, 'accepted');
    });

    it('an expired or unknown setup link is refused', async () => {
      const token = await invitation(other.org.id, 'owner');
      clock.advance(7 * 86_400_000);
      const expired = await call(t.app, 'POST', '/auth/setup', {
        body: { token, name: 'Late', email: 'late@example.com', password: PASSWORD },
      });
      assertError(expired, 410, 'GONE');
      assert.equal(expired.body.error.details.reason, 'expired');
      const unknown = await call(t.app, 'POST', '/auth/setup', {
        body: { token: 'nope', name: 'X', email: 'x@example.com', password: PASSWORD },
      });
      assertError(unknown, 404, 'NOT_FOUND');
      // A newer link replaces the older one.
      const first = await invitation(other.org.id, 'owner');
      await invitation(other.org.id, 'owner');
      const replaced = await call(t.app, 'POST', '/auth/setup', {
        body: { token: first, name: 'X', email: 'x@example.com', password: PASSWORD },
      });
      assertError(replaced, 410, 'GONE');
      assert.equal(replaced.body.error.details.reason, 'revoked');
      const none = await db()
        .selectFrom('users')
        .select('id')
        .where('email', 'in', ['late@example.com', 'x@example.com'])
        .execute();
      assert.deepEqual(none, []);
    });

    it('signs in with the right password only, whatever the case of the email', async () => {
      await member(tenant.org.id, 'editor', 'ed@example.com');
      const ok = await signIn('ED@Example.com');
      assert.equal(ok.status, 200, ok.raw);
      assert.equal(ok.body.data.user.email, 'ed@example.com');
      assert.equal(ok.body.data.role, 'editor');
      for (const [email, password] of [
        ['ed@example.com', 'wrong password'],
        ['nobody@example.com', PASSWORD],
      ]) {
        const res = await signIn(email!, password);
        assertError(res, 401, 'UNAUTHORIZED');
        assert.equal(res.body.error.message, 'Wrong email or password');
        assert.equal(res.headers['set-cookie'], undefined);
      }
    });

    it('a sign-in ends the session the browser came with (no fixation)', async () => {
      const first = await member(tenant.org.id, 'viewer', 'vi@example.com');
      const res = await signIn('vi@example.com', PASSWORD, withCookie(first));
      assert.equal(res.status, 200, res.raw);
      const second = browserOf(res);
      assert.notEqual(second.token, first.token);
      assertError(await as(first, 'GET', '/api/v1/me'), 401, 'UNAUTHORIZED');
      assert.equal((await as(second, 'GET', '/api/v1/me')).status, 200);
    });

    it('GET /auth/session tells who is signed in, 401 without a session', async () => {
      const b = await member(tenant.org.id, 'admin', 'adm@example.com');
      const res = await call(t.app, 'GET', '/auth/session', { headers: withCookie(b) });
      assert.equal(res.status, 200, res.raw);
      assert.equal(res.body.data.user.email, 'adm@example.com');
      assert.equal(res.body.data.csrfToken, b.csrf);
      assertError(await call(t.app, 'GET', '/auth/session'), 401, 'UNAUTHORIZED');
      assertError(
        await call(t.app, 'GET', '/auth/session', { headers: { cookie: 'audenci_session=forged' } }),
        401,
        'UNAUTHORIZED',
      );
    });

    it('a session acts with its role: a viewer reads, an editor writes content, an owner administers', async () => {
      const brand = await call(t.app, 'POST', '/api/v1/brands', {
        key: tenant.live.admin,
        body: { name: 'Acme Coffee', timezone: 'Europe/Paris' },
      });
      assert.equal(brand.status, 201, brand.raw);
      const brandId = brand.body.data.id as string;
      const campaign = { brandId, name: 'Summer', startDate: '2026-07-01', endDate: '2026-07-31' };
      const viewer = await member(tenant.org.id, 'viewer', 'v2@example.com');
      const editor = await member(tenant.org.id, 'editor', 'e2@example.com');
      const owner = await member(tenant.org.id, 'owner', 'o2@example.com');

      const list = await as(viewer, 'GET', '/api/v1/brands');
      assert.equal(list.status, 200, list.raw);
      assert.deepEqual(
        list.body.data.map((b: { id: string }) => b.id),
        [brandId],
      );
      const refused = await as(viewer, 'POST', '/api/v1/brands', { name: 'No', timezone: 'UTC' });
      assertError(refused, 403, 'FORBIDDEN');
      assert.deepEqual(refused.body.error.details, { requiredScope: 'admin', grantedScope: 'read' });
      assert.match(refused.body.error.message, /role 'viewer'/);
      assertError(await as(viewer, 'POST', '/api/v1/campaigns', campaign), 403, 'FORBIDDEN');

      const made = await as(editor, 'POST', '/api/v1/campaigns', campaign);
      assert.equal(made.status, 201, made.raw);
      const editorBrand = await as(editor, 'POST', '/api/v1/brands', { name: 'No', timezone: 'UTC' });
      assertError(editorBrand, 403, 'FORBIDDEN');
      assert.equal(editorBrand.body.error.details.grantedScope, 'read_write');

      const ownerBrand = await as(owner, 'POST', '/api/v1/brands', { name: 'Yes', timezone: 'UTC' });
      assert.equal(ownerBrand.status, 201, ownerBrand.raw);
      const keys = await as(owner, 'GET', '/api/v1/api-keys');
      assert.equal(keys.status, 200, keys.raw);
    });

    it("another organization's resources are 404 to a session; the rate limit is the organization's", async () => {
      const foreign = await call(t.app, 'POST', '/api/v1/brands', {
        key: other.live.admin,
        body: { name: 'Theirs', timezone: 'UTC' },
      });
      const owner = await member(tenant.org.id, 'owner', 'o3@example.com');
      assertError(await as(owner, 'GET', `/api/v1/brands/${foreign.body.data.id}`), 404, 'NOT_FOUND');
      assertError(await as(owner, 'DELETE', `/api/v1/brands/${foreign.body.data.id}`), 404, 'NOT_FOUND');

      const byKey = await call(t.app, 'GET', '/api/v1/organization', { key: tenant.live.read });
      const bySession = await as(owner, 'GET', '/api/v1/organization');
      assert.equal(bySession.status, 200, bySession.raw);
      assert.equal(bySession.body.data.id, tenant.org.id);
      assert.equal(bySession.headers['x-ratelimit-limit'], byKey.headers['x-ratelimit-limit']);
      assert.equal(
        Number(bySession.headers['x-ratelimit-remaining']),
        Number(byKey.headers['x-ratelimit-remaining']) - 1,
      );
      assert.equal(bySession.headers['x-ratelimit-reset'], byKey.headers['x-ratelimit-reset']);
    });

    it('a Bearer key wins over the cookie', async () => {
      const viewer = await member(tenant.org.id, 'viewer', 'v4@example.com');
      const res = await call(t.app, 'GET', '/api/v1/organization', {
        key: other.live.read,
        headers: withCookie(viewer),
      });
      assert.equal(res.status, 200, res.raw);
      assert.equal(res.body.data.id, other.org.id);
    });

    it('a state-changing request without the CSRF token, with a wrong one or from another origin is 403 and changes nothing', async () => {
      const owner = await member(tenant.org.id, 'owner', 'o5@example.com');
      const attempts: [string, Record<string, string>][] = [
        ['csrf_token', withCookie(owner)],
        ['csrf_token', withCookie(owner, { 'x-csrf-token': 'forged' })],
        ['csrf_token', withCookie(owner, { 'x-csrf-token': '' })],
        ['origin', withCookie(owner, { 'x-csrf-token': owner.csrf, origin: 'https://evil.example' })],
      ];
      for (const [reason, headers] of attempts) {
        const res = await call(t.app, 'POST', '/api/v1/brands', {
          headers,
          body: { name: 'CSRF', timezone: 'UTC' },
        });
        assertError(res, 403, 'FORBIDDEN');
        assert.equal(res.body.error.details.reason, reason);
        const patch = await call(t.app, 'PATCH', '/api/v1/me', { headers, body: { name: 'Hijacked' } });
        assertError(patch, 403, 'FORBIDDEN');
      }
      const brands = await db().selectFrom('brands').select('id').where('name', '=', 'CSRF').execute();
      assert.deepEqual(brands, []);
      assert.equal((await as(owner, 'GET', '/api/v1/me')).body.data.user.name, 'The owner');
      // Sign-in from another origin is refused too (login CSRF).
      const foreign = await signIn('o5@example.com', PASSWORD, { origin: 'https://evil.example' });
      assertError(foreign, 403, 'FORBIDDEN');
      // The right token from the app's origin (or with no Origin) passes.
      const ok = await call(t.app, 'PATCH', '/api/v1/me', {
        headers: withCookie(owner, { 'x-csrf-token': owner.csrf }),
        body: { name: 'Owner Five' },
      });
      assert.equal(ok.status, 200, ok.raw);
      assert.equal(ok.body.data.user.name, 'Owner Five');
    });

    it('a session ends when idle and at its absolute lifetime', async () => {
      const idle = await member(tenant.org.id, 'viewer', 'idle@example.com');
      clock.advance(59 * MINUTE);
      assert.equal((await as(idle, 'GET', '/api/v1/me')).status, 200);
      clock.advance(59 * MINUTE);
      assert.equal((await as(idle, 'GET', '/api/v1/me')).status, 200, 'each use restarts the idle time');
      clock.advance(61 * MINUTE);
      assertError(await as(idle, 'GET', '/api/v1/me'), 401, 'UNAUTHORIZED');

      const busy = await member(tenant.org.id, 'viewer', 'busy@example.com');
      for (let i = 0; i < 3; i++) {
        clock.advance(35 * MINUTE);
        assert.equal((await as(busy, 'GET', '/api/v1/me')).status, 200);
      }
      clock.advance(16 * MINUTE);
      assertError(await as(busy, 'GET', '/api/v1/me'), 401, 'UNAUTHORIZED');
    });

    it('sign-out ends the session and clears the cookie', async () => {
      const b = await member(tenant.org.id, 'viewer', 'out@example.com');
      const refused = await call(t.app, 'POST', '/auth/sign-out', { headers: withCookie(b) });
      assertError(refused, 403, 'FORBIDDEN');
      const res = await call(t.app, 'POST', '/auth/sign-out', {
        headers: withCookie(b, { 'x-csrf-token': b.csrf }),
      });
      assert.equal(res.status, 204, res.raw);
      assert.match(
        cookieOf(res),
        /^audenci_session=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=\/; HttpOnly; SameSite=Lax$/,
      );
      assertError(await as(b, 'GET', '/api/v1/me'), 401, 'UNAUTHORIZED');
    });

    it('switches organization and environment among its memberships only', async () => {
      const b = await member(tenant.org.id, 'editor', 'sw@example.com');
      await call(t.app, 'POST', '/auth/setup', {
        body: {
          token: await invitation(other.org.id, 'viewer'),
          name: 'x',
          email: 'sw@example.com',
          password: PASSWORD,
        },
      });
      const moved = await as(b, 'POST', '/auth/switch', {
        organizationId: other.org.id,
        environment: 'test',
      });
      assert.equal(moved.status, 200, moved.raw);
      assert.equal(moved.body.data.organizationId, other.org.id);
      assert.equal(moved.body.data.environment, 'test');
      assert.equal(moved.body.data.role, 'viewer');
      const org = await as(b, 'GET', '/api/v1/organization');
      assert.equal(org.body.data.id, other.org.id);
      const stranger = await createTenant(t, { name: 'Stranger' });
      assertError(await as(b, 'POST', '/auth/switch', { organizationId: stranger.org.id }), 404, 'NOT_FOUND');
      assertError(
        await call(t.app, 'POST', '/auth/switch', { headers: withCookie(b), body: { environment: 'live' } }),
        403,
        'FORBIDDEN',
      );
    });

    it('failed sign-ins are throttled per account: 429 with Retry-After, until the window ends', async () => {
      await member(tenant.org.id, 'viewer', 'locked@example.com');
      clock.advance(WINDOW_MS);
      for (let i = 0; i < 3; i++)
        assertError(await signIn('locked@example.com', 'wrong password'), 401, 'UNAUTHORIZED');
      const refused = await signIn('locked@example.com');
      assertError(refused, 429, 'RATE_LIMITED');
      assert.ok(Number(refused.headers['retry-after']) > 0);
      assert.equal(refused.body.error.details.reason, 'authentication_failures');
      assert.match(refused.body.error.message, /this account/);
      // Another account from the same address may still sign in.
      await member(tenant.org.id, 'viewer', 'free@example.com');
      assert.equal((await signIn('free@example.com')).status, 200);
      clock.advance(WINDOW_MS);
      assert.equal((await signIn('locked@example.com')).status, 200);
    });

    it('failed sign-ins are throttled per address, across accounts', async () => {
      await member(tenant.org.id, 'viewer', 'addr@example.com');
      clock.advance(WINDOW_MS);
      for (let i = 0; i < 5; i++)
        assertError(await signIn(`guess${i}@example.com`, 'wrong password'), 401, 'UNAUTHORIZED');
      const refused = await signIn('addr@example.com');
      assertError(refused, 429, 'RATE_LIMITED');
      assert.ok(Number(refused.headers['retry-after']) > 0);
      assert.match(refused.body.error.message, /this address/);
      clock.advance(WINDOW_MS);
      assert.equal((await signIn('addr@example.com')).status, 200);
    });
  });
}

describe('sessions behind https', () => {
  it('the session cookie is Secure when the public URL is https', async () => {
    const t = await createTestApp('sqlite', { env: { AUDENCI_PUBLIC_URL: 'https://audenci.test' } });
    try {
      const tenant = await createTenant(t);
      const { token } = await createSetupLink(t.runtime.ctx.db, t.clock, tenant.org.id);
      const res = await call(t.app, 'POST', '/auth/setup', {
        headers: { origin: 'https://audenci.test' },
        body: { token, name: 'Secure Owner', email: 'secure@example.com', password: PASSWORD },
      });
      assert.equal(res.status, 200, res.raw);
      assert.match(cookieOf(res), /; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    } finally {
      await t.close();
    }
  });
});
