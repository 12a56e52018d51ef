/* eslint-disable @typescript-eslint/no-explicit-any -- the OpenAPI document is JSON of any shape */
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

const SPELLINGS = ['read', 'read_write', 'admin', 'read-only', 'read_only', 'read-write'];

for (const dialect of dialects) {
  describe(`scope aliases (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    before(async () => {
      t = await createTestApp(dialect);
      tenant = await createTenant(t);
    });
    after(() => t.close());

    const create = (scope: string) =>
      call(t.app, 'POST', '/api/v1/api-keys', { key: tenant.test.admin, body: { scope, name: scope } });

    it("POST /api-keys takes the seed's read-only and read-write, and read_only, answering the canonical name", async () => {
      for (const [spelling, canonical] of [
        ['read-write', 'read_write'],
        ['read-only', 'read'],
        ['read_only', 'read'],
        ['read_write', 'read_write'],
        ['admin', 'admin'],
      ] as const) {
        const res = await create(spelling);
        assert.equal(res.status, 201, `${spelling}: ${res.raw}`);
        assert.equal(res.body.data.scope, canonical, spelling);
        assert.equal(res.body.data.name, spelling);
        const stored = await t.runtime.ctx.db
          .selectFrom('api_keys')
          .select('scope')
          .where('id', '=', res.body.data.id)
          .executeTakeFirstOrThrow();
        assert.equal(stored.scope, canonical, `${spelling} is stored as ${canonical}`);
        const shown = await call(t.app, 'GET', `/api/v1/api-keys/${res.body.data.id}`, {
          key: tenant.test.admin,
        });
        assert.equal(shown.body.data.scope, canonical);
      }
    });

    it('a read-write key acts as read_write: it may write content, not settings', async () => {
      const { key } = (await create('read-write')).body.data;
      const brand = await call(t.app, 'POST', '/api/v1/brands', {
        key: tenant.test.admin,
        body: { name: 'B' },
      });
      assert.equal(brand.status, 201);
      const post = await call(t.app, 'POST', '/api/v1/posts', {
        key,
        body: { brandId: brand.body.data.id, platform: 'twitter', caption: 'Hello' },
      });
      assert.equal(post.status, 201, post.raw);
      const settings = await call(t.app, 'POST', '/api/v1/brands', { key, body: { name: 'C' } });
      assert.equal(settings.status, 403);
      assert.deepEqual(settings.body.error.details, { requiredScope: 'admin', grantedScope: 'read_write' });

      const { key: readOnly } = (await create('read-only')).body.data;
      const refused = await call(t.app, 'POST', '/api/v1/posts', {
        key: readOnly,
        body: { brandId: brand.body.data.id, platform: 'twitter', caption: 'Hello' },
      });
      assert.equal(refused.status, 403);
      assert.deepEqual(refused.body.error.details, { requiredScope: 'read_write', grantedScope: 'read' });
    });

    it('other spellings are refused, naming the field and every accepted spelling', async () => {
      for (const scope of ['readonly', 'READ-ONLY', 'read write', 'write', 'read-admin', '']) {
        const res = await create(scope);
        assert.equal(res.status, 400, `${scope}: ${res.raw}`);
        assert.equal(res.body.error.code, 'INVALID_INPUT');
        assert.equal(res.body.error.details.field, 'scope', scope);
        assert.equal(res.body.error.details.reason, `Must be one of: ${SPELLINGS.join(', ')}`, scope);
      }
    });

    it('GET /api-keys?scope= takes the aliases too', async () => {
      const byAlias = await call(t.app, 'GET', '/api/v1/api-keys', {
        key: tenant.test.admin,
        query: { scope: 'read-write', limit: 100 },
      });
      const byName = await call(t.app, 'GET', '/api/v1/api-keys', {
        key: tenant.test.admin,
        query: { scope: 'read_write', limit: 100 },
      });
      assert.equal(byAlias.status, 200, byAlias.raw);
      assert.ok(byAlias.body.data.length >= 3);
      assert.ok(byAlias.body.data.every((k: any) => k.scope === 'read_write'));
      assert.deepEqual(
        byAlias.body.data.map((k: any) => k.id),
        byName.body.data.map((k: any) => k.id),
      );
      const bad = await call(t.app, 'GET', '/api/v1/api-keys', {
        key: tenant.test.admin,
        query: { scope: 'rw' },
      });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.details.field, 'scope');
    });

    it('the OpenAPI document lists the aliases as input and only canonical names as output', async () => {
      const doc = (await call(t.app, 'GET', '/openapi.json')).body;
      const resolve = (schema: any): any =>
        schema?.$ref ? resolve(doc.components.schemas[schema.$ref.split('/').pop()]) : schema;
      const createBody = resolve(
        doc.paths['/api/v1/api-keys'].post.requestBody.content['application/json'].schema,
      );
      const input = createBody.properties.scope;
      assert.deepEqual(input.enum, SPELLINGS);
      assert.match(input.description, /canonical names are `read`, `read_write` and `admin`/);
      assert.match(
        input.description,
        /`read-only` and `read_only` are accepted for `read`, `read-write` for `read_write`/,
      );
      const filter = doc.paths['/api/v1/api-keys'].get.parameters.find((p: any) => p.name === 'scope');
      assert.deepEqual(resolve(filter.schema).enum, SPELLINGS);
      assert.deepEqual(resolve(doc.components.schemas.ApiKey).properties.scope.enum, [
        'read',
        'read_write',
        'admin',
      ]);
    });
  });
}
