import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  type Answer,
  type Tenant,
  type TestApp,
} from './helpers/app.js';

const PREFIXES = ['/api/v1', '/api'];
const MISSING = { brand: 'brand_01M8FHSW4FSXDVQCQJRMA72QE2', key: 'key_01M8FHSW4FSXDVQCQJRMA72QE2' };

/** A 404 in the envelope, exactly as for an id that does not exist at all: existence does not leak. */
function assertNotFound(res: Answer, noSuch: Answer, id: string, what: string): void {
  assert.equal(res.status, 404, `${what}: ${res.status} ${res.raw}`);
  assert.deepEqual(Object.keys(res.body), ['error'], what);
  assert.equal(res.body.error.code, 'NOT_FOUND', what);
  assert.equal(res.body.error.details, undefined, what);
  assert.ok(res.body.error.message.includes(id), `${what}: message names the id`);
  assert.equal(noSuch.status, 404, `${what}: baseline`);
  assert.deepEqual(
    { ...res.body, error: { ...res.body.error, message: res.body.error.message.replace(id, '<id>') } },
    {
      ...noSuch.body,
      error: { ...noSuch.body.error, message: noSuch.body.error.message.replace(/\w+_01M8\w+/, '<id>') },
    },
    `${what}: same answer as for an id that does not exist`,
  );
}

