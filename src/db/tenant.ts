import {
  sql,
  type DeleteQueryBuilder,
  type DeleteResult,
  type Expression,
  type Insertable,
  type InsertQueryBuilder,
  type InsertResult,
  type Kysely,
  type Selectable,
  type SelectQueryBuilder,
  type SqlBool,
  type Updateable,
  type UpdateQueryBuilder,
  type UpdateResult,
} from 'kysely';
import { tenantOf, type Tenant } from '../shared/tenant.js';
import type { Database } from './database.js';
import { compiledOnce } from './compiled-once.js';

/**
 * The one way to query a table whose rows belong to an organization and an environment. Every query on
 * such a table starts from `scoped(db, tenant)` (the tenant's rows only) or from `unscoped(db, reason)`
 * (a query that spans tenants on purpose, with the reason written down); `tenant-scope.test.ts` fails on
 * any other. The tables are those with both columns, so a new tenant table is covered by its migration.
 */
export type TenantTable = {
  [T in keyof Database]: Database[T] extends { organization_id: unknown; environment: unknown } ? T : never;
}[keyof Database];

/** Tenant tables whose rows have an `id`: the ones the by-id helpers below serve. */
export type TenantTableWithId = {
  [T in TenantTable]: Database[T] extends { id: string } ? T : never;
}[TenantTable];

/** A row to insert into a tenant table: the tenant's columns are filled from the tenant. */
export type TenantInsert<T extends TenantTable> = Omit<
  Insertable<Database[T]>,
  'organization_id' | 'environment'
>;

/** What `scoped` answers: Kysely's four statements on tenant tables, each already bound to the tenant. */
export interface ScopedDb {
  /** `SELECT … WHERE organization_id = ? AND environment = ?` — add selections and conditions. */
  selectFrom<T extends TenantTable>(table: T): SelectQueryBuilder<Database, T, object>;
  /** `UPDATE … WHERE organization_id = ? AND environment = ?` — add `set` and conditions. */
  updateTable<T extends TenantTable>(table: T): UpdateQueryBuilder<Database, T, T, UpdateResult>;
  /** `DELETE … WHERE organization_id = ? AND environment = ?` — add conditions. */
  deleteFrom<T extends TenantTable>(table: T): DeleteQueryBuilder<Database, T, DeleteResult>;
  /** `INSERT` of rows whose `organization_id` and `environment` are the tenant's, whatever they said. */
  insertInto<T extends TenantTable>(
    table: T,
    rows: TenantInsert<T> | readonly TenantInsert<T>[],
  ): InsertQueryBuilder<Database, T, InsertResult>;
}

/** `table.organization_id = ? and table.environment = ?`, qualified so joins cannot make it ambiguous. */
export function tenantCondition(table: string, tenant: Tenant) {
  return sql<SqlBool>`${sql.ref(`${table}.organization_id`)} = ${tenant.organizationId} and ${sql.ref(
    `${table}.environment`,
  )} = ${tenant.environment}`;
}

/**
 * Values some columns of a tenant table must hold: a list's filters, or an update's compare-and-set guard.
 * An undefined value asks nothing (a filter the caller left out); null asks for NULL.
 */
export type ColumnValues<T extends keyof Database> = {
  [C in keyof Selectable<Database[T]>]?: Selectable<Database[T]>[C] | undefined;
};

/** `table.column = value` (`is null` for null) for each defined value, qualified as `tenantCondition`. */
export function columnsEqual<T extends keyof Database>(
  table: T,
  values: ColumnValues<T>,
): Expression<SqlBool>[] {
  return Object.entries(values)
    .filter(([, value]) => value !== undefined)
    .map(([column, value]: [string, unknown]) =>
      value === null
        ? sql<SqlBool>`${sql.ref(`${table}.${column}`)} is null`
        : sql<SqlBool>`${sql.ref(`${table}.${column}`)} = ${value}`,
    );
}

/** Queries on tenant tables that see and change the rows of `tenant` only. */
export function scoped(db: Kysely<Database>, tenant: Tenant): ScopedDb {
  // Kysely cannot resolve its table-expression types for a generic table name; the casts say what they
  // are for every concrete name.
  return {
    selectFrom<T extends TenantTable>(table: T) {
      const query = db.selectFrom(table as TenantTable) as unknown as SelectQueryBuilder<Database, T, object>;
      return query.where(tenantCondition(table, tenant));
    },
    updateTable<T extends TenantTable>(table: T) {
      const query = db.updateTable(table as TenantTable) as unknown as UpdateQueryBuilder<
        Database,
        T,
        T,
        UpdateResult
      >;
      return query.where(tenantCondition(table, tenant));
    },
    deleteFrom<T extends TenantTable>(table: T) {
      const query = db.deleteFrom(table as TenantTable) as unknown as DeleteQueryBuilder<
        Database,
        T,
        DeleteResult
      >;
      return query.where(tenantCondition(table, tenant));
    },
    insertInto<T extends TenantTable>(table: T, rows: TenantInsert<T> | readonly TenantInsert<T>[]) {
      const own = { organization_id: tenant.organizationId, environment: tenant.environment };
      const values = Array.isArray(rows) ? rows.map((row) => ({ ...row, ...own })) : { ...rows, ...own };
      return db.insertInto(table).values(values as never);
    },
  };
}

/**
 * The database for a query on tenant tables that spans tenants on purpose (the worker claiming jobs,
 * retention sweeps, a key found by its hash). `reason` says why; the scope check requires it.
 */
export function unscoped(db: Kysely<Database>, reason: string): Kysely<Database> {
  void reason;
  return db;
}

/** The by-id read of each table, compiled once (db/compiled-once.ts): the hottest query of the API. */
const findQueries = new Map<TenantTableWithId, ReturnType<typeof findQuery>>();

