import { sql, type Kysely } from 'kysely';

/**
 * Social accounts (platform tokens sealed with the secret box) and pending OAuth authorizations.
 * An account or a pending authorization goes with its brand: deleting a brand deletes them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('social_accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) =>
      c.notNull().references('organizations.id').onDelete('cascade'),
    )
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('brand_id', 'text', (c) => c.notNull().references('brands.id').onDelete('cascade'))
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('platform_account_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('username', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('access_token_enc', 'text', (c) => c.notNull())
    .addColumn('refresh_token_enc', 'text')
    .addColumn('token_expires_at', 'bigint')
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('last_refreshed_at', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('social_accounts_identity', [
      'organization_id',
      'environment',
      'platform',
      'platform_account_id',
      'brand_id',
    ])
    .execute();
  for (const [name, columns] of [
    ['social_accounts_t_created', 'created_at, id'],
    ['social_accounts_t_brand_created', 'brand_id, created_at, id'],
  ] as const) {
    await sql`create index ${sql.raw(name)} on social_accounts (organization_id, environment, ${sql.raw(columns)})`.execute(
      db,
    );
  }
  // The token-refresh sweep: connected accounts whose token expires soonest, across tenants.
  await db.schema
    .createIndex('social_accounts_refresh')
    .on('social_accounts')
    .columns(['status', 'token_expires_at'])
    .execute();

  await db.schema
    .createTable('oauth_states')
    .addColumn('state', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) =>
      c.notNull().references('organizations.id').onDelete('cascade'),
    )
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('brand_id', 'text', (c) => c.notNull().references('brands.id').onDelete('cascade'))
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('redirect_uri', 'text')
    .addColumn('code_verifier_enc', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('oauth_states_expires').on('oauth_states').column('expires_at').execute();
}
