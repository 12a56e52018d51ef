import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { toIso } from '../../shared/clock.js';
import { newId } from '../../shared/ids.js';
import type { Tenant } from '../../shared/tenant.js';
import type { EventRow } from '../../db/tables/events.js';
import type { ServiceContext } from '../context.js';
import { DELIVER } from './webhooks.jobs.js';
import * as repo from './webhooks.repository.js';
import type { WebhookDeliveryRow, WebhookEndpointRow } from '../../db/tables/webhooks.js';

/** What a delivery's body is made from: an event row, or the test event (which is not logged). */
export type PayloadSource = Omit<EventRow, 'type'> & { type: string };

/**
 * The request body of every delivery of an event, in the shape `GET /events` shows (`toEvent` of the
 * events module, key for key). `data` is spliced in as stored, so it is neither parsed nor re-encoded.
 */
export function eventPayload(event: PayloadSource): string {
  const head = JSON.stringify({
    id: event.id,
    type: event.type,
    createdAt: toIso(event.created_at),
    organizationId: event.organization_id,
    environment: event.environment,
    brandId: event.brand_id,
  });
  return `${head.slice(0, -1)},"data":${event.data}}`;
}

/** True when an endpoint's `events` (JSON list) asks for `type`. */
export function subscribes(events: string, type: string): boolean {
  const list = JSON.parse(events) as string[];
  return list.includes('*') || list.includes(type);
}

/** Automatic attempts of a delivery: the first and one per retry delay. */
export function deliveryAttempts(ctx: ServiceContext): number {
  return ctx.webhookRetryDelays.length + 1;
}

/**
 * One delivery per endpoint and a `webhook.deliver` job for each, in `db` (the caller's transaction):
 * they exist exactly when the event does.
 */
export async function createDeliveries(
  ctx: ServiceContext,
  db: Kysely<Database>,
  tenant: Tenant,
  endpointIds: string[],
  event: PayloadSource,
  maxAttempts = deliveryAttempts(ctx),
): Promise<WebhookDeliveryRow[]> {
  const now = ctx.clock.now();
  const payload = eventPayload(event);
  const rows: WebhookDeliveryRow[] = endpointIds.map((endpointId) => ({
    id: newId('delivery', now),
    organization_id: tenant.organizationId,
    environment: tenant.environment,
    endpoint_id: endpointId,
    event_id: event.id,
    event_type: event.type,
    payload,
    status: 'pending',
    attempt_count: 0,
    next_attempt_at: now,
    last_response_status: null,
    last_error: null,
    created_at: now,
    updated_at: now,
  }));
  await repo.insertDeliveries(db, tenant, rows);
  for (const row of rows) {
    await ctx.queue.enqueue(db, {
      ...DELIVER.job({ deliveryId: row.id }),
      tenant,
      maxAttempts,
    });
  }
  return rows;
}

/** What the fan-out reads of a tenant's enabled webhook endpoints. */
export type FanoutEndpoint = Pick<WebhookEndpointRow, 'id' | 'events'>;

/**
 * The fan-out's read (the tenant's enabled endpoints, one index probe), as a query: a writer that can
 * fold it into its own statement (a `WITH` that inserts the events, then this) passes what it answered
 * to `enqueueDeliveries`.
 */
export const fanoutEndpointsQuery = repo.enabledEndpointsQuery;

/**
 * Fan-out of events of one tenant, recorded in one transaction, to its enabled endpoints that subscribe
 * to their types. Runs in the transaction of every event, so it stays cheap: the endpoints are read once
 * (not once per event), and with none it is one indexed query. `endpoints`: what `fanoutEndpointsQuery`
 * answered in this transaction, after the events were inserted (then nothing is read here).
 */
export async function enqueueDeliveries(
  ctx: ServiceContext,
  db: Kysely<Database>,
  tenant: Tenant,
  events: EventRow[],
  endpoints?: readonly FanoutEndpoint[],
): Promise<WebhookDeliveryRow[]> {
  if (events.length === 0) return [];
  endpoints ??= await repo.enabledEndpoints(db, tenant);
  if (endpoints.length === 0) return [];
  const deliveries: WebhookDeliveryRow[] = [];
  for (const event of events) {
    const targets = endpoints.filter((e) => subscribes(e.events, event.type)).map((e) => e.id);
    if (targets.length) deliveries.push(...(await createDeliveries(ctx, db, tenant, targets, event)));
  }
  return deliveries;
}
