import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
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
  browserOf,
  PASSWORD,
  signIn as signInAs,
  signUpMember,
  type Browser,
} from '../../../test/helpers/people.js';

const START = Date.parse('2030-03-10T08:00:00.000Z');

for (const dialect of dialects) {
  describe(`/api/v1/me (${dialect})`, () => {
    let t: TestApp;
    let clock: ManualClock;
    let tenant: Tenant;
    let owner: Browser;
    before(async () => {
      clock = new ManualClock(START);
      t = await createTestApp(dialect, { clock });
      tenant = await createTenant(t, { name: 'Acme' });
      owner = await signUpMember(t, tenant.org.id, 'owner', 'grace@example.com', { name: 'Grace Hopper' });
    });
    after(() => t.close());

    const as = (b: Browser, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) =>
      asBrowser(t, b, method, url, body);
    const signIn = async (password = PASSWORD): Promise<Browser> =>
      browserOf(await signInAs(t, 'grace@example.com', password));

    it('GET /me answers the signed-in person and their memberships', async () => {
      const res = await as(owner, 'GET', '/api/v1/me');
      assert.equal(res.status, 200, res.raw);
      assert.deepEqual(res.body, {
        data: {
          user: {
            id: res.body.data.user.id,
            email: 'grace@example.com',
            name: 'Grace Hopper',
            twoFactorEnabled: false,
            createdAt: new Date(START).toISOString(),
          },
          organizations: [{ id: tenant.org.id, name: 'Acme', role: 'owner' }],
          organizationId: tenant.org.id,
          environment: 'live',
          role: 'owner',
        },
      });
    });

    it('an API key has no person: 403 session_required', async () => {
      for (const [method, url] of [
        ['GET', '/api/v1/me'],
        ['GET', '/api/v1/me/sessions'],
        ['POST', '/api/v1/me/sessions/revoke-others'],
      ] as const) {
        const res = await call(t.app, method, url, { key: tenant.live.admin });
        assert.equal(res.status, 403, res.raw);
        assert.equal(res.body.error.code, 'FORBIDDEN');
        assert.deepEqual(res.body.error.details, { reason: 'session_required' });
      }
    });

    it('PATCH /me changes the name', async () => {
      const res = await as(owner, 'PATCH', '/api/v1/me', { name: 'Rear Admiral Hopper' });
      assert.equal(res.status, 200, res.raw);
      assert.equal(res.body.data.user.name, 'Rear Admiral Hopper');
      const blank = await as(owner, 'PATCH', '/api/v1/me', { name: '   ' });
      assert.equal(blank.status, 400, blank.raw);
    });

    it('lists open sessions, ends one, and signs out everywhere else', async () => {
      clock.advance(1000);
      const second = await signIn();
      const third = await signIn();
      const list = await as(owner, 'GET', '/api/v1/me/sessions');
      assert.equal(list.status, 200, list.raw);
      assert.equal(list.body.data.length, 3);
      assert.deepEqual(
        list.body.data.map((s: { current: boolean }) => s.current),
        [false, false, true],
      );
      const secondId = (await as(second, 'GET', '/api/v1/me/sessions')).body.data.find(
        (s: { current: boolean }) => s.current,
      ).id;
      const ended = await as(owner, 'DELETE', `/api/v1/me/sessions/${secondId}`);
      assert.equal(ended.status, 200, ended.raw);
      assert.equal(ended.body.data.id, secondId);
      assert.equal(ended.body.data.revokedAt, new Date(clock.now()).toISOString());
      assert.equal((await as(second, 'GET', '/api/v1/me')).status, 401);
      const unknown = await as(owner, 'DELETE', '/api/v1/me/sessions/ses_01JD7Q8ZK2M4N6P8R0T2V4X6Z8');
      assert.equal(unknown.status, 404, unknown.raw);

      const everywhere = await as(owner, 'POST', '/api/v1/me/sessions/revoke-others');
      assert.equal(everywhere.status, 200, everywhere.raw);
      assert.deepEqual(everywhere.body, { data: { revoked: 1 } });
      assert.equal((await as(third, 'GET', '/api/v1/me')).status, 401);
      assert.equal((await as(owner, 'GET', '/api/v1/me')).status, 200);
      assert.equal((await as(owner, 'GET', '/api/v1/me/sessions')).body.data.length, 1);
    });

    it("another person's session is 404", async () => {
      const otherBrowser = await signUpMember(t, tenant.org.id, 'owner', 'other@example.com', {
        name: 'Other',
      });
      const theirs = (await as(otherBrowser, 'GET', '/api/v1/me/sessions')).body.data[0].id;
      const refused = await as(owner, 'DELETE', `/api/v1/me/sessions/${theirs}`);
      assert.equal(refused.status, 404, refused.raw);
      assert.equal((await as(otherBrowser, 'GET', '/api/v1/me')).status, 200);
    });

    it('POST /me/password needs the current password and ends the other sessions', async () => {
      const other = await signIn();
      const wrong = await as(owner, 'POST', '/api/v1/me/password', {
        currentPassword: 'not it at all',
        newPassword: 'a brand new passphrase',
      });
      assert.equal(wrong.status, 400, wrong.raw);
      assert.equal(wrong.body.error.details.field, 'currentPassword');
      const short = await as(owner, 'POST', '/api/v1/me/password', {
        currentPassword: PASSWORD,
        newPassword: 'short',
      });
      assert.equal(short.status, 400, short.raw);
      const res = await as(owner, 'POST', '/api/v1/me/password', {
        currentPassword: PASSWORD,
        newPassword: 'a brand new passphrase',
      });
      assert.equal(res.status, 200, res.raw);
      assert.deepEqual(res.body, { data: { revokedSessions: 1 } });
      assert.equal((await as(other, 'GET', '/api/v1/me')).status, 401);
      const old = await call(t.app, 'POST', '/auth/sign-in', {
        body: { email: 'grace@example.com', password: PASSWORD },
      });
      assert.equal(old.status, 401);
      await signIn('a brand new passphrase');
    });
  });
}
