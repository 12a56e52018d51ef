import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql, type Migration } from 'kysely';
import pg from 'pg';
import {
  call,
  createTenant,
  createTestApp,
  createTestDatabase,
  type TestApp,
} from '../../test/helpers/app.js';
import { isDatabaseUnavailable } from './errors.js';
import { createDb, migrateDatabase } from './index.js';
import { migrations } from './migrations/index.js';

/**
 * `AUDENCI_DB_STATEMENT_TIMEOUT_MS` (PostgreSQL): a statement that runs too long is cancelled, and a
 * request whose statement was cancelled answers 503 with Retry-After (never 500) and changes nothing;
 * migrations run on a connection of their own without the limit.
 */
const url = process.env.TEST_DATABASE_URL;
const skip = url ? false : 'PostgreSQL only (TEST_DATABASE_URL unset)';

describe('the PostgreSQL statement timeout', { skip }, () => {
  it('cancels a longer statement with SQLSTATE 57014, which counts as "database unavailable"', async () => {
    const database = createTestDatabase('postgres', { env: { AUDENCI_DB_STATEMENT_TIMEOUT_MS: '150' } });
    const handle = createDb(database.config, { schema: database.schema });
    const unlimited = createDb(database.config, { schema: database.schema, statementTimeoutMs: 0 });
    try {
      const shown = await sql<{ statement_timeout: string }>`show statement_timeout`.execute(handle.db);
      assert.equal(shown.rows[0]?.statement_timeout, '150ms');
      const error = await sql`select pg_sleep(1)`.execute(handle.db).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.equal((error as { code?: string } | undefined)?.code, '57014');
      assert.equal(isDatabaseUnavailable(error), true);
      // The same pool goes on serving, and a handle made without the limit has none.
      await sql`select 1`.execute(handle.db);
      const none = await sql<{ statement_timeout: string }>`show statement_timeout`.execute(unlimited.db);
      assert.equal(none.rows[0]?.statement_timeout, '0');
      await sql`select pg_sleep(0.3)`.execute(unlimited.db);
    } finally {
      await handle.destroy();
      await unlimited.destroy();
      await database.drop();
    }
  });

  it('runs migrations on a connection of their own, without the limit', async () => {
    const database = createTestDatabase('postgres', { env: { AUDENCI_DB_STATEMENT_TIMEOUT_MS: '100' } });
    const handle = createDb(database.config, { schema: database.schema });
    // The project's migrations plus one slower than the limit, as a large backfill would be.
    const slow: Migration = {
      async up(db) {
        await sql`select pg_sleep(0.4)`.execute(db);
        await sql`create table slow_backfill (id text primary key)`.execute(db);
      },
    };
    const withSlow = { ...migrations, '9999_slow_backfill': slow };
    try {
      const report = await migrateDatabase(database.config, handle, { schema: database.schema }, withSlow);
      assert.ok(report.applied.includes('9999_slow_backfill'));
      assert.ok(report.applied.includes('0001_foundation'));
      // The tables are there for the limited pool, which itself would have failed the slow step.
      await sql`select count(*) from slow_backfill`.execute(handle.db);
      const error = await sql`select pg_sleep(0.4)`.execute(handle.db).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.equal((error as { code?: string } | undefined)?.code, '57014');
    } finally {
      await handle.destroy();
      await database.drop();
    }
  });

  describe('through the API', () => {
    let t: TestApp;
    let admin: string;
    let blocker: pg.Client;

    before(async () => {
      t = await createTestApp('postgres', { env: { AUDENCI_DB_STATEMENT_TIMEOUT_MS: '300' } });
      admin = (await createTenant(t)).live.admin;
      blocker = new pg.Client({
        connectionString: url,
        options: `-c search_path=${t.database.schema}`,
      });
      await blocker.connect();
    });
    after(async () => {
      await blocker.end();
      await t.close();
    });

    it(
      'a write stuck behind a lock for longer answers 503 with Retry-After and changes nothing',
      { timeout: 20_000 },
      async () => {
        const created = await call(t.app, 'POST', '/api/v1/brands', { key: admin, body: { name: 'Locked' } });
        assert.equal(created.status, 201, created.raw);
        const id = created.body.data.id as string;
        // Another session holds the brand's row lock (a long transaction, a stuck admin script).
        await blocker.query('begin');
        await blocker.query('select id from brands where id = $1 for update', [id]);
        try {
          const stuck = await call(t.app, 'PUT', `/api/v1/brands/${id}`, {
            key: admin,
            body: { name: 'Renamed' },
          });
          assert.equal(stuck.status, 503, stuck.raw);
          assert.equal(stuck.body.error.code, 'SERVICE_UNAVAILABLE');
          assert.equal(stuck.headers['retry-after'], '1');
          assert.doesNotMatch(stuck.raw, /statement|timeout|cancel|select|update/i);
        } finally {
          await blocker.query('rollback');
        }
        const unchanged = await call(t.app, 'GET', `/api/v1/brands/${id}`, { key: admin });
        assert.equal(unchanged.body.data.name, 'Locked');
        // Once the lock is gone the same request succeeds.
        const retried = await call(t.app, 'PUT', `/api/v1/brands/${id}`, {
          key: admin,
          body: { name: 'Renamed' },
        });
        assert.equal(retried.status, 200, retried.raw);
        assert.equal(retried.body.data.name, 'Renamed');
      },
    );
  });
});
