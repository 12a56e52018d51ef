import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import {
  call,
  createTenant,
  createTestApp,
  createTestDatabase,
  ensureSchema,
  type Answer,
} from '../../test/helpers/app.js';
import { startFreezableProxy, type FreezableProxy } from '../../test/helpers/freezable-proxy.js';
import { isDatabaseUnavailable } from './errors.js';
import { createDb } from './index.js';

/**
 * A frozen or partitioned PostgreSQL answers nothing, so the server-side statement timeout never
 * fires: every wait is bounded on the client side too (AUDENCI_DB_CONNECT_TIMEOUT_MS for a connection,
 * AUDENCI_DB_QUERY_TIMEOUT_MS for an answer). A connection whose query got no answer is destroyed,
 * never reused; the pool serves again as soon as the server does. The server is frozen by a relay in
 * front of it (test/helpers/freezable-proxy.ts); test/system/postgres-frozen.test.ts freezes a real one.
 */
const url = process.env.TEST_DATABASE_URL;
const skip = url ? false : 'PostgreSQL only (TEST_DATABASE_URL unset)';

const CONNECT_MS = 500;
const STATEMENT_MS = 1000;
/** The default: the statement timeout plus one second. */
const QUERY_MS = STATEMENT_MS + 1000;
/** What a wait may take beyond its bound on a loaded machine. */
const SLACK_MS = 1000;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await fn();
  return [result, performance.now() - started];
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => assert.fail('expected a failure'),
    (error: unknown) => error,
  );

describe('PostgreSQL waits are bounded on the client side', { skip }, () => {
  let proxy: FreezableProxy;
  let env: Record<string, string>;
  before(async () => {
    const target = new URL(url!);
    proxy = await startFreezableProxy({ host: target.hostname, port: Number(target.port || 5432) });
    env = {
      DATABASE_URL: proxy.urlFor(url!),
      AUDENCI_DB_CONNECT_TIMEOUT_MS: String(CONNECT_MS),
      AUDENCI_DB_STATEMENT_TIMEOUT_MS: String(STATEMENT_MS),
    };
  });
  after(async () => {
    proxy.thaw();
    await proxy.close();
  });

  it('a query without an answer fails in time, its connection is destroyed, its transaction never commits', async () => {
    const database = createTestDatabase('postgres', { env });
    assert.equal(database.config.databaseQueryTimeoutMs, QUERY_MS);
    await ensureSchema(database);
    const handle = createDb(database.config, { schema: database.schema, poolSize: 1 });
    const direct = new pg.Client({ connectionString: url, options: `-c search_path=${database.schema}` });
    await direct.connect();
    try {
      await sql`create table frozen_writes (id int primary key)`.execute(handle.db);
      const pid = async () =>
        (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(handle.db)).rows[0]!.pid;
      const before = await pid();

      const [lost, waited] = await timed(() =>
        failure(
          handle.db.transaction().execute(async (trx) => {
            await sql`insert into frozen_writes values (${1})`.execute(trx);
            proxy.freeze();
            // The text's second use: a named statement (pg-prepared.ts), cut as any other.
            await sql`insert into frozen_writes values (${2})`.execute(trx);
          }),
        ),
      );
      assert.ok(waited >= QUERY_MS - 50 && waited < QUERY_MS + SLACK_MS, `the statement waited ${waited} ms`);
      assert.equal(isDatabaseUnavailable(lost), true, String(lost));

      // Its connection is gone: the next query needs a new one, which the frozen server never opens.
      const [refused, connectWaited] = await timed(() => failure(sql`select 1`.execute(handle.db)));
      assert.ok(connectWaited < CONNECT_MS + SLACK_MS, `the connection waited ${connectWaited} ms`);
      assert.equal(isDatabaseUnavailable(refused), true, String(refused));
      console.log(
        `frozen PostgreSQL: a statement failed after ${Math.round(waited)} ms (query timeout ${QUERY_MS}), ` +
          `a new connection after ${Math.round(connectWaited)} ms (connect timeout ${CONNECT_MS})`,
      );

      proxy.thaw();
      // Served again without a restart, on a new connection; nothing of the transaction committed.
      const after = await pid();
      assert.notEqual(after, before, 'the connection that timed out was not reused');
      await sql`insert into frozen_writes values (3)`.execute(handle.db);
      const rows = await direct.query<{ id: number }>('select id from frozen_writes order by id');
      assert.deepEqual(
        rows.rows.map((r) => r.id),
        [3],
      );
    } finally {
      proxy.thaw();
      await direct.end();
      await handle.destroy();
      await database.drop();
    }
  });

  it('through the API: requests answer 503 with Retry-After within the bounds, never 500; then everything works', async () => {
    const t = await createTestApp('postgres', { env: { ...env, AUDENCI_DB_POOL_SIZE: '3' } });
    try {
      const tenant = await createTenant(t);
      const key = tenant.live.admin;
      const brand = await call(t.app, 'POST', '/api/v1/brands', { key, body: { name: 'Before' } });
      assert.equal(brand.status, 201, brand.raw);

      proxy.freeze();
      const answers: [string, Answer, number][] = [];
      try {
        // More requests at once than the pool has connections: some wait for one, some for an answer.
        const requests = [
          ...Array.from({ length: 6 }, () => ['GET', '/api/v1/brands', undefined] as const),
          ['POST', '/api/v1/brands', { name: 'During' }] as const,
          ['GET', `/api/v1/brands/${brand.body.data.id}`, undefined] as const,
        ];
        await Promise.all(
          requests.map(async ([method, path, body]) => {
            const [res, ms] = await timed(() => call(t.app, method, path, { key, body }));
            answers.push([`${method} ${path}`, res, ms]);
          }),
        );
        const [ready, readyMs] = await timed(() => call(t.app, 'GET', '/readyz'));
        answers.push(['GET /readyz', ready, readyMs]);
      } finally {
        proxy.thaw();
      }
      const bound = CONNECT_MS + QUERY_MS + SLACK_MS;
      for (const [what, res, ms] of answers) {
        assert.equal(res.status, 503, `${what}: ${res.raw}`);
        assert.equal(res.headers['retry-after'], '1', what);
        assert.equal(res.body.error.code, 'SERVICE_UNAVAILABLE', what);
        assert.ok(ms < bound, `${what} took ${ms} ms (bound ${bound})`);
      }
      const api = answers.filter(([what]) => what !== 'GET /readyz');
      for (const [what, res] of api) {
        assert.deepEqual(
          res.body,
          {
            error: { code: 'SERVICE_UNAVAILABLE', message: 'The service is busy; retry shortly' },
          },
          what,
        );
      }
      assert.deepEqual(answers.at(-1)![1].body, {
        error: {
          code: 'SERVICE_UNAVAILABLE',
          message: 'The database is not reachable',
          details: { check: 'database' },
        },
      });
      console.log(
        `frozen PostgreSQL through the API: 503 after ${answers.map(([, , ms]) => Math.round(ms)).join(', ')} ms`,
      );

      // Thawed: reads and writes succeed at once, and the refused write did not happen.
      const created = await call(t.app, 'POST', '/api/v1/brands', { key, body: { name: 'After' } });
      assert.equal(created.status, 201, created.raw);
      const list = await call(t.app, 'GET', '/api/v1/brands', { key });
      assert.equal(list.status, 200, list.raw);
      assert.deepEqual((list.body.data as { name: string }[]).map((b) => b.name).sort(), ['After', 'Before']);
      assert.equal((await call(t.app, 'GET', '/readyz')).status, 200);
    } finally {
      proxy.thaw();
      await t.close();
    }
  });
});
