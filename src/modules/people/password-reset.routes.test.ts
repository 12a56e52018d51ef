import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFakeSmtpServer, type FakeSmtpServer } from '../../../test/fakes/smtp-server.js';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  ManualClock,
  type Answer,
} from '../../../test/helpers/app.js';
import type { Role } from '../../db/tables/people.js';
import { newId } from '../../shared/ids.js';
import { hashToken } from './people.tokens.js';
import { hashPassword } from './people.passwords.js';

const START = Date.parse('2030-03-10T08:00:00.000Z');
const HOUR = 3_600_000;
/** The failed-authentication window (AUDENCI_AUTH_FAILURE_WINDOW_SECONDS' default). */
const WINDOW = 300_000;
const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'staple of the new horse';

interface Browser {
  token: string;
  csrf: string;
}

function tokenOf(res: Answer): string {
  return decodeURIComponent(/^audenci_session=([^;]*)/.exec(String(res.headers['set-cookie']))![1]!);
}

function resetTokenIn(text: string | undefined): string {
  const match = /http:\/\/audenci\.test\/reset-password\?token=([A-Za-z0-9_-]{43})/.exec(text ?? '');
  assert.ok(match, `a reset link in: ${text}`);
  return match[1]!;
}

/** The app, its people, and the helpers the tests below share. */
async function setUp(dialect: (typeof dialects)[number], env: Record<string, string>) {
  const clock = new ManualClock(START);
  const t = await createTestApp(dialect, { clock, env });
  const tenant = await createTenant(t, { name: 'Acme' });
  const other = await createTenant(t, { name: 'Globex' });
  const db = t.runtime.ctx.db;
  const hash = await hashPassword(PASSWORD);

  /** A person with PASSWORD, member of `orgs` with `role`; answers their membership id in the first. */
  async function addPerson(email: string, role: Role, orgs = [tenant.org.id]): Promise<string> {
    const now = clock.now();
    const userId = newId('user', now);
    await db
      .insertInto('users')
      .values({ id: userId, email, name: email, password_hash: hash, created_at: now, updated_at: now })
      .execute();
    const ids: string[] = [];
    for (const organizationId of orgs) {
      const id = newId('membership', now);
      ids.push(id);
      await db
        .insertInto('memberships')
        .values({
          id,
          organization_id: organizationId,
          user_id: userId,
          role,
          created_at: now,
          updated_at: now,
        })
        .execute();
    }
    return ids[0]!;
  }
  async function signIn(email: string, password = PASSWORD): Promise<Answer> {
    return call(t.app, 'POST', '/auth/sign-in', { body: { email, password } });
  }
  async function browser(email: string): Promise<Browser> {
    const res = await signIn(email);
    assert.equal(res.status, 200, res.raw);
    return { token: tokenOf(res), csrf: res.body.data.csrfToken };
  }
  const as = (b: Browser, method: 'GET' | 'POST', url: string, body?: unknown) =>
    call(t.app, method, url, {
      headers: {
        cookie: `audenci_session=${encodeURIComponent(b.token)}`,
        ...(method === 'GET' ? {} : { 'x-csrf-token': b.csrf }),
      },
      ...(body === undefined ? {} : { body }),
    });
  const requestReset = (email: string) => call(t.app, 'POST', '/auth/password-reset', { body: { email } });
  const audit = (action: string) =>
    db.selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('id').execute();
  return { clock, t, tenant, other, db, addPerson, signIn, browser, as, requestReset, audit };
}

