import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import {
  call,
  createTenant,
  createTestApp,
  createTestDatabase,
  dialects,
  ManualClock,
  redisUrl,
  startApp,
  type Answer,
  type TestApp,
} from '../../test/helpers/app.js';
import { MemoryRateLimitStore, RateLimiter, shareOf } from './rate-limit.js';

const HOUR = 3_600_000;
const NO_REDIS = 'TEST_REDIS_URL is not set: the shared (Redis) rate limit is not tested';

/** Epoch seconds at which the hour window holding `now` ends. */
const windowEndSeconds = (now: number) => ((Math.floor(now / HOUR) + 1) * HOUR) / 1000;

function assertCounted(res: Answer, limit: number, remaining: number, reset: number, what: string): void {
  assert.equal(res.status, 200, `${what}: ${res.raw}`);
  assert.equal(res.headers['x-ratelimit-limit'], String(limit), `${what}: limit`);
  assert.equal(res.headers['x-ratelimit-remaining'], String(remaining), `${what}: remaining`);
  assert.equal(res.headers['x-ratelimit-reset'], String(reset), `${what}: reset`);
  assert.equal(res.headers['retry-after'], undefined, `${what}: no Retry-After while allowed`);
}

function assertRateLimited(res: Answer, limit: number, reset: number, now: number, what: string): void {
  const retryAfter = reset - Math.floor(now / 1000);
  assert.ok(Number.isInteger(retryAfter) && retryAfter > 0);
  assert.equal(res.status, 429, `${what}: ${res.raw}`);
  assert.equal(res.headers['retry-after'], String(retryAfter), `${what}: Retry-After`);
  assert.equal(res.headers['x-ratelimit-limit'], String(limit), `${what}: limit`);
  assert.equal(res.headers['x-ratelimit-remaining'], '0', `${what}: remaining`);
  assert.equal(res.headers['x-ratelimit-reset'], String(reset), `${what}: reset`);
  assert.match(String(res.headers['x-request-id']), /\S/);
  assert.deepEqual(res.body, {
    error: {
      code: 'RATE_LIMITED',
      message: `Rate limit of ${limit} requests per window exceeded; retry after ${retryAfter} s`,
      details: { limit, resetAt: new Date(reset * 1000).toISOString() },
    },
  });
}

describe('RateLimiter with the in-process store', () => {
  it('the memory store counts each key separately within a window and starts again in the next', async () => {
    const store = new MemoryRateLimitStore();
    const hits = [];
    for (const key of ['org1:live', 'org1:live', 'org1:test', 'org2:live', 'org1:live']) {
      hits.push(await store.hit(key, 0));
    }
    assert.deepEqual(
      hits,
      [1, 2, 1, 1, 3].map((count) => ({ count, processes: 1 })),
    );
    assert.deepEqual(await store.hit('org1:live', HOUR), { count: 1, processes: 1 });
    assert.deepEqual(await store.hit('org1:live', HOUR), { count: 2, processes: 1 });
    assert.deepEqual(await store.hit('org1:test', HOUR), { count: 1, processes: 1 });
    await store.close();
  });

  it('windows are aligned to the epoch; limit, remaining, reset and allowed follow the count', async () => {
    const limiter = new RateLimiter(new MemoryRateLimitStore(), HOUR);
    const now = 500 * HOUR + 1_234_567;
    const resetAt = 501 * HOUR;
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await limiter.check('org:live', 3, now + i));
    assert.deepEqual(results, [
      { limit: 3, remaining: 2, resetAt, allowed: true },
      { limit: 3, remaining: 1, resetAt, allowed: true },
      { limit: 3, remaining: 0, resetAt, allowed: true },
      { limit: 3, remaining: 0, resetAt, allowed: false },
    ]);
    assert.deepEqual(await limiter.check('org:live', 3, resetAt - 1), {
      limit: 3,
      remaining: 0,
      resetAt,
      allowed: false,
    });
    assert.deepEqual(await limiter.check('org:live', 3, resetAt), {
      limit: 3,
      remaining: 2,
      resetAt: resetAt + HOUR,
      allowed: true,
    });

    const minute = new RateLimiter(new MemoryRateLimitStore(), 60_000);
    assert.deepEqual(await minute.check('k', 10, 90_000), {
      limit: 10,
      remaining: 9,
      resetAt: 120_000,
      allowed: true,
    });
  });

  it('a share of N processes is the limit divided by N, rounded up (never 0)', () => {
    assert.deepEqual(
      [shareOf(100, 1), shareOf(100, 2), shareOf(100, 3), shareOf(50, 4), shareOf(1, 3), shareOf(10_000, 7)],
      [100, 50, 34, 13, 1, 1429],
    );
  });
});

