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
  as,
  assertError,
  browserOf,
  invitationLink,
  ORIGIN,
  PASSWORD,
  signIn,
  signUpMember,
  type Browser,
} from '../../../test/helpers/people.js';
import { startFakeSmtpServer, type FakeSmtpServer } from '../../../test/fakes/smtp-server.js';
import { deleteMembership } from './members.repository.js';
import { enableTwoFactor, setupTwoFactor } from './people.two-factor.js';
import { totpCode } from './people.totp.js';

const START = Date.parse('2030-03-10T08:00:00.000Z');
const DAY = 86_400_000;

/** The token of an accept link `<publicUrl>/invitations/accept?token=…`. */
function tokenOfUrl(url: string): string {
  const parsed = new URL(url);
  assert.equal(`${parsed.origin}${parsed.pathname}`, `${ORIGIN}/invitations/accept`);
  return parsed.searchParams.get('token')!;
}

function accept(t: TestApp, body: Record<string, unknown>) {
  return call(t.app, 'POST', '/auth/invitations/accept', { body, headers: { origin: ORIGIN } });
}

for (const dialect of dialects) {
  describe(`members and invitations (${dialect})`, () => {
    let t: TestApp;
    let clock: ManualClock;
    let acme: Tenant;
    let other: Tenant;
    let owner: Browser;
    let admin: Browser;
    let editor: Browser;
    let viewer: Browser;
    let outsider: Browser;
    before(async () => {
      clock = new ManualClock(START);
      t = await createTestApp(dialect, { clock, env: { AUDENCI_SIGN_IN_FAILURE_LIMIT: '50' } });
      acme = await createTenant(t, { name: 'Acme' });
      other = await createTenant(t, { name: 'Other' });
      owner = await signUpMember(t, acme.org.id, 'owner', 'owner@acme.test', { name: 'Olive Owner' });
      admin = await signUpMember(t, acme.org.id, 'admin', 'admin@acme.test');
      editor = await signUpMember(t, acme.org.id, 'editor', 'editor@acme.test');
      viewer = await signUpMember(t, acme.org.id, 'viewer', 'viewer@acme.test');
      outsider = await signUpMember(t, other.org.id, 'owner', 'owner@other.test');
    });
    after(() => t.close());

    const db = () => t.runtime.ctx.db;
    async function memberId(email: string, organizationId = acme.org.id): Promise<string> {
      const row = await db()
        .selectFrom('memberships')
        .innerJoin('users', 'users.id', 'memberships.user_id')
        .select('memberships.id')
        .where('users.email', '=', email)
        .where('memberships.organization_id', '=', organizationId)
        .executeTakeFirstOrThrow();
      return row.id;
    }
    async function entries(action: string, key = acme.live.admin) {
      const res = await call(t.app, 'GET', '/api/v1/audit-log', { key, query: { action } });
      assert.equal(res.status, 200, res.raw);
      return res.body.data as {
        actor: { type: string; id: string | null };
        target: { type: string; id: string } | null;
        environment: string | null;
        data: Record<string, unknown> | null;
      }[];
    }

    it('GET /members lists the organization’s members, filtered by role, to any member and key', async () => {
      const res = await as(t, viewer, 'GET', '/api/v1/members', undefined);
      assert.equal(res.status, 200, res.raw);
      const emails = res.body.data.map((m: { email: string }) => m.email).sort();
      assert.deepEqual(emails, [
        'admin@acme.test',
        'editor@acme.test',
        'owner@acme.test',
        'viewer@acme.test',
      ]);
      assert.equal(res.body.pagination.totalCount, 4);
      const first = res.body.data.find((m: { email: string }) => m.email === 'owner@acme.test');
      assert.match(first.id, /^mem_[0-9A-Z]{26}$/);
      assert.match(first.userId, /^usr_[0-9A-Z]{26}$/);
      assert.deepEqual(
        { ...first, id: 0, userId: 0 },
        {
          id: 0,
          userId: 0,
          email: 'owner@acme.test',
          name: 'Olive Owner',
          role: 'owner',
          twoFactorEnabled: false,
          createdAt: new Date(START).toISOString(),
          updatedAt: new Date(START).toISOString(),
        },
      );

      const editors = await call(t.app, 'GET', '/api/v1/members', {
        key: acme.test.read,
        query: { role: 'editor' },
      });
      assert.equal(editors.status, 200, editors.raw);
      assert.deepEqual(
        editors.body.data.map((m: { email: string }) => m.email),
        ['editor@acme.test'],
      );
      const one = await call(t.app, 'GET', `/api/v1/members/${first.id}`, { key: acme.live.read });
      assert.deepEqual(one.body, { data: first });
    });

    it('another organization’s member is 404, whoever asks', async () => {
      const theirs = await memberId('owner@other.test', other.org.id);
      assertError(await as(t, owner, 'GET', `/api/v1/members/${theirs}`), 404, 'NOT_FOUND');
      assertError(
        await as(t, owner, 'PATCH', `/api/v1/members/${theirs}`, { role: 'viewer' }),
        404,
        'NOT_FOUND',
      );
      assertError(await as(t, owner, 'DELETE', `/api/v1/members/${theirs}`), 404, 'NOT_FOUND');
      const list = await as(t, outsider, 'GET', '/api/v1/members');
      assert.deepEqual(
        list.body.data.map((m: { email: string }) => m.email),
        ['owner@other.test'],
      );
    });

    it('PATCH /members/{id}: an admin changes roles below owner, recorded before and after', async () => {
      const id = await memberId('viewer@acme.test');
      clock.advance(1000);
      const res = await as(t, admin, 'PATCH', `/api/v1/members/${id}`, { role: 'editor' });
      assert.equal(res.status, 200, res.raw);
      assert.equal(res.body.data.role, 'editor');
      assert.equal(res.body.data.updatedAt, new Date(clock.now()).toISOString());
      // The new role applies to the person's next request: an editor may write.
      const me = await as(t, viewer, 'GET', '/api/v1/me');
      assert.equal(me.body.data.role, 'editor');
      const [entry] = await entries('member.role_changed');
      assert.equal(entry!.target!.id, id);
      assert.equal(entry!.environment, null);
      assert.equal(entry!.actor.type, 'user');
      assert.deepEqual(
        { before: entry!.data!.before, after: entry!.data!.after },
        { before: 'viewer', after: 'editor' },
      );
      const back = await as(t, admin, 'PATCH', `/api/v1/members/${id}`, { role: 'viewer' });
      assert.equal(back.body.data.role, 'viewer');
    });

    it('only an owner grants or takes away owner; the last owner cannot be demoted', async () => {
      const ownerId = await memberId('owner@acme.test');
      const adminId = await memberId('admin@acme.test');
      const grant = await as(t, admin, 'PATCH', `/api/v1/members/${adminId}`, { role: 'owner' });
      assertError(grant, 403, 'FORBIDDEN');
      assert.equal(grant.body.error.details.reason, 'owner_required');
      assertError(
        await as(t, admin, 'PATCH', `/api/v1/members/${ownerId}`, { role: 'admin' }),
        403,
        'FORBIDDEN',
      );
      // An admin key acts as an admin: no owners either.
      assertError(
        await call(t.app, 'PATCH', `/api/v1/members/${adminId}`, {
          key: acme.live.admin,
          body: { role: 'owner' },
        }),
        403,
        'FORBIDDEN',
      );
      const last = await as(t, owner, 'PATCH', `/api/v1/members/${ownerId}`, { role: 'admin' });
      assertError(last, 409, 'CONFLICT');
      assert.equal(last.body.error.details.reason, 'last_owner');

      const promoted = await as(t, owner, 'PATCH', `/api/v1/members/${adminId}`, { role: 'owner' });
      assert.equal(promoted.status, 200, promoted.raw);
      // Two owners: either may now step down, but not both.
      const down = await as(t, admin, 'PATCH', `/api/v1/members/${adminId}`, { role: 'admin' });
      assert.equal(down.status, 200, down.raw);
      assertError(
        await as(t, owner, 'PATCH', `/api/v1/members/${ownerId}`, { role: 'editor' }),
        409,
        'CONFLICT',
      );
    });

    it('two owners demoting each other at once: one succeeds, the other is 409 last_owner', async () => {
      const race = await createTenant(t, { name: 'Race' });
      const first = await signUpMember(t, race.org.id, 'owner', 'first@race.test');
      const second = await signUpMember(t, race.org.id, 'owner', 'second@race.test');
      const firstId = await memberId('first@race.test', race.org.id);
      const secondId = await memberId('second@race.test', race.org.id);
      const answers = await Promise.all([
        as(t, first, 'PATCH', `/api/v1/members/${secondId}`, { role: 'admin' }),
        as(t, second, 'PATCH', `/api/v1/members/${firstId}`, { role: 'admin' }),
      ]);
      assert.deepEqual(answers.map((a) => a.status).sort(), [200, 409], answers.map((a) => a.raw).join('\n'));
      const owners = await call(t.app, 'GET', '/api/v1/members', {
        key: race.live.read,
        query: { role: 'owner' },
      });
      assert.equal(owners.body.data.length, 1);
    });

    it('removal is a compare-and-set on the role read: a member promoted meanwhile stays', async () => {
      const id = await memberId('editor@acme.test');
      // As a removal that read "editor" just before an owner promoted the member would find it.
      await db().updateTable('memberships').set({ role: 'owner' }).where('id', '=', id).execute();
      try {
        assert.equal(await deleteMembership(db(), acme.org.id, id, 'editor'), false);
        const row = await db()
          .selectFrom('memberships')
          .select('role')
          .where('id', '=', id)
          .executeTakeFirst();
        assert.equal(row?.role, 'owner');
      } finally {
        await db().updateTable('memberships').set({ role: 'editor' }).where('id', '=', id).execute();
      }
    });

    it('viewers and editors cannot manage members (403)', async () => {
      const id = await memberId('admin@acme.test');
      for (const b of [viewer, editor]) {
        assertError(await as(t, b, 'PATCH', `/api/v1/members/${id}`, { role: 'viewer' }), 403, 'FORBIDDEN');
        assertError(await as(t, b, 'DELETE', `/api/v1/members/${id}`), 403, 'FORBIDDEN');
        assertError(await as(t, b, 'GET', '/api/v1/invitations'), 403, 'FORBIDDEN');
        assertError(
          await as(t, b, 'POST', '/api/v1/invitations', { email: 'x@acme.test', role: 'viewer' }),
          403,
          'FORBIDDEN',
        );
      }
      assertError(
        await call(t.app, 'DELETE', `/api/v1/members/${id}`, { key: acme.live.read_write }),
        403,
        'FORBIDDEN',
      );
    });

    it('DELETE /members/{id}: removal stops the person’s sessions acting in the organization', async () => {
      const gone = await signUpMember(t, acme.org.id, 'editor', 'gone@acme.test');
      const id = await memberId('gone@acme.test');
      assert.equal((await as(t, gone, 'GET', '/api/v1/members')).status, 200);
      // An admin cannot remove an owner; the last owner cannot be removed by anyone.
      const ownerId = await memberId('owner@acme.test');
      assertError(await as(t, admin, 'DELETE', `/api/v1/members/${ownerId}`), 403, 'FORBIDDEN');

      clock.advance(1000);
      const res = await as(t, admin, 'DELETE', `/api/v1/members/${id}`);
      assert.equal(res.status, 204, res.raw);
      assert.equal(res.raw, '');
      assertError(await as(t, gone, 'GET', '/api/v1/members'), 401, 'UNAUTHORIZED');
      const session = await call(t.app, 'GET', '/auth/session', {
        headers: { cookie: `audenci_session=${encodeURIComponent(gone.token)}` },
      });
      assert.equal(session.status, 200, session.raw);
      assert.equal(session.body.data.organizationId, null);
      assert.deepEqual(session.body.data.organizations, []);
      assertError(await as(t, admin, 'GET', `/api/v1/members/${id}`), 404, 'NOT_FOUND');
      const [entry] = await entries('member.removed');
      assert.equal(entry!.target!.id, id);
      assert.equal(entry!.data!.role, 'editor');
    });

    it('a member leaves (any role, own membership); the last owner cannot', async () => {
      const leaver = await signUpMember(t, acme.org.id, 'viewer', 'leaver@acme.test');
      const id = await memberId('leaver@acme.test');
      const res = await as(t, leaver, 'DELETE', `/api/v1/members/${id}`);
      assert.equal(res.status, 204, res.raw);
      const [entry] = await entries('member.left');
      assert.equal(entry!.target!.id, id);
      assert.equal(entry!.actor.type, 'user');

      const ownerId = await memberId('owner@acme.test');
      const last = await as(t, owner, 'DELETE', `/api/v1/members/${ownerId}`);
      assertError(last, 409, 'CONFLICT');
      assert.equal(last.body.error.details.reason, 'last_owner');
    });

    it('POST /invitations without SMTP answers the link; accepting it as a new person signs in', async () => {
      const res = await as(t, admin, 'POST', '/api/v1/invitations', {
        email: 'New@Example.com',
        role: 'editor',
      });
      assert.equal(res.status, 201, res.raw);
      const data = res.body.data;
      assert.match(data.id, /^inv_[0-9A-Z]{26}$/);
      assert.equal(data.email, 'new@example.com');
      assert.equal(data.status, 'pending');
      assert.equal(data.delivery, 'link');
      assert.equal(data.invitedBy.email, 'admin@acme.test');
      assert.equal(data.expiresAt, new Date(clock.now() + 7 * DAY).toISOString());
      assert.equal(data.acceptedAt, null);
      const token = tokenOfUrl(data.acceptUrl);

      const preview = await call(t.app, 'GET', `/auth/invitations/${encodeURIComponent(token)}`);
      assert.equal(preview.status, 200, preview.raw);
      assert.deepEqual(preview.body, {
        data: {
          organization: { id: acme.org.id, name: 'Acme' },
          email: 'new@example.com',
          role: 'editor',
          accountExists: false,
          expiresAt: data.expiresAt,
        },
      });

      const nameless = await accept(t, { token, password: PASSWORD });
      assertError(nameless, 400, 'INVALID_INPUT');
      assert.equal(nameless.body.error.details.field, 'name');
      const joined = await accept(t, { token, name: 'Nia New', password: PASSWORD });
      const browser = browserOf(joined);
      assert.equal(joined.body.data.organizationId, acme.org.id);
      assert.equal(joined.body.data.role, 'editor');
      assert.equal(joined.body.data.user.name, 'Nia New');
      assert.equal((await as(t, browser, 'GET', '/api/v1/members')).status, 200);

      // Used once.
      assertError(await accept(t, { token, name: 'Again', password: PASSWORD }), 404, 'NOT_FOUND');
      assertError(await call(t.app, 'GET', `/auth/invitations/${token}`), 404, 'NOT_FOUND');
      const listed = await as(t, owner, 'GET', '/api/v1/invitations', undefined);
      const item = listed.body.data.find((i: { id: string }) => i.id === data.id);
      assert.equal(item.status, 'accepted');
      assert.equal(item.acceptedAt, new Date(clock.now()).toISOString());
      const [joinedEntry] = await entries('member.joined');
      assert.equal(joinedEntry!.data!.role, 'editor');
      const [invited] = await entries('member.invited');
      assert.equal(invited!.target!.id, data.id);
      assert.deepEqual(invited!.data, { email: 'new@example.com', role: 'editor' });

      // Already a member now: a second invitation is 409 naming email.
      const again = await as(t, admin, 'POST', '/api/v1/invitations', {
        email: 'new@example.com',
        role: 'viewer',
      });
      assertError(again, 409, 'CONFLICT');
      assert.equal(again.body.error.details.field, 'email');
    });

    it('two organizations’ invitations accepted at once by one new address: one account, a 409, no 500', async () => {
      const email = 'race@example.com';
      const tokens = [
        await invitationLink(db(), clock, acme.org.id, 'editor', { email }),
        await invitationLink(db(), clock, other.org.id, 'viewer', { email }),
      ];
      const answers = await Promise.all(
        tokens.map((token) => accept(t, { token, name: 'Rae Race', password: PASSWORD })),
      );
      const statuses = answers.map((a) => a.status).sort();
      assert.ok(
        statuses.join() === '200,409' || statuses.join() === '200,200',
        answers.map((a) => a.raw).join('\n'),
      );
      const users = await db().selectFrom('users').select('id').where('email', '=', email).execute();
      assert.equal(users.length, 1);
      const refused = answers.find((a) => a.status === 409);
      if (refused) {
        assert.equal(refused.body.error.details.field, 'email');
        // Nothing of the refused acceptance stayed: its link still works, now with the new password.
        const token = tokens[answers.indexOf(refused)]!;
        const again = await accept(t, { token, password: PASSWORD });
        assert.equal(again.status, 200, again.raw);
      }
      for (const org of [acme.org.id, other.org.id]) {
        const member = await db()
          .selectFrom('memberships')
          .select('id')
          .where('user_id', '=', users[0]!.id)
          .where('organization_id', '=', org)
          .execute();
        assert.equal(member.length, 1);
      }
    });

    it('an existing person accepts with their password and gets a second organization', async () => {
      const res = await call(t.app, 'POST', '/api/v1/invitations', {
        key: other.live.admin,
        body: { email: 'editor@acme.test', role: 'viewer' },
      });
      assert.equal(res.status, 201, res.raw);
      assert.equal(res.body.data.invitedBy, null);
      const token = tokenOfUrl(res.body.data.acceptUrl);
      const preview = await call(t.app, 'GET', `/auth/invitations/${token}`);
      assert.equal(preview.body.data.accountExists, true);

      const wrong = await accept(t, { token, password: 'not the password' });
      assertError(wrong, 401, 'UNAUTHORIZED');
      const joined = await accept(t, { token, name: 'ignored', password: PASSWORD });
      const browser = browserOf(joined);
      assert.equal(joined.body.data.organizationId, other.org.id);
      assert.equal(joined.body.data.user.name, 'The editor');
      assert.deepEqual(
        joined.body.data.organizations.map((o: { id: string; role: string }) => [o.id, o.role]),
        [
          [acme.org.id, 'editor'],
          [other.org.id, 'viewer'],
        ],
      );
      const switched = await as(t, browser, 'POST', '/auth/switch', { organizationId: acme.org.id });
      assert.equal(switched.status, 200, switched.raw);
      assert.equal(switched.body.data.role, 'editor');
      // A new sign-in still works with the same password, in the first organization.
      assert.equal((await signIn(t, 'editor@acme.test')).status, 200);
    });

    it('an existing person with two-factor on accepts only with a valid code', async () => {
      await signUpMember(t, other.org.id, 'editor', 'twofa@other.test');
      const user = await db()
        .selectFrom('users')
        .select('id')
        .where('email', '=', 'twofa@other.test')
        .executeTakeFirstOrThrow();
      const tc = { db: db(), clock, twoFactorBox: t.runtime.twoFactorBox };
      const { secret } = await setupTwoFactor(tc, user.id);
      await enableTwoFactor(tc, user.id, totpCode(secret, clock.now()), null);
      const res = await call(t.app, 'POST', '/api/v1/invitations', {
        key: acme.live.admin,
        body: { email: 'twofa@other.test', role: 'viewer' },
      });
      const token = tokenOfUrl(res.body.data.acceptUrl);
      clock.advance(60_000);

      const wrongPassword = await accept(t, { token, password: 'not the password', code: '123456' });
      assertError(wrongPassword, 401, 'UNAUTHORIZED');
      assert.equal(wrongPassword.body.error.details.reason, 'wrong_password');
      const codeless = await accept(t, { token, password: PASSWORD });
      assertError(codeless, 401, 'UNAUTHORIZED');
      assert.equal(codeless.body.error.details.reason, 'two_factor_required');
      const wrong = totpCode(secret, clock.now() + 10 * 60_000);
      const refused = await accept(t, { token, password: PASSWORD, code: wrong });
      assertError(refused, 401, 'UNAUTHORIZED');
      assert.equal(refused.body.error.details.reason, 'invalid_two_factor_code');
      // The /auth/setup form has no code field: it refuses the account rather than skip its factor.
      const setup = await call(t.app, 'POST', '/auth/setup', {
        body: { token, name: 'x', email: 'twofa@other.test', password: PASSWORD },
        headers: { origin: ORIGIN },
      });
      assertError(setup, 401, 'UNAUTHORIZED');
      assert.equal(setup.body.error.details.reason, 'two_factor_required');

      const joined = await accept(t, { token, password: PASSWORD, code: totpCode(secret, clock.now()) });
      assert.equal(joined.status, 200, joined.raw);
      assert.equal(joined.body.data.organizationId, acme.org.id);
      assert.equal(joined.body.data.user.twoFactorEnabled, true);
      const listed = await call(t.app, 'GET', '/api/v1/members', {
        key: acme.live.read,
        query: { role: 'viewer' },
      });
      const member = listed.body.data.find((m: { email: string }) => m.email === 'twofa@other.test');
      assert.equal(member.twoFactorEnabled, true);
    });

    it('revoked, expired and replaced invitations are 404 at the link; revoke rules', async () => {
      const first = await as(t, owner, 'POST', '/api/v1/invitations', {
        email: 'twice@example.com',
        role: 'viewer',
      });
      const second = await as(t, owner, 'POST', '/api/v1/invitations', {
        email: 'twice@example.com',
        role: 'admin',
      });
      assert.equal(second.status, 201, second.raw);
      // The newer invitation replaces the older.
      assertError(
        await call(t.app, 'GET', `/auth/invitations/${tokenOfUrl(first.body.data.acceptUrl)}`),
        404,
        'NOT_FOUND',
      );
      const revokedList = await as(t, owner, 'GET', '/api/v1/invitations?status=revoked');
      assert.ok(revokedList.body.data.some((i: { id: string }) => i.id === first.body.data.id));

      const revoke = await as(t, admin, 'DELETE', `/api/v1/invitations/${second.body.data.id}`);
      assert.equal(revoke.status, 204, revoke.raw);
      const token = tokenOfUrl(second.body.data.acceptUrl);
      assertError(await accept(t, { token, name: 'Late', password: PASSWORD }), 404, 'NOT_FOUND');
      const [entry] = await entries('invitation.revoked');
      assert.equal(entry!.target!.id, second.body.data.id);
      // Revoking again changes nothing.
      assert.equal((await as(t, admin, 'DELETE', `/api/v1/invitations/${second.body.data.id}`)).status, 204);

      const expiring = await invitationLink(db(), clock, acme.org.id, 'viewer', {
        email: 'late@example.com',
        expiresInMs: 60_000,
      });
      clock.advance(60_000);
      assertError(await call(t.app, 'GET', `/auth/invitations/${expiring}`), 404, 'NOT_FOUND');
      assertError(await accept(t, { token: expiring, name: 'Late', password: PASSWORD }), 404, 'NOT_FOUND');
      const expired = await as(t, owner, 'GET', '/api/v1/invitations', undefined);
      assert.ok(
        expired.body.data.some(
          (i: { email: string; status: string }) => i.email === 'late@example.com' && i.status === 'expired',
        ),
      );
      assertError(await call(t.app, 'GET', '/auth/invitations/not-a-token'), 404, 'NOT_FOUND');
    });

    it('an accepted invitation cannot be revoked; another organization’s is 404; owner invites need an owner', async () => {
      const res = await as(t, admin, 'POST', '/api/v1/invitations', {
        email: 'kept@example.com',
        role: 'viewer',
      });
      browserOf(
        await accept(t, { token: tokenOfUrl(res.body.data.acceptUrl), name: 'Kept', password: PASSWORD }),
      );
      assertError(await as(t, admin, 'DELETE', `/api/v1/invitations/${res.body.data.id}`), 409, 'CONFLICT');
      assertError(
        await as(t, outsider, 'DELETE', `/api/v1/invitations/${res.body.data.id}`),
        404,
        'NOT_FOUND',
      );
      const theirs = await as(t, outsider, 'GET', '/api/v1/invitations');
      assert.ok(!theirs.body.data.some((i: { id: string }) => i.id === res.body.data.id));

      const ownerInvite = await as(t, admin, 'POST', '/api/v1/invitations', {
        email: 'boss@example.com',
        role: 'owner',
      });
      assertError(ownerInvite, 403, 'FORBIDDEN');
      const byOwner = await as(t, owner, 'POST', '/api/v1/invitations', {
        email: 'boss@example.com',
        role: 'owner',
      });
      assert.equal(byOwner.status, 201, byOwner.raw);
      assertError(
        await call(t.app, 'GET', '/api/v1/invitations', { key: acme.live.read_write }),
        403,
        'FORBIDDEN',
      );
      const pending = await call(t.app, 'GET', '/api/v1/invitations', {
        key: acme.test.admin,
        query: { status: 'pending' },
      });
      assert.equal(pending.status, 200, pending.raw);
      assert.ok(pending.body.data.every((i: { status: string }) => i.status === 'pending'));
      assert.ok(pending.body.data.some((i: { id: string }) => i.id === byOwner.body.data.id));
    });

    it('PATCH /organization renames it (admin, recorded); GET /organization counts this hour’s requests', async () => {
      const before = await call(t.app, 'GET', '/api/v1/organization', { key: acme.test.read });
      assert.equal(before.status, 200, before.raw);
      const usage = before.body.data.usage;
      assert.equal(usage.environment, 'test');
      assert.equal(usage.remaining, Number(before.headers['x-ratelimit-remaining']));
      assert.equal(usage.used + usage.remaining, before.body.data.rateLimit.limit);
      assert.equal(usage.resetAt, new Date(Number(before.headers['x-ratelimit-reset']) * 1000).toISOString());
      const next = await call(t.app, 'GET', '/api/v1/organization', { key: acme.test.read });
      assert.equal(next.body.data.usage.used, usage.used + 1);

      assertError(
        await call(t.app, 'PATCH', '/api/v1/organization', {
          key: acme.live.read_write,
          body: { name: 'X' },
        }),
        403,
        'FORBIDDEN',
      );
      const renamed = await as(t, admin, 'PATCH', '/api/v1/organization', { name: '  Acme Marketing ' });
      assert.equal(renamed.status, 200, renamed.raw);
      assert.equal(renamed.body.data.name, 'Acme Marketing');
      assert.equal(renamed.body.data.usage.environment, 'live');
      const [entry] = await entries('organization.updated');
      assert.deepEqual(entry!.data, { name: { before: 'Acme', after: 'Acme Marketing' } });
      const me = await as(t, owner, 'GET', '/api/v1/me');
      assert.equal(me.body.data.organizations[0].name, 'Acme Marketing');
    });
  });

  describe(`accepting an invitation is throttled like sign-in (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect, { env: { AUDENCI_SIGN_IN_FAILURE_LIMIT: '2' } });
    });
    after(() => t.close());

    it('wrong passwords for the invited account are counted, then 429', async () => {
      const acme = await createTenant(t, { name: 'Acme' });
      const beta = await createTenant(t, { name: 'Beta' });
      await signUpMember(t, beta.org.id, 'owner', 'ada@example.com');
      const res = await call(t.app, 'POST', '/api/v1/invitations', {
        key: acme.live.admin,
        body: { email: 'ada@example.com', role: 'viewer' },
      });
      const token = tokenOfUrl(res.body.data.acceptUrl);
      for (let i = 0; i < 2; i++) {
        assertError(await accept(t, { token, password: 'wrong password' }), 401, 'UNAUTHORIZED');
      }
      const refused = await accept(t, { token, password: PASSWORD });
      assertError(refused, 429, 'RATE_LIMITED');
      assert.ok(refused.headers['retry-after']);
      // Signing in to the account is refused alike: one count per account.
      assertError(await signIn(t, 'ada@example.com'), 429, 'RATE_LIMITED');
      // An unknown token is 404 and counts nothing.
      assertError(await accept(t, { token: 'unknown', password: 'x' }), 404, 'NOT_FOUND');
    });
  });

  describe(`invitations by mail (${dialect})`, () => {
    let t: TestApp;
    let smtp: FakeSmtpServer;
    let acme: Tenant;
    let owner: Browser;
    before(async () => {
      smtp = await startFakeSmtpServer();
      t = await createTestApp(dialect, {
        env: { AUDENCI_SMTP_URL: smtp.url(), AUDENCI_MAIL_FROM: 'Audenci <no-reply@audenci.test>' },
      });
      acme = await createTenant(t, { name: 'Acme' });
      owner = await signUpMember(t, acme.org.id, 'owner', 'owner@acme.test', { name: 'Olive Owner' });
    });
    after(async () => {
      await t.close();
      await smtp.close();
    });

    it('mails the invitation with its link and answers no link', async () => {
      const res = await as(t, owner, 'POST', '/api/v1/invitations', {
        email: 'ada@example.com',
        role: 'admin',
      });
      assert.equal(res.status, 201, res.raw);
      assert.equal(res.body.data.delivery, 'email');
      assert.equal(res.body.data.acceptUrl, undefined);
      const [mail] = await smtp.waitFor(1);
      assert.deepEqual(mail!.envelope.to, ['ada@example.com']);
      assert.equal(mail!.subject, 'Olive Owner invited you to Acme on Audenci');
      const url = /http:\/\/audenci\.test\/invitations\/accept\?token=[A-Za-z0-9_-]+/.exec(mail!.text!)?.[0];
      assert.ok(url, mail!.text);
      const joined = await accept(t, { token: tokenOfUrl(url), name: 'Ada', password: PASSWORD });
      assert.equal(browserOf(joined).csrf, joined.body.data.csrfToken);
      assert.equal(joined.body.data.role, 'admin');
    });

    it('a refused mail answers the link and why', async () => {
      smtp.rejectRecipient('bounce@example.com');
      const res = await call(t.app, 'POST', '/api/v1/invitations', {
        key: acme.live.admin,
        body: { email: 'bounce@example.com', role: 'viewer' },
      });
      assert.equal(res.status, 201, res.raw);
      assert.equal(res.body.data.delivery, 'link');
      assert.match(res.body.data.deliveryError, /550/);
      assert.ok(tokenOfUrl(res.body.data.acceptUrl));
    });
  });
}