for (const dialect of dialects) {
  describe(`tenant isolation (${dialect})`, () => {
    let t: TestApp;
    let a: Tenant;
    let b: Tenant;
    let aBrands: string[];
    let aKeys: string[];
    let aTestBrand: string;
    let bBrand: string;
    before(async () => {
      // No background write of last-used times between the before and after snapshots.
      t = await createTestApp(dialect, { env: { AUDENCI_KEY_USAGE_FLUSH_MS: '3600000' } });
      a = await createTenant(t, { name: 'Org A' });
      b = await createTenant(t, { name: 'Org B' });
      const brand = async (key: string, name: string) => {
        const res = await call(t.app, 'POST', '/api/v1/brands', {
          key,
          body: { name, voice: 'Secret voice' },
        });
        assert.equal(res.status, 201, res.raw);
        return res.body.data.id as string;
      };
      aBrands = [await brand(a.live.admin, 'A Coffee'), await brand(a.live.admin, 'A Tea')];
      aTestBrand = await brand(a.test.admin, 'A sandbox brand');
      bBrand = await brand(b.live.admin, 'B Juice');
      const keys = await t.runtime.ctx.db
        .selectFrom('api_keys')
        .select('id')
        .where('organization_id', '=', a.org.id)
        .where('environment', '=', 'live')
        .execute();
      aKeys = keys.map((k) => k.id);
      assert.equal(aKeys.length, 3);
    });
    after(() => t.close());

    /** Everything of A's live environment, as stored. */
    async function snapshotOfA() {
      const db = t.runtime.ctx.db;
      return {
        brands: await db
          .selectFrom('brands')
          .selectAll()
          .where('organization_id', '=', a.org.id)
          .where('environment', '=', 'live')
          .orderBy('id')
          .execute(),
        keys: await db
          .selectFrom('api_keys')
          .selectAll()
          .where('organization_id', '=', a.org.id)
          .where('environment', '=', 'live')
          .orderBy('id')
          .execute(),
      };
    }

    const intruders = () => [
      { who: 'organization B (live)', keys: b.live },
      { who: 'organization B (test)', keys: b.test },
      { who: "organization A's test environment", keys: a.test },
    ];

    it("another organization, or A's test environment, cannot read, list, change or delete A's live brands", async () => {
      const before = await snapshotOfA();
      assert.equal(before.brands.length, 2);
      for (const { who, keys } of intruders()) {
        for (const prefix of PREFIXES) {
          const noSuch = {
            get: await call(t.app, 'GET', `${prefix}/brands/${MISSING.brand}`, { key: keys.read }),
            put: await call(t.app, 'PUT', `${prefix}/brands/${MISSING.brand}`, {
              key: keys.admin,
              body: { name: 'Hijacked' },
            }),
            del: await call(t.app, 'DELETE', `${prefix}/brands/${MISSING.brand}`, { key: keys.admin }),
          };
          for (const id of aBrands) {
            const what = `${who} on ${prefix}/brands/${id}`;
            for (const key of [keys.read, keys.admin]) {
              assertNotFound(
                await call(t.app, 'GET', `${prefix}/brands/${id}`, { key }),
                noSuch.get,
                id,
                `GET ${what}`,
              );
            }
            assertNotFound(
              await call(t.app, 'PUT', `${prefix}/brands/${id}`, {
                key: keys.admin,
                body: { name: 'Hijacked' },
              }),
              noSuch.put,
              id,
              `PUT ${what}`,
            );
            assertNotFound(
              await call(t.app, 'DELETE', `${prefix}/brands/${id}`, { key: keys.admin }),
              noSuch.del,
              id,
              `DELETE ${what}`,
            );
          }

          const list = await call(t.app, 'GET', `${prefix}/brands`, {
            key: keys.read,
            query: { limit: 100 },
          });
          assert.equal(list.status, 200);
          const listed: string[] = list.body.data.map((x: { id: string }) => x.id);
          for (const id of aBrands) assert.ok(!listed.includes(id), `${who} lists A's brand ${id}`);
          assert.equal(list.body.pagination.totalCount, listed.length, `${who}: the count leaks nothing`);
          assert.ok(!list.raw.includes('A Coffee') && !list.raw.includes('A Tea'));
          const byName = await call(t.app, 'GET', `${prefix}/brands`, {
            key: keys.read,
            query: { name: 'A Coffee' },
          });
          assert.equal(byName.status, 200);
          assert.deepEqual(byName.body.data, []);
          assert.equal(byName.body.pagination.totalCount, 0);
        }
      }
      // What each one does see is its own, so the lists above were not empty by accident.
      const bList = await call(t.app, 'GET', '/api/v1/brands', { key: b.live.read });
      assert.deepEqual(
        bList.body.data.map((x: { id: string }) => x.id),
        [bBrand],
      );
      const aTestList = await call(t.app, 'GET', '/api/v1/brands', { key: a.test.read });
      assert.deepEqual(
        aTestList.body.data.map((x: { id: string }) => x.id),
        [aTestBrand],
      );
      // A's live environment cannot reach its own sandbox brand either.
      assert.equal(
        (await call(t.app, 'GET', `/api/v1/brands/${aTestBrand}`, { key: a.live.read })).status,
        404,
      );

      assert.deepEqual(await snapshotOfA(), before, "A's brands are unchanged");
      const aList = await call(t.app, 'GET', '/api/v1/brands', { key: a.live.read });
      assert.deepEqual(aList.body.data.map((x: { id: string }) => x.id).sort(), [...aBrands].sort());
      for (const brand of aList.body.data) assert.equal(brand.voice, 'Secret voice');
    });

    it("another organization, or A's test environment, cannot read, list, revoke or rotate A's live API keys", async () => {
      const before = await snapshotOfA();
      for (const { who, keys } of intruders()) {
        for (const prefix of PREFIXES) {
          const noSuch = {
            get: await call(t.app, 'GET', `${prefix}/api-keys/${MISSING.key}`, { key: keys.admin }),
            del: await call(t.app, 'DELETE', `${prefix}/api-keys/${MISSING.key}`, { key: keys.admin }),
            rotate: await call(t.app, 'POST', `${prefix}/api-keys/${MISSING.key}/rotate`, {
              key: keys.admin,
              body: { gracePeriodSeconds: 0 },
            }),
          };
          for (const id of aKeys) {
            const what = `${who} on ${prefix}/api-keys/${id}`;
            assertNotFound(
              await call(t.app, 'GET', `${prefix}/api-keys/${id}`, { key: keys.admin }),
              noSuch.get,
              id,
              `GET ${what}`,
            );
            assertNotFound(
              await call(t.app, 'DELETE', `${prefix}/api-keys/${id}`, { key: keys.admin }),
              noSuch.del,
              id,
              `DELETE ${what}`,
            );
            assertNotFound(
              await call(t.app, 'POST', `${prefix}/api-keys/${id}/rotate`, {
                key: keys.admin,
                body: { gracePeriodSeconds: 0 },
              }),
              noSuch.rotate,
              id,
              `POST ${what}/rotate`,
            );
          }
          const list = await call(t.app, 'GET', `${prefix}/api-keys`, {
            key: keys.admin,
            query: { limit: 100 },
          });
          assert.equal(list.status, 200);
          const listed: string[] = list.body.data.map((x: { id: string }) => x.id);
          assert.equal(listed.length, 3, `${who} sees its own three keys`);
          for (const id of aKeys) assert.ok(!listed.includes(id), `${who} lists A's key ${id}`);
          assert.equal(list.body.pagination.totalCount, 3);
        }
      }

      assert.deepEqual(await snapshotOfA(), before, "A's keys are unchanged: not revoked, not rotated");
      for (const scope of ['read', 'read_write', 'admin'] as const) {
        assert.equal((await call(t.app, 'GET', '/api/v1/brands', { key: a.live[scope] })).status, 200);
      }
      const aList = await call(t.app, 'GET', '/api/v1/api-keys', { key: a.live.admin });
      assert.deepEqual(
        aList.body.data.map((x: { id: string; status: string }) => [x.id, x.status]).sort(),
        aKeys.map((id) => [id, 'active']).sort(),
      );
    });

    it("another organization's key answers with its own organization", async () => {
      for (const [tenant, name] of [
        [a, 'Org A'],
        [b, 'Org B'],
      ] as const) {
        for (const env of ['live', 'test'] as const) {
          const res = await call(t.app, 'GET', '/api/v1/organization', { key: tenant[env].read });
          assert.equal(res.status, 200);
          assert.equal(res.body.data.id, tenant.org.id);
          assert.equal(res.body.data.name, name);
        }
      }
    });
  });
}
