import type { Insertable, Kysely, Selectable, SelectQueryBuilder, Updateable } from 'kysely';
import type { Tenant } from '../shared/tenant.js';
import type { Database } from './database.js';
import {
  columnsEqual,
  deleteById,
  findById,
  scoped,
  updateById,
  type ColumnValues,
  type TenantTable,
  type TenantTableWithId,
} from './tenant.js';

/** What an update may change: never the row's id, tenant or creation time. */
export type RowChanges<T extends TenantTableWithId> = Omit<
  Updateable<Database[T]>,
  'id' | 'organization_id' | 'environment' | 'created_at'
>;

/**
 * The statements every repository of a tenant table with ids has, bound to its table, so that a
 * repository names them (`export const findBrand = brands.find`) instead of writing each again.
 */
export interface TenantRows<T extends TenantTableWithId> {
  /** Inserts a row; its `organization_id` and `environment` are the tenant's, whatever it says. */
  insert(db: Kysely<Database>, tenant: Tenant, row: Insertable<Database[T]>): Promise<void>;
  find(db: Kysely<Database>, tenant: Tenant, id: string): Promise<Selectable<Database[T]> | undefined>;
  /** Answers how many rows changed (0 or 1); `guard` as for `updateById`. */
  update(
    db: Kysely<Database>,
    tenant: Tenant,
    id: string,
    changes: RowChanges<T>,
    guard?: ColumnValues<T>,
  ): Promise<number>;
  /** Answers how many rows went (0 or 1). */
  remove(db: Kysely<Database>, tenant: Tenant, id: string): Promise<number>;
  /** All columns of the tenant's rows whose columns equal `filters` (the query of a list, to paginate). */
  where(
    db: Kysely<Database>,
    tenant: Tenant,
    filters: ColumnValues<T>,
  ): SelectQueryBuilder<Database, T, Selectable<Database[T]>>;
}

export function tenantRows<T extends TenantTableWithId>(table: T): TenantRows<T> {
  return {
    async insert(db, tenant, row) {
      await scoped(db, tenant).insertInto(table, row).execute();
    },
    find: (db, tenant, id) => findById(db, tenant, table, id),
    update: (db, tenant, id, changes, guard) =>
      updateById(db, tenant, table, id, changes as Updateable<Database[T]>, guard),
    remove: (db, tenant, id) => deleteById(db, tenant, table, id),
    where(db, tenant, filters) {
      // Kysely cannot resolve the selection's type for a generic table name; it is the table's row.
      let query = scoped(db, tenant).selectFrom(table).selectAll() as unknown as SelectQueryBuilder<
        Database,
        T,
        Selectable<Database[T]>
      >;
      for (const condition of columnsEqual(table, filters)) query = query.where(condition);
      return query;
    },
  };
}

/**
 * Inserts many rows of the tenant's `table`, `slice` rows a statement: small enough for both databases'
 * limits on bound parameters (SQLite 32,766, PostgreSQL 65,535) at the table's number of columns.
 */
export async function insertInSlices<T extends TenantTable>(
  db: Kysely<Database>,
  tenant: Tenant,
  table: T,
  rows: readonly Insertable<Database[T]>[],
  slice: number,
): Promise<void> {
  for (let i = 0; i < rows.length; i += slice) {
    await scoped(db, tenant)
      .insertInto(table, rows.slice(i, i + slice))
      .execute();
  }
}
