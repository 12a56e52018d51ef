import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { Database } from '../db/database.js';
import { paginate, type ListParams, type Pagination, type SortColumn } from '../db/paginate.js';
import type { Tenant } from '../shared/tenant.js';
import type { ServiceContext } from './context.js';

/** What every `GET` of a collection answers: one page of items and where the walk stands. */
export interface Listing<Item> {
  data: Item[];
  pagination: Pagination;
}

/** The rows of a list: a query over one table, filtered, not yet sorted or paged. */
export type ListQuery<Row> = SelectQueryBuilder<Database, keyof Database, Row>;

/** The sort every list offers, `sortBy=createdAt`. */
export const BY_CREATED_AT = {
  expression: 'created_at',
  value: (row: { created_at: number }) => row.created_at,
};
export const BY_UPDATED_AT = {
  expression: 'updated_at',
  value: (row: { updated_at: number }) => row.updated_at,
};
export const BY_NAME = { expression: 'name', value: (row: { name: string }) => row.name };

export interface ListRequest<Row> {
  params: ListParams;
  /** The filters applied to the query; a cursor only continues a walk with the same filters. */
  filters: object;
  sorts: Record<string, SortColumn<Row>>;
  /**
   * The count-cache resource of the list (the service invalidates it on every write). Left out where rows
   * change outside the services (jobs, deliveries): the total is then counted on every request.
   */
  counted?: string;
}

/** One page of `query`, each row shown as the API shows it (`show` may read more, e.g. a job's progress). */
export async function listPage<Row extends { id: string }, Item>(
  ctx: ServiceContext,
  query: ListQuery<Row>,
  request: ListRequest<Row>,
  show: (row: Row) => Item | Promise<Item>,
): Promise<Listing<Item>> {
  const { params, filters, sorts, counted } = request;
  const page = await paginate(query, {
    params,
    filters,
    sorts,
    cursors: ctx.cursors,
    ...(counted !== undefined ? { counts: { cache: ctx.counts, resource: counted } } : {}),
  });
  return { data: await Promise.all(page.rows.map((row) => show(row))), pagination: page.pagination };
}

/** What makes a tenant's list: its query, sorts and count resource, and how a row is shown. */
export interface TenantList<Ctx extends ServiceContext, Filters extends object, Row, Item> {
  query: (db: Kysely<Database>, tenant: Tenant, filters: Filters) => ListQuery<Row>;
  sorts: Record<string, SortColumn<Row>>;
  /** The list's count-cache resource; none for lists whose totals are counted every time. */
  counted?: (tenant: Tenant) => string;
  show: (row: Row, ctx: Ctx) => Item | Promise<Item>;
}

/** The service function of a tenant's list (`GET /plans`, `GET /posts`…): filters in, one page out. */
export function tenantList<
  Ctx extends ServiceContext,
  Filters extends object,
  Row extends { id: string },
  Item,
>(
  list: TenantList<Ctx, Filters, Row, Item>,
): (ctx: Ctx, tenant: Tenant, params: ListParams, filters: Filters) => Promise<Listing<Item>> {
  return (ctx, tenant, params, filters) =>
    listPage(
      ctx,
      list.query(ctx.db, tenant, filters),
      { params, filters, sorts: list.sorts, counted: list.counted?.(tenant) },
      (row) => list.show(row, ctx),
    );
}
