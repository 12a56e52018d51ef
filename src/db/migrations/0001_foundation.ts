import type { Kysely } from 'kysely';
import { createTenantTable, timestamps } from './ddl.js';

/** Organizations, their brands and API keys. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('organizations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('plan', 'text', (c) => c.notNull())
    .addColumn('rate_limit_override', 'integer')
    .$call(timestamps)
    .execute();

  await createTenantTable(db, 'brands')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('voice', 'text')
    .addColumn('colors', 'text', (c) => c.notNull())
    .$call(timestamps)
    .execute();
  await createdIndex(db, 'brands');

  await createTenantTable(db, 'api_keys')
    .addColumn('name', 'text')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('last4', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .addColumn('last_used_at', 'bigint')
    .addColumn('rotated_at', 'bigint')
    .addColumn('replaced_by', 'text')
    .execute();
  await createdIndex(db, 'api_keys');
}

/**
 * `<table>_tenant_created`: a tenant's rows by creation. Made with Kysely's index builder, which quotes
 * the names in the stored statement, where later steps write the SQL (`createTenantIndexes`).
 */
async function createdIndex(db: Kysely<unknown>, table: string): Promise<void> {
  await db.schema
    .createIndex(`${table}_tenant_created`)
    .on(table)
    .columns(['organization_id', 'environment', 'created_at', 'id'])
    .execute();
}
