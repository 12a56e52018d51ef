import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRuntime } from '../runtime.js';
import { createBrand } from '../modules/brands/brands.service.js';
import { AppError } from '../shared/errors.js';
import {
  assertContractKept,
  buildCheckedApp,
  call,
  createTenant,
  createTestDatabase,
  dialects,
  ManualClock,
  type Answer,
  type DialectName,
  type Tenant,
  type TestApp,
} from '../../test/helpers/app.js';
import { canonicalJson, isIdempotencyRegistered, registerIdempotency } from './idempotency.js';

const TTL = 24 * 60 * 60 * 1000;
const STALE = 60 * 1000;

/** A test-only route whose behaviour the test steers: counts runs, can fail with a 500 or wait. */
interface Probe {
  runs: number;
  /**
   * `work-then-lose`: creates a brand through the service (inside the request's unit of work), then
   * finds its claim taken over, as a retry would once the claim is stale.
   */
  mode: 'ok' | 'fail' | 'reject' | 'wait' | 'work-then-lose';
  entered?: () => void;
  gate?: Promise<void>;
}

/**
 * The real app, plus `registerIdempotency` when `buildApp` does not wire it yet (hooks added to the root
 * before `ready()` reach routes already registered), plus the probe route.
 */
async function startIdempotentApp(dialect: DialectName, clock: ManualClock, probe: Probe): Promise<TestApp> {
  const database = createTestDatabase(dialect);
  const runtime = await createRuntime(database.config, {
    clock,
    schema: database.schema,
    sqliteFile: database.sqliteFile,
    redisPrefix: database.redisPrefix,
  });
  const { app, contract } = await buildCheckedApp(runtime);
  if (!isIdempotencyRegistered(app)) registerIdempotency(app, { db: runtime.ctx.db, clock });
  app.post(
    '/api/v1/__probe',
    { config: { scope: 'read_write' }, schema: { hide: true } },
    async (request, reply) => {
      probe.runs += 1;
      const n = probe.runs;
      if (probe.mode === 'work-then-lose') {
        const { db } = runtime.ctx;
        await createBrand(runtime.ctx, request.principal, { name: `Probe ${n}` });
        await db
          .updateTable('idempotency_keys')
          .set({ created_at: clock.now() + 1 })
          .where('key', '=', String(request.headers['idempotency-key']))
          .execute();
      }
      if (probe.mode === 'fail') throw new Error('boom');
      if (probe.mode === 'reject') throw new AppError('NOT_FOUND', 'No such thing');
      if (probe.mode === 'wait') {
        probe.entered?.();
        await probe.gate;
      }
      reply.code(201);
      return { data: { run: n } };
    },
  );
  await app.ready();
  return {
    app,
    contract,
    runtime,
    database,
    clock,
    async close() {
      await app.close();
      await runtime.close();
      await database.drop();
      assertContractKept(contract);
    },
  };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

let keyCounter = 0;
const newKey = () => `idem-${Date.now()}-${++keyCounter}`;

function assertNotReplayed(res: Answer): void {
  assert.equal(res.headers['idempotent-replayed'], undefined);
}

describe('canonicalJson', () => {
  it('sorts keys at every level and keeps array order', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [2, 1], c: null }, u: undefined }),
      '{"a":{"c":null,"d":[2,1]},"b":1}',
    );
    assert.equal(canonicalJson({ a: 1, b: 2 }), canonicalJson({ b: 2, a: 1 }));
  });
});

