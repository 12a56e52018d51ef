import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { createTestDatabase } from '../../test/helpers/app.js';
import { watchTimers } from '../../test/helpers/timers.js';
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

/** A bound no other timer of the pool uses, so its timers can be told apart from theirs. */
const BOUND_MS = 4321;

describe('PostgreSQL answer bound', { skip }, () => {
  it('starts no timer per query', async () => {
    const database = createTestDatabase('postgres', {
      env: { AUDENCI_DB_QUERY_TIMEOUT_MS: String(BOUND_MS) },
    });
    const handle = createDb(database.config, { schema: database.schema });
    const sixAtOnce = () =>
      Promise.all(Array.from({ length: 6 }, () => sql`select pg_sleep(0.05)`.execute(handle.db)));
    try {
      // Six connections opened first: what is counted is the queries, not the connecting.
      await sixAtOnce();
      const watch = watchTimers();
      try {
        await sixAtOnce();
      } finally {
        watch.stop();
      }
      const started = watch.started(BOUND_MS);
      assert.equal(started, 0, `${started} timers of ${BOUND_MS} ms for 6 queries`);
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
