import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
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
import { parseKey, revokeKeyById } from './index.js';

const START = Date.parse('2030-03-10T08:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const KEY_FORMAT = { live: /^sk_prod_[0-9A-Za-z]{38}$/, test: /^sk_test_[0-9A-Za-z]{38}$/ } as const;

function assertInvalid(res: Answer, field: string, reason: string): void {
  assert.equal(res.status, 400, res.raw);
  assert.deepEqual(Object.keys(res.body), ['error']);
  assert.equal(res.body.error.code, 'INVALID_INPUT');
  assert.equal(typeof res.body.error.message, 'string');
  assert.equal(res.body.error.details.field, field);
  assert.equal(res.body.error.details.reason, reason);
  assert.deepEqual(res.body.error.details.errors, [{ field, reason }]);
}

function assertError(res: Answer, status: number, code: string, details?: unknown): void {
  assert.equal(res.status, status, res.raw);
  assert.deepEqual(Object.keys(res.body), ['error']);
  assert.equal(res.body.error.code, code);
  assert.equal(typeof res.body.error.message, 'string');
  assert.deepEqual(res.body.error.details, details);
}

for (const dialect of dialects) {
  describe(`API keys routes (${dialect})`, () => {
    let t: TestApp;
    let clock: ManualClock;
    let tenant: Tenant;
    before(async () => {
      clock = new ManualClock(START);
      // The background flush of last-used times never fires during the test: only explicit flushes write.
      t = await createTestApp(dialect, { clock, env: { AUDENCI_KEY_USAGE_FLUSH_MS: '3600000' } });
      tenant = await createTenant(t);
    });
    after(() => t.close());

    const as = (key: string, url = '/api/v1/organization') => call(t.app, 'GET', url, { key });
    const db = () => t.runtime.ctx.db;

    async function createKey(admin: string, body: Record<string, unknown>) {
      const res = await call(t.app, 'POST', '/api/v1/api-keys', { key: admin, body });
      assert.equal(res.status, 201, res.raw);
      return res.body.data as { id: string; key: string } & Record<string, unknown>;
    }

    it('an admin key creates a key shown once, in the format of its environment, that works at once', async () => {
      for (const environment of ['live', 'test'] as const) {
        const admin = tenant[environment].admin;
        for (const prefix of ['/api/v1', '/api']) {
          const created = await call(t.app, 'POST', `${prefix}/api-keys`, {
            key: admin,
            body: { scope: 'read_write', name: 'CI pipeline' },
          });
          assert.equal(created.status, 201, created.raw);
          const data = created.body.data;
          assert.match(data.key, KEY_FORMAT[environment]);
          assert.equal(parseKey(data.key)?.environment, environment);
          assert.match(data.id, /^key_[0-9A-Z]{26}$/);
          assert.deepEqual(created.body, {
            data: {
              id: data.id,
              name: 'CI pipeline',
              scope: 'read_write',
              environment,
              prefix: data.key.slice(0, 12),
              last4: data.key.slice(-4),
              status: 'active',
              createdAt: iso(START),
              expiresAt: null,
              revokedAt: null,
              lastUsedAt: null,
              rotatedAt: null,
              replacedBy: null,
              key: data.key,
            },
          });
          assert.equal(created.headers.location, `http://audenci.test${prefix}/api-keys/${data.id}`);
          assert.equal(created.headers['x-ratelimit-limit'], '10000');

          const { key, ...shown } = data;
          const read = await call(t.app, 'GET', `/api/v1/api-keys/${data.id}`, { key: admin });
          assert.equal(read.status, 200);
          assert.deepEqual(read.body, { data: shown });
          assert.ok(!read.raw.includes(key));

          const list = await call(t.app, 'GET', '/api/v1/api-keys', { key: admin, query: { limit: 100 } });
          assert.equal(list.status, 200);
          assert.deepEqual(
            list.body.data.find((k: { id: string }) => k.id === data.id),
            shown,
          );
          for (const item of list.body.data) assert.ok(!('key' in item), 'a list never shows a key');
          assert.ok(!list.raw.includes(key));
          for (const item of list.body.data) assert.equal(item.environment, environment);

          // Works at once, in the caller's organization and environment, with the scope it was given.
          const used = await as(key);
          assert.equal(used.status, 200);
          assert.equal(used.body.data.id, tenant.org.id);
          assertError(await as(key, '/api/v1/api-keys'), 403, 'FORBIDDEN', {
            requiredScope: 'admin',
            grantedScope: 'read_write',
          });
        }
      }
    });

    it('the database holds only the SHA-256 hash of a key, never the key', async () => {
      const { id, key } = await createKey(tenant.live.admin, { scope: 'admin', name: 'stored' });
      const row = await db()
        .selectFrom('api_keys')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      assert.equal(row.key_hash, sha256(key));
      assert.equal(row.prefix, key.slice(0, 12));
      assert.equal(row.last4, key.slice(-4));
      const secret = key.slice(12, -4); // what neither the prefix nor last4 reveal
      for (const [column, value] of Object.entries(row)) {
        assert.ok(!String(value).includes(key), `${column} holds the key`);
        assert.ok(!String(value).includes(secret), `${column} holds the secret part of the key`);
      }
      // No other row anywhere in the table holds it either.
      for (const other of await db().selectFrom('api_keys').selectAll().execute()) {
        assert.ok(!JSON.stringify(other).includes(secret));
      }
    });

    it('a bad scope, a missing scope, a past or malformed expiry, or an unknown field is refused naming the field', async () => {
      const before = await db().selectFrom('api_keys').select(db().fn.countAll().as('n')).executeTakeFirst();
      const post = (body: unknown) =>
        call(t.app, 'POST', '/api/v1/api-keys', { key: tenant.live.admin, body });
      assertInvalid(
        await post({ scope: 'superuser' }),
        'scope',
        'Must be one of: read, read_write, admin, read-only, read_only, read-write',
      );
      assertInvalid(await post({ name: 'no scope' }), 'scope', 'Field is required');
      assertInvalid(
        await post({ scope: 'read', expiresAt: iso(clock.now() - 1000) }),
        'expiresAt',
        'Must be in the future',
      );
      assertInvalid(
        await post({ scope: 'read', expiresAt: iso(clock.now()) }),
        'expiresAt',
        'Must be in the future',
      );
      const malformed = await post({ scope: 'read', expiresAt: 'tomorrow' });
      assert.equal(malformed.status, 400);
      assert.equal(malformed.body.error.details.field, 'expiresAt');
      assertInvalid(await post({ scope: 'read', owner: 'me' }), 'owner', 'Unknown field');
      assertInvalid(await post({ scope: 'read', name: '' }), 'name', 'Must not be empty');
      const after = await db().selectFrom('api_keys').select(db().fn.countAll().as('n')).executeTakeFirst();
      assert.equal(Number(after?.n), Number(before?.n), 'no key was created');
    });

    it('a read or read_write key cannot create a key', async () => {
      for (const scope of ['read', 'read_write'] as const) {
        const res = await call(t.app, 'POST', '/api/v1/api-keys', {
          key: tenant.live[scope],
          body: { scope: 'admin' },
        });
        assertError(res, 403, 'FORBIDDEN', { requiredScope: 'admin', grantedScope: scope });
      }
    });

    it('revoking a key marks it revoked and refuses it at once, even though it was just used', async () => {
      const { id, key } = await createKey(tenant.live.admin, { scope: 'read' });
      assert.equal((await as(key)).status, 200); // now in the authentication cache
      const revoked = await call(t.app, 'DELETE', `/api/v1/api-keys/${id}`, { key: tenant.live.admin });
      assert.equal(revoked.status, 200);
      assert.equal(revoked.body.data.status, 'revoked');
      assert.equal(revoked.body.data.revokedAt, iso(clock.now()));
      assert.equal(revoked.body.data.id, id);
      assert.ok(!('key' in revoked.body.data));

      const refused = await as(key);
      assertError(refused, 401, 'UNAUTHORIZED', undefined);
      assert.equal(refused.body.error.message, 'This API key has been revoked');
      assert.match(String(refused.headers['www-authenticate']), /^Bearer /);

      const shown = await call(t.app, 'GET', `/api/v1/api-keys/${id}`, { key: tenant.live.admin });
      assert.deepEqual(shown.body.data, revoked.body.data);
      const row = await db()
        .selectFrom('api_keys')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      assert.equal(row.revoked_at, clock.now());

      // Revoking again changes nothing.
      clock.advance(1000);
      const again = await call(t.app, 'DELETE', `/api/v1/api-keys/${id}`, { key: tenant.live.admin });
      assert.equal(again.status, 200);
      assert.deepEqual(again.body.data, revoked.body.data);
      assertError(
        await call(t.app, 'DELETE', '/api/v1/api-keys/key_01M8FHSW4FSXDVQCQJRMA72QE2', {
          key: tenant.live.admin,
        }),
        404,
        'NOT_FOUND',
        undefined,
      );
    });

    it('a key revoked by another process is refused once the authentication cache expires', async () => {
      const { id, key } = await createKey(tenant.live.admin, { scope: 'read' });
      assert.equal((await as(key)).status, 200);
      await revokeKeyById(db(), clock, id); // the database only, as another process would
      const ttl = t.runtime.config.authCacheTtlMs;
      assert.ok(ttl > 0);
      clock.advance(ttl);
      const refused = await as(key);
      assert.equal(refused.status, 401);
      assert.equal(refused.body.error.message, 'This API key has been revoked');
    });

    it('rotation issues a new key; the old one keeps working through the grace period, then answers 401', async () => {
      const old = await createKey(tenant.live.admin, { scope: 'read_write', name: 'deploy' });
      assert.equal((await as(old.key)).status, 200);

      clock.advance(60_000);
      const rotatedAt = clock.now();
      const rotated = await call(t.app, 'POST', `/api/v1/api-keys/${old.id}/rotate`, {
        key: tenant.live.admin,
        body: { gracePeriodSeconds: 3600 },
      });
      assert.equal(rotated.status, 201, rotated.raw);
      const fresh = rotated.body.data;
      assert.match(fresh.key, KEY_FORMAT.live);
      assert.notEqual(fresh.key, old.key);
      assert.notEqual(fresh.id, old.id);
      assert.deepEqual(rotated.body, {
        data: {
          id: fresh.id,
          name: 'deploy',
          scope: 'read_write',
          environment: 'live',
          prefix: fresh.key.slice(0, 12),
          last4: fresh.key.slice(-4),
          status: 'active',
          createdAt: iso(rotatedAt),
          expiresAt: null,
          revokedAt: null,
          lastUsedAt: null,
          rotatedAt: null,
          replacedBy: null,
          key: fresh.key,
        },
      });

      const graceEnd = rotatedAt + 3600 * 1000;
      const oldShown = await call(t.app, 'GET', `/api/v1/api-keys/${old.id}`, { key: tenant.live.admin });
      assert.equal(oldShown.status, 200);
      assert.equal(oldShown.body.data.status, 'expiring');
      assert.equal(oldShown.body.data.rotatedAt, iso(rotatedAt));
      assert.equal(oldShown.body.data.replacedBy, fresh.id);
      assert.equal(oldShown.body.data.expiresAt, iso(graceEnd));
      assert.equal(oldShown.body.data.revokedAt, null);

      assert.equal((await as(fresh.key)).status, 200);
      assert.equal((await as(old.key)).status, 200);
      clock.set(graceEnd - 1);
      assert.equal((await as(old.key)).status, 200, 'still in the grace period');

      // The cached row is re-checked against the clock: the grace period ends on time, not a TTL later.
      clock.set(graceEnd);
      const refused = await as(old.key);
      assertError(refused, 401, 'UNAUTHORIZED', undefined);
      assert.equal(refused.body.error.message, 'This API key has expired');
      assert.equal(refused.headers['www-authenticate'], 'Bearer realm="audenci", error="invalid_token"');
      assert.equal((await as(fresh.key)).status, 200);
      const expired = await call(t.app, 'GET', `/api/v1/api-keys/${old.id}`, { key: tenant.live.admin });
      assert.equal(expired.body.data.status, 'expired');
    });

    it('rotation with gracePeriodSeconds 0 ends the old key at once; the default grace is 24 hours', async () => {
      const a = await createKey(tenant.test.admin, { scope: 'read' });
      assert.equal((await as(a.key)).status, 200);
      const now = await call(t.app, 'POST', `/api/v1/api-keys/${a.id}/rotate`, {
        key: tenant.test.admin,
        body: { gracePeriodSeconds: 0 },
      });
      assert.equal(now.status, 201);
      assert.match(now.body.data.key, KEY_FORMAT.test);
      assert.equal((await as(a.key)).status, 401);
      assert.equal((await as(now.body.data.key)).status, 200);
      const shown = await call(t.app, 'GET', `/api/v1/api-keys/${a.id}`, { key: tenant.test.admin });
      assert.equal(shown.body.data.status, 'expired');
      assert.equal(shown.body.data.expiresAt, iso(clock.now()));

      const b = await createKey(tenant.live.admin, { scope: 'read' });
      const byDefault = await call(t.app, 'POST', `/api/api-keys/${b.id}/rotate`, { key: tenant.live.admin });
      assert.equal(byDefault.status, 201);
      const old = await call(t.app, 'GET', `/api/v1/api-keys/${b.id}`, { key: tenant.live.admin });
      assert.equal(old.body.data.expiresAt, iso(clock.now() + 24 * 3600 * 1000));
      assert.equal(old.body.data.status, 'expiring');
    });

    it('rotation keeps an earlier expiry of the old key and copies it to the new key', async () => {
      const expiresAt = clock.now() + 10 * 60 * 1000;
      const k = await createKey(tenant.live.admin, { scope: 'read', expiresAt: iso(expiresAt) });
      const rotated = await call(t.app, 'POST', `/api/v1/api-keys/${k.id}/rotate`, {
        key: tenant.live.admin,
        body: { gracePeriodSeconds: 3600 },
      });
      assert.equal(rotated.status, 201);
      assert.equal(rotated.body.data.expiresAt, iso(expiresAt));
      const old = await call(t.app, 'GET', `/api/v1/api-keys/${k.id}`, { key: tenant.live.admin });
      assert.equal(old.body.data.expiresAt, iso(expiresAt));
    });

    it('only an active key can be rotated: revoked or already rotated → 409; unknown → 404; bad grace → 400', async () => {
      const admin = tenant.live.admin;
      const revoked = await createKey(admin, { scope: 'read' });
      await call(t.app, 'DELETE', `/api/v1/api-keys/${revoked.id}`, { key: admin });
      const rotate = (id: string, body?: unknown) =>
        call(t.app, 'POST', `/api/v1/api-keys/${id}/rotate`, { key: admin, ...(body ? { body } : {}) });
      assertError(await rotate(revoked.id), 409, 'CONFLICT', { status: 'revoked' });
      assert.equal((await as(revoked.key)).status, 401, 'a refused rotation does not revive the key');

      const once = await createKey(admin, { scope: 'read' });
      assert.equal((await rotate(once.id, { gracePeriodSeconds: 60 })).status, 201);
      assertError(await rotate(once.id), 409, 'CONFLICT', { status: 'expiring' });

      assertError(await rotate('key_01M8FHSW4FSXDVQCQJRMA72QE2'), 404, 'NOT_FOUND', undefined);
      const active = await createKey(admin, { scope: 'read' });
      assertInvalid(
        await rotate(active.id, { gracePeriodSeconds: -1 }),
        'gracePeriodSeconds',
        'Must be at least 0',
      );
      assertInvalid(
        await rotate(active.id, { gracePeriodSeconds: 30 * 24 * 3600 + 1 }),
        'gracePeriodSeconds',
        'Must be at most 2592000',
      );
      const still = await call(t.app, 'GET', `/api/v1/api-keys/${active.id}`, { key: admin });
      assert.equal(still.body.data.status, 'active');
      assert.equal(still.body.data.replacedBy, null);
    });

    it('lastUsedAt shows at once from memory, reaches the database only when flushed, never per request', async () => {
      const k = await createKey(tenant.live.admin, { scope: 'read', name: 'usage' });
      const lastUsedInDb = async () =>
        (
          await db()
            .selectFrom('api_keys')
            .select('last_used_at')
            .where('id', '=', k.id)
            .executeTakeFirstOrThrow()
        ).last_used_at;
      const usedRows = async () =>
        Number(
          (
            await db()
              .selectFrom('api_keys')
              .select(db().fn.countAll().as('n'))
              .where('last_used_at', 'is not', null)
              .executeTakeFirstOrThrow()
          ).n,
        );
      const usedBefore = await usedRows();
      assert.equal(await lastUsedInDb(), null);

      let lastUse = 0;
      for (let i = 0; i < 5; i++) {
        clock.advance(1500);
        lastUse = clock.now();
        assert.equal((await as(k.key)).status, 200);
        assert.equal(await lastUsedInDb(), null, `no write after request ${i + 1}`);
      }
      assert.equal(await usedRows(), usedBefore, 'no key row was written while requests were served');

      clock.advance(1000);
      const shown = await call(t.app, 'GET', `/api/v1/api-keys/${k.id}`, { key: tenant.live.admin });
      assert.equal(shown.body.data.lastUsedAt, iso(lastUse));
      const list = await call(t.app, 'GET', '/api/v1/api-keys', {
        key: tenant.live.admin,
        query: { limit: 100 },
      });
      assert.equal(list.body.data.find((x: { id: string }) => x.id === k.id).lastUsedAt, iso(lastUse));
      assert.equal(await lastUsedInDb(), null);

      await t.runtime.keyUsage.flush();
      assert.equal(await lastUsedInDb(), lastUse);
      assert.ok((await usedRows()) > usedBefore);
      const afterFlush = await call(t.app, 'GET', `/api/v1/api-keys/${k.id}`, { key: tenant.live.admin });
      assert.equal(afterFlush.body.data.lastUsedAt, iso(lastUse));
    });

    it('totalCount follows creation and rotation at once, though the clock stands still (cached counts are dropped)', async () => {
      const mine = await createTenant(t);
      const total = async (query: Record<string, string> = {}) => {
        const res = await call(t.app, 'GET', '/api/v1/api-keys', { key: mine.live.admin, query });
        assert.equal(res.status, 200, res.raw);
        return res.body.pagination.totalCount as number;
      };
      // createTenant made one key of each scope per environment.
      assert.equal(await total(), 3);
      assert.equal(await total({ scope: 'read' }), 1);
      const made = await createKey(mine.live.admin, { scope: 'read' });
      assert.equal(await total(), 4);
      assert.equal(await total({ scope: 'read' }), 2);
      const rotated = await call(t.app, 'POST', `/api/v1/api-keys/${made.id}/rotate`, {
        key: mine.live.admin,
        body: {},
      });
      assert.equal(rotated.status, 201, rotated.raw);
      assert.equal(await total({ scope: 'read' }), 3);
      const revoked = await call(t.app, 'DELETE', `/api/v1/api-keys/${made.id}`, { key: mine.live.admin });
      assert.equal(revoked.status, 200, revoked.raw);
      // A revoked key stays listed (status `revoked`).
      assert.equal(await total(), 5);
    });

    it('the list shows only keys of the caller’s environment and filters by scope', async () => {
      const list = async (key: string, query: Record<string, string | number> = {}) => {
        const res = await call(t.app, 'GET', '/api/v1/api-keys', { key, query: { limit: 100, ...query } });
        assert.equal(res.status, 200, res.raw);
        return res.body as {
          data: { id: string; scope: string; environment: string }[];
          pagination: unknown;
        };
      };
      const rows = await db()
        .selectFrom('api_keys')
        .select(['id', 'environment', 'scope'])
        .where('organization_id', '=', tenant.org.id)
        .execute();
      for (const environment of ['live', 'test'] as const) {
        const expected = rows.filter((r) => r.environment === environment).map((r) => r.id);
        const all = await list(tenant[environment].admin);
        assert.deepEqual(all.data.map((k) => k.id).sort(), [...expected].sort());
        const reads = await list(tenant[environment].admin, { scope: 'read' });
        assert.ok(reads.data.length > 0);
        assert.deepEqual(
          reads.data.map((k) => k.id).sort(),
          rows
            .filter((r) => r.environment === environment && r.scope === 'read')
            .map((r) => r.id)
            .sort(),
        );
      }
    });
  });
}