for (const dialect of dialects) {
  describe(`password reset with SMTP (${dialect})`, () => {
    let smtp: FakeSmtpServer;
    let s: Awaited<ReturnType<typeof setUp>>;
    before(async () => {
      smtp = await startFakeSmtpServer();
      s = await setUp(dialect, { AUDENCI_SMTP_URL: smtp.url() });
      await s.addPerson('grace@example.com', 'owner');
    });
    after(async () => {
      await s.t.close();
      await smtp.close();
    });

    it('mails a link that works once: every session ends, the old password fails, the new one works', async () => {
      const first = await s.browser('grace@example.com');
      const second = await s.browser('grace@example.com');
      const asked = await s.requestReset('Grace@Example.COM');
      assert.equal(asked.status, 202, asked.raw);
      assert.deepEqual(asked.body, { data: { emailSent: true } });
      assert.equal(asked.headers['cache-control'], 'no-store');
      const [mail] = await smtp.waitFor(1);
      assert.deepEqual(mail!.envelope.to, ['grace@example.com']);
      assert.equal(mail!.subject, 'Reset your Audenci password');
      const token = resetTokenIn(mail!.text);
      assert.equal(resetTokenIn(mail!.html), token);
      // Only the token's hash is stored.
      const row = await s.db
        .selectFrom('password_resets')
        .selectAll()
        .where('token_hash', '=', hashToken(token))
        .executeTakeFirstOrThrow();
      assert.equal(JSON.stringify(row).includes(token), false);
      assert.equal(row.expires_at, START + HOUR);

      const described = await call(s.t.app, 'GET', `/auth/password-reset/${token}`);
      assert.equal(described.status, 200, described.raw);
      assert.deepEqual(described.body, {
        data: { email: 'grace@example.com', expiresAt: new Date(START + HOUR).toISOString() },
      });

      const short = await call(s.t.app, 'POST', '/auth/password-reset/confirm', {
        body: { token, password: 'short' },
      });
      assert.equal(short.status, 400, short.raw);
      const foreign = await call(s.t.app, 'POST', '/auth/password-reset/confirm', {
        headers: { origin: 'https://evil.example' },
        body: { token, password: NEW_PASSWORD },
      });
      assert.equal(foreign.status, 403, foreign.raw);

      s.clock.advance(60_000);
      const confirmed = await call(s.t.app, 'POST', '/auth/password-reset/confirm', {
        body: { token, password: NEW_PASSWORD },
      });
      assert.equal(confirmed.status, 204, confirmed.raw);
      for (const b of [first, second]) {
        assert.equal((await s.as(b, 'GET', '/api/v1/me')).status, 401);
      }
      assert.equal((await s.signIn('grace@example.com')).status, 401);
      assert.equal((await s.signIn('grace@example.com', NEW_PASSWORD)).status, 200);

      // Single use.
      const again = await call(s.t.app, 'POST', '/auth/password-reset/confirm', {
        body: { token, password: 'yet another password' },
      });
      assert.equal(again.status, 404, again.raw);
      assert.equal(again.body.error.code, 'NOT_FOUND');
      assert.equal((await call(s.t.app, 'GET', `/auth/password-reset/${token}`)).status, 404);
      assert.equal((await s.signIn('grace@example.com', NEW_PASSWORD)).status, 200);

      const [entry] = await s.audit('user.password_reset');
      assert.equal(entry!.organization_id, s.tenant.org.id);
      assert.equal(entry!.actor_type, 'user');
      assert.equal(entry!.target_id, entry!.actor_id);
      assert.deepEqual(JSON.parse(entry!.data!), { revokedSessions: 2 });
    });

    it('answers an unknown email the same and sends it nothing', async () => {
      const before = smtp.messages.length;
      const unknown = await s.requestReset('nobody@example.com');
      assert.equal(unknown.status, 202, unknown.raw);
      assert.deepEqual(unknown.body, { data: { emailSent: true } });
      const known = await s.requestReset('grace@example.com');
      assert.deepEqual(known.body, unknown.body);
      const mails = await smtp.waitFor(before + 1);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(smtp.messages.length, before + 1);
      assert.deepEqual(mails.at(-1)!.envelope.to, ['grace@example.com']);
    });

    it('an expired link or a made-up token is 404', async () => {
      s.clock.advance(WINDOW);
      const before = smtp.messages.length;
      assert.equal((await s.requestReset('grace@example.com')).status, 202);
      const token = resetTokenIn((await smtp.waitFor(before + 1)).at(-1)!.text);
      s.clock.advance(HOUR);
      const expired = await call(s.t.app, 'GET', `/auth/password-reset/${token}`);
      assert.equal(expired.status, 404, expired.raw);
      const used = await call(s.t.app, 'POST', '/auth/password-reset/confirm', {
        body: { token, password: 'a password too late' },
      });
      assert.equal(used.status, 404, used.raw);
      assert.equal((await call(s.t.app, 'GET', '/auth/password-reset/not-a-token')).status, 404);
      assert.equal((await s.signIn('grace@example.com', 'a password too late')).status, 401);
    });

    it('throttles requests per email (3 a window) whether the account exists or not', async () => {
      s.clock.advance(WINDOW);
      for (const email of ['grace@example.com', 'nobody@example.com']) {
        for (let i = 0; i < 3; i++) assert.equal((await s.requestReset(email)).status, 202);
        const refused = await s.requestReset(email.toUpperCase());
        assert.equal(refused.status, 429, refused.raw);
        assert.equal(refused.body.error.code, 'RATE_LIMITED');
        assert.ok(Number(refused.headers['retry-after']) > 0);
      }
      assert.equal((await s.requestReset('someone-else@example.com')).status, 202);
      s.clock.advance(WINDOW);
      assert.equal((await s.requestReset('grace@example.com')).status, 202);
    });

    it('an admin’s reset link is mailed to the member', async () => {
      const editor = await s.addPerson('ed@example.com', 'editor');
      const before = smtp.messages.length;
      const res = await call(s.t.app, 'POST', `/api/v1/members/${editor}/password-reset`, {
        key: s.tenant.live.admin,
      });
      assert.equal(res.status, 201, res.raw);
      assert.deepEqual(res.body, {
        data: { delivery: 'email', expiresAt: new Date(s.clock.now() + HOUR).toISOString() },
      });
      // Mails asked for by the tests above may still arrive: the one to the editor is looked for.
      let mail;
      for (let count = before + 1; !mail; count++) {
        mail = (await smtp.waitFor(count)).slice(before).find((m) => m.envelope.to[0] === 'ed@example.com');
      }
      const token = resetTokenIn(mail.text);
      const described = await call(s.t.app, 'GET', `/auth/password-reset/${token}`);
      assert.equal(described.body.data.email, 'ed@example.com');
    });
  });

  describe(`password reset with a refusing SMTP server (${dialect})`, () => {
    let smtp: FakeSmtpServer;
    let s: Awaited<ReturnType<typeof setUp>>;
    before(async () => {
      smtp = await startFakeSmtpServer();
      smtp.rejectRecipient('bounce@example.com');
      s = await setUp(dialect, { AUDENCI_SMTP_URL: smtp.url() });
    });
    after(async () => {
      await s.t.close();
      await smtp.close();
    });

    it('an admin gets the link to pass on when the mail is refused', async () => {
      const member = await s.addPerson('bounce@example.com', 'viewer');
      const res = await call(s.t.app, 'POST', `/api/v1/members/${member}/password-reset`, {
        key: s.tenant.live.admin,
      });
      assert.equal(res.status, 201, res.raw);
      assert.equal(res.body.data.delivery, 'link');
      const token = new URL(res.body.data.resetUrl).searchParams.get('token')!;
      const described = await call(s.t.app, 'GET', `/auth/password-reset/${token}`);
      assert.equal(described.body.data.email, 'bounce@example.com');
      const [entry] = await s.audit('user.password_reset_requested');
      assert.equal(entry!.actor_type, 'api_key');
      assert.deepEqual(JSON.parse(entry!.data!), { memberId: member, delivery: 'link' });
      // The person asking for themselves gets the same answer as anyone: the failure is only logged.
      const asked = await s.requestReset('bounce@example.com');
      assert.deepEqual(asked.body, { data: { emailSent: true } });
    });
  });

  describe(`password reset without SMTP (${dialect})`, () => {
    let s: Awaited<ReturnType<typeof setUp>>;
    let ids: Record<string, string>;
    before(async () => {
      s = await setUp(dialect, { AUDENCI_AUTH_FAILURE_LIMIT: '6' });
      ids = {
        owner: await s.addPerson('owner@example.com', 'owner'),
        admin: await s.addPerson('admin@example.com', 'admin'),
        admin2: await s.addPerson('admin2@example.com', 'admin'),
        editor: await s.addPerson('editor@example.com', 'editor'),
        viewer: await s.addPerson('viewer@example.com', 'viewer'),
        both: await s.addPerson('both@example.com', 'editor', [s.tenant.org.id, s.other.org.id]),
        globex: await s.addPerson('globex@example.com', 'editor', [s.other.org.id]),
      };
    });
    after(() => s.t.close());

    it('answers emailSent false for everyone, and makes no link', async () => {
      const known = await s.requestReset('editor@example.com');
      assert.equal(known.status, 202, known.raw);
      assert.deepEqual(known.body, { data: { emailSent: false } });
      const unknown = await s.requestReset('nobody@example.com');
      assert.deepEqual(unknown.body, known.body);
      assert.equal((await s.db.selectFrom('password_resets').selectAll().execute()).length, 0);
    });

    it('an admin gets the link of a member who ranks no higher, to pass on; it works', async () => {
      const admin = await s.browser('admin@example.com');
      for (const target of ['editor', 'viewer', 'admin2', 'admin']) {
        const res = await s.as(admin, 'POST', `/api/v1/members/${ids[target]}/password-reset`);
        assert.equal(res.status, 201, `${target}: ${res.raw}`);
        assert.equal(res.body.data.delivery, 'link');
        assert.equal(res.body.data.expiresAt, new Date(s.clock.now() + HOUR).toISOString());
        assert.equal(res.headers['cache-control'], 'no-store');
      }
      const res = await s.as(admin, 'POST', `/api/v1/members/${ids.editor}/password-reset`);
      const token = new URL(res.body.data.resetUrl).searchParams.get('token')!;
      assert.match(res.body.data.resetUrl, /^http:\/\/audenci\.test\/reset-password\?token=/);
      const confirmed = await call(s.t.app, 'POST', '/auth/password-reset/confirm', {
        body: { token, password: NEW_PASSWORD },
      });
      assert.equal(confirmed.status, 204, confirmed.raw);
      assert.equal((await s.signIn('editor@example.com', NEW_PASSWORD)).status, 200);

      const entries = await s.audit('user.password_reset_requested');
      const last = entries.at(-1)!;
      assert.equal(last.organization_id, s.tenant.org.id);
      assert.equal(last.actor_type, 'user');
      assert.equal(last.environment, null);
      assert.deepEqual(JSON.parse(last.data!), { memberId: ids.editor, delivery: 'link' });
    });

    it('refuses a member who outranks the caller, or who belongs to another organization too', async () => {
      const admin = await s.browser('admin@example.com');
      const outranked = await s.as(admin, 'POST', `/api/v1/members/${ids.owner}/password-reset`);
      assert.equal(outranked.status, 403, outranked.raw);
      assert.equal(outranked.body.error.details.reason, 'outranked');
      const byKey = await call(s.t.app, 'POST', `/api/v1/members/${ids.owner}/password-reset`, {
        key: s.tenant.live.admin,
      });
      assert.equal(byKey.status, 403, byKey.raw);
      const owner = await s.browser('owner@example.com');
      const elsewhere = await s.as(owner, 'POST', `/api/v1/members/${ids.both}/password-reset`);
      assert.equal(elsewhere.status, 403, elsewhere.raw);
      assert.equal(elsewhere.body.error.details.reason, 'member_of_other_organization');
      assert.equal((await s.as(owner, 'POST', `/api/v1/members/${ids.owner}/password-reset`)).status, 201);
    });

    it('a viewer or editor may not; another organization’s member is 404', async () => {
      for (const email of ['viewer@example.com', 'both@example.com']) {
        const b = await s.browser(email);
        const res = await s.as(b, 'POST', `/api/v1/members/${ids.admin2}/password-reset`);
        assert.equal(res.status, 403, res.raw);
      }
      const foreign = await call(s.t.app, 'POST', `/api/v1/members/${ids.globex}/password-reset`, {
        key: s.tenant.live.admin,
      });
      assert.equal(foreign.status, 404, foreign.raw);
      const ownKey = await call(s.t.app, 'POST', `/api/v1/members/${ids.editor}/password-reset`, {
        key: s.other.live.admin,
      });
      assert.equal(ownKey.status, 404, ownKey.raw);
      const unknown = await call(
        s.t.app,
        'POST',
        '/api/v1/members/mem_01JD7Q8ZK2M4N6P8R0T2V4X6Z8/password-reset',
        {
          key: s.tenant.live.admin,
        },
      );
      assert.equal(unknown.status, 404, unknown.raw);
    });

    it('throttles requests per address, whatever the email', async () => {
      s.clock.advance(WINDOW);
      for (let i = 0; i < 6; i++) {
        const res = await s.requestReset(`person${i}@example.com`);
        assert.equal(res.status, 202, res.raw);
      }
      const refused = await s.requestReset('person-7@example.com');
      assert.equal(refused.status, 429, refused.raw);
      assert.ok(Number(refused.headers['retry-after']) > 0);
    });
  });
}
