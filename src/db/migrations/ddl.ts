import { sql, type ColumnBuilderCallback, type CreateTableBuilder, type Kysely } from 'kysely';

/**
 * The building blocks of the migrations: the columns and indexes most tables share.
 *
 * Shipped migrations are made of these, so what each one emits is frozen exactly as a migration is: the
 * same statement text, column for column (SQLite keeps the text of every CREATE statement, and a
 * database migrated before a change must look like one migrated after it). Never change one: a new step
 * that needs something else writes it out or adds a helper of its own.
 */

/**
 * The tenant of a row: its organization (deleting the organization deletes the row) and environment
 * (`live` or `test`). Every tenant's query filters on both.
 */
export function tenantColumns<TB extends string, C extends string>(
  table: CreateTableBuilder<TB, C>,
): CreateTableBuilder<TB, C | 'organization_id' | 'environment'> {
  return addTenant(table, (c) => c.notNull().references('organizations.id').onDelete('cascade'));
}

/** The tenant of an analytics row (0010, 0012): there the organization is no foreign key. */
export function analyticsTenantColumns<TB extends string, C extends string>(
  table: CreateTableBuilder<TB, C>,
): CreateTableBuilder<TB, C | 'organization_id' | 'environment'> {
  return addTenant(table, (c) => c.notNull());
}

/** `organization_id`, made by `organization`, then `environment`. */
function addTenant<TB extends string, C extends string>(
  table: CreateTableBuilder<TB, C>,
  organization: ColumnBuilderCallback,
): CreateTableBuilder<TB, C | 'organization_id' | 'environment'> {
  return table
    .addColumn('organization_id', 'text', organization)
    .addColumn('environment', 'text', (c) => c.notNull());
}

/** A table of tenant rows that starts as most do: a text primary key `id`, then the tenant. */
export function createTenantTable<TB extends string>(
  db: Kysely<unknown>,
  name: TB,
): CreateTableBuilder<TB, 'id' | 'organization_id' | 'environment'> {
  return db.schema
    .createTable(name)
    .addColumn('id', 'text', (c) => c.primaryKey())
    .$call(tenantColumns);
}

/** `created_at` and `updated_at`: epoch milliseconds, always set. */
export function timestamps<TB extends string, C extends string>(
  table: CreateTableBuilder<TB, C>,
): CreateTableBuilder<TB, C | 'created_at' | 'updated_at'> {
  return table
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull());
}

/** An index by name, and its columns after the tenant's (SQL, e.g. `status, created_at, id`). */
export type TenantIndex = readonly [name: string, columns: string];

/**
 * Indexes of `table` that start with the tenant, `(organization_id, environment, <columns>)`: a tenant's
 * lists and lookups read only that tenant's rows, in the order they are paged.
 */
export async function createTenantIndexes(
  db: Kysely<unknown>,
  table: string,
  indexes: readonly TenantIndex[],
): Promise<void> {
  for (const [name, columns] of indexes) {
    await sql`create index ${sql.raw(name)} on ${sql.raw(table)} (organization_id, environment, ${sql.raw(columns)})`.execute(
      db,
    );
  }
}
