// `client.me` (a session client, as the web app makes) and `client.members.passwordReset` against a real
// server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Audenci, AuthenticationError, InvalidInputError, PermissionDeniedError } from '@audenci/sdk-js';
import { totpCode } from '../../../src/modules/people/people.totp.js';
import { browserOf, PASSWORD, signIn, signUpMember, type Browser } from '../../../test/helpers/people.js';
import { dialects, startServer, type LiveServer } from './helpers.js';

/** A client in session mode that sends the browser's cookie, as a browser would. */
function sessionClient(server: LiveServer, browser: Browser): Audenci {
  return new Audenci({
    baseUrl: server.url,
    session: { csrfToken: browser.csrf },
    retryBaseDelay: 10,
    fetch: (input, init) =>
      fetch(input, {
        ...init,
        headers: {
          ...(init?.headers as Record<string, string>),
          cookie: `audenci_session=${encodeURIComponent(browser.token)}`,
        },
      }),
  });
}

for (const dialect of dialects) {
  describe(`SDK me and members.passwordReset (${dialect})`, () => {
    let server: LiveServer;
    before(async () => {
      server = await startServer(dialect);
    });
    after(() => server.close());

    it('me: retrieve, update, sessions, password, two-factor', async () => {
      const orgId = server.tenant.org.id;
      const browser = await signUpMember(server.t, orgId, 'owner', 'me@sdk.test', { name: 'Ada' });
      const me = sessionClient(server, browser).me;

      const who = await me.retrieve();
      assert.equal(who.user.email, 'me@sdk.test');
      assert.equal(who.user.twoFactorEnabled, false);
      assert.equal(who.organizationId, orgId);
      assert.equal(who.role, 'owner');
      assert.equal((await me.update({ name: 'Ada Lovelace' })).user.name, 'Ada Lovelace');

      const setup = await me.setupTwoFactor();
      assert.match(setup.secret, /^[A-Z2-7]{32}$/);
      assert.match(setup.otpauthUrl, /^otpauth:\/\/totp\//);
      await assert.rejects(
        me.enableTwoFactor({ code: '000000' }),
        (e) => e instanceof InvalidInputError && e.details?.field === 'code',
      );
      const { recoveryCodes } = await me.enableTwoFactor({
        code: totpCode(setup.secret, server.t.clock.now()),
      });
      assert.equal(recoveryCodes.length, 10);
      assert.equal((await me.retrieve()).user.twoFactorEnabled, true);
      await assert.rejects(
        me.disableTwoFactor({ password: 'not the password' }),
        (e) => e instanceof InvalidInputError && e.details?.field === 'password',
      );
      assert.equal(await me.disableTwoFactor({ password: PASSWORD }), undefined);
      assert.equal((await me.retrieve()).user.twoFactorEnabled, false);

      const other = browserOf(await signIn(server.t, 'me@sdk.test'));
      const sessions = await me.listSessions();
      assert.equal(sessions.length, 2);
      assert.deepEqual(
        sessions.map((s) => s.current),
        [false, true],
      );
      assert.equal((await me.revokeSession(other.sessionId)).revokedAt !== null, true);
      browserOf(await signIn(server.t, 'me@sdk.test'));
      assert.deepEqual(await me.revokeOtherSessions(), { revoked: 1 });
      browserOf(await signIn(server.t, 'me@sdk.test'));
      assert.deepEqual(
        await me.changePassword({ currentPassword: PASSWORD, newPassword: 'a brand new password' }),
        { revokedSessions: 1 },
      );

      const current = (await me.listSessions()).find((s) => s.current)!;
      await me.revokeSession(current.id);
      await assert.rejects(me.retrieve(), AuthenticationError);

      // An API key has no person.
      await assert.rejects(server.client().me.retrieve(), PermissionDeniedError);
    });

    it('members.passwordReset: the link to pass on (no SMTP); an outranking member is refused', async () => {
      const orgId = server.tenant.org.id;
      await signUpMember(server.t, orgId, 'editor', 'editor@sdk.test');
      const client = server.client();
      const members = (await client.members.list({ sortOrder: 'asc' })).data;
      const editor = members.find((m) => m.email === 'editor@sdk.test')!;
      const reset = await client.members.passwordReset(editor.id);
      assert.equal(reset.delivery, 'link');
      assert.match(reset.resetUrl!, /^http:\/\/audenci\.test\/reset-password\?token=[\w-]{43}$/);
      assert.ok(Date.parse(reset.expiresAt) > server.t.clock.now());
      const owner = members.find((m) => m.role === 'owner')!;
      await assert.rejects(client.members.passwordReset(owner.id), PermissionDeniedError);
    });
  });
}
