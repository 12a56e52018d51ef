import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { createTestDatabase, ensureSchema, type TestDatabase } from '../../../test/helpers/app.js';
import { createDb } from '../index.js';
import type { DbHandle } from './types.js';
import { PREPARED_PER_CONNECTION } from './pg-prepared.js';

/** The test's own table. */
interface PrepDb {
  prep_items: { id: string; note: string };
}

/** Named statements on PostgreSQL: one pooled connection, so every query runs on the one inspected. */
describe('repeated statements are prepared (postgres)', { skip: !process.env.TEST_DATABASE_URL }, () => {
  let database: TestDatabase;
  let handle: DbHandle;
  let db: Kysely<PrepDb>;
  const prepared = async () =>
    (await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(db)).rows.map(
      (r) => r.statement,
    );

  before(async () => {
    database = createTestDatabase('postgres');
    await ensureSchema(database);
    handle = createDb(database.config, { schema: database.schema, poolSize: 1 });
    db = handle.db as unknown as Kysely<PrepDb>;
    await sql`create table prep_items (id text primary key, note text not null)`.execute(db);
    await db.insertInto('prep_items').values({ id: 'a', note: 'one' }).execute();
  });
  after(async () => {
    await handle.destroy();
    await database.drop();
  });

  it('names a data statement from its second use on; DDL and one-off texts never', async () => {
    const find = (id: string) => db.selectFrom('prep_items').selectAll().where('id', '=', id).execute();
    assert.deepEqual(await find('a'), [{ id: 'a', note: 'one' }]);
    const text = 'select * from "prep_items" where "id" = $1';
    assert.ok(!(await prepared()).includes(text), 'not on its first use');
    assert.deepEqual(await find('a'), [{ id: 'a', note: 'one' }]);
    assert.deepEqual(await find('b'), [], 'new values, same statement');
    assert.ok((await prepared()).includes(text), 'named from the second use');
    assert.ok(!(await prepared()).some((s) => /create table/i.test(s)));
  });

  it('a table changed under a named statement: the same answer, unnamed from then on', async () => {
    const find = () => db.selectFrom('prep_items').selectAll().where('note', '=', 'one').execute();
    await find();
    await find(); // named now
    await sql`alter table prep_items add column extra text`.execute(db);
    // The cached plan's result type changed (SQLSTATE 0A000 for a named statement): answered anyway.
    assert.deepEqual(await find(), [{ id: 'a', note: 'one', extra: null }]);
    assert.deepEqual(await find(), [{ id: 'a', note: 'one', extra: null }]);
  });

  it('a named statement reads its rows as an unnamed one: types, nulls, several rows, none', async () => {
    const read = (from: number) =>
      sql<Record<string, unknown>>`select n, n::bigint as big, n % 2 = 0 as even,
          case when n % 3 = 0 then null else 'v' || n end as label, json_build_object('n', n) as doc
        from generate_series(${from}::int, 4) as n order by n`.execute(db);
    const expected = (from: number) =>
      Array.from({ length: Math.max(0, 5 - from) }, (_, i) => {
        const n = from + i;
        return { n, big: n, even: n % 2 === 0, label: n % 3 === 0 ? null : `v${n}`, doc: { n } };
      });
    // First use unnamed, then named: the description is worked out once, then reused.
    for (const from of [1, 2, 0, 5, 3, 1]) assert.deepEqual((await read(from)).rows, expected(from));
    assert.ok(
      (await prepared()).some((s) => s.includes('generate_series')),
      'named',
    );
  });

  it('names at most a bounded number of texts per connection', async () => {
    for (let i = 0; i < PREPARED_PER_CONNECTION + 40; i++) {
      for (let k = 0; k < 2; k++) await sql`select ${sql.lit(i)}::int as n, id from prep_items`.execute(db);
    }
    const count = (await prepared()).length;
    assert.ok(count <= PREPARED_PER_CONNECTION, `${count} named statements`);
    assert.ok(count >= PREPARED_PER_CONNECTION - 5, `${count}: the bound is used`);
  });

  it('is off with AUDENCI_DB_PREPARED_STATEMENTS=false', async () => {
    const off = createDb(
      { ...database.config, databasePreparedStatements: false },
      { schema: database.schema, poolSize: 1 },
    );
    try {
      for (let k = 0; k < 3; k++) await sql`select note from prep_items where id = ${'a'}`.execute(off.db);
      const names = await sql<{ n: number }>`select count(*)::int as n from pg_prepared_statements`.execute(
        off.db,
      );
      assert.equal(names.rows[0]!.n, 0);
    } finally {
      await off.destroy();
    }
  });
});
