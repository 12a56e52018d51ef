import { sql, type ColumnDefinitionBuilder, type Kysely } from 'kysely';
import { createTenantIndexes, timestamps } from './ddl.js';

/** A row that goes with its organization. */
const organizationRef = (c: ColumnDefinitionBuilder) =>
  c.notNull().references('organizations.id').onDelete('cascade');
/** A row that goes with its person. */
const userRef = (c: ColumnDefinitionBuilder) => c.notNull().references('users.id').onDelete('cascade');

/**
 * People and their sessions: `users` (one per email, lower-cased), `memberships` (a person's role in an
 * organization), `sessions` (a browser's sign-in, found by the hash of its cookie), `invitations` (the
 * first start's setup link, an invitation without email, and invitations by email), `password_resets`
 * and the `audit_log` of security-relevant actions. Tokens are stored only as SHA-256 hashes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('totp_secret', 'text')
    .addColumn('totp_enabled_at', 'bigint')
    .$call(timestamps)
    .execute();

  await db.schema
    .createTable('memberships')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', organizationRef)
    .addColumn('user_id', 'text', userRef)
    .addColumn('role', 'text', (c) => c.notNull())
    .$call(timestamps)
    .addUniqueConstraint('memberships_org_user', ['organization_id', 'user_id'])
    .execute();
  await sql`create index memberships_user on memberships (user_id)`.execute(db);

  // The current organization may be none (a person without membership); deleting it leaves the session
  // without one rather than signed in to nothing that exists.
  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('csrf_token_hash', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', userRef)
    .addColumn('organization_id', 'text', (c) => c.references('organizations.id').onDelete('set null'))
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .execute();
  await sql`create index sessions_user on sessions (user_id, created_at)`.execute(db);

  await db.schema
    .createTable('invitations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', organizationRef)
    .addColumn('email', 'text')
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('invited_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('accepted_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();
  await sql`create index invitations_org on invitations (organization_id, created_at)`.execute(db);

  await db.schema
    .createTable('password_resets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', userRef)
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();

  // An entry of an organization's log; the environment is null for actions on the organization itself
  // (a member invited, a role changed).
  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', organizationRef)
    .addColumn('environment', 'text')
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text')
    .addColumn('target_id', 'text')
    .addColumn('ip', 'text')
    .addColumn('data', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await createTenantIndexes(db, 'audit_log', [['audit_log_t_created', 'created_at, id']]);
  await sql`create index audit_log_org_created on audit_log (organization_id, created_at, id)`.execute(db);
}
