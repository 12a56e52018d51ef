import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely, type Migrator } from 'kysely';
import { dialects, openUnmigrated, type UnmigratedDatabase } from '../../test/helpers/app.js';
import type { Database } from './database.js';

/**
 * Migration 0017 gives every event a log position (its place in commit order, read by
 * `GET /events/stream`): events already there get one, and each event recorded later one above them all —
 * also after the newest events are deleted (SQLite would give a deleted rowid again).
 */

const T0 = Date.parse('2030-04-01T00:00:00Z');

for (const dialect of dialects) {
  describe(`migration 0017_event_log_position (${dialect})`, () => {
    let fresh: UnmigratedDatabase;
    let db: Kysely<Database>;
    let migrator: Migrator;

    before(async () => {
      fresh = await openUnmigrated(dialect);
      ({ db, migrator } = fresh);
    });
    after(() => fresh.close());

    const insert = (id: string) =>
      sql`insert into events (id, organization_id, environment, type, brand_id, data, created_at)
          values (${id}, 'org_a', 'live', 'post.created', null, '{}', ${T0})`.execute(db);
    const positions = async () =>
      (await db.selectFrom('events').select(['id', 'log_position']).orderBy('id').execute()).map(
        (r) => [r.id, Number(r.log_position)] as const,
      );

    it('positions the events there and every later one above them, never reusing one', async () => {
      const before = await migrator.migrateTo('0016_two_factor');
      assert.equal(before.error, undefined, String(before.error));
      await sql`insert into organizations (id, name, plan, rate_limit_override, created_at, updated_at)
                values ('org_a', 'A', 'scale', null, ${T0}, ${T0})`.execute(db);
      await insert('evt_1');
      await insert('evt_2');

      const latest = await migrator.migrateToLatest();
      assert.equal(latest.error, undefined, String(latest.error));
      const old = await positions();
      assert.equal(old.length, 2);
      for (const [, position] of old) assert.ok(Number.isInteger(position) && position > 0);

      await insert('evt_3');
      await insert('evt_4');
      const all = new Map(await positions());
      const highestOld = Math.max(all.get('evt_1')!, all.get('evt_2')!);
      assert.ok(all.get('evt_3')! > highestOld, 'a later event stands above the ones migrated');
      assert.ok(all.get('evt_4')! > all.get('evt_3')!, 'in the order they commit');

      // The newest events go (retention, an organization deleted): a new one still stands above them.
      await db.deleteFrom('events').where('id', 'in', ['evt_3', 'evt_4']).execute();
      await insert('evt_5');
      const after = new Map(await positions());
      assert.ok(after.get('evt_5')! > all.get('evt_4')!, 'no position is given twice');
    });
  });
}
