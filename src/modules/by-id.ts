import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { notFound } from '../shared/errors.js';
import type { Tenant } from '../shared/tenant.js';
import type { ServiceContext } from './context.js';

/** What `DELETE /{resource}/{id}` answers. */
export interface Deleted {
  id: string;
  deleted: true;
}

/**
 * The service read of one of the tenant's rows by id: the row, or the API's 404 for `what` ("No plan
 * with id '…'") — also for another tenant's id. `db` is a transaction to read in; by default the
 * context's database.
 */
export function findByIdOr404<Row>(
  find: (db: Kysely<Database>, tenant: Tenant, id: string) => Promise<Row | undefined>,
  what: string,
): (ctx: Pick<ServiceContext, 'db'>, tenant: Tenant, id: string, db?: Kysely<Database>) => Promise<Row> {
  return async (ctx, tenant, id, db = ctx.db) => {
    const row = await find(db, tenant, id);
    if (!row) throw notFound(what, id);
    return row;
  };
}

/**
 * The service `DELETE` of a row nothing else depends on: 404 for `what` when the tenant has no such row,
 * else the tenant's cached list totals (`counted`) are dropped.
 */
export function deleteByIdOr404(
  remove: (db: Kysely<Database>, tenant: Tenant, id: string) => Promise<number>,
  what: string,
  counted: (tenant: Tenant) => string,
): (ctx: ServiceContext, tenant: Tenant, id: string) => Promise<Deleted> {
  return async (ctx, tenant, id) => {
    if ((await remove(ctx.db, tenant, id)) === 0) throw notFound(what, id);
    ctx.counts.invalidate(counted(tenant));
    return { id, deleted: true };
  };
}
