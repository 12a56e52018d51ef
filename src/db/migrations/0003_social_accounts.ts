import type { Kysely } from 'kysely';
import { createTenantIndexes, createTenantTable, tenantColumns, timestamps } from './ddl.js';

/**
 * Social accounts (platform tokens sealed with the secret box) and pending OAuth authorizations.
 * An account or a pending authorization goes with its brand: deleting a brand deletes them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await createTenantTable(db, 'social_accounts')
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
    .$call(timestamps)
    .addUniqueConstraint('social_accounts_identity', [
      'organization_id',
      'environment',
      'platform',
      'platform_account_id',
      'brand_id',
    ])
    .execute();
  await createTenantIndexes(db, 'social_accounts', [
    ['social_accounts_t_created', 'created_at, id'],
    ['social_accounts_t_brand_created', 'brand_id, created_at, id'],
  ]);
  // The token-refresh sweep: connected accounts whose token expires soonest, across tenants.
  await db.schema
    .createIndex('social_accounts_refresh')
    .on('social_accounts')
    .columns(['status', 'token_expires_at'])
    .execute();

  await db.schema
    .createTable('oauth_states')
    .addColumn('state', 'text', (c) => c.primaryKey())
    .$call(tenantColumns)
    .addColumn('brand_id', 'text', (c) => c.notNull().references('brands.id').onDelete('cascade'))
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('redirect_uri', 'text')
    .addColumn('code_verifier_enc', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('oauth_states_expires').on('oauth_states').column('expires_at').execute();
}
