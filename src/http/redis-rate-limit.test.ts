import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  ManualClock,
  type Answer,
  type TestApp,
} from '../../test/helpers/app.js';
import { skipOwnRedis, startOwnRedis, type OwnRedis } from '../../test/helpers/redis-server.js';
import { FallbackRateLimitStore, RateLimiter } from './rate-limit.js';
import { RedisRateLimitStore, type RedisRateLimitOptions } from './redis-rate-limit.js';

/**
 * Every wait on Redis is bounded, and while Redis does not answer (refused, frozen with SIGSTOP) each
 * API process counts on its own against its share of the limit; when it answers again the shared count
 * is used again. The frozen Redis is one the test starts itself.
 */

const HOUR = 3_600_000;
const COMMAND_TIMEOUT_MS = 300;
/** What a request may take beyond the command timeout on a loaded machine. */
const SLACK_MS = 400;

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await fn();
  return [result, performance.now() - started];
}

function store(url: string, options: Partial<RedisRateLimitOptions> = {}) {
  const states: boolean[] = [];
  const errors: unknown[] = [];
  const made = new RedisRateLimitStore({
    url,
    prefix: `audenci-test:rl:${process.pid}:${Date.now()}:`,
    commandTimeoutMs: COMMAND_TIMEOUT_MS,
    connectTimeoutMs: 1000,
    onStateChange: (available, error) => {
      states.push(available);
      if (error !== undefined) errors.push(error);
    },
    ...options,
  });
  return { store: made, states, errors };
}

