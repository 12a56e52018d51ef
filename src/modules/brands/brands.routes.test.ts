import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  type Tenant,
  type TestApp,
} from '../../../test/helpers/app.js';
import { updateRuleTests } from '../../../test/helpers/update-rule.js';

/** The same instant as GET wrote it, spelled without milliseconds: not the exact string, so it differs. */
const respelled = (iso: string) => iso.replace(/\.\d{3}Z$/, 'Z');

for (const dialect of dialects) {
  describe(`brands routes (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    before(async () => {
      t = await createTestApp(dialect);
      tenant = await createTenant(t);
    });
    after(() => t.close());

    it('an admin key creates, reads, updates, lists and deletes a brand', async () => {
      const created = await call(t.app, 'POST', '/api/v1/brands', {
        key: tenant.live.admin,
        body: { name: 'Acme Coffee', timezone: 'Europe/Paris', voice: 'Warm', colors: ['#6F4E37'] },
      });
      assert.equal(created.status, 201);
      const brand = created.body.data;
      assert.match(brand.id, /^brand_[0-9A-Z]{26}$/);
      assert.deepEqual(
        { name: brand.name, timezone: brand.timezone, voice: brand.voice, colors: brand.colors },
        { name: 'Acme Coffee', timezone: 'Europe/Paris', voice: 'Warm', colors: ['#6F4E37'] },
      );
      assert.equal(created.headers.location, `http://audenci.test/api/v1/brands/${brand.id}`);

      const read = await call(t.app, 'GET', `/api/v1/brands/${brand.id}`, { key: tenant.live.read });
      assert.equal(read.status, 200);
      assert.deepEqual(read.body.data, brand);

      const updated = await call(t.app, 'PATCH', `/api/brands/${brand.id}`, {
        key: tenant.live.admin,
        body: { voice: null },
      });
      assert.equal(updated.status, 200);
      assert.equal(updated.body.data.voice, null);
      assert.equal(updated.body.data.name, 'Acme Coffee');

      const list = await call(t.app, 'GET', '/api/v1/brands', { key: tenant.live.read });
      assert.equal(list.status, 200);
      assert.deepEqual(list.body.pagination, {
        page: 1,
        limit: 20,
        totalCount: 1,
        hasMore: false,
        nextCursor: null,
      });
      assert.equal(list.body.data[0].id, brand.id);

      const deleted = await call(t.app, 'DELETE', `/api/v1/brands/${brand.id}`, { key: tenant.live.admin });
      assert.equal(deleted.status, 200);
      assert.deepEqual(deleted.body, { data: { id: brand.id, deleted: true } });
      assert.equal(
        (await call(t.app, 'GET', `/api/v1/brands/${brand.id}`, { key: tenant.live.read })).status,
        404,
      );
    });

    it('totalCount follows creates, renames and deletes at once (cached counts are dropped)', async () => {
      const mine = await createTenant(t);
      const total = async (query: Record<string, string> = {}) => {
        const res = await call(t.app, 'GET', '/api/v1/brands', { key: mine.live.read, query });
        assert.equal(res.status, 200, res.raw);
        return res.body.pagination.totalCount as number;
      };
      assert.equal(await total(), 0);
      assert.equal(await total({ name: 'Renamed' }), 0);
      const created = await call(t.app, 'POST', '/api/v1/brands', {
        key: mine.live.admin,
        body: { name: 'Counted' },
      });
      assert.equal(created.status, 201, created.raw);
      const id = created.body.data.id as string;
      assert.equal(await total(), 1);
      const renamed = await call(t.app, 'PUT', `/api/v1/brands/${id}`, {
        key: mine.live.admin,
        body: { name: 'Renamed' },
      });
      assert.equal(renamed.status, 200, renamed.raw);
      assert.equal(await total({ name: 'Renamed' }), 1);
      assert.equal(
        (await call(t.app, 'DELETE', `/api/v1/brands/${id}`, { key: mine.live.admin })).status,
        200,
      );
      assert.equal(await total(), 0);
      assert.equal(await total({ name: 'Renamed' }), 0);
    });

    describe('the update rule: PATCH merges, PUT replaces, GET → edit → PUT works', () => {
      updateRuleTests(
        () => t,
        () => tenant,
        {
          collection: '/api/v1/brands',
          scope: 'admin',
          async create(owner) {
            const res = await call(t.app, 'POST', '/api/v1/brands', {
              key: owner.live.admin,
              body: { name: 'Acme Coffee', timezone: 'Europe/Paris', voice: 'Warm', colors: ['#6F4E37'] },
            });
            assert.equal(res.status, 201, res.raw);
            const read = await call(t.app, 'GET', `/api/v1/brands/${res.body.data.id}`, {
              key: owner.live.read,
            });
            return read.body.data;
          },
          createBody: async () => ({ name: 'Another' }),
          patch: { voice: 'Calm', colors: ['#000000', '#FFFFFF'] },
          required: ['name'],
          resets: { timezone: 'UTC', voice: null, colors: [] },
          edit: { name: 'Acme Roasters' },
          changedReadOnly: (read) => ({
            id: 'brand_01M8FHSW4FSXDVQCQJRMA72QE2',
            createdAt: '2020-01-01T00:00:00.000Z',
            updatedAt: respelled(read.updatedAt),
          }),
          hiddenReadOnly: { organizationId: 'org_01M8FHSW4FSXDVQCQJRMA72QE2', environment: 'test' },
        },
      );

      it('PUT checks a blank name and an unknown time zone, both in one answer', async () => {
        const created = await call(t.app, 'POST', '/api/v1/brands', {
          key: tenant.live.admin,
          body: { name: 'Checked' },
        });
        const brand = created.body.data;
        const res = await call(t.app, 'PUT', `/api/v1/brands/${brand.id}`, {
          key: tenant.live.admin,
          body: { ...brand, name: ' ', timezone: 'Mars/Olympus' },
        });
        assert.equal(res.status, 400, res.raw);
        assert.deepEqual(res.body, {
          error: {
            code: 'INVALID_INPUT',
            message: 'name: must not be blank',
            details: {
              field: 'name',
              reason: 'Must not be blank',
              errors: [
                { field: 'name', reason: 'Must not be blank' },
                { field: 'timezone', reason: 'Must be an IANA time zone, e.g. Europe/Paris' },
              ],
              location: 'body',
            },
          },
        });
      });
    });

    it('a brand with an unknown time zone is refused naming the field', async () => {
      const res = await call(t.app, 'POST', '/api/v1/brands', {
        key: tenant.live.admin,
        body: { name: 'X', timezone: 'Mars/Olympus' },
      });
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, 'INVALID_INPUT');
      assert.equal(res.body.error.details.field, 'timezone');
    });
  });
}
