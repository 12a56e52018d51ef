import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { findById, scoped } from '../../db/tenant.js';
import type { Tenant } from '../../shared/tenant.js';
import type { EventRow, EventType, NewEventRow } from '../../db/tables/events.js';

export async function insertEvent(db: Kysely<Database>, tenant: Tenant, row: NewEventRow): Promise<void> {
  await scoped(db, tenant).insertInto('events', row).execute();
}

/** Multi-row insert, in slices that stay under both databases' limits on bound parameters. */
export async function insertEvents(
  db: Kysely<Database>,
  tenant: Tenant,
  rows: NewEventRow[],
  slice = 500,
): Promise<void> {
  for (let i = 0; i < rows.length; i += slice) {
    await scoped(db, tenant)
      .insertInto('events', rows.slice(i, i + slice))
      .execute();
  }
}

export async function findEvent(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
): Promise<EventRow | undefined> {
  return findById(db, tenant, 'events', id);
}

export interface EventFilters {
  type?: EventType;
  /** createdAt on or after (epoch ms). */
  startDate?: number;
  /** createdAt before (epoch ms). */
  endDate?: number;
}

export function eventsQuery(db: Kysely<Database>, tenant: Tenant, filters: EventFilters) {
  let query = scoped(db, tenant).selectFrom('events').selectAll();
  if (filters.type !== undefined) query = query.where('type', '=', filters.type);
  if (filters.startDate !== undefined) query = query.where('created_at', '>=', filters.startDate);
  if (filters.endDate !== undefined) query = query.where('created_at', '<', filters.endDate);
  return query;
}