describe('RedisRateLimitStore and the local fallback', () => {
  it('a refused Redis: every hit is counted in the process at once, against its share of AUDENCI_API_PROCESSES', async () => {
    const { store: redis, states, errors } = store('redis://127.0.0.1:1', { apiProcesses: 3 });
    let local = 0;
    const fallback = new FallbackRateLimitStore(redis, () => local++);
    const limiter = new RateLimiter(fallback, HOUR);
    try {
      const now = 500 * HOUR + 1234;
      const resetAt = 501 * HOUR;
      const [first, elapsed] = await timed(() => limiter.check('org:live', 10, now));
      assert.ok(elapsed < 1000 + COMMAND_TIMEOUT_MS, `the first hit waited ${elapsed} ms`);
      assert.deepEqual(first, { limit: 4, remaining: 3, resetAt, allowed: true });
      const rest = [];
      for (let i = 0; i < 4; i++) {
        const [result, ms] = await timed(() => limiter.check('org:live', 10, now + i));
        assert.ok(ms < 50, `a later hit waited ${ms} ms`);
        rest.push(result);
      }
      assert.deepEqual(rest, [
        { limit: 4, remaining: 2, resetAt, allowed: true },
        { limit: 4, remaining: 1, resetAt, allowed: true },
        { limit: 4, remaining: 0, resetAt, allowed: true },
        { limit: 4, remaining: 0, resetAt, allowed: false },
      ]);
      // Other keys and other window lengths are counted apart; the next window starts again.
      assert.deepEqual(await limiter.check('org:test', 10, now), {
        limit: 4,
        remaining: 3,
        resetAt,
        allowed: true,
      });
      const minute = new RateLimiter(fallback, 60_000);
      assert.equal((await minute.check('org:live', 10, now)).remaining, 3);
      assert.deepEqual(await limiter.check('org:live', 10, resetAt), {
        limit: 4,
        remaining: 3,
        resetAt: resetAt + HOUR,
        allowed: true,
      });
      assert.equal(local, 8);
      assert.equal(redis.available, false);
      assert.equal(redis.processes, 3);
      assert.deepEqual(states, [false], 'the outage is reported once');
      assert.match(String((errors[0] as Error).message), /ECONNREFUSED|connect/);
    } finally {
      await redis.close();
    }
  });

  describe('against a Redis of the test', { skip: skipOwnRedis }, () => {
    let own: OwnRedis;
    before(async () => {
      own = await startOwnRedis();
    });
    after(() => own?.stop());

    it('counts per key and window from the first hit; the counter expires a minute after its window', async () => {
      const { store: redis, states } = store(own.url);
      const client = own.client();
      try {
        const windowMs = 60_000;
        const windowStart = Math.floor(Date.now() / windowMs) * windowMs;
        // Straight after construction, before the connection is up: the hit is counted in Redis.
        assert.equal(await redis.hit('org:live', windowStart, windowMs), 1);
        assert.equal(await redis.hit('org:live', windowStart, windowMs), 2);
        assert.equal(await redis.hit('org:test', windowStart, windowMs), 1);
        assert.equal(await redis.hit('org:live', windowStart + windowMs, windowMs), 1);
        const keys = await client.keys('audenci-test:rl:*');
        const counter = keys.find((k) => k.endsWith(`org:live:${windowStart}`))!;
        assert.equal(await client.get(counter), '2');
        const ttl = await client.pttl(counter);
        assert.ok(ttl > 0 && ttl <= windowStart + windowMs + 60_000 - Date.now() + 50, `pttl ${ttl}`);
        await redis.ping();
        assert.equal(redis.available, true);
        assert.deepEqual(states, [true]);
      } finally {
        await redis.close();
        client.disconnect();
      }
    });

    it('serving processes register; the count they read back is the share, and one that leaves drops out', async () => {
      const prefix = `audenci-test:registry:${Date.now()}:`;
      const a = store(own.url, { prefix, heartbeatMs: 100 }).store;
      const b = store(own.url, { prefix, heartbeatMs: 100 }).store;
      const fixed = store(own.url, { prefix, heartbeatMs: 100, apiProcesses: 5 }).store;
      const client = own.client();
      try {
        assert.equal(a.processes, 1, 'before any count was read');
        a.join();
        b.join();
        await until('both processes counted by both', () => a.processes === 2 && b.processes === 2);
        assert.equal(await client.zcard(`${prefix}api-processes`), 2);
        // A process that does not serve (a worker) never registers.
        assert.equal(fixed.processes, 5, 'AUDENCI_API_PROCESSES wins');
        await b.leave();
        await until('a sees b gone', () => a.processes === 1);
        assert.equal(await client.zcard(`${prefix}api-processes`), 1);
      } finally {
        await Promise.all([a.close(), b.close(), fixed.close()]);
        assert.equal(await client.zcard(`${prefix}api-processes`), 0, 'closing leaves the registry');
        client.disconnect();
      }
    });

    it('frozen (SIGSTOP): a hit waits at most the command timeout, later ones none, counted against the share; thawed, the shared count again', async () => {
      const prefix = `audenci-test:frozen:${Date.now()}:`;
      const a = store(own.url, { prefix, heartbeatMs: 100 });
      const b = store(own.url, { prefix, heartbeatMs: 100 });
      let local = 0;
      const limiter = new RateLimiter(new FallbackRateLimitStore(a.store, () => local++), HOUR);
      const client = own.client();
      try {
        a.store.join();
        b.store.join();
        await until('two processes', () => a.store.processes === 2);
        const now = Date.now();
        const windowStart = Math.floor(now / HOUR) * HOUR;
        const resetAt = windowStart + HOUR;
        assert.deepEqual(await limiter.check('org:live', 5, now), {
          limit: 5,
          remaining: 4,
          resetAt,
          allowed: true,
        });
        assert.deepEqual(await limiter.check('org:live', 5, now), {
          limit: 5,
          remaining: 3,
          resetAt,
          allowed: true,
        });

        own.freeze();
        try {
          const [first, waited] = await timed(() => limiter.check('org:live', 5, now));
          assert.ok(waited < COMMAND_TIMEOUT_MS + SLACK_MS, `the hit in flight waited ${waited} ms`);
          assert.deepEqual(first, { limit: 3, remaining: 2, resetAt, allowed: true });
          const later = [];
          for (let i = 0; i < 3; i++) {
            const [result, ms] = await timed(() => limiter.check('org:live', 5, now));
            assert.ok(ms < 50, `a later hit waited ${ms} ms`);
            later.push(result);
          }
          assert.deepEqual(later, [
            { limit: 3, remaining: 1, resetAt, allowed: true },
            { limit: 3, remaining: 0, resetAt, allowed: true },
            { limit: 3, remaining: 0, resetAt, allowed: false },
          ]);
          assert.equal(local, 4);
          assert.equal(a.store.available, false);
          const [, pinged] = await timed(() => a.store.ping().catch(() => undefined));
          assert.ok(pinged < 50, `a ping while down fails at once (${pinged} ms)`);
          await until('b finds out by its heartbeat', () => !b.store.available, 2000);
          assert.deepEqual(a.states, [true, false]);
          console.log(`frozen Redis: the hit in flight waited ${Math.round(waited)} ms, later ones < 50 ms`);
        } finally {
          own.thaw();
        }

        const [, back] = await timed(() => until('Redis answers again', () => a.store.available));
        console.log(`thawed Redis: used again after ${Math.round(back)} ms`);
        assert.deepEqual(a.states, [true, false, true]);
        const [again] = await Promise.all([limiter.check('org:live', 5, now)]);
        const counter = Number(await client.get(`${prefix}org:live:${windowStart}`));
        // The increment that timed out reached Redis when it woke up (it is not sent twice).
        assert.equal(counter, 4, 'two before, the one in flight, this one');
        assert.deepEqual(again, { limit: 5, remaining: 1, resetAt, allowed: true });
        assert.equal(local, 4, 'nothing more counted locally');
      } finally {
        await Promise.all([a.store.close(), b.store.close()]);
        client.disconnect();
      }
    });
  });
});