for (const dialect of dialects) {
  describe(`rate limits per organization and environment (${dialect})`, () => {
    let t: TestApp;
    let clock: ManualClock;
    before(async () => {
      // A fixed instant mid-window, so the window never turns over by accident during a test.
      clock = new ManualClock(Date.parse('2030-05-05T12:34:56.789Z'));
      t = await createTestApp(dialect, { clock });
    });
    after(() => t.close());

    it('a starter organization gets 100 requests an hour, counted down in the headers, then 429', async () => {
      const tenant = await createTenant(t, { plan: 'starter' });
      const now = clock.now();
      const reset = windowEndSeconds(now);
      assert.ok(reset > now / 1000 && reset - now / 1000 <= 3600);

      // Refused credentials are not counted against the organization.
      assert.equal((await call(t.app, 'GET', '/api/v1/organization')).status, 401);
      assert.equal(
        (await call(t.app, 'GET', '/api/v1/organization', { key: `${tenant.live.read}x` })).status,
        401,
      );

      const keys = [tenant.live.read, tenant.live.read_write, tenant.live.admin];
      for (let i = 0; i < 100; i++) {
        const res = await call(t.app, 'GET', i % 2 ? '/api/organization' : '/api/v1/organization', {
          key: keys[i % 3],
        });
        assertCounted(res, 100, 99 - i, reset, `request ${i + 1}`);
        assert.ok(Number.isInteger(Number(res.headers['x-ratelimit-reset'])));
      }
      const over = await call(t.app, 'GET', '/api/v1/organization', { key: tenant.live.read });
      assertRateLimited(over, 100, reset, now, 'request 101');

      // Any key of the organization, any route, before the body is even read.
      assertRateLimited(
        await call(t.app, 'POST', '/api/v1/brands', { key: tenant.live.admin, body: { name: 'Late' } }),
        100,
        reset,
        now,
        'a POST over the limit',
      );
      const brands = await t.runtime.ctx.db
        .selectFrom('brands')
        .select('id')
        .where('organization_id', '=', tenant.org.id)
        .execute();
      assert.deepEqual(brands, [], 'the refused POST did nothing');
      clock.advance(10_000);
      assertRateLimited(
        await call(t.app, 'GET', '/api/v1/brands', { key: tenant.live.admin }),
        100,
        reset,
        clock.now(),
        'ten seconds later',
      );
    });

    it('the live and test environments, and other organizations, are counted separately', async () => {
      const tenant = await createTenant(t, { plan: 'starter' });
      const other = await createTenant(t, { plan: 'starter' });
      const reset = windowEndSeconds(clock.now());
      for (let i = 0; i < 100; i++) {
        assert.equal(
          (await call(t.app, 'GET', '/api/v1/organization', { key: tenant.live.read })).status,
          200,
        );
      }
      assert.equal((await call(t.app, 'GET', '/api/v1/organization', { key: tenant.live.read })).status, 429);
      assertCounted(
        await call(t.app, 'GET', '/api/v1/organization', { key: tenant.test.read }),
        100,
        99,
        reset,
        'test environment of the same organization',
      );
      assertCounted(
        await call(t.app, 'GET', '/api/v1/organization', { key: other.live.read }),
        100,
        99,
        reset,
        'another organization',
      );
    });

    it("an organization's rate-limit override replaces its plan's limit", async () => {
      const tenant = await createTenant(t, { plan: 'starter', rateLimit: 5 });
      const now = clock.now();
      const reset = windowEndSeconds(now);
      const org = await call(t.app, 'GET', '/api/v1/organization', { key: tenant.live.read });
      assertCounted(org, 5, 4, reset, 'request 1');
      assert.deepEqual(org.body.data.rateLimit, { limit: 5, window: 'hour', override: true });
      for (let i = 1; i < 5; i++) {
        assertCounted(
          await call(t.app, 'GET', '/api/v1/brands', { key: tenant.live.read }),
          5,
          4 - i,
          reset,
          `request ${i + 1}`,
        );
      }
      assertRateLimited(
        await call(t.app, 'GET', '/api/v1/brands', { key: tenant.live.read }),
        5,
        reset,
        now,
        'request 6',
      );
      const growth = await createTenant(t, { plan: 'growth' });
      assertCounted(
        await call(t.app, 'GET', '/api/v1/brands', { key: growth.live.read }),
        500,
        499,
        reset,
        'a growth organization',
      );
    });

    it('requests go through again from the instant the window resets', async () => {
      const tenant = await createTenant(t, { plan: 'starter', rateLimit: 2 });
      const reset = windowEndSeconds(clock.now());
      for (let i = 0; i < 2; i++) {
        assert.equal((await call(t.app, 'GET', '/api/v1/brands', { key: tenant.live.read })).status, 200);
      }
      clock.set(reset * 1000 - 1);
      const last = await call(t.app, 'GET', '/api/v1/brands', { key: tenant.live.read });
      assertRateLimited(last, 2, reset, clock.now(), 'the last millisecond of the window');
      assert.equal(last.headers['retry-after'], '1');

      clock.set(reset * 1000);
      assertCounted(
        await call(t.app, 'GET', '/api/v1/brands', { key: tenant.live.read }),
        2,
        1,
        reset + 3600,
        'first request of the next window',
      );
    });
  });

  describe(`rate limits shared through Redis by several API processes (${dialect})`, () => {
    it(
      'two app instances on one database share one count: the 101st request across them is refused',
      { skip: redisUrl ? false : NO_REDIS },
      async () => {
        const clock = new ManualClock(Date.now());
        const database = createTestDatabase(dialect, { redis: true });
        assert.equal(database.config.redisUrl, redisUrl);
        const one = await startApp(database, { clock, redis: true });
        const two = await startApp(database, { clock, redis: true });
        const redis = new Redis(redisUrl!);
        try {
          const tenant = await createTenant(one, { plan: 'starter' });
          const now = clock.now();
          const reset = windowEndSeconds(now);
          const apps = [one.app, two.app];
          for (let i = 0; i < 100; i++) {
            assertCounted(
              await call(apps[i % 2]!, 'GET', '/api/v1/organization', { key: tenant.live.read }),
              100,
              99 - i,
              reset,
              `request ${i + 1} on instance ${(i % 2) + 1}`,
            );
          }
          assertRateLimited(
            await call(two.app, 'GET', '/api/v1/organization', { key: tenant.live.read }),
            100,
            reset,
            now,
            'request 101 on instance 2',
          );
          assertRateLimited(
            await call(one.app, 'GET', '/api/v1/organization', { key: tenant.live.read }),
            100,
            reset,
            now,
            'request 102 on instance 1',
          );

          // The count lives in Redis, under the test's prefix, and expires with its window.
          const windowStart = (reset - 3600) * 1000;
          const counter = `${database.redisPrefix}${tenant.org.id}:live:${windowStart}`;
          assert.equal(await redis.get(counter), '102');
          assert.ok((await redis.pttl(counter)) > 0);
          for (const instance of [one, two]) {
            const ready = await call(instance.app, 'GET', '/readyz');
            assert.equal(ready.status, 200);
            assert.equal(ready.body.status, 'ready');
            assert.equal(ready.body.checks.redis, 'ok');
          }
        } finally {
          await one.close();
          await two.close();
          const keys = await redis.keys(`${database.redisPrefix}*`);
          if (keys.length) await redis.del(...keys);
          redis.disconnect();
          await database.drop();
        }
      },
    );
  });
}

