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
import { recordAudit, SYSTEM_ORIGIN } from './index.js';

const START = Date.parse('2030-05-01T09:00:00.000Z');
const SECOND = 1000;
const iso = (ms: number) => new Date(ms).toISOString();

interface Entry {
  id: string;
  action: string;
  environment: 'live' | 'test' | null;
  actor: { type: string; id: string | null };
  target: { type: string; id: string } | null;
  ip: string | null;
  data: Record<string, unknown> | null;
  createdAt: string;
}

for (const dialect of dialects) {
  describe(`Audit log (${dialect})`, () => {
    let t: TestApp;
    let clock: ManualClock;
    let tenant: Tenant;
    let other: Tenant;
    /** The id of the live admin key every call below is made with. */
    let adminKeyId: string;

    before(async () => {
      clock = new ManualClock(START);
      t = await createTestApp(dialect, { clock, env: { AUDENCI_ALLOW_PRIVATE_URLS: 'true' } });
      tenant = await createTenant(t);
      other = await createTenant(t, { name: 'Other org' });
      const keys = await call(t.app, 'GET', '/api/v1/api-keys', { key: tenant.live.admin });
      adminKeyId = (keys.body.data as { id: string; name: string }[]).find(
        (k) => k.name === 'admin live',
      )!.id;
    });
    after(() => t.close());

    /** The entries the live admin key sees, with `query` as filters. */
    async function log(query: Record<string, string | number> = {}, key = tenant.live.admin) {
      const res = await call(t.app, 'GET', '/api/v1/audit-log', { key, query: { limit: 100, ...query } });
      assert.equal(res.status, 200, res.raw);
      return res.body.data as Entry[];
    }
    const about = async (targetId: string) => log({ targetId });
    /** Each call happens a second later, so that entries are ordered by time. */
    async function send(method: 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, body?: unknown) {
      clock.advance(SECOND);
      return call(t.app, method, url, { key: tenant.live.admin, ...(body === undefined ? {} : { body }) });
    }
    const byAdmin = { type: 'api_key', id: '' };
    before(() => {
      byAdmin.id = adminKeyId;
    });

    it('records a key created, rotated and revoked, once each, without the key', async () => {
      const created = await send('POST', '/api/v1/api-keys', { scope: 'read', name: 'reporting' });
      assert.equal(created.status, 201, created.raw);
      const key = created.body.data as { id: string; key: string; prefix: string; last4: string };
      const createdAt = iso(clock.now());
      const rotated = await send('POST', `/api/v1/api-keys/${key.id}/rotate`, { gracePeriodSeconds: 0 });
      assert.equal(rotated.status, 201, rotated.raw);
      const next = rotated.body.data as { id: string; key: string; prefix: string; last4: string };
      const rotatedAt = iso(clock.now());
      const revoked = await send('DELETE', `/api/v1/api-keys/${next.id}`);
      assert.equal(revoked.status, 200, revoked.raw);
      // Revoking again changes nothing and records nothing.
      assert.equal((await send('DELETE', `/api/v1/api-keys/${next.id}`)).status, 200);

      const entries = await about(key.id);
      const shown = { name: 'reporting', scope: 'read', prefix: key.prefix, last4: key.last4 };
      const base = {
        environment: 'live',
        actor: byAdmin,
        target: { type: 'api_key', id: key.id },
        ip: '127.0.0.1',
      };
      assert.deepEqual(
        entries.map(({ id, ...entry }) => (assert.match(id, /^aud_/), entry)),
        [
          {
            ...base,
            action: 'api_key.rotated',
            data: {
              ...shown,
              replacedBy: next.id,
              newPrefix: next.prefix,
              newLast4: next.last4,
              graceSeconds: 0,
            },
            createdAt: rotatedAt,
          },
          { ...base, action: 'api_key.created', data: shown, createdAt },
        ],
      );
      const [revokedEntry, ...more] = await about(next.id);
      assert.equal(more.length, 0);
      assert.equal(revokedEntry!.action, 'api_key.revoked');
      assert.deepEqual(revokedEntry!.target, { type: 'api_key', id: next.id });
      const text = JSON.stringify(await log());
      assert.ok(!text.includes(key.key) && !text.includes(next.key), 'no key is in the log');
    });

    it('records a webhook endpoint created, changed, its secret rotated and deleted, without the secret', async () => {
      const created = await send('POST', '/api/v1/webhooks', {
        url: 'https://hooks.example.com/a',
        events: ['post.published'],
      });
      assert.equal(created.status, 201, created.raw);
      const { id, secret } = created.body.data as { id: string; secret: string };
      const url = `/api/v1/webhooks/${id}`;
      // A description alone is not security-relevant: no entry.
      assert.equal((await send('PATCH', url, { description: 'CRM' })).status, 200);
      assert.equal(
        (await send('PATCH', url, { url: 'https://hooks.example.com/b', enabled: false })).status,
        200,
      );
      const rotated = await send('POST', `${url}/rotate-secret`, { overlapSeconds: 60 });
      assert.equal(rotated.status, 200, rotated.raw);
      assert.equal((await send('DELETE', url)).status, 200);

      const entries = await about(id);
      assert.deepEqual(
        entries.map((e) => [e.action, e.data]),
        [
          [
            'webhook_endpoint.deleted',
            { url: 'https://hooks.example.com/b', events: ['post.published'], enabled: false },
          ],
          ['webhook_endpoint.secret_rotated', { overlapSeconds: 60 }],
          [
            'webhook_endpoint.updated',
            {
              url: { from: 'https://hooks.example.com/a', to: 'https://hooks.example.com/b' },
              enabled: { from: true, to: false },
            },
          ],
          [
            'webhook_endpoint.created',
            { url: 'https://hooks.example.com/a', events: ['post.published'], enabled: true },
          ],
        ],
      );
      for (const entry of entries) {
        assert.deepEqual(
          [entry.actor, entry.target, entry.environment],
          [byAdmin, { type: 'webhook_endpoint', id }, 'live'],
        );
      }
      const text = JSON.stringify(await log());
      assert.ok(
        !text.includes(secret) && !text.includes(rotated.body.data.secret),
        'no secret is in the log',
      );
    });

    it('records nothing for a change that fails', async () => {
      const created = await send('POST', '/api/v1/api-keys', { scope: 'read' });
      const id = (created.body.data as { id: string }).id;
      assert.equal((await send('DELETE', `/api/v1/api-keys/${id}`)).status, 200);
      // Rotating a revoked key is refused inside its transaction.
      assert.equal((await send('POST', `/api/v1/api-keys/${id}/rotate`, {})).status, 409);
      assert.deepEqual(
        (await about(id)).map((e) => e.action),
        ['api_key.revoked', 'api_key.created'],
      );
      // A transaction that fails after its entry was written takes the entry with it.
      const { db } = t.runtime.ctx;
      await assert.rejects(
        db.transaction().execute(async (trx) => {
          await recordAudit(trx, {
            ...SYSTEM_ORIGIN,
            organizationId: tenant.org.id,
            environment: 'live',
            action: 'api_key.revoked',
            target: { type: 'api_key', id: 'key_ROLLEDBACK' },
            at: clock.now(),
          });
          throw new Error('the change fails');
        }),
        /the change fails/,
      );
      assert.deepEqual(await about('key_ROLLEDBACK'), []);
      // A secret in an entry's data is refused before anything is written.
      await assert.rejects(
        recordAudit(db, {
          ...SYSTEM_ORIGIN,
          organizationId: tenant.org.id,
          environment: 'live',
          action: 'webhook_endpoint.created',
          data: { secret: 'whsec_x' },
          at: clock.now(),
        }),
        /must not hold a secret/,
      );
    });

    it("lists the caller's environment and the organization's own entries, never another organization's", async () => {
      clock.advance(SECOND);
      await recordAudit(t.runtime.ctx.db, {
        actor: { type: 'user', id: 'usr_OWNER' },
        ip: '192.0.2.1',
        organizationId: tenant.org.id,
        environment: null,
        action: 'member.role_changed',
        target: { type: 'user', id: 'usr_MEMBER' },
        data: { from: 'viewer', to: 'editor' },
        at: clock.now(),
      });
      const live = await log();
      const test = await log({}, tenant.test.admin);
      const orgWide = {
        action: 'member.role_changed',
        environment: null,
        actor: { type: 'user', id: 'usr_OWNER' },
        target: { type: 'user', id: 'usr_MEMBER' },
        ip: '192.0.2.1',
        data: { from: 'viewer', to: 'editor' },
        createdAt: iso(clock.now()),
      };
      for (const entries of [live, test]) {
        const [first] = entries;
        const { id, ...entry } = first!;
        assert.match(id, /^aud_/);
        assert.deepEqual(entry, orgWide);
      }
      assert.ok(live.every((e) => e.environment !== 'test'));
      assert.ok(test.every((e) => e.environment !== 'live'));
      // createTenant made three keys per environment (by the system); the live calls above are live only.
      const testKeys = test.filter((e) => e.action === 'api_key.created');
      assert.equal(testKeys.length, 3);
      assert.ok(testKeys.every((e) => e.actor.type === 'system' && e.actor.id === null && e.ip === null));
      assert.equal(live.filter((e) => e.actor.id === adminKeyId).length, 9);

      const otherLog = await log({}, other.live.admin);
      assert.ok(otherLog.length > 0);
      const ours = new Set([...live, ...test].map((e) => e.id));
      assert.ok(
        otherLog.every((e) => !ours.has(e.id)),
        "another organization's entries are never listed",
      );
      assert.deepEqual(await log({ action: 'member.role_changed' }, other.live.admin), []);
    });

    it('filters by action, actor, target and time, and pages newest first with a cursor', async () => {
      const all = await log();
      const sorted = [...all].sort(
        (a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id),
      );
      assert.deepEqual(
        all.map((e) => e.id),
        sorted.map((e) => e.id),
      );
      const rotations = await log({ action: 'api_key.rotated' });
      assert.equal(rotations.length, 1);
      const mine = await log({ actorId: adminKeyId });
      assert.equal(mine.length, 9);
      assert.ok(mine.every((e) => e.actor.id === adminKeyId));
      const webhook = all.find((e) => e.action === 'webhook_endpoint.created')!;
      const from = Date.parse(webhook.createdAt);
      const window = await log({ createdAfter: iso(from), createdBefore: iso(from + SECOND) });
      assert.deepEqual(
        window.map((e) => e.action),
        ['webhook_endpoint.created'],
      );
      assert.deepEqual(
        (await log({ action: 'webhook_endpoint.created', targetId: webhook.target!.id })).map((e) => e.id),
        [webhook.id],
      );

      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const res = await call(t.app, 'GET', '/api/v1/audit-log', {
          key: tenant.live.admin,
          query: { limit: 4, ...(cursor ? { cursor } : {}) },
        });
        assert.equal(res.status, 200, res.raw);
        seen.push(...(res.body.data as Entry[]).map((e) => e.id));
        cursor = res.body.pagination.nextCursor ?? undefined;
      } while (cursor);
      assert.deepEqual(
        seen,
        sorted.map((e) => e.id),
      );
    });

    it('refuses a bad time range, and any key below admin', async () => {
      const range = await call(t.app, 'GET', '/api/v1/audit-log', {
        key: tenant.live.admin,
        query: { createdAfter: iso(START + SECOND), createdBefore: iso(START) },
      });
      assert.equal(range.status, 400, range.raw);
      assert.equal(range.body.error.details.field, 'createdBefore');
      for (const key of [tenant.live.read, tenant.live.read_write]) {
        const res = await call(t.app, 'GET', '/api/v1/audit-log', { key });
        assert.equal(res.status, 403, res.raw);
        assert.equal(res.body.error.code, 'FORBIDDEN');
      }
    });
  });
}
