import assert from 'node:assert/strict';
import type { FastifySchema } from 'fastify';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { createRuntime, type Runtime } from '../src/runtime.js';
import {
  assertContractKept,
  buildCheckedApp,
  call,
  createTenant,
  createTestApp,
  createTestDatabase,
  type Tenant,
  type TestApp,
  type TestDatabase,
} from './helpers/app.js';
import { documentPath, installContractCheck } from './helpers/contract.js';

describe('the response contract check every route test runs under', () => {
  it('maps route patterns, aliases included, to the paths of the document', () => {
    assert.equal(documentPath('/api/v1/posts/:id'), '/api/v1/posts/{id}');
    assert.equal(documentPath('/api/posts/:id/publish'), '/api/v1/posts/{id}/publish');
    assert.equal(
      documentPath('/api/v1/webhooks/:id/deliveries/:deliveryId'),
      '/api/v1/webhooks/{id}/deliveries/{deliveryId}',
    );
    assert.equal(documentPath('/healthz'), '/healthz');
  });

  describe('on the real app', () => {
    let t: TestApp;
    let tenant: Tenant;
    before(async () => {
      t = await createTestApp('sqlite');
      tenant = await createTenant(t);
    });
    after(() => t.close());

    it('is installed by the test helper and lets true answers through untouched', async () => {
      assert.deepEqual(t.contract.violations, []);
      const created = await call(t.app, 'POST', '/api/v1/brands', {
        key: tenant.live.admin,
        body: { name: 'Kept' },
      });
      assert.equal(created.status, 201);
      const missing = await call(t.app, 'GET', '/api/v1/brands/brand_nope', { key: tenant.live.admin });
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.code, 'NOT_FOUND');
      assert.deepEqual(t.contract.violations, []);
    });
  });

  describe('with a deliberately wrong document or route', () => {
    let database: TestDatabase;
    let runtime: Runtime;
    // One runtime (and metrics registry) per app.
    beforeEach(async () => {
      database = createTestDatabase('sqlite');
      runtime = await createRuntime(database.config, { sqliteFile: database.sqliteFile });
    });
    afterEach(async () => {
      await runtime.close();
      await database.drop();
    });

    it('a schema the real answer breaks turns the answer into a 500 naming the problem, and fails close()', async () => {
      const { buildApp } = await import('../src/app.js');
      const app = await buildApp(runtime);
      // The Brand schema now says a name is at most 2 characters long: the real answer breaks it.
      const contract = installContractCheck(app, {
        document: (doc) => {
          doc.components.schemas.Brand.properties.name.maxLength = 2;
          return doc;
        },
      });
      await app.ready();
      try {
        const tenant = await createTenant({ runtime, clock: runtime.ctx.clock });
        const res = await call(app, 'POST', '/api/v1/brands', {
          key: tenant.live.admin,
          body: { name: 'Too long' },
        });
        assert.equal(res.status, 500);
        assert.equal(res.body.error.code, 'RESPONSE_CONTRACT_VIOLATION');
        assert.match(
          res.body.error.message,
          /POST \/api\/v1\/brands 201 does not match its schema: \/data\/name/,
        );
        assert.equal(contract.violations.length, 1);
        assert.throws(() => assertContractKept(contract), /Responses broke the OpenAPI document/);
      } finally {
        await app.close();
      }
    });

    it('an undeclared status, an undeclared media type and an error outside the envelope are violations', async () => {
      const { app, contract } = await buildCheckedApp(runtime);
      const declared: FastifySchema = {
        tags: ['Operations'],
        summary: 'test route',
        response: {
          200: { type: 'object', properties: { ok: { type: 'boolean' } }, additionalProperties: false },
        },
      };
      app.get(
        '/contract/teapot',
        { config: { scope: 'public' }, schema: { ...declared, operationId: 'teapot' } },
        async (_r, reply) => reply.code(418).send({ error: { code: 'CONFLICT', message: 'I am a teapot' } }),
      );
      app.get(
        '/contract/text',
        { config: { scope: 'public' }, schema: { ...declared, operationId: 'text' } },
        async (_r, reply) => reply.type('text/plain').send('ok'),
      );
      app.get(
        '/contract/bare',
        { config: { scope: 'public' }, schema: { ...declared, operationId: 'bare' } },
        async (_r, reply) =>
          reply
            .code(400)
            .type('application/json')
            .send(JSON.stringify({ message: 'no envelope' })),
      );
      await app.ready();
      try {
        const teapot = await call(app, 'GET', '/contract/teapot');
        assert.equal(teapot.status, 500);
        assert.match(
          teapot.body.error.message,
          /GET \/contract\/teapot answered 418, which its operation does not declare/,
        );
        const text = await call(app, 'GET', '/contract/text');
        assert.equal(text.status, 500);
        assert.match(text.body.error.message, /answered text\/plain; declared: application\/json/);
        const bare = await call(app, 'GET', '/contract/bare');
        assert.equal(bare.status, 500);
        assert.match(bare.body.error.message, /the 400 answer is not the error envelope/);
        assert.equal(contract.violations.length, 3);
      } finally {
        await app.close();
      }
    });
  });
});
