import type { Kysely } from 'kysely';
import { createTenantIndexes, createTenantTable, timestamps } from './ddl.js';

/**
 * Content plans: a stored preview (parameters, items and summary as JSON) that `apply` turns
 * into a campaign and its draft posts, once. `campaign_id` is no foreign key: the campaign may be deleted
 * later and the plan still says what it made.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await createTenantTable(db, 'plans')
    .addColumn('brand_id', 'text', (c) => c.notNull().references('brands.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('parameters', 'text', (c) => c.notNull())
    .addColumn('items', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('campaign_id', 'text')
    .addColumn('applied_at', 'bigint')
    .$call(timestamps)
    .execute();
  // `GET /plans` sorted by createdAt, unfiltered or by brand or status.
  await createTenantIndexes(db, 'plans', [
    ['plans_tenant_created', 'created_at, id'],
    ['plans_tenant_brand_created', 'brand_id, created_at, id'],
    ['plans_tenant_status_created', 'status, created_at, id'],
  ]);
}