/** The value of one sample in Prometheus text (undefined when absent). */
function sample(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

function assertHeaders(res: Answer, status: number, limit: number, remaining: number, what: string) {
  assert.equal(res.status, status, `${what}: ${res.raw}`);
  assert.equal(res.headers['x-ratelimit-limit'], String(limit), `${what}: limit`);
  assert.equal(res.headers['x-ratelimit-remaining'], String(remaining), `${what}: remaining`);
}

for (const dialect of dialects) {
  describe(`a frozen Redis through the API (${dialect})`, { skip: skipOwnRedis }, () => {
    let own: OwnRedis;
    let t: TestApp;
    const clock = new ManualClock(Date.parse('2030-05-05T12:34:56.789Z'));
    const windowStart = Date.parse('2030-05-05T12:00:00.000Z');
    const reset = String((windowStart + HOUR) / 1000);
    before(async () => {
      own = await startOwnRedis();
      t = await createTestApp(dialect, {
        clock,
        env: {
          REDIS_URL: own.url,
          AUDENCI_REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS),
          AUDENCI_API_PROCESSES: '2',
          AUDENCI_AUTH_FAILURE_LIMIT: '20',
        },
      });
      await until('Redis connected', () => t.runtime.readinessChecks!.redis!.available!());
    });
    after(async () => {
      own?.thaw();
      await t?.close();
      await own?.stop();
    });

    it('requests are answered within the command timeout, limited to their share with true headers; /readyz says degraded', async () => {
      const tenant = await createTenant(t, { plan: 'starter', rateLimit: 6 });
      const key = tenant.live.read;
      const get = () => call(t.app, 'GET', '/api/v1/organization', { key });
      assertHeaders(await get(), 200, 6, 5, 'shared 1');
      assertHeaders(await get(), 200, 6, 4, 'shared 2');
      const ready = await call(t.app, 'GET', '/readyz');
      assert.equal(ready.status, 200);
      assert.deepEqual(ready.body, {
        status: 'ready',
        database: dialect,
        checks: { database: 'ok', migrations: 'ok', redis: 'ok' },
      });
      const metricsUp = (await call(t.app, 'GET', '/metrics')).raw;
      assert.equal(sample(metricsUp, 'audenci_dependency_up{dependency="redis"}'), 1);
      assert.equal(sample(metricsUp, 'audenci_dependency_up{dependency="database"}'), 1);

      own.freeze();
      const slowest: number[] = [];
      try {
        const local: Answer[] = [];
        for (let i = 0; i < 4; i++) {
          const [res, ms] = await timed(get);
          slowest.push(ms);
          local.push(res);
        }
        assert.ok(slowest[0]! < COMMAND_TIMEOUT_MS + SLACK_MS, `the first request took ${slowest[0]} ms`);
        for (const ms of slowest.slice(1)) assert.ok(ms < SLACK_MS, `a later request took ${ms} ms`);
        // 6 shared by AUDENCI_API_PROCESSES=2: 3 here.
        assertHeaders(local[0]!, 200, 3, 2, 'local 1');
        assertHeaders(local[1]!, 200, 3, 1, 'local 2');
        assertHeaders(local[2]!, 200, 3, 0, 'local 3');
        const over = local[3]!;
        assertHeaders(over, 429, 3, 0, 'local 4');
        assert.equal(over.headers['x-ratelimit-reset'], reset);
        assert.equal(
          over.headers['retry-after'],
          String(Math.ceil((windowStart + HOUR - clock.now()) / 1000)),
        );
        assert.deepEqual(over.body, {
          error: {
            code: 'RATE_LIMITED',
            message: `Rate limit of 3 requests per window exceeded; retry after ${over.headers['retry-after']} s`,
            details: { limit: 3, resetAt: new Date(windowStart + HOUR).toISOString() },
          },
        });

        // A refused key: its address's failure budget is counted here too (20 shared by 2).
        const [refused, refusedMs] = await timed(() =>
          call(t.app, 'GET', '/api/v1/organization', {
            key: `${key.slice(0, -1)}${key.endsWith('x') ? 'y' : 'x'}`,
          }),
        );
        assert.ok(refusedMs < SLACK_MS, `a refused key took ${refusedMs} ms`);
        assertHeaders(refused, 401, 10, 9, 'refused key');
        assert.equal(refused.body.error.code, 'UNAUTHORIZED');

        const [degraded, readyMs] = await timed(() => call(t.app, 'GET', '/readyz'));
        assert.ok(readyMs < SLACK_MS, `/readyz took ${readyMs} ms`);
        assert.equal(degraded.status, 200, degraded.raw);
        assert.deepEqual(degraded.body, {
          status: 'degraded',
          database: dialect,
          checks: { database: 'ok', migrations: 'ok', redis: 'degraded' },
        });
        const metricsDown = (await call(t.app, 'GET', '/metrics')).raw;
        assert.equal(sample(metricsDown, 'audenci_dependency_up{dependency="redis"}'), 0);
        assert.equal(sample(metricsDown, 'audenci_dependency_up{dependency="database"}'), 1);
        assert.equal(sample(metricsDown, 'audenci_rate_limit_local_hits_total'), 5);
        assert.equal(sample(metricsDown, 'audenci_api_processes'), 2);
      } finally {
        own.thaw();
      }
      console.log(`frozen Redis through the API: requests took ${slowest.map(Math.round).join(', ')} ms`);

      await until(
        '/readyz ready again',
        async () => (await call(t.app, 'GET', '/readyz')).body.status === 'ready',
      );
      const client = own.client();
      try {
        const back = await get();
        const counter = Number(
          await client.get(`${t.database.redisPrefix}${tenant.org.id}:live:${windowStart}`),
        );
        // Two before, the one in flight when Redis froze (it ran when Redis woke up), this one.
        assert.equal(counter, 4);
        assertHeaders(back, 200, 6, 6 - counter, 'shared again');
        const metricsBack = (await call(t.app, 'GET', '/metrics')).raw;
        assert.equal(sample(metricsBack, 'audenci_dependency_up{dependency="redis"}'), 1);
      } finally {
        client.disconnect();
      }
    });
  });
}
