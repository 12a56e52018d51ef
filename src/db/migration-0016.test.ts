import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely, type Migrator } from 'kysely';
import { dialects, openUnmigrated, type UnmigratedDatabase } from '../../test/helpers/app.js';
import type { Database } from './database.js';

/**
 * Migration 0016 adds `users.totp_last_step` (null for everyone already there) and `recovery_codes`
 * (unique per person and hash, deleted with the person). A database is migrated up to 0015, given a
 * person, then migrated to the latest step.
 */

const T0 = Date.parse('2030-03-01T00:00:00Z');

for (const dialect of dialects) {
  describe(`migration 0016_two_factor (${dialect})`, () => {
    let fresh: UnmigratedDatabase;
    let db: Kysely<Database>;
    let migrator: Migrator;

    before(async () => {
      fresh = await openUnmigrated(dialect);
      ({ db, migrator } = fresh);
    });
    after(() => fresh.close());

    it('keeps the people there, each without a last step, and adds recovery codes', async () => {
      const before = await migrator.migrateTo('0015_people');
      assert.equal(before.error, undefined, String(before.error));
      assert.equal(before.results?.at(-1)?.migrationName, '0015_people');
      await sql`insert into users (id, email, name, password_hash, totp_secret, totp_enabled_at, created_at, updated_at)
                values ('usr_a', 'a@example.com', 'A', 'hash', 'v1.sealed', ${T0}, ${T0}, ${T0})`.execute(db);

      const latest = await migrator.migrateToLatest();
      assert.equal(latest.error, undefined, String(latest.error));
      assert.ok(latest.results?.some((r) => r.migrationName === '0016_two_factor' && r.status === 'Success'));

      const user = await db
        .selectFrom('users')
        .selectAll()
        .where('id', '=', 'usr_a')
        .executeTakeFirstOrThrow();
      assert.equal(user.totp_last_step, null);
      assert.equal(user.totp_secret, 'v1.sealed');
      assert.equal(Number(user.totp_enabled_at), T0);
      await db
        .updateTable('users')
        .set({ totp_last_step: 63_000_000_123 })
        .where('id', '=', 'usr_a')
        .execute();
      const stepped = await db.selectFrom('users').select('totp_last_step').executeTakeFirstOrThrow();
      assert.equal(Number(stepped.totp_last_step), 63_000_000_123);

      const code = { user_id: 'usr_a', code_hash: 'h1', created_at: T0, used_at: null };
      await db
        .insertInto('recovery_codes')
        .values({ id: 'rcv_1', ...code })
        .execute();
      await db
        .insertInto('recovery_codes')
        .values({ id: 'rcv_2', ...code, code_hash: 'h2' })
        .execute();
      await assert.rejects(
        db
          .insertInto('recovery_codes')
          .values({ id: 'rcv_3', ...code })
          .execute(),
      );
      await assert.rejects(
        db
          .insertInto('recovery_codes')
          .values({ id: 'rcv_4', ...code, user_id: 'usr_nobody', code_hash: 'h4' })
          .execute(),
      );

      await db.deleteFrom('users').where('id', '=', 'usr_a').execute();
      assert.equal((await db.selectFrom('recovery_codes').selectAll().execute()).length, 0);
    });
  });
}
