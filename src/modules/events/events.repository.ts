import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { insertInSlices, tenantRows } from '../../db/tenant-rows.js';
import type { Tenant } from '../../shared/tenant.js';
import type { EventType, NewEventRow } from '../../db/tables/events.js';

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
