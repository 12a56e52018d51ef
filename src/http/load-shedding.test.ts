import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { call, createTenant, createTestApp, type Tenant, type TestApp } from '../../test/helpers/app.js';
import { isDatabaseUnavailable } from '../db/errors.js';
import { toAppError } from './errors.js';

/**
 * Over a limit (here a heap limit every process exceeds, so the state is certain) and once armed after
 * start-up, requests are refused
 * at once with 503 SERVICE_UNAVAILABLE, `Retry-After` and the error envelope, before any handler ran;
 * health, readiness and metrics still answer.
 */
describe('load shedding', () => {
  let t: TestApp;
  let tenant: Tenant;

  before(async () => {
    t = await createTestApp('sqlite', {
      env: { AUDENCI_MAX_HEAP_MB: '1', AUDENCI_OVERLOAD_RETRY_AFTER: '7' },
    });
    tenant = await createTenant(t);
  });
  after(() => t.close());

  it('serves the first requests after start-up (whose blocking is not load)', async () => {
    const first = await call(t.app, 'GET', '/api/v1/brands', { key: tenant.live.read });
    assert.equal(first.status, 200, first.raw);
  });

  it('answers 503 with Retry-After while over the limit, and keeps probes answering', async () => {
    await sleep(2_300); // armed two samples after start
    const refused = await call(t.app, 'POST', '/api/v1/brands', {
      key: tenant.live.admin,
      body: { name: 'Not now' },
    });
    assert.equal(refused.status, 503, refused.raw);
    assert.equal(refused.body.error.code, 'SERVICE_UNAVAILABLE');
    assert.equal(refused.headers['retry-after'], '7');
    assert.ok(refused.headers['x-request-id']);
    const brands = await t.runtime.ctx.db.selectFrom('brands').select('id').execute();
    assert.equal(brands.length, 0, 'nothing was done');
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      const probe = await call(t.app, 'GET', path);
      assert.equal(probe.status, 200, `${path}: ${probe.raw}`);
    }
  });
});

describe('database unavailability', () => {
  it('is a 503 with Retry-After, never a 500', () => {
    const cases: Error[] = [
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      Object.assign(new Error('sorry, too many clients already'), { code: '53300' }),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      new Error('timeout exceeded when trying to connect'),
      new Error('Connection terminated unexpectedly'),
      Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }),
    ];
    for (const error of cases) {
      assert.ok(isDatabaseUnavailable(error), error.message);
      const mapped = toAppError(error);
      assert.equal(mapped.status, 503, error.message);
      assert.equal(mapped.code, 'SERVICE_UNAVAILABLE');
      assert.equal(mapped.headers['Retry-After'], '1');
      assert.ok(!mapped.message.includes('5432'), 'no internals in the message');
    }
    const unique = Object.assign(new Error('duplicate key value'), { code: '23505' });
    assert.equal(isDatabaseUnavailable(unique), false);
    assert.equal(toAppError(unique).status, 500);
  });
});
