import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  ManualClock,
  type Answer,
  type Tenant,
  type TestApp,
} from '../../../test/helpers/app.js';
import { createSetupLink } from './index.js';
import { totpCode } from './people.totp.js';

const START = Date.parse('2030-03-10T08:00:00.000Z');
const STEP = 30_000;
/** The failed-authentication window (AUDENCI_AUTH_FAILURE_WINDOW_SECONDS' default). */
const WINDOW = 300_000;
const PASSWORD = 'correct horse battery';
const EMAIL = 'grace@example.com';

interface Browser {
  token: string;
  csrf: string;
}

function tokenOf(res: Answer): string {
  return decodeURIComponent(/^audenci_session=([^;]*)/.exec(String(res.headers['set-cookie']))![1]!);
}

for (const dialect of dialects) {
  describe(`two-factor sign-in (${dialect})`, () => {
    let t: TestApp;
    let clock: ManualClock;
    let tenant: Tenant;
    let owner: Browser;
    let userId: string;
    let secret: string;
    let recoveryCodes: string[];
    before(async () => {
      clock = new ManualClock(START);
      t = await createTestApp(dialect, { clock, env: { AUDENCI_SIGN_IN_FAILURE_LIMIT: '4' } });
      tenant = await createTenant(t, { name: 'Acme' });
      const { token } = await createSetupLink(t.runtime.ctx.db, clock, tenant.org.id);
      const res = await call(t.app, 'POST', '/auth/setup', {
        body: { token, name: 'Grace Hopper', email: EMAIL, password: PASSWORD },
      });
      assert.equal(res.status, 200, res.raw);
      owner = { token: tokenOf(res), csrf: res.body.data.csrfToken };
      userId = res.body.data.user.id;
    });
    after(() => t.close());

    const as = (b: Browser, method: 'GET' | 'POST', url: string, body?: unknown) =>
      call(t.app, method, url, {
        headers: {
          cookie: `audenci_session=${encodeURIComponent(b.token)}`,
          ...(method === 'GET' ? {} : { 'x-csrf-token': b.csrf }),
        },
        ...(body === undefined ? {} : { body }),
      });
    const signIn = (code?: string, password = PASSWORD) =>
      call(t.app, 'POST', '/auth/sign-in', {
        body: { email: EMAIL, password, ...(code === undefined ? {} : { code }) },
      });
    const userRow = () =>
      t.runtime.ctx.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow();
    const audit = (action: string) =>
      t.runtime.ctx.db.selectFrom('audit_log').selectAll().where('action', '=', action).execute();

    it('is for people: an API key is 403', async () => {
      for (const url of ['/api/v1/me/two-factor/setup', '/api/v1/me/two-factor/enable']) {
        const res = await call(t.app, 'POST', url, { key: tenant.live.admin, body: { code: '123456' } });
        assert.equal(res.status, 403, res.raw);
      }
    });

    it('enabling needs a set-up secret and its current code', async () => {
      const early = await as(owner, 'POST', '/api/v1/me/two-factor/enable', { code: '123456' });
      assert.equal(early.status, 409, early.raw);
      assert.equal(early.body.error.details.reason, 'two_factor_not_set_up');

      const setup = await as(owner, 'POST', '/api/v1/me/two-factor/setup');
      assert.equal(setup.status, 200, setup.raw);
      assert.equal(setup.headers['cache-control'], 'no-store');
      secret = setup.body.data.secret;
      assert.match(secret, /^[A-Z2-7]{32}$/);
      const url = new URL(setup.body.data.otpauthUrl);
      assert.equal(url.searchParams.get('secret'), secret);
      assert.equal(decodeURIComponent(url.pathname), `/Audenci:${EMAIL}`);

      // The secret is stored sealed (bound to the person), never in clear.
      const row = await userRow();
      assert.ok(row.totp_secret !== null && !row.totp_secret.includes(secret));
      assert.match(row.totp_secret, /^v1\./);
      assert.equal(t.runtime.twoFactorBox.open(row.totp_secret, `totp:${userId}`), secret);
      assert.equal(row.totp_enabled_at, null);
      // Pending: signing in needs no code yet.
      assert.equal((await signIn()).status, 200);

      const wrong = await as(owner, 'POST', '/api/v1/me/two-factor/enable', {
        code: totpCode(secret, clock.now() + 3 * STEP),
      });
      assert.equal(wrong.status, 400, wrong.raw);
      assert.equal(wrong.body.error.details.field, 'code');

      const enabled = await as(owner, 'POST', '/api/v1/me/two-factor/enable', {
        code: totpCode(secret, clock.now()),
      });
      assert.equal(enabled.status, 200, enabled.raw);
      recoveryCodes = enabled.body.data.recoveryCodes;
      assert.equal(recoveryCodes.length, 10);
      assert.equal(new Set(recoveryCodes).size, 10);
      for (const code of recoveryCodes) assert.match(code, /^[a-z2-9]{5}-[a-z2-9]{5}$/);
      const stored = await t.runtime.ctx.db
        .selectFrom('recovery_codes')
        .selectAll()
        .where('user_id', '=', userId)
        .execute();
      assert.equal(stored.length, 10);
      for (const code of recoveryCodes) {
        assert.ok(
          !stored.some((r) => r.code_hash.includes(code) || r.code_hash.includes(code.replace('-', ''))),
        );
      }

      const me = await as(owner, 'GET', '/api/v1/me');
      assert.equal(me.body.data.user.twoFactorEnabled, true);
      const [entry] = await audit('user.two_factor_enabled');
      assert.equal(entry!.actor_id, userId);
      assert.equal(entry!.organization_id, tenant.org.id);

      const again = await as(owner, 'POST', '/api/v1/me/two-factor/setup');
      assert.equal(again.status, 409, again.raw);
      assert.equal(again.body.error.details.reason, 'two_factor_enabled');
    });

    it('signing in asks for the code without counting it a failure; a code is accepted once', async () => {
      for (let i = 0; i < 6; i++) {
        const res = await signIn();
        assert.equal(res.status, 401, res.raw);
        assert.equal(res.body.error.details.reason, 'two_factor_required');
        assert.equal(res.headers['set-cookie'], undefined);
      }
      // The code that enabled it is spent (same step).
      const replayed = await signIn(totpCode(secret, clock.now()));
      assert.equal(replayed.status, 401, replayed.raw);
      assert.equal(replayed.body.error.details.reason, 'invalid_two_factor_code');

      clock.advance(STEP);
      const code = totpCode(secret, clock.now());
      const ok = await signIn(code);
      assert.equal(ok.status, 200, ok.raw);
      assert.equal(ok.body.data.user.twoFactorEnabled, true);
      const replay = await signIn(code);
      assert.equal(replay.status, 401, replay.raw);
      assert.equal(replay.body.error.details.reason, 'invalid_two_factor_code');
      // A wrong password is a wrong password, whatever the code.
      clock.advance(STEP);
      const wrongPassword = await signIn(totpCode(secret, clock.now()), 'not the password');
      assert.equal(wrongPassword.status, 401);
      assert.equal(wrongPassword.body.error.details, undefined);
      const failures = await audit('session.sign_in_failed');
      assert.ok(failures.some((f) => JSON.parse(f.data!).reason === 'invalid_two_factor_code'));
    });

    it('a recovery code signs in once, however typed', async () => {
      clock.advance(WINDOW);
      const typed = ` ${recoveryCodes[0]!.toUpperCase()} `;
      const ok = await signIn(typed);
      assert.equal(ok.status, 200, ok.raw);
      const again = await signIn(recoveryCodes[0]!.replace('-', ''));
      assert.equal(again.status, 401, again.raw);
      assert.equal(again.body.error.details.reason, 'invalid_two_factor_code');
      assert.equal((await signIn(recoveryCodes[1])).status, 200);
    });

    it('wrong codes count toward the sign-in throttle', async () => {
      clock.advance(WINDOW);
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await signIn('000000')).status);
      assert.deepEqual(statuses.slice(0, 3), [401, 401, 401]);
      assert.equal(statuses.at(-1), 429);
      // Refused even with the right code until the window ends.
      assert.equal((await signIn(totpCode(secret, clock.now()))).status, 429);
      clock.advance(WINDOW);
      assert.equal((await signIn(totpCode(secret, clock.now()))).status, 200);
    });

    it('turning it off needs the password; then signing in needs no code', async () => {
      const wrong = await as(owner, 'POST', '/api/v1/me/two-factor/disable', { password: 'not it' });
      assert.equal(wrong.status, 400, wrong.raw);
      assert.equal(wrong.body.error.details.field, 'password');
      assert.equal((await userRow()).totp_enabled_at !== null, true);

      const off = await as(owner, 'POST', '/api/v1/me/two-factor/disable', { password: PASSWORD });
      assert.equal(off.status, 204, off.raw);
      const row = await userRow();
      assert.equal(row.totp_secret, null);
      assert.equal(row.totp_enabled_at, null);
      const codes = await t.runtime.ctx.db
        .selectFrom('recovery_codes')
        .selectAll()
        .where('user_id', '=', userId)
        .execute();
      assert.equal(codes.length, 0);
      assert.equal((await as(owner, 'GET', '/api/v1/me')).body.data.user.twoFactorEnabled, false);
      const [entry] = await audit('user.two_factor_disabled');
      assert.equal(entry!.actor_id, userId);
      assert.equal((await signIn()).status, 200);
      // Off again: nothing to turn off, nothing recorded.
      assert.equal(
        (await as(owner, 'POST', '/api/v1/me/two-factor/disable', { password: PASSWORD })).status,
        204,
      );
      assert.equal((await audit('user.two_factor_disabled')).length, 1);
    });
  });
}
