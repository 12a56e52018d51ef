import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { generateKey } from '../modules/keys/index.js';
import { hashKey, displayParts } from '../modules/keys/keys.format.js';
import { newId } from '../shared/ids.js';
import {
  createTenant,
  createTestApp,
  createTestDatabase,
  dialects,
  ManualClock,
  redisUrl,
  startApp,
  type Tenant,
  type TestApp,
  type TestDatabase,
} from '../../test/helpers/app.js';

/** 2030-01-15T10:20:00Z: the start of a 300 s window (windows are aligned to the epoch). */
const WINDOW_START = Date.parse('2030-01-15T10:20:00.000Z');
const DEFAULT_LIMIT = 100;
const DEFAULT_WINDOW_MS = 300_000;

interface Sent {
  status: number;
  headers: Record<string, unknown>;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON answers
}

async function send(
  app: FastifyInstance,
  key: string | undefined,
  from: string,
  extraHeaders: Record<string, string> = {},
): Promise<Sent> {
  const res = await app.inject({
    method: 'GET',
    url: '/api/v1/brands',
    remoteAddress: from,
    headers: { ...(key !== undefined ? { authorization: `Bearer ${key}` } : {}), ...extraHeaders },
  });
  return { status: res.statusCode, headers: res.headers, body: JSON.parse(res.body) };
}

/** Counts the authenticator's database lookups while `fn` runs. */
async function countLookups(t: TestApp, fn: () => Promise<void>): Promise<number> {
  const authenticator = t.runtime.authenticator;
  const original = authenticator.lookup;
  let count = 0;
  authenticator.lookup = (hash) => {
    count++;
    return original.call(authenticator, hash);
  };
  try {
    await fn();
  } finally {
    authenticator.lookup = original;
  }
  return count;
}

/** A refused key: 401, with the address's failure budget in the rate-limit headers. */
function assertUnauthorized(
  res: Sent,
  label: string,
  budget?: { remaining: number; windowEnd: number },
): void {
  assert.equal(res.status, 401, label);
  assert.deepEqual(res.body, { error: { code: 'UNAUTHORIZED', message: 'Invalid API key' } }, label);
  assert.equal(res.headers['www-authenticate'], 'Bearer realm="audenci", error="invalid_token"', label);
  assert.equal(res.headers['retry-after'], undefined, label);
  if (budget) {
    assert.equal(res.headers['x-ratelimit-limit'], String(DEFAULT_LIMIT), label);
    assert.equal(res.headers['x-ratelimit-remaining'], String(budget.remaining), label);
    assert.equal(res.headers['x-ratelimit-reset'], String(budget.windowEnd / 1000), label);
  }
}

function assertThrottled(res: Sent, now: number, windowEnd: number, limit: number, label: string): void {
  const retryAfter = Math.ceil((windowEnd - now) / 1000);
  assert.equal(res.status, 429, label);
  assert.deepEqual(
    res.body,
    {
      error: {
        code: 'RATE_LIMITED',
        message: `Too many failed authentication attempts from this address; retry after ${retryAfter} s`,
        details: {
          reason: 'authentication_failures',
          limit,
          resetAt: new Date(windowEnd).toISOString(),
        },
      },
    },
    label,
  );
  assert.equal(res.headers['retry-after'], String(retryAfter), label);
  assert.equal(res.headers['www-authenticate'], undefined, label);
  assert.equal(res.headers['x-ratelimit-limit'], String(limit), label);
  assert.equal(res.headers['x-ratelimit-remaining'], '0', label);
  assert.equal(res.headers['x-ratelimit-reset'], String(Math.ceil(windowEnd / 1000)), label);
}

/** A key whose format and checksum are right but which no organization has. */
const unknownKey = () => generateKey('live');

