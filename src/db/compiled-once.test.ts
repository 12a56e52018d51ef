import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { createTenant, createTestApp, dialects, type TestApp, type Tenant } from '../../test/helpers/app.js';
import { compiledOnce } from './compiled-once.js';
import { findById, scoped } from './tenant.js';

/** Queries compiled once and run with new values, on each database. */
for (const dialect of dialects) {
  describe(`compiled-once queries (${dialect})`, () => {
    let t: TestApp;
    let a: Tenant;
    let b: Tenant;
    const brand = (id: string, name: string) => ({
      id,
      name,
      timezone: 'UTC',
      voice: null,
      colors: '[]',
      created_at: 1,
      updated_at: 1,
    });

    before(async () => {
      t = await createTestApp(dialect);
      a = await createTenant(t);
      b = await createTenant(t, { name: 'Other org' });
      const db = t.runtime.ctx.db;
      const live = (x: Tenant) => ({ organizationId: x.org.id, environment: 'live' as const });
      await scoped(db, live(a)).insertInto('brands', brand('brd_a1', 'A one')).execute();
      await scoped(db, live(a)).insertInto('brands', brand('brd_a2', 'A two')).execute();
      await scoped(db, live(b)).insertInto('brands', brand('brd_b1', 'B one')).execute();
    });
    after(() => t.close());

    it('finds by id within the tenant only, whichever values come first', async () => {
      const db = t.runtime.ctx.db;
      const live = (x: Tenant) => ({ organizationId: x.org.id, environment: 'live' as const });
      const test = (x: Tenant) => ({ organizationId: x.org.id, environment: 'test' as const });
      // Another tenant first, then the owner: the SQL is the first call's, the values each call's.
      assert.equal(await findById(db, live(b), 'brands', 'brd_a1'), undefined);
      assert.equal((await findById(db, live(a), 'brands', 'brd_a1'))?.name, 'A one');
      assert.equal((await findById(db, live(a), 'brands', 'brd_a2'))?.name, 'A two');
      assert.equal(await findById(db, test(a), 'brands', 'brd_a1'), undefined, 'another environment');
      assert.equal((await findById(db, live(b), 'brands', 'brd_b1'))?.name, 'B one');
      assert.equal(await findById(db, live(a), 'brands', 'brd_b1'), undefined);
      assert.equal(await findById(db, live(a), 'brands', 'brd_nope'), undefined);
    });

    it('runs in a transaction and sees its uncommitted writes; the rollback leaves nothing', async () => {
      const db = t.runtime.ctx.db;
      const live = { organizationId: a.org.id, environment: 'live' as const };
      await assert.rejects(
        db.transaction().execute(async (trx) => {
          await scoped(trx, live).insertInto('brands', brand('brd_a3', 'A three')).execute();
          assert.equal((await findById(trx, live, 'brands', 'brd_a3'))?.name, 'A three');
          throw new Error('roll back');
        }),
        /roll back/,
      );
      assert.equal(await findById(db, live, 'brands', 'brd_a3'), undefined);
    });

    it('keeps constants of the query and refuses a value that is not a bound parameter', async () => {
      const db = t.runtime.ctx.db;
      const named = compiledOnce((d, organizationId: string, prefix: string) =>
        d
          .selectFrom('brands')
          .select('name')
          .where('organization_id', '=', organizationId)
          .where('name', 'like', sql<string>`${prefix} || '%'`)
          .where('environment', '=', 'live')
          .orderBy('name'),
      );
      assert.deepEqual(
        (await named(db, a.org.id, 'A')).map((r) => r.name),
        ['A one', 'A two'],
      );
      assert.deepEqual(await named(db, b.org.id, 'A'), []);
      assert.deepEqual(
        (await named(db, b.org.id, 'B')).map((r) => r.name),
        ['B one'],
      );
      // A value used as an identifier would make SQL that depends on it: refused when compiled.
      const byColumn = compiledOnce((d, column: string) =>
        d.selectFrom('brands').select(sql.ref(column).as('x')).where('environment', '=', 'live'),
      );
      await assert.rejects(byColumn(db, 'name'), /value 0 is not a bound parameter/);
    });

    it('reads without Kysely’s executor when nothing is in progress (SQLite), waiting for an open transaction', async () => {
      const db = t.runtime.ctx.db;
      const live = { organizationId: a.org.id, environment: 'live' as const };
      const original = db.executeQuery.bind(db);
      let executed = 0;
      db.executeQuery = ((query: Parameters<typeof db.executeQuery>[0]) => {
        executed++;
        return original(query);
      }) as typeof db.executeQuery;
      try {
        assert.equal((await findById(db, live, 'brands', 'brd_a1'))?.name, 'A one');
        assert.equal(executed, dialect === 'sqlite' ? 0 : 1);

        // A transaction holds the connection, awaiting between its statements: a read of the database
        // (not of the transaction) waits for it and sees what it committed, never its writes in progress.
        let commit!: () => void;
        const committing = new Promise<void>((resolve) => (commit = resolve));
        let inserted!: () => void;
        const insertedYet = new Promise<void>((resolve) => (inserted = resolve));
        const transaction = db.transaction().execute(async (trx) => {
          await scoped(trx, live).insertInto('brands', brand('brd_a4', 'A four')).execute();
          inserted();
          await committing;
        });
        await insertedYet;
        const read: { done: boolean; name?: string } = { done: false };
        const reading = findById(db, live, 'brands', 'brd_a4').then((row) => {
          read.done = true;
          read.name = row?.name;
        });
        await new Promise((resolve) => setTimeout(resolve, 20));
        // (PostgreSQL reads on another connection of the pool, as before: not what this is about.)
        if (dialect === 'sqlite') assert.equal(read.done, false, 'the read waits for the transaction');
        commit();
        await transaction;
        await reading;
        if (dialect === 'sqlite') assert.equal(read.name, 'A four');
        assert.equal((await findById(db, live, 'brands', 'brd_a4'))?.name, 'A four');
      } finally {
        db.executeQuery = original;
      }
    });
  });
}
