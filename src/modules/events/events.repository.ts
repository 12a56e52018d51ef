import { sql, type Kysely } from 'kysely';
import type { DialectCapabilities } from '../../db/dialects/types.js';
import type { Database } from '../../db/database.js';
import { insertInSlices, tenantRows } from '../../db/tenant-rows.js';
import type { Tenant } from '../../shared/tenant.js';
import { scoped } from '../../db/tenant.js';
import type { EventType, LoggedEventRow, NewEventRow } from '../../db/tables/events.js';

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

/**
 * A place in the event log's commit order (migration 0017): after the event `id` at `position`, or, when
 * `id` is null, after every event at `position` and below.
 */
export interface LogCursor {
  position: number;
  id: string | null;
}

/**
 * The highest log position below which the log is complete: every event at or below it that will ever
 * commit has committed (and is visible to any read that starts now).
 *
 * - One writer at a time (SQLite): positions are given in commit order, so it is the last one given.
 * - Concurrent writers (PostgreSQL): a position is the recording transaction's id; every transaction
 *   older than the snapshot's `xmin` has ended, and any later one (running, or yet to start) has an id
 *   at or above it. `xmin` never goes back from one snapshot to the next.
 */
export async function settledThrough(
  db: Kysely<Database>,
  capabilities: DialectCapabilities,
): Promise<number> {
  const query = capabilities.singleWriter
    ? sql<{ position: number | null }>`select position from event_log_clock`
    : sql<{
        position: number | null;
      }>`select (pg_snapshot_xmin(pg_current_snapshot())::text::bigint - 1) as position`;
  const { rows } = await query.execute(db);
  return Number(rows[0]?.position ?? 0);
}

/**
 * The ids of the tenant's events (of `types` when given) after log position `after` that are visible now:
 * what a stream opening at `after` must not send, having committed before it opened.
 */
export async function eventIdsAfter(
  db: Kysely<Database>,
  tenant: Tenant,
  read: { after: number; types?: readonly EventType[] },
): Promise<string[]> {
  let query = scoped(db, tenant).selectFrom('events').select('id').where('log_position', '>', read.after);
  if (read.types?.length) query = query.where('type', 'in', [...read.types]);
  return (await query.execute()).map((row) => row.id);
}

/**
 * At most `limit` events strictly after `after` and at or below `through` (a {@link settledThrough}), of
 * `types` when given, in log order (position, then id): one page of a stream's read.
 */
export function eventsAfter(
  db: Kysely<Database>,
  tenant: Tenant,
  read: { after: LogCursor; through: number; types?: readonly EventType[]; limit: number },
): Promise<LoggedEventRow[]> {
  const { after } = read;
  let query = scoped(db, tenant)
    .selectFrom('events')
    .selectAll()
    .where('log_position', '<=', read.through)
    .where('log_position', '>=', after.position);
  if (read.types?.length) query = query.where('type', 'in', [...read.types]);
  query =
    after.id === null
      ? query.where('log_position', '>', after.position)
      : query.where((eb) =>
          eb.or([
            eb('log_position', '>', after.position),
            eb.and([eb('log_position', '=', after.position), eb('id', '>', after.id!)]),
          ]),
        );
  return query.orderBy('log_position', 'asc').orderBy('id', 'asc').limit(read.limit).execute();
}
