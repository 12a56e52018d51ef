import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  call,
  createTenant,
  createTestDatabase,
  dialects,
  type Tenant,
  type TestApp,
} from '../../../test/helpers/app.js';
import { buildApp } from '../../app.js';
import { PLATFORMS, PLATFORM_RULES } from '../../platforms/rules.js';
import { createRuntime } from '../../runtime.js';
import { systemClock } from '../../shared/clock.js';
import { PlatformRulesSchema, platformsRoutes } from './index.js';

/**
 * The real app, plus the platforms routes and schema if `buildApp` does not register them yet, so this
 * test passes both before and after they are wired into `src/app.ts`.
 */
async function startApp(dialect: (typeof dialects)[number]): Promise<TestApp> {
  const database = createTestDatabase(dialect);
  const runtime = await createRuntime(database.config, {
    schema: database.schema,
    sqliteFile: database.sqliteFile,
    redisPrefix: database.redisPrefix,
  });
  const app = await buildApp(runtime);
  if (!app.getSchema('PlatformRules')) app.addSchema(PlatformRulesSchema);
  if (!app.hasRoute({ method: 'GET', url: '/api/v1/platforms' })) {
    await app.register(platformsRoutes, {
      prefix: '/api/v1',
      ctx: runtime.ctx,
      authenticator: runtime.authenticator,
      keyUsage: runtime.keyUsage,
      publicUrl: runtime.config.publicUrl,
    });
  }
  await app.ready();
  return {
    app,
    runtime,
    database,
    clock: systemClock,
    async close() {
      await app.close();
      await runtime.close();
      await database.drop();
    },
  };
}

/** The rules as they travel: JSON. */
const json = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

for (const dialect of dialects) {
  describe(`platforms routes (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    before(async () => {
      t = await startApp(dialect);
      tenant = await createTenant(t);
    });
    after(() => t.close());

    it('a read key lists every platform with its rules, unpaginated', async () => {
      const res = await call(t.app, 'GET', '/api/v1/platforms', { key: tenant.live.read });
      assert.equal(res.status, 200);
      assert.deepEqual(Object.keys(res.body), ['data']);
      assert.deepEqual(
        res.body.data.map((p: { platform: string }) => p.platform),
        [...PLATFORMS],
      );
      assert.deepEqual(res.body.data, json(PLATFORMS.map((p) => PLATFORM_RULES[p])));
      assert.match(String(res.headers.etag), /^"[\w-]+"$/);
      assert.equal(res.headers['cache-control'], 'private, no-cache');
      assert.ok(res.headers['x-ratelimit-limit']);
    });

    it('a read key retrieves one platform, every field intact', async () => {
      const res = await call(t.app, 'GET', '/api/v1/platforms/twitter', { key: tenant.test.read });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { data: json(PLATFORM_RULES.twitter) });
      assert.equal(res.body.data.text.maxLength, 280);
      assert.equal(res.body.data.text.counting, 'twitter-weighted');
      assert.equal(res.body.data.hashtags.max, null);
    });

    it('answers 304 to a current If-None-Match', async () => {
      const first = await call(t.app, 'GET', '/api/v1/platforms/instagram', { key: tenant.live.read });
      const again = await call(t.app, 'GET', '/api/v1/platforms/instagram', {
        key: tenant.live.read,
        headers: { 'if-none-match': String(first.headers.etag) },
      });
      assert.equal(again.status, 304);
      assert.equal(again.raw, '');
    });

    it('an unknown platform is 404 NOT_FOUND in the error envelope', async () => {
      const res = await call(t.app, 'GET', '/api/v1/platforms/myspace', { key: tenant.live.read });
      assert.equal(res.status, 404);
      assert.deepEqual(res.body, {
        error: {
          code: 'NOT_FOUND',
          message: "No platform 'myspace'; the platforms are instagram, facebook, twitter, linkedin",
        },
      });
      assert.ok(res.headers['x-request-id']);
    });

    it('without a key the rules are 401', async () => {
      for (const url of ['/api/v1/platforms', '/api/v1/platforms/instagram']) {
        const res = await call(t.app, 'GET', url);
        assert.equal(res.status, 401);
        assert.equal(res.body.error.code, 'UNAUTHORIZED');
        assert.match(String(res.headers['www-authenticate']), /^Bearer/);
      }
    });
  });
}
