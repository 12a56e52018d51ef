import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { dialects, openUnmigrated, type UnmigratedDatabase } from '../../test/helpers/app.js';
import { runInUnit } from './unit-of-work.js';

/** Units of work on a small table of their own, on each database. */
for (const dialect of dialects) {
  describe(`units of work (${dialect})`, () => {
    let fresh: UnmigratedDatabase;
    before(async () => {
      fresh = await openUnmigrated(dialect);
      await sql`create table uow_items (id text primary key, note text not null)`.execute(fresh.db);
    });
    after(() => fresh.close());

    const db = () => fresh.db;
    const ids = async () =>
      (
        await db()
          .selectFrom('uow_items' as never)
          .select('id' as never)
          .orderBy('id' as never)
          .execute()
      ).map((r) => (r as { id: string }).id);
    const insert = (id: string) =>
      db()
        .insertInto('uow_items' as never)
        .values({ id, note: id } as never)
        .execute();
    const clear = () =>
      db()
        .deleteFrom('uow_items' as never)
        .execute();

    it('plain writes and transactions inside a unit commit together, with `last`', async () => {
      await clear();
      const unit = fresh.handle.beginUnit();
      await runInUnit(unit, async () => {
        await insert('a');
        await db()
          .transaction()
          .execute(async (trx) => {
            await trx
              .insertInto('uow_items' as never)
              .values({ id: 'b', note: 'b' } as never)
              .execute();
          });
        // The unit reads what it wrote (on PostgreSQL, on its own connection).
        assert.deepEqual(await ids(), ['a', 'b']);
      });
      // Outside the unit nothing is visible before the commit (PostgreSQL: another connection; SQLite:
      // the unit holds the one connection, so this read waits: read it only after the commit).
      let lastRan = false;
      await unit.commit(async () => {
        await insert('record');
        lastRan = true;
      });
      assert.ok(lastRan);
      assert.deepEqual(await ids(), ['a', 'b', 'record']);
      // Its async context ended with it (Node's context tracking costs every promise while one lives).
      assert.equal(unit.scope, undefined);
    });

    it('rollback undoes every write of the unit, plain and transactional', async () => {
      await clear();
      const unit = fresh.handle.beginUnit();
      await runInUnit(unit, async () => {
        await insert('x');
        await db()
          .transaction()
          .execute(async (trx) => {
            await trx
              .insertInto('uow_items' as never)
              .values({ id: 'y', note: 'y' } as never)
              .execute();
          });
      });
      await unit.rollback();
      await unit.rollback(); // twice is harmless
      assert.deepEqual(await ids(), []);
      assert.equal(unit.scope, undefined);
    });

    it('a failing transaction inside a unit undoes only its own writes (a savepoint)', async () => {
      await clear();
      const unit = fresh.handle.beginUnit();
      await runInUnit(unit, async () => {
        await insert('kept');
        await assert.rejects(
          db()
            .transaction()
            .execute(async (trx) => {
              await trx
                .insertInto('uow_items' as never)
                .values({ id: 'undone', note: 'undone' } as never)
                .execute();
              // A duplicate key: the statement fails, and the transaction with it.
              await trx
                .insertInto('uow_items' as never)
                .values({ id: 'kept', note: 'again' } as never)
                .execute();
            }),
        );
        // The unit's transaction is usable again after the savepoint rolled back (PostgreSQL would
        // refuse every statement of an aborted transaction otherwise).
        await insert('after');
      });
      await unit.commit(async () => undefined);
      assert.deepEqual(await ids(), ['after', 'kept']);
    });

    it('a nested commit whose release fails throws the database’s error, not a missing savepoint', async () => {
      await clear();
      const unit = fresh.handle.beginUnit();
      await runInUnit(unit, async () => {
        await insert('before');
        const failure = await db()
          .transaction()
          .execute(async (trx) => {
            await trx
              .insertInto('uow_items' as never)
              .values({ id: 'nested', note: 'nested' } as never)
              .execute();
            // As a connection cut mid-commit would: the savepoint's release at commit fails.
            const savepoints = (unit as unknown as { savepoints: string[] }).savepoints;
            await sql.raw(`release savepoint ${savepoints[savepoints.length - 1]!}`).execute(trx);
          })
          .then(
            () => undefined,
            (error: unknown) => error,
          );
        assert.ok(failure instanceof Error, 'the transaction failed');
        assert.doesNotMatch(failure.message, /No nested transaction/);
        assert.match(failure.message, /savepoint/i);
      });
      await unit.rollback();
      assert.deepEqual(await ids(), []);
    });

    it('a failing `last` rolls the whole unit back and throws', async () => {
      await clear();
      const unit = fresh.handle.beginUnit();
      await runInUnit(unit, () => insert('work'));
      await assert.rejects(
        unit.commit(async () => {
          throw new Error('the record could not be written');
        }),
        /could not be written/,
      );
      assert.deepEqual(await ids(), []);
    });

    it('reads before the first write hold no transaction; a unit that only reads commits `last` alone', async () => {
      await clear();
      await insert('seen');
      const unit = fresh.handle.beginUnit();
      await runInUnit(unit, async () => {
        assert.deepEqual(await ids(), ['seen']);
        assert.equal(unit.open, false, 'a read does not open the unit');
      });
      // Meanwhile others write freely (on SQLite a held transaction would make this wait forever).
      await insert('other');
      await unit.commit(async () => void (await insert('record')));
      assert.deepEqual(await ids(), ['other', 'record', 'seen']);
    });

    it(
      'a SELECT whose WITH writes opens the unit: its insert is undone by the rollback',
      {
        skip: dialect !== 'postgres' && 'data-modifying WITH is PostgreSQL only',
      },
      async () => {
        await clear();
        const unit = fresh.handle.beginUnit();
        await runInUnit(unit, async () => {
          const written = await db()
            .with('w', (qb) =>
              qb.insertInto('uow_items' as never).values({ id: 'cte', note: 'cte' } as never),
            )
            .selectFrom('uow_items' as never)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .execute();
          assert.ok(written.length === 1);
          assert.equal(unit.open, true, 'the statement writes: it runs in the unit');
        });
        await unit.rollback();
        assert.deepEqual(await ids(), []);
      },
    );

    it('queries outside the unit are untouched by it', async () => {
      await clear();
      const unit = fresh.handle.beginUnit();
      await insert('outside');
      await runInUnit(unit, () => insert('inside'));
      await unit.rollback();
      assert.deepEqual(await ids(), ['outside']);
    });
  });
}