for (const dialect of dialects) {
  describe(`public routes are limited per client address; probes never (${dialect})`, () => {
    let t: TestApp;
    const clock = new ManualClock(Date.parse('2030-05-05T12:34:56.789Z'));
    const windowEnd = Date.parse('2030-05-05T13:00:00.000Z');
    before(async () => {
      t = await createTestApp(dialect, { clock, env: { AUDENCI_PUBLIC_RATE_LIMIT: '3' } });
    });
    after(() => t.close());

    const from = (remoteAddress: string, url: string) => t.app.inject({ method: 'GET', url, remoteAddress });

    it('counts the documents and the changelog per address, with the headers, then 429', async () => {
      const answers = [];
      for (const url of ['/openapi.json', '/postman.json', '/changelog', '/openapi.json']) {
        answers.push(await from('203.0.113.7', url));
      }
      assert.deepEqual(
        answers.map((a) => [a.statusCode, a.headers['x-ratelimit-remaining']]),
        [
          [200, '2'],
          [200, '1'],
          [200, '0'],
          [429, '0'],
        ],
      );
      for (const a of answers) {
        assert.equal(a.headers['x-ratelimit-limit'], '3');
        assert.equal(a.headers['x-ratelimit-reset'], String(windowEnd / 1000));
      }
      const refused = answers[3]!;
      assert.equal(refused.headers['retry-after'], String(Math.ceil((windowEnd - clock.now()) / 1000)));
      assert.deepEqual(JSON.parse(refused.body), {
        error: {
          code: 'RATE_LIMITED',
          message: `Rate limit of 3 requests per window exceeded; retry after ${refused.headers['retry-after']} s`,
          details: { reason: 'public_requests', limit: 3, resetAt: new Date(windowEnd).toISOString() },
        },
      });
      // Another address has its own count.
      const other = await from('203.0.113.8', '/openapi.json');
      assert.equal(other.statusCode, 200);
      assert.equal(other.headers['x-ratelimit-remaining'], '2');
    });

    it('never limits liveness, readiness or metrics, whatever the address asked before', async () => {
      for (let i = 0; i < 10; i++) {
        for (const url of ['/healthz', '/readyz', '/metrics']) {
          const res = await from('203.0.113.7', url);
          assert.equal(res.statusCode, 200, `${url} #${i}`);
          assert.equal(res.headers['x-ratelimit-limit'], undefined);
        }
      }
    });

    it('the OAuth callback is public and limited too', async () => {
      const res = await from('203.0.113.7', '/api/v1/social-accounts/callback?state=x&code=y');
      assert.equal(res.statusCode, 429);
      const fresh = await from('203.0.113.9', '/api/v1/social-accounts/callback?state=x&code=y');
      assert.notEqual(fresh.statusCode, 429);
      assert.equal(fresh.headers['x-ratelimit-remaining'], '2');
    });

    it('the window end lets the address in again', async () => {
      clock.set(windowEnd);
      const res = await from('203.0.113.7', '/changelog');
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['x-ratelimit-remaining'], '2');
    });
  });
}
