import { sql, type Kysely } from 'kysely';

/**
 * Two-factor sign-in: `users.totp_last_step` (the last 30-second step whose code was accepted, so a
 * code is never accepted twice) and `recovery_codes` (a person's single-use codes for when the
 * authenticator is lost, stored only as SHA-256 hashes; `used_at` once spent).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('totp_last_step', 'bigint').execute();

  await db.schema
    .createTable('recovery_codes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addUniqueConstraint('recovery_codes_user_code', ['user_id', 'code_hash'])
    .execute();

  // A reset is found by the hash of its link's token (unique already); a person's are ended together.
  await sql`create index password_resets_user on password_resets (user_id)`.execute(db);
}
