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
  });
}
