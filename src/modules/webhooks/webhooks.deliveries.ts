import { paginate, type ListParams, type Pagination } from '../../db/paginate.js';
import { toIso } from '../../shared/clock.js';
import { conflict, notFound } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Tenant } from '../../shared/tenant.js';
import type { ServiceContext } from '../context.js';
import { createDeliveries } from './webhooks.fanout.js';
import { DELIVER } from './webhooks.jobs.js';
import * as repo from './webhooks.repository.js';
import { findEndpointRow, requireEnabled } from './webhooks.service.js';
import {
  ATTEMPTS_SHOWN,
  TEST_EVENT_TYPE,
  type AttemptOutcome,
  type DeliveryStatus,
  type WebhookAttemptRow,
  type WebhookDeliveryRow,
} from '../../db/tables/webhooks.js';

export interface WebhookAttempt {
  attempt: number;
  startedAt: string;
  durationMs: number;
  outcome: AttemptOutcome;
  responseStatus: number | null;
  responseBody: string | null;
  error: string | null;
}

export interface WebhookDelivery {
  id: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attemptCount: number;
  nextAttemptAt: string | null;
  lastResponseStatus: number | null;
  lastError: string | null;
  /** The body every attempt sends, parsed. */
  payload: Record<string, unknown>;
  attempts: WebhookAttempt[];
  createdAt: string;
  updatedAt: string;
}

export function toAttempt(row: WebhookAttemptRow): WebhookAttempt {
  return {
    attempt: row.attempt,
    startedAt: toIso(row.started_at),
    durationMs: row.duration_ms,
    outcome: row.outcome,
    responseStatus: row.response_status,
    responseBody: row.response_body,
    error: row.error,
  };
}

export function toDelivery(row: WebhookDeliveryRow, attempts: WebhookAttemptRow[]): WebhookDelivery {
  return {
    id: row.id,
    webhookId: row.endpoint_id,
    eventId: row.event_id,
    eventType: row.event_type,
    status: row.status,
    attemptCount: row.attempt_count,
    nextAttemptAt: toIso(row.next_attempt_at),
    lastResponseStatus: row.last_response_status,
    lastError: row.last_error,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    attempts: attempts.slice(-ATTEMPTS_SHOWN).map(toAttempt),
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}

async function withAttempts(
  ctx: ServiceContext,
  tenant: Tenant,
  rows: WebhookDeliveryRow[],
): Promise<WebhookDelivery[]> {
  const attempts = await repo.attemptsOf(
    ctx.db,
    tenant,
    rows.map((r) => r.id),
  );
  const byDelivery = new Map<string, WebhookAttemptRow[]>();
  for (const a of attempts) byDelivery.set(a.delivery_id, [...(byDelivery.get(a.delivery_id) ?? []), a]);
  return rows.map((row) => toDelivery(row, byDelivery.get(row.id) ?? []));
}

export async function listDeliveries(
  ctx: ServiceContext,
  tenant: Tenant,
  endpointId: string,
  params: ListParams,
  filters: { status?: DeliveryStatus },
): Promise<{ data: WebhookDelivery[]; pagination: Pagination }> {
  await findEndpointRow(ctx, tenant, endpointId);
  const page = await paginate(repo.deliveriesQuery(ctx.db, tenant, endpointId, filters), {
    params,
    filters,
    cursors: ctx.cursors,
    sorts: { createdAt: { expression: 'created_at', value: (r) => r.created_at } },
  });
  return { data: await withAttempts(ctx, tenant, page.rows), pagination: page.pagination };
}

async function findDeliveryRow(
  ctx: ServiceContext,
  tenant: Tenant,
  endpointId: string,
  deliveryId: string,
): Promise<WebhookDeliveryRow> {
  await findEndpointRow(ctx, tenant, endpointId);
  const row = await repo.findDelivery(ctx.db, tenant, deliveryId);
  if (!row || row.endpoint_id !== endpointId) throw notFound('webhook delivery', deliveryId);
  return row;
}

export async function getDelivery(
  ctx: ServiceContext,
  tenant: Tenant,
  endpointId: string,
  deliveryId: string,
): Promise<WebhookDelivery> {
  const row = await findDeliveryRow(ctx, tenant, endpointId, deliveryId);
  return (await withAttempts(ctx, tenant, [row]))[0]!;
}

/**
 * One more attempt now, with the same body and `webhook-id`, for a delivery that has finished either
 * way (a replay of a succeeded one is allowed: receivers deduplicate on `webhook-id`). While an attempt
 * is pending it is 409, so one delivery never has two jobs.
 */
export async function retryDelivery(
  ctx: ServiceContext,
  tenant: Tenant,
  endpointId: string,
  deliveryId: string,
): Promise<WebhookDelivery> {
  const endpoint = await findEndpointRow(ctx, tenant, endpointId);
  const row = await findDeliveryRow(ctx, tenant, endpointId, deliveryId);
  requireEnabled(endpoint, 'retrying a delivery');
  const pending = () =>
    conflict('An attempt of this delivery is already pending', { nextAttemptAt: toIso(row.next_attempt_at) });
  if (row.status === 'pending') throw pending();
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    const changes = { status: 'pending' as const, next_attempt_at: now, updated_at: now };
    // The status guard makes two concurrent retries enqueue one job.
    if ((await repo.updateDelivery(trx, tenant, deliveryId, changes, ['succeeded', 'failed'])) === 0)
      throw pending();
    await ctx.queue.enqueue(trx, {
      ...DELIVER.job({ deliveryId }),
      tenant,
      maxAttempts: 1,
    });
  });
  return getDelivery(ctx, tenant, endpointId, deliveryId);
}

/** Sends a `webhook.test` event to one endpoint: a delivery like any other, not written to the event log. */
export async function sendTestEvent(
  ctx: ServiceContext,
  tenant: Tenant,
  id: string,
): Promise<WebhookDelivery> {
  const endpoint = await findEndpointRow(ctx, tenant, id);
  requireEnabled(endpoint, 'sending a test event');
  const now = ctx.clock.now();
  const data = { webhookId: id, message: 'A test event from Audenci: your endpoint receives webhooks.' };
  const [delivery] = await ctx.db.transaction().execute((trx) =>
    createDeliveries(ctx, trx, tenant, [id], {
      id: newId('event', now),
      type: TEST_EVENT_TYPE,
      organization_id: tenant.organizationId,
      environment: tenant.environment,
      brand_id: null,
      data: JSON.stringify(data),
      created_at: now,
    }),
  );
  return toDelivery(delivery!, []);
}
