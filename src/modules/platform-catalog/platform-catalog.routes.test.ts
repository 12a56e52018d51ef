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
import { PLATFORMS } from '../../platforms/platforms.js';
import { PLATFORM_RULES } from '../../platforms/rules.js';

/** The rules as they travel: JSON. */
const json = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

for (const dialect of dialects) {
  describe(`platforms routes (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    before(async () => {
      t = await createTestApp(dialect);
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