for (const dialect of dialects) {
  describe(`failed authentication is throttled and cheap (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let clock: ManualClock;
    before(async () => {
      clock = new ManualClock(WINDOW_START + 20_000);
      t = await createTestApp(dialect, { clock });
      tenant = await createTenant(t);
    });
    after(() => t.close());

    it('300 requests with one unknown key cost one lookup; after 100 failures the address gets 429', async () => {
      const key = unknownKey();
      const answers: Sent[] = [];
      const lookups = await countLookups(t, async () => {
        for (let i = 0; i < 300; i++) answers.push(await send(t.app, key, '198.51.100.1'));
      });
      assert.equal(lookups, 1, 'the unknown key was looked up once, then answered from memory');
      const windowEnd = WINDOW_START + DEFAULT_WINDOW_MS;
      answers.forEach((res, i) =>
        i < DEFAULT_LIMIT
          ? assertUnauthorized(res, `request ${i + 1}`, { remaining: DEFAULT_LIMIT - i - 1, windowEnd })
          : assertThrottled(res, clock.now(), windowEnd, DEFAULT_LIMIT, `request ${i + 1}`),
      );
      // Every request from the address is refused now, a valid key's too; another address is unaffected.
      assertThrottled(
        await send(t.app, tenant.live.read, '198.51.100.1'),
        clock.now(),
        windowEnd,
        DEFAULT_LIMIT,
        'a valid key from the refused address',
      );
      const other = await send(t.app, tenant.live.read, '198.51.100.2');
      assert.equal(other.status, 200, JSON.stringify(other.body));
      assert.ok(Array.isArray(other.body.data));
      assert.equal(other.headers['x-ratelimit-limit'], '10000');
    });

    it('distinct unknown keys are looked up only until the limit; the window end lets the address in again', async () => {
      const from = '198.51.100.3';
      const answers: Sent[] = [];
      const lookups = await countLookups(t, async () => {
        for (let i = 0; i < 150; i++) answers.push(await send(t.app, unknownKey(), from));
      });
      assert.equal(lookups, DEFAULT_LIMIT, 'no lookup once the address is refused');
      assert.equal(answers.filter((a) => a.status === 401).length, DEFAULT_LIMIT);
      assert.equal(answers.filter((a) => a.status === 429).length, 50);

      // A request without an Authorization header is not counted: it costs nothing and guesses nothing.
      const fresh = '198.51.100.4';
      for (let i = 0; i < 150; i++) assert.equal((await send(t.app, undefined, fresh)).status, 401);
      assert.equal(
        (await send(t.app, tenant.live.read, fresh)).status,
        200,
        'missing headers are not counted',
      );

      clock.set(WINDOW_START + DEFAULT_WINDOW_MS);
      const back = await send(t.app, tenant.live.read, from);
      assert.equal(back.status, 200, 'a new window: the address may try again');
      assertUnauthorized(await send(t.app, unknownKey(), from), 'and is counted afresh');
    });

    it('malformed headers and keys with a wrong checksum count as failures', async () => {
      const from = '198.51.100.5';
      const base = clock.now();
      const windowEnd = Math.floor(base / DEFAULT_WINDOW_MS) * DEFAULT_WINDOW_MS + DEFAULT_WINDOW_MS;
      const good = tenant.live.read;
      const wrongChecksum = `${good.slice(0, -1)}${good.endsWith('A') ? 'B' : 'A'}`;
      const lookups = await countLookups(t, async () => {
        for (let i = 0; i < DEFAULT_LIMIT / 2; i++) {
          const malformed = await t.app.inject({
            method: 'GET',
            url: '/api/v1/brands',
            remoteAddress: from,
            headers: { authorization: 'Basic dXNlcjpwYXNz' },
          });
          assert.equal(malformed.statusCode, 401);
          assertUnauthorized(await send(t.app, wrongChecksum, from), `wrong checksum ${i}`);
        }
      });
      assert.equal(lookups, 0);
      assertThrottled(await send(t.app, good, from), clock.now(), windowEnd, DEFAULT_LIMIT, 'then refused');
    });

    it('a key created after its hash was remembered as unknown works once created through the API', async () => {
      // The worst case: a key presented before it exists (impossible with random keys, forced here).
      const key = unknownKey();
      const from = '198.51.100.6';
      assertUnauthorized(await send(t.app, key, from), 'not yet created');
      const now = clock.now();
      await t.runtime.ctx.db
        .insertInto('api_keys')
        .values({
          id: newId('apiKey', now),
          organization_id: tenant.org.id,
          environment: 'live',
          name: 'inserted by another process',
          scope: 'read',
          key_hash: hashKey(key),
          ...displayParts(key),
          created_at: now,
          expires_at: null,
          revoked_at: null,
          last_used_at: null,
          rotated_at: null,
          replaced_by: null,
        })
        .execute();
      // Another process made it: this one answers from memory for the cache TTL (AUDENCI_AUTH_CACHE_TTL_MS).
      assertUnauthorized(await send(t.app, key, from), 'remembered as unknown');
      // A key created through this process's API forgets every remembered unknown hash at once.
      const created = await t.app.inject({
        method: 'POST',
        url: '/api/v1/api-keys',
        remoteAddress: from,
        headers: { authorization: `Bearer ${tenant.live.admin}` },
        payload: { scope: 'read', name: 'fresh' },
      });
      assert.equal(created.statusCode, 201, created.body);
      const fresh: string = JSON.parse(created.body).data.key;
      assert.equal((await send(t.app, fresh, from)).status, 200, 'a fresh key works at once');
      assert.equal((await send(t.app, key, from)).status, 200, 'the remembered hash was forgotten');

      // Without an API creation, the memory lasts the TTL (5 s by default) and no longer.
      const late = unknownKey();
      assertUnauthorized(await send(t.app, late, from), 'unknown');
      await t.runtime.ctx.db
        .insertInto('api_keys')
        .values({
          id: newId('apiKey', clock.now()),
          organization_id: tenant.org.id,
          environment: 'live',
          name: 'late',
          scope: 'read',
          key_hash: hashKey(late),
          ...displayParts(late),
          created_at: clock.now(),
          expires_at: null,
          revoked_at: null,
          last_used_at: null,
          rotated_at: null,
          replaced_by: null,
        })
        .execute();
      clock.advance(t.runtime.config.authCacheTtlMs);
      assert.equal((await send(t.app, late, from)).status, 200, 'looked up again after the TTL');
    });
  });

  describe(`failure throttle settings (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let clock: ManualClock;
    before(async () => {
      clock = new ManualClock(WINDOW_START);
      t = await createTestApp(dialect, {
        clock,
        env: {
          AUDENCI_AUTH_FAILURE_LIMIT: '3',
          AUDENCI_AUTH_FAILURE_WINDOW_SECONDS: '60',
          AUDENCI_TRUST_PROXY: 'true',
        },
      });
      tenant = await createTenant(t);
    });
    after(() => t.close());

    it('counts per client address as AUDENCI_TRUST_PROXY sees it, with the configured limit and window', async () => {
      const proxy = '10.0.0.1';
      const client = { 'x-forwarded-for': '203.0.113.7' };
      for (let i = 0; i < 3; i++)
        assertUnauthorized(await send(t.app, unknownKey(), proxy, client), `failure ${i}`);
      assertThrottled(
        await send(t.app, tenant.live.read, proxy, client),
        clock.now(),
        WINDOW_START + 60_000,
        3,
        '4th',
      );
      const neighbour = await send(t.app, tenant.live.read, proxy, { 'x-forwarded-for': '203.0.113.8' });
      assert.equal(neighbour.status, 200, 'another client behind the same proxy');
      clock.advance(60_000);
      assert.equal((await send(t.app, tenant.live.read, proxy, client)).status, 200, 'the next window');
    });
  });

  describe(`AUDENCI_AUTH_FAILURE_LIMIT=0 (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect, { env: { AUDENCI_AUTH_FAILURE_LIMIT: '0' } });
    });
    after(() => t.close());

    it('turns the throttle off', async () => {
      for (let i = 0; i < 150; i++)
        assertUnauthorized(await send(t.app, unknownKey(), '198.51.100.9'), `${i}`);
    });
  });

  describe(
    `failures are counted across API processes through Redis (${dialect})`,
    { skip: !redisUrl },
    () => {
      let database: TestDatabase;
      let a: TestApp;
      let b: TestApp;
      let tenant: Tenant;
      const clock = new ManualClock(WINDOW_START);
      before(async () => {
        database = createTestDatabase(dialect, {
          redis: true,
          env: { AUDENCI_AUTH_FAILURE_LIMIT: '10', AUDENCI_AUTH_FAILURE_WINDOW_SECONDS: '60' },
        });
        a = await startApp(database, { clock, redis: true });
        b = await startApp(database, { clock, redis: true });
        // Both connected to Redis before counting (a store that is not up yet throttles nothing).
        for (const started of [a, b]) {
          const ping = () => started.runtime.readinessChecks!.redis!.check();
          for (let attempt = 0; ; attempt++) {
            try {
              await ping();
              break;
            } catch (error) {
              if (attempt >= 50) throw error;
              await new Promise((resolve) => setTimeout(resolve, 100));
            }
          }
        }
        tenant = await createTenant(a);
      });
      after(async () => {
        await a.close();
        await b.close();
        await database.drop();
      });

      it('failures on two processes add up; each refuses the address from its first failure past the limit', async () => {
        const from = '198.51.100.10';
        const windowEnd = WINDOW_START + 60_000;
        for (let i = 0; i < 6; i++) assertUnauthorized(await send(a.app, unknownKey(), from), `a ${i}`);
        for (let i = 0; i < 4; i++) assertUnauthorized(await send(b.app, unknownKey(), from), `b ${i}`);
        // B counted the 10th: it refuses at once. A has not seen the limit reached: one more failure
        // (the 11th, counted in Redis) and it refuses too.
        assertThrottled(await send(b.app, tenant.live.read, from), clock.now(), windowEnd, 10, 'b refuses');
        assert.equal(
          (await send(a.app, tenant.live.read, from)).status,
          200,
          'a valid key on a: not yet refused',
        );
        const lookups = await countLookups(a, async () => {
          assertThrottled(
            await send(a.app, unknownKey(), from),
            clock.now(),
            windowEnd,
            10,
            'a: 11th failure',
          );
          assertThrottled(await send(a.app, unknownKey(), from), clock.now(), windowEnd, 10, 'a: refused');
        });
        assert.equal(lookups, 1, 'the refused request on a made no lookup');
        assert.equal((await send(b.app, tenant.live.read, '198.51.100.11')).status, 200);
      });
    },
  );
}
