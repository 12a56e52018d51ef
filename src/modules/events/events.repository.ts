import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { insertInSlices, tenantRows } from '../../db/tenant-rows.js';
import type { Tenant } from '../../shared/tenant.js';
import { scoped } from '../../db/tenant.js';
import type { EventRow, EventType, NewEventRow } from '../../db/tables/events.js';

const events = tenantRows('events');

export const insertEvent = events.insert;
export const findEvent = events.find;

/** Multi-row insert, in slices that stay under both databases' limits on bound parameters. */
export async function insertEvents(
  db: Kysely<Database>,
  tenant: Tenant,
  rows: NewEventRow[],
  slice = 500,
): Promise<void> {
  await insertInSlices(db, tenant, 'events', rows, slice);
}

export interface EventFilters {
  type?: EventType;
  /** createdAt on or after (epoch ms). */
  startDate?: number;
  /** createdAt before (epoch ms). */
  endDate?: number;
}

export function eventsQuery(db: Kysely<Database>, tenant: Tenant, filters: EventFilters) {
  let query = events.where(db, tenant, { type: filters.type });
  if (filters.startDate !== undefined) query = query.where('created_at', '>=', filters.startDate);
  if (filters.endDate !== undefined) query = query.where('created_at', '<', filters.endDate);
  return query;
}

/** Where a read of the log goes on from: after this (createdAt, id). */
export interface LogKey {
  createdAt: number;
  id: string;
}

/**
 * At most `limit` events with createdAt >= `from` (and after `after`, when given), of `types` when given,
 * oldest first (createdAt, then id): one page of a follower's read.
 */
export function eventsFrom(
  db: Kysely<Database>,
  tenant: Tenant,
  read: { from?: number; after?: LogKey; types?: readonly EventType[]; limit: number },
): Promise<EventRow[]> {
  let query = scoped(db, tenant).selectFrom('events').selectAll();
  if (read.from !== undefined) query = query.where('created_at', '>=', read.from);
  if (read.types?.length) query = query.where('type', 'in', [...read.types]);
  const after = read.after;
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb('created_at', '>', after.createdAt),
        eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)]),
      ]),
    );
  }
  return query.orderBy('created_at', 'asc').orderBy('id', 'asc').limit(read.limit).execute();
}