for (const dialect of dialects) {
  describe(`Idempotency-Key (${dialect})`, () => {
    const clock = new ManualClock(Date.UTC(2030, 0, 1));
    const probe: Probe = { runs: 0, mode: 'ok' };
    let t: TestApp;
    let tenant: Tenant;
    before(async () => {
      t = await startIdempotentApp(dialect, clock, probe);
      tenant = await createTenant(t);
    });
    after(() => t.close());

    const countBrands = async (key: string): Promise<number> => {
      const res = await call(t.app, 'GET', '/api/v1/brands', { key });
      assert.equal(res.status, 200);
      return res.body.pagination.totalCount as number;
    };
    const rows = (key: string) =>
      t.runtime.ctx.db.selectFrom('idempotency_keys').selectAll().where('key', '=', key).execute();

    it('replays the first response, byte for byte, without running the handler again', async () => {
      const t2 = await createTenant(t, { name: 'Replay org' });
      const key = newKey();
      const first = await call(t.app, 'POST', '/api/v1/brands', {
        key: t2.live.admin,
        body: { name: 'Acme', timezone: 'Europe/Paris' },
        headers: { 'Idempotency-Key': key },
      });
      assert.equal(first.status, 201);
      assertNotReplayed(first);

      // Same body with the keys in another order, header name in lower case.
      const second = await call(t.app, 'POST', '/api/v1/brands', {
        key: t2.live.admin,
        body: { timezone: 'Europe/Paris', name: 'Acme' },
        headers: { 'idempotency-key': key },
      });
      assert.equal(second.status, 201);
      assert.equal(second.raw, first.raw);
      assert.equal(second.headers['idempotent-replayed'], 'true');
      assert.equal(second.headers.location, first.headers.location);
      assert.equal(second.headers['content-type'], first.headers['content-type']);
      assert.ok(second.headers['x-request-id']);
      assert.notEqual(second.headers['x-request-id'], first.headers['x-request-id']);
      assert.equal(await countBrands(t2.live.read), 1);

      const [row] = await rows(key);
      assert.equal(row?.state, 'done');
      assert.equal(row?.response_status, 201);
      assert.equal(row?.expires_at, clock.now() + TTL);
    });

    it('the same key with a different body is 422 IDEMPOTENCY_KEY_REUSED', async () => {
      const key = newKey();
      const first = await call(t.app, 'POST', '/api/v1/brands', {
        key: tenant.live.admin,
        body: { name: 'One' },
        headers: { 'Idempotency-Key': key },
      });
      assert.equal(first.status, 201);
      const second = await call(t.app, 'POST', '/api/v1/brands', {
        key: tenant.live.admin,
        body: { name: 'Two' },
        headers: { 'Idempotency-Key': key },
      });
      assert.equal(second.status, 422);
      assert.equal(second.body.error.code, 'IDEMPOTENCY_KEY_REUSED');
      assert.match(second.body.error.message, /different request/);
      assertNotReplayed(second);

      // ...and on another path.
      const other = await call(t.app, 'POST', '/api/v1/__probe', {
        key: tenant.live.admin,
        body: { name: 'One' },
        headers: { 'Idempotency-Key': key },
      });
      assert.equal(other.status, 422);
      assert.equal(other.body.error.code, 'IDEMPOTENCY_KEY_REUSED');
    });

    it('of 10 concurrent identical requests exactly one runs', async () => {
      const t2 = await createTenant(t, { name: 'Race org' });
      const key = newKey();
      const answers = await Promise.all(
        Array.from({ length: 10 }, () =>
          call(t.app, 'POST', '/api/v1/brands', {
            key: t2.live.admin,
            body: { name: 'Racer' },
            headers: { 'Idempotency-Key': key },
          }),
        ),
      );
      const fresh = answers.filter((a) => a.status === 201 && a.headers['idempotent-replayed'] === undefined);
      assert.equal(fresh.length, 1, JSON.stringify(answers.map((a) => a.status)));
      for (const a of answers) {
        if (a === fresh[0]) continue;
        if (a.status === 409) {
          assert.equal(a.body.error.code, 'CONFLICT');
          assert.equal(a.headers['retry-after'], '1');
        } else {
          assert.equal(a.status, 201);
          assert.equal(a.headers['idempotent-replayed'], 'true');
          assert.equal(a.raw, fresh[0]!.raw);
        }
      }
      assert.equal(await countBrands(t2.live.read), 1);
    });

    it('while the first of 10 concurrent requests runs, the other 9 get 409', async () => {
      const key = newKey();
      const entered = deferred();
      const gate = deferred();
      Object.assign(probe, { runs: 0, mode: 'wait', entered: entered.resolve, gate: gate.promise });
      const send = () =>
        call(t.app, 'POST', '/api/v1/__probe', {
          key: tenant.live.read_write,
          body: { concurrent: true },
          headers: { 'Idempotency-Key': key },
        });
      let answered = 0;
      const all = Array.from({ length: 10 }, () => send().finally(() => (answered += 1)));
      await entered.promise;
      // Every request but the one held in the handler answers while it is still running.
      for (let i = 0; i < 200 && answered < 9; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(answered, 9);
      gate.resolve();
      const answers = await Promise.all(all);
      assert.equal(answers.filter((a) => a.status === 201).length, 1);
      assert.equal(answers.filter((a) => a.status === 409).length, 9);
      assert.equal(probe.runs, 1);
      const replay = await send();
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.deepEqual(replay.body, { data: { run: 1 } });
    });

    it('keys are scoped to the organization and the environment', async () => {
      const other = await createTenant(t, { name: 'Other org' });
      const key = newKey();
      const send = (apiKey: string) =>
        call(t.app, 'POST', '/api/v1/brands', {
          key: apiKey,
          body: { name: 'Scoped' },
          headers: { 'Idempotency-Key': key },
        });
      const a = await send(tenant.live.admin);
      const b = await send(other.live.admin);
      const c = await send(tenant.test.admin);
      for (const res of [a, b, c]) {
        assert.equal(res.status, 201);
        assertNotReplayed(res);
      }
      assert.equal(new Set([a, b, c].map((r) => r.body.data.id)).size, 3);
      assert.equal((await rows(key)).length, 3);
      const again = await send(tenant.test.admin);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal(again.raw, c.raw);
    });

    it('a request refused by validation stores nothing; the corrected retry succeeds', async () => {
      const t2 = await createTenant(t, { name: 'Validation org' });
      const key = newKey();
      // Refused by the body schema (before the preHandler)...
      const missing = await call(t.app, 'POST', '/api/v1/brands', {
        key: t2.live.admin,
        body: { timezone: 'Europe/Paris' },
        headers: { 'Idempotency-Key': key },
      });
      assert.equal(missing.status, 400);
      assert.equal(missing.body.error.details.field, 'name');
      assert.equal((await rows(key)).length, 0);
      // ...and by the service (in the handler).
      const bad = await call(t.app, 'POST', '/api/v1/brands', {
        key: t2.live.admin,
        body: { name: 'X', timezone: 'Mars/Olympus' },
        headers: { 'Idempotency-Key': key },
      });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.details.field, 'timezone');
      assert.equal((await rows(key)).length, 0);
      const good = await call(t.app, 'POST', '/api/v1/brands', {
        key: t2.live.admin,
        body: { name: 'X', timezone: 'Europe/Paris' },
        headers: { 'Idempotency-Key': key },
      });
      assert.equal(good.status, 201);
      assertNotReplayed(good);
      assert.equal(await countBrands(t2.live.read), 1);
    });

    it('a 4xx from the handler is stored and replayed', async () => {
      const key = newKey();
      probe.runs = 0;
      probe.mode = 'reject';
      const send = () =>
        call(t.app, 'POST', '/api/v1/__probe', {
          key: tenant.live.read_write,
          body: { w: 1 },
          headers: { 'Idempotency-Key': key },
        });
      const first = await send();
      assert.equal(first.status, 404);
      probe.mode = 'ok';
      const second = await send();
      assert.equal(second.status, 404);
      assert.equal(second.raw, first.raw);
      assert.equal(second.headers['idempotent-replayed'], 'true');
      assert.equal(probe.runs, 1);
    });

    it('rejects a malformed key with 400 naming the header', async () => {
      for (const bad of ['x'.repeat(256), 'tab\there', '']) {
        const res = await call(t.app, 'POST', '/api/v1/brands', {
          key: tenant.live.admin,
          body: { name: 'Bad key' },
          headers: { 'Idempotency-Key': bad },
        });
        assert.equal(res.status, 400, JSON.stringify(bad));
        assert.equal(res.body.error.code, 'INVALID_INPUT');
        assert.equal(res.body.error.details.field, 'Idempotency-Key');
      }
      const longest = await call(t.app, 'POST', '/api/v1/brands', {
        key: tenant.live.admin,
        body: { name: 'Longest key' },
        headers: { 'Idempotency-Key': 'k'.repeat(255) },
      });
      assert.equal(longest.status, 201);
    });

    it('after the TTL the key can be reused for another request', async () => {
      const t2 = await createTenant(t, { name: 'TTL org' });
      const key = newKey();
      const first = await call(t.app, 'POST', '/api/v1/brands', {
        key: t2.live.admin,
        body: { name: 'Before' },
        headers: { 'Idempotency-Key': key },
      });
      assert.equal(first.status, 201);
      clock.advance(TTL - 1);
      const within = await call(t.app, 'POST', '/api/v1/brands', {
        key: t2.live.admin,
        body: { name: 'After' },
        headers: { 'Idempotency-Key': key },
      });
      assert.equal(within.status, 422);
      clock.advance(2);
      const later = await call(t.app, 'POST', '/api/v1/brands', {
        key: t2.live.admin,
        body: { name: 'After' },
        headers: { 'Idempotency-Key': key },
      });
      assert.equal(later.status, 201);
      assertNotReplayed(later);
      assert.equal(later.body.data.name, 'After');
      assert.equal(await countBrands(t2.live.read), 2);
      const [row] = await rows(key);
      assert.equal(row?.expires_at, clock.now() + TTL);
    });

    it('a request still running answers 409; a stale claim is taken over', async () => {
      const key = newKey();
      const entered = deferred();
      const gate = deferred();
      Object.assign(probe, { runs: 0, mode: 'wait', entered: entered.resolve, gate: gate.promise });
      const send = () =>
        call(t.app, 'POST', '/api/v1/__probe', {
          key: tenant.live.read_write,
          body: { x: 1 },
          headers: { 'Idempotency-Key': key },
        });
      const slow = send();
      await entered.promise;

      const busy = await send();
      assert.equal(busy.status, 409);
      assert.equal(busy.body.error.code, 'CONFLICT');
      assert.match(busy.body.error.message, /still being processed/);
      assert.equal(busy.headers['retry-after'], '1');

      // The first process "died": after staleAfterMs its claim is taken over.
      clock.advance(STALE);
      probe.mode = 'ok';
      const takeover = await send();
      assert.equal(takeover.status, 201);
      assertNotReplayed(takeover);
      assert.deepEqual(takeover.body, { data: { run: 2 } });

      // The original finishing late must not overwrite its successor's record: its work is rolled back
      // and it answers 409, so the key's work is done once (by the retry).
      gate.resolve();
      const late = await slow;
      assert.equal(late.status, 409);
      assert.equal(late.body.error.code, 'CONFLICT');
      assert.match(late.body.error.message, /a retry with the same Idempotency-Key took it over/);
      assert.equal(late.headers.location, undefined);
      const replay = await send();
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.deepEqual(replay.body, { data: { run: 2 } });
      assert.equal(probe.runs, 2);
    });

    it("the work commits with the key's record: a request whose claim was lost keeps nothing", async () => {
      const own = await createTenant(t, { name: 'Unit org' });
      Object.assign(probe, { runs: 0, mode: 'work-then-lose' });
      const lost = await call(t.app, 'POST', '/api/v1/__probe', {
        key: own.live.admin,
        body: { z: 1 },
        headers: { 'Idempotency-Key': newKey() },
      });
      assert.equal(lost.status, 409, lost.raw);
      assert.match(lost.body.error.message, /took it over/);
      assert.equal(probe.runs, 1);
      // The brand its handler created was rolled back with it.
      assert.equal(await countBrands(own.live.read), 0);

      // A real route: the post, its event and the record commit together; the retry replays it.
      probe.mode = 'ok';
      const brand = await call(t.app, 'POST', '/api/v1/brands', { key: own.live.admin, body: { name: 'U' } });
      const key = newKey();
      const body = { brandId: brand.body.data.id, platform: 'twitter', caption: 'Once only' };
      const first = await call(t.app, 'POST', '/api/v1/posts', {
        key: own.live.read_write,
        body,
        headers: { 'Idempotency-Key': key },
      });
      assert.equal(first.status, 201, first.raw);
      const [row] = await rows(key);
      assert.equal(row?.state, 'done');
      assert.equal(row?.response_status, 201);
      const again = await call(t.app, 'POST', '/api/v1/posts', {
        key: own.live.read_write,
        body,
        headers: { 'Idempotency-Key': key },
      });
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal(again.raw, first.raw);
      const posts = await call(t.app, 'GET', '/api/v1/posts', { key: own.live.read });
      assert.equal(posts.body.pagination.totalCount, 1);
      const events = await call(t.app, 'GET', '/api/v1/events', {
        key: own.live.read,
        query: { type: 'post.created' },
      });
      assert.equal(events.body.pagination.totalCount, 1);
    });

    it('inside the unit each transaction is a savepoint: a bad batch item undoes only itself', async () => {
      const own = await createTenant(t, { name: 'Savepoint org' });
      const brand = await call(t.app, 'POST', '/api/v1/brands', { key: own.live.admin, body: { name: 'S' } });
      const key = newKey();
      const batch = await call(t.app, 'POST', '/api/v1/posts/batch', {
        key: own.live.read_write,
        headers: { 'Idempotency-Key': key },
        body: {
          posts: [
            { brandId: brand.body.data.id, platform: 'twitter', caption: 'one' },
            { brandId: 'brand_missing', platform: 'twitter', caption: 'two' },
            { brandId: brand.body.data.id, platform: 'twitter', caption: 'three' },
          ],
        },
      });
      assert.equal(batch.status, 200, batch.raw);
      assert.deepEqual(
        batch.body.data.map((r: { status: number }) => r.status),
        [201, 400, 201],
      );
      const posts = await call(t.app, 'GET', '/api/v1/posts', { key: own.live.read });
      assert.deepEqual(posts.body.data.map((p: { caption: string }) => p.caption).sort(), ['one', 'three']);
      // What the batch read back inside its unit (each created post) is what committed.
      for (const item of batch.body.data.filter((r: { status: number }) => r.status === 201)) {
        const got = await call(t.app, 'GET', `/api/v1/posts/${item.data.id}`, { key: own.live.read });
        assert.equal(got.status, 200);
      }
    });

    it('takes over a running row left behind by a dead process', async () => {
      const key = newKey();
      const { db } = t.runtime.ctx;
      probe.mode = 'ok';
      probe.runs = 0;
      const first = await call(t.app, 'POST', '/api/v1/__probe', {
        key: tenant.live.read_write,
        body: { y: 1 },
        headers: { 'Idempotency-Key': key },
      });
      assert.equal(first.status, 201);
      // Rewind the record to a claim that never finished.
      const created = clock.now() - STALE - 1;
      await db
        .updateTable('idempotency_keys')
        .set({ state: 'running', response_status: null, response_body: null, created_at: created })
        .where('key', '=', key)
        .execute();
      const retry = await call(t.app, 'POST', '/api/v1/__probe', {
        key: tenant.live.read_write,
        body: { y: 1 },
        headers: { 'Idempotency-Key': key },
      });
      assert.equal(retry.status, 201);
      assertNotReplayed(retry);
      assert.equal(probe.runs, 2);
      const [row] = await rows(key);
      assert.equal(row?.state, 'done');
      assert.equal(row?.created_at, clock.now());
    });

    it('a 5xx is not stored: the retry runs again', async () => {
      const key = newKey();
      probe.runs = 0;
      probe.mode = 'fail';
      const send = () =>
        call(t.app, 'POST', '/api/v1/__probe', {
          key: tenant.live.read_write,
          body: { z: 1 },
          headers: { 'Idempotency-Key': key },
        });
      const failed = await send();
      assert.equal(failed.status, 500);
      assert.equal(failed.body.error.code, 'INTERNAL_ERROR');
      assert.equal((await rows(key)).length, 0);
      probe.mode = 'ok';
      const retry = await send();
      assert.equal(retry.status, 201);
      assertNotReplayed(retry);
      assert.equal(probe.runs, 2);
      const again = await send();
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal(probe.runs, 2);
    });

    it('GET ignores the header', async () => {
      const t2 = await createTenant(t, { name: 'GET org' });
      const key = newKey();
      const get = () =>
        call(t.app, 'GET', '/api/v1/brands', { key: t2.live.read, headers: { 'Idempotency-Key': key } });
      const before = await get();
      assert.equal(before.status, 200);
      assertNotReplayed(before);
      assert.equal(before.body.pagination.totalCount, 0);
      await call(t.app, 'POST', '/api/v1/brands', { key: t2.live.admin, body: { name: 'New' } });
      const afterCreate = await get();
      assertNotReplayed(afterCreate);
      assert.equal(afterCreate.body.pagination.totalCount, 1);
      assert.equal((await rows(key)).length, 0);
    });

    it('a POST without the header stores nothing', async () => {
      const before = await t.runtime.ctx.db
        .selectFrom('idempotency_keys')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      const res = await call(t.app, 'POST', '/api/v1/brands', {
        key: tenant.live.admin,
        body: { name: 'Plain' },
      });
      assert.equal(res.status, 201);
      assertNotReplayed(res);
      const afterPost = await t.runtime.ctx.db
        .selectFrom('idempotency_keys')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(afterPost.n), Number(before.n));
    });

    it('expired rows are purged, at most once a minute', async () => {
      const { db } = t.runtime.ctx;
      const expiredRow = (key: string) =>
        db.insertInto('idempotency_keys').values({
          organization_id: tenant.org.id,
          environment: 'live',
          key,
          request_hash: 'x',
          method: 'POST',
          path: '/api/v1/brands',
          state: 'done',
          response_status: 201,
          response_headers: '{}',
          response_body: '{}',
          created_at: clock.now() - TTL - 10,
          expires_at: clock.now() - 10,
        });
      const post = async () => {
        const res = await call(t.app, 'POST', '/api/v1/brands', {
          key: tenant.live.admin,
          body: { name: 'Purger' },
          headers: { 'Idempotency-Key': newKey() },
        });
        assert.equal(res.status, 201);
      };
      const settle = () => new Promise((r) => setTimeout(r, 50)); // the purge runs in the background

      const first = newKey();
      await expiredRow(first).execute();
      clock.advance(61_000);
      await post();
      await settle();
      assert.equal((await rows(first)).length, 0);

      // Within the minute: no purge.
      const second = newKey();
      await expiredRow(second).execute();
      clock.advance(30_000);
      await post();
      await settle();
      assert.equal((await rows(second)).length, 1);
      clock.advance(31_000);
      await post();
      await settle();
      assert.equal((await rows(second)).length, 0);
    });
  });
}
