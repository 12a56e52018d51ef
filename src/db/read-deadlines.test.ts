import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { createTestDatabase } from '../../test/helpers/app.js';
import { isDatabaseUnavailable } from './errors.js';
import { createDb } from './index.js';

/**
 * `AUDENCI_DB_QUERY_TIMEOUT_MS` is kept by one watcher per pool, not by a timer per query (pg's
 * `query_timeout`): those timers made the rows of in-flight queries survive the young generation under
 * load (issue #20, sixth round). The bound itself — 503-class failure, connection dropped — is covered
 * against a frozen server by client-timeouts.test.ts.
 */
const url = process.env.TEST_DATABASE_URL;
const skip = url ? false : 'PostgreSQL only (TEST_DATABASE_URL unset)';

const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

describe('PostgreSQL answer bound', { skip }, () => {
  it('starts no timer per query', async () => {
    const database = createTestDatabase('postgres', { env: { AUDENCI_DB_QUERY_TIMEOUT_MS: '5000' } });
    const handle = createDb(database.config, { schema: database.schema });
    try {
      await sql`select 1`.execute(handle.db);
      const idle = timers();
      const running = Array.from({ length: 6 }, () => sql`select pg_sleep(0.3)`.execute(handle.db));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const during = timers();
      await Promise.all(running);
      // The 100 ms wait above is one; six queries in flight add none.
      assert.ok(during <= idle + 1, `${during} timers with 6 queries in flight, ${idle} idle`);
    } finally {
      await handle.destroy();
      await database.drop();
    }
  });

  it('fails a query past the bound as "database unavailable", and the pool goes on', async () => {
    const database = createTestDatabase('postgres', {
      env: { AUDENCI_DB_QUERY_TIMEOUT_MS: '300', AUDENCI_DB_STATEMENT_TIMEOUT_MS: '0' },
    });
    const handle = createDb(database.config, { schema: database.schema });
    try {
      const started = performance.now();
      const error = await sql`select pg_sleep(2)`.execute(handle.db).then(
        () => undefined,
        (e: unknown) => e,
      );
      const waited = performance.now() - started;
      assert.ok(error instanceof Error && error.message === 'Query read timeout', String(error));
      assert.equal(isDatabaseUnavailable(error), true);
      assert.ok(waited >= 290 && waited < 1500, `failed after ${Math.round(waited)} ms`);
      const rows = await sql<{ n: number }>`select 1 as n`.execute(handle.db);
      assert.equal(rows.rows[0]?.n, 1);
    } finally {
      await handle.destroy();
      await database.drop();
    }
  });
});
