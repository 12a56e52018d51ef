import { sql, type Kysely } from 'kysely';

/**
 * Content plans: a stored preview (parameters, items and summary as JSON) that `apply` turns
 * into a campaign and its draft posts, once. `campaign_id` is no foreign key: the campaign may be deleted
 * later and the plan still says what it made.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('plans')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) =>
      c.notNull().references('organizations.id').onDelete('cascade'),
    )
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('brand_id', 'text', (c) => c.notNull().references('brands.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('parameters', 'text', (c) => c.notNull())
    .addColumn('items', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('campaign_id', 'text')
    .addColumn('applied_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  // `GET /plans` sorted by createdAt, unfiltered or by brand or status.
  for (const [name, columns] of [
    ['plans_tenant_created', 'created_at, id'],
    ['plans_tenant_brand_created', 'brand_id, created_at, id'],
    ['plans_tenant_status_created', 'status, created_at, id'],
  ] as const) {
    await sql`create index ${sql.raw(name)} on plans (organization_id, environment, ${sql.raw(columns)})`.execute(
      db,
    );
  }
}
