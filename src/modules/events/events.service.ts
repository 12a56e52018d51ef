import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { ListParams } from '../../db/paginate.js';
import { toIso } from '../../shared/clock.js';
import { dateRangeProblems, readDateField } from '../../shared/dates.js';
import { invalidInput, type FieldProblem } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Environment, Tenant } from '../../shared/tenant.js';
import type { ServiceContext } from '../context.js';
import { findByIdOr404 } from '../by-id.js';
import { tenantList, BY_CREATED_AT, type Listing } from '../lists.js';
import { enqueueDeliveries, type FanoutEndpoint } from '../webhooks/index.js';
import * as repo from './events.repository.js';
import { ringEventLog } from './events.bell.js';
import type { EventRow, EventType } from '../../db/tables/events.js';

/** An event as the API and webhook payloads show it (docs/webhooks.md, "Events"). */
export interface Event {
  id: string;
  type: string;
  createdAt: string;
  organizationId: string;
  environment: Environment;
  brandId: string | null;
  data: Record<string, unknown>;
}

export interface NewEvent {
  type: EventType;
  brandId: string | null;
  /** The object as the API shows it now. */
  data: object;
}

export function eventsResource(tenant: Tenant): string {
  return `events:${tenant.organizationId}:${tenant.environment}`;
}

export function toEvent(row: EventRow): Event {
  return {
    id: row.id,
    type: row.type,
    createdAt: toIso(row.created_at),
    organizationId: row.organization_id,
    environment: row.environment,
    brandId: row.brand_id,
    data: JSON.parse(row.data) as Record<string, unknown>,
  };
}

/**
 * Records an event. `db` must be the transaction of the change the event describes, so that both commit
 * or neither does; webhook deliveries are enqueued in the same transaction.
 */
export async function recordEvent(
  ctx: ServiceContext,
  db: Kysely<Database>,
  tenant: Tenant,
  event: NewEvent,
): Promise<EventRow> {
  const [row] = await recordEvents(ctx, db, tenant, [event]);
  return row!;
}

/**
 * `recordEvent` for many events at once (bulk jobs): one multi-row insert, then the webhook fan-out
 * (endpoints read once), all in `db` (the transaction of the changes the events describe).
 */
export async function recordEvents(
  ctx: ServiceContext,
  db: Kysely<Database>,
  tenant: Tenant,
  events: NewEvent[],
): Promise<EventRow[]> {
  if (events.length === 0) return [];
  const rows = newEventRows(ctx, tenant, events);
  await repo.insertEvents(db, tenant, rows);
  await eventsInserted(ctx, db, tenant, rows);
  return rows;
}

/**
 * The rows `recordEvents` writes for `events`, not written yet: for a writer that inserts them in a
 * statement of its own (with the change they describe, see `eventsInserted`).
 */
export function newEventRows(ctx: ServiceContext, tenant: Tenant, events: NewEvent[]): EventRow[] {
  const now = ctx.clock.now();
  return events.map((event) => ({
    id: newId('event', now),
    organization_id: tenant.organizationId,
    environment: tenant.environment,
    type: event.type,
    brand_id: event.brandId,
    data: JSON.stringify(event.data),
    created_at: now,
  }));
}

/**
 * What `recordEvents` does once the rows of `newEventRows` are inserted in `db` (the same transaction):
 * the webhook fan-out, the events' cached count, the streams' bell. `endpoints`: what the webhooks
 * module's `fanoutEndpointsQuery` answered in the statement that inserted the rows (else it is read).
 */
export async function eventsInserted(
  ctx: ServiceContext,
  db: Kysely<Database>,
  tenant: Tenant,
  rows: EventRow[],
  endpoints?: readonly FanoutEndpoint[],
): Promise<void> {
  await enqueueDeliveries(ctx, db, tenant, rows, endpoints);
  ctx.counts.invalidate(eventsResource(tenant));
  ringEventLog(tenant);
}

const findEventRow = findByIdOr404(repo.findEvent, 'event');

export async function getEvent(ctx: ServiceContext, tenant: Tenant, id: string): Promise<Event> {
  return toEvent(await findEventRow(ctx, tenant, id));
}

export interface EventListQuery {
  type?: EventType;
  startDate?: string;
  endDate?: string;
}

const listEventRows = tenantList({
  query: repo.eventsQuery,
  sorts: { createdAt: BY_CREATED_AT },
  counted: eventsResource,
  show: toEvent,
});

export function listEvents(
  ctx: ServiceContext,
  tenant: Tenant,
  params: ListParams,
  query: EventListQuery,
): Promise<Listing<Event>> {
  return listEventRows(ctx, tenant, params, parseEventFilters(query));
}

function parseEventFilters(query: EventListQuery): repo.EventFilters {
  const problems: FieldProblem[] = [];
  const date = (field: 'startDate' | 'endDate') => readDateField(query, field, problems);
  const filters = { type: query.type, startDate: date('startDate'), endDate: date('endDate') };
  problems.push(...dateRangeProblems(query as Record<string, unknown>));
  if (problems.length) throw invalidInput(problems, undefined, { location: 'query' });
  return filters;
}
