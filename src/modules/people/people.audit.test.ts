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
import { browserOf, invitationLink, ORIGIN, PASSWORD, type Browser } from '../../../test/helpers/people.js';
import { createSetupLink } from './index.js';

const START = Date.parse('2030-03-10T08:00:00.000Z');
const SECOND = 1000;
const WINDOW_MS = 300_000;
const EMAIL = 'ada@example.com';
const NEW_PASSWORD = 'staple battery horse';
const WRONG_PASSWORD = 'wrong password';

interface Entry {
  action: string;
  environment: string | null;
  actor: { type: string; id: string | null };
  target: { type: string; id: string } | null;
  ip: string | null;
  data: Record<string, unknown> | null;
}

for (const dialect of dialects) {
  describe(`audit entries of sessions and members (${dialect})`, () => {
    let t: TestApp;
    let clock: ManualClock;
    let acme: Tenant;
    let beta: Tenant;
    let other: Tenant;
    before(async () => {
      clock = new ManualClock(START);
      t = await createTestApp(dialect, {
        clock,
        env: {
          AUDENCI_SIGN_IN_FAILURE_LIMIT: '3',
          AUDENCI_AUTH_FAILURE_LIMIT: '50',
          AUDENCI_AUTH_FAILURE_WINDOW_SECONDS: String(WINDOW_MS / 1000),
        },
      });
      acme = await createTenant(t, { name: 'Acme' });
      beta = await createTenant(t, { name: 'Beta' });
      other = await createTenant(t, { name: 'Other' });
    });
    after(() => t.close());

    /** Every call happens a second after the last, so that entries are ordered by time. */
    function send(method: 'POST' | 'DELETE', url: string, body?: unknown, b?: Browser) {
      clock.advance(SECOND);
      const headers: Record<string, string> = { origin: ORIGIN };
      if (b) {
        headers.cookie = `audenci_session=${encodeURIComponent(b.token)}`;
        headers['x-csrf-token'] = b.csrf;
      }
      return call(t.app, method, url, { headers, ...(body === undefined ? {} : { body }) });
    }
    const signIn = (email: string, password: string) => send('POST', '/auth/sign-in', { email, password });

    /** An editor invitation to `organizationId` for whoever holds it. */
    const editorInvitation = (organizationId: string) =>
      invitationLink(t.runtime.ctx.db, clock, organizationId, 'editor');

    /** An organization's log (oldest first), of `actorId` or all of it. */
    async function log(tenant: Tenant, actorId?: string): Promise<Entry[]> {
      const query = { limit: 100, ...(actorId === undefined ? {} : { actorId }) };
      const res = await call(t.app, 'GET', '/api/v1/audit-log', { key: tenant.live.admin, query });
      assert.equal(res.status, 200, res.raw);
      return (res.body.data as Entry[]).reverse();
    }

    it('records sign-ins, failures, sign-out, revocations, a password change and joining, once each', async () => {
      const initially = { acme: await log(acme), beta: await log(beta), other: await log(other) };
      const secrets: string[] = [PASSWORD, NEW_PASSWORD, WRONG_PASSWORD];
      const setup = async (token: string) => {
        secrets.push(token);
        return browserOf(
          await send('POST', '/auth/setup', { token, name: 'Ada', email: EMAIL, password: PASSWORD }),
        );
      };
      // Owner of Acme by its setup link, then editor of Beta by an invitation.
      const first = await setup((await createSetupLink(t.runtime.ctx.db, clock, acme.org.id)).token);
      const second = await setup(await editorInvitation(beta.org.id));

      // An unknown email records nothing anywhere.
      assert.equal((await signIn('nobody@example.com', WRONG_PASSWORD)).status, 401);
      // Three wrong passwords are recorded; the fourth attempt is refused (429) before any check.
      for (let i = 0; i < 3; i++) assert.equal((await signIn(EMAIL, WRONG_PASSWORD)).status, 401);
      assert.equal((await signIn(EMAIL, WRONG_PASSWORD)).status, 429);
      clock.advance(WINDOW_MS);

      const third = browserOf(await signIn(EMAIL, PASSWORD));
      const fourth = browserOf(await signIn(EMAIL, PASSWORD));
      const me = '/api/v1/me';
      assert.equal(
        (await send('DELETE', `${me}/sessions/${third.sessionId}`, undefined, fourth)).status,
        200,
      );
      // Ending an ended session again records nothing.
      assert.equal(
        (await send('DELETE', `${me}/sessions/${third.sessionId}`, undefined, fourth)).status,
        200,
      );
      const others = await send('POST', `${me}/sessions/revoke-others`, undefined, fourth);
      assert.deepEqual(others.body.data, { revoked: 2 });
      const changed = await send(
        'POST',
        `${me}/password`,
        { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
        fourth,
      );
      assert.equal(changed.status, 200, changed.raw);
      assert.equal((await send('POST', '/auth/sign-out', undefined, fourth)).status, 204);
      secrets.push(...[first, second, third, fourth].flatMap((b) => [b.token, b.csrf]));

      const userId = (await log(acme)).find((e) => e.action === 'member.joined')!.actor.id!;
      const session = (b: Browser) => ({ type: 'session', id: b.sessionId });
      const signedIn = (b: Browser) => ['session.signed_in', session(b), { method: 'password' }];
      const failed = ['session.sign_in_failed', null, { reason: 'wrong_password' }];
      const afterJoining = [
        failed,
        failed,
        failed,
        signedIn(third),
        signedIn(fourth),
        ['session.revoked', session(third), null],
        ['session.revoked_others', null, { count: 2 }],
        ['user.password_changed', { type: 'user', id: userId }, null],
        ['session.signed_out', session(fourth), null],
      ];
      const shown = (entries: Entry[]) => entries.map((e) => [e.action, e.target, e.data]);
      const acmeEntries = await log(acme, userId);
      const betaEntries = await log(beta, userId);
      assert.deepEqual(shown(acmeEntries), [
        ['member.joined', acmeEntries[0]!.target, { role: 'owner' }],
        signedIn(first),
        signedIn(second),
        ...afterJoining,
      ]);
      assert.deepEqual(shown(betaEntries), [
        ['member.joined', betaEntries[0]!.target, { role: 'editor' }],
        signedIn(second),
        ...afterJoining,
      ]);
      for (const [joined] of [acmeEntries, betaEntries]) {
        assert.equal(joined!.target!.type, 'membership');
        assert.match(joined!.target!.id, /^mem_[0-9A-Z]{26}$/);
      }
      for (const entry of [...acmeEntries, ...betaEntries]) {
        assert.deepEqual(
          [entry.actor, entry.environment, entry.ip],
          [{ type: 'user', id: userId }, null, '127.0.0.1'],
        );
      }
      // Nothing else in either log (the unknown email, the refused attempt), nothing in another organization.
      assert.equal((await log(acme)).length, initially.acme.length + acmeEntries.length);
      assert.equal((await log(beta)).length, initially.beta.length + betaEntries.length);
      assert.deepEqual(await log(other), initially.other);
      const text = JSON.stringify([acmeEntries, betaEntries]);
      for (const secret of secrets) assert.ok(!text.includes(secret), 'no password or token is in the log');
    });
  });
}