function findQuery(table: TenantTableWithId) {
  return compiledOnce((db, organizationId: string, environment: string, id: string) =>
    scoped(db, tenantOf(organizationId, environment))
      .selectFrom(table)
      .selectAll()
      .where(sql.ref(`${table}.id`), '=', id),
  );
}

/** One row of the tenant's `table` by id. */
export async function findById<T extends TenantTableWithId>(
  db: Kysely<Database>,
  tenant: Tenant,
  table: T,
  id: string,
): Promise<Selectable<Database[T]> | undefined> {
  let query = findQueries.get(table);
  if (!query) findQueries.set(table, (query = findQuery(table)));
  const [row] = await query(db, tenant.organizationId, tenant.environment, id);
  return row as Selectable<Database[T]> | undefined;
}

/**
 * Updates one row of the tenant's `table` by id, if its columns still hold the values of `guard` (a
 * compare-and-set: another transaction may have changed the row first); answers how many rows changed
 * (0 or 1).
 */
export async function updateById<T extends TenantTableWithId>(
  db: Kysely<Database>,
  tenant: Tenant,
  table: T,
  id: string,
  changes: Updateable<Database[T]>,
  guard: ColumnValues<T> = {},
): Promise<number> {
  let query = scoped(db, tenant)
    .updateTable(table)
    .set(changes as never)
    .where(sql.ref(`${table}.id`), '=', id);
  for (const condition of columnsEqual(table, guard)) query = query.where(condition);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Deletes one row of the tenant's `table` by id; answers how many rows went (0 or 1). */
export async function deleteById<T extends TenantTableWithId>(
  db: Kysely<Database>,
  tenant: Tenant,
  table: T,
  id: string,
): Promise<number> {
  const result = await scoped(db, tenant)
    .deleteFrom(table)
    .where(sql.ref(`${table}.id`), '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Tables whose rows belong to an organization in all its environments (its members, its invitations):
 * no `environment` column, so no tenant tables, and every query on them names the organization.
 */
export type OrganizationTable = {
  [T in keyof Database]: Database[T] extends { organization_id: string; id: string }
    ? T extends TenantTable
      ? never
      : T
    : never;
}[keyof Database];

/**
 * The statements on an organization table, bound to it: each names the organization, and `filters` are
 * the values other columns must hold (as for `columnsEqual`) — the row's `id` and, for an update or a
 * delete, the values a compare-and-set expects it still to have.
 */
export interface OrganizationRows<T extends OrganizationTable> {
  insert(db: Kysely<Database>, row: Insertable<Database[T]>): Promise<void>;
  /** All columns of the organization's rows whose columns equal `filters` (a list's query, to paginate). */
  where(
    db: Kysely<Database>,
    organizationId: string,
    filters?: ColumnValues<T>,
  ): SelectQueryBuilder<Database, T, Selectable<Database[T]>>;
  /** The first of the organization's rows whose columns equal `filters`. */
  find(
    db: Kysely<Database>,
    organizationId: string,
    filters: ColumnValues<T>,
  ): Promise<Selectable<Database[T]> | undefined>;
  /** The update of the organization's rows whose columns equal `filters`, to execute or add `returning` to. */
  updateQuery(
    db: Kysely<Database>,
    organizationId: string,
    filters: ColumnValues<T>,
    changes: Updateable<Database[T]>,
  ): UpdateQueryBuilder<Database, T, T, UpdateResult>;
  /** Updates the organization's rows whose columns equal `filters`; answers how many changed. */
  update(
    db: Kysely<Database>,
    organizationId: string,
    filters: ColumnValues<T>,
    changes: Updateable<Database[T]>,
  ): Promise<number>;
  /** Deletes the organization's rows whose columns equal `filters`; answers how many went. */
  remove(db: Kysely<Database>, organizationId: string, filters: ColumnValues<T>): Promise<number>;
}

export function organizationRows<T extends OrganizationTable>(table: T): OrganizationRows<T> {
  const inOrganization = (organizationId: string, filters: ColumnValues<T>) => [
    sql<SqlBool>`${sql.ref(`${table}.organization_id`)} = ${organizationId}`,
    ...columnsEqual(table, filters),
  ];
  // Kysely cannot resolve its table-expression types for a generic table name; the casts say what they
  // are for every concrete name, as in `scoped`.
  const updateQuery: OrganizationRows<T>['updateQuery'] = (db, organizationId, filters, changes) => {
    let query = (
      db.updateTable(table as OrganizationTable) as unknown as UpdateQueryBuilder<
        Database,
        T,
        T,
        UpdateResult
      >
    ).set(changes as never);
    for (const condition of inOrganization(organizationId, filters)) query = query.where(condition);
    return query;
  };
  const where: OrganizationRows<T>['where'] = (db, organizationId, filters = {}) => {
    let query = db.selectFrom(table as OrganizationTable).selectAll() as unknown as SelectQueryBuilder<
      Database,
      T,
      Selectable<Database[T]>
    >;
    for (const condition of inOrganization(organizationId, filters)) query = query.where(condition);
    return query;
  };
  return {
    async insert(db, row) {
      await db
        .insertInto(table)
        .values(row as never)
        .execute();
    },
    where,
    find: (db, organizationId, filters) => where(db, organizationId, filters).executeTakeFirst(),
    updateQuery,
    async update(db, organizationId, filters, changes) {
      const result = await updateQuery(db, organizationId, filters, changes).executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
    async remove(db, organizationId, filters) {
      let query = db.deleteFrom(table as OrganizationTable) as unknown as DeleteQueryBuilder<
        Database,
        T,
        DeleteResult
      >;
      for (const condition of inOrganization(organizationId, filters)) query = query.where(condition);
      const result = await query.executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
