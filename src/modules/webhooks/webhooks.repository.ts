import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { scoped } from '../../db/tenant.js';
import { compiledOnce } from '../../db/compiled-once.js';
import { tenantRows, type RowChanges } from '../../db/tenant-rows.js';
import { tenantOf, type Tenant } from '../../shared/tenant.js';
import type {
  DeliveryStatus,
  NewWebhookDeliveryRow,
  WebhookAttemptRow,
  WebhookDeliveryRow,
  WebhookEndpointRow,
} from '../../db/tables/webhooks.js';

const endpoints = tenantRows('webhook_endpoints');
const deliveries = tenantRows('webhook_deliveries');

export const insertEndpoint = endpoints.insert;
export const findEndpoint = endpoints.find;
export const updateEndpoint = endpoints.update;
export const deleteEndpoint = endpoints.remove;
export const findDelivery = deliveries.find;

export function endpointsQuery(db: Kysely<Database>, tenant: Tenant) {
  return scoped(db, tenant).selectFrom('webhook_endpoints').selectAll();
}

/** The fan-out lookup: one index probe (organization, environment, enabled). */
export function enabledEndpointsQuery(db: Kysely<Database>, tenant: Tenant) {
  return scoped(db, tenant).selectFrom('webhook_endpoints').select(['id', 'events']).where('enabled', '=', 1);
}

/** The fan-out's read on every write that records events: compiled once (db/compiled-once.ts). */
const enabledEndpointsStatement = compiledOnce((db, organizationId: string, environment: string) =>
  enabledEndpointsQuery(db, tenantOf(organizationId, environment)),
);

export async function enabledEndpoints(
  db: Kysely<Database>,
  tenant: Tenant,
): Promise<Pick<WebhookEndpointRow, 'id' | 'events'>[]> {
  return enabledEndpointsStatement(db, tenant.organizationId, tenant.environment);
}

/** Marks the start of a run of failures, unless one is under way. */
export async function startFailing(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
  at: number,
): Promise<void> {
  await endpoints.update(db, tenant, id, { failing_since: at }, { failing_since: null });
}

export async function insertDeliveries(
  db: Kysely<Database>,
  tenant: Tenant,
  rows: NewWebhookDeliveryRow[],
): Promise<void> {
  if (rows.length > 0) await scoped(db, tenant).insertInto('webhook_deliveries', rows).execute();
}

export function deliveriesQuery(
  db: Kysely<Database>,
  tenant: Tenant,
  endpointId: string,
  filters: { status?: DeliveryStatus },
) {
  return deliveries.where(db, tenant, { endpoint_id: endpointId, status: filters.status });
}

export async function updateDelivery(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
  changes: RowChanges<'webhook_deliveries'>,
  onlyIfStatus?: DeliveryStatus[],
): Promise<number> {
  let query = scoped(db, tenant).updateTable('webhook_deliveries').set(changes).where('id', '=', id);
  if (onlyIfStatus) query = query.where('status', 'in', onlyIfStatus);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Several deliveries of one tenant by id (one query): a batch of delivery jobs reads them together. */
export async function findDeliveries(
  db: Kysely<Database>,
  tenant: Tenant,
  ids: string[],
): Promise<WebhookDeliveryRow[]> {
  if (ids.length === 0) return [];
  return scoped(db, tenant).selectFrom('webhook_deliveries').selectAll().where('id', 'in', ids).execute();
}

/** Several endpoints of one tenant by id (one query). */
export async function findEndpoints(
  db: Kysely<Database>,
  tenant: Tenant,
  ids: string[],
): Promise<WebhookEndpointRow[]> {
  if (ids.length === 0) return [];
  return scoped(db, tenant).selectFrom('webhook_endpoints').selectAll().where('id', 'in', ids).execute();
}

/** One delivery's successful attempt, as `markSucceeded` records it. */
export interface Succeeded {
  id: string;
  attemptCount: number;
  responseStatus: number | null;
  at: number;
}

/**
 * Several of one tenant's deliveries marked `succeeded` in one statement, each with its own attempt
 * count, response status and time (the casts type the `CASE` on PostgreSQL).
 */
export async function markSucceeded(db: Kysely<Database>, tenant: Tenant, rows: Succeeded[]): Promise<void> {
  if (rows.length === 0) return;
  const byId = <T>(value: (row: Succeeded) => T, type: 'integer' | 'bigint') =>
    sql<T>`case ${sql.ref('id')} ${sql.join(
      rows.map((row) => sql`when ${row.id} then cast(${value(row)} as ${sql.raw(type)})`),
      sql` `,
    )} end`;
  await scoped(db, tenant)
    .updateTable('webhook_deliveries')
    .set({
      status: 'succeeded',
      attempt_count: byId((row) => row.attemptCount, 'integer'),
      next_attempt_at: null,
      last_response_status: byId((row) => row.responseStatus, 'integer'),
      last_error: null,
      updated_at: byId((row) => row.at, 'bigint'),
    })
    .where(
      'id',
      'in',
      rows.map((row) => row.id),
    )
    .execute();
}

/** The attempts of one tenant's deliveries in one statement. */
export async function insertAttempts(
  db: Kysely<Database>,
  tenant: Tenant,
  rows: WebhookAttemptRow[],
): Promise<void> {
  if (rows.length > 0) await scoped(db, tenant).insertInto('webhook_attempts', rows).execute();
}

export async function insertAttempt(
  db: Kysely<Database>,
  tenant: Tenant,
  row: WebhookAttemptRow,
): Promise<void> {
  await scoped(db, tenant).insertInto('webhook_attempts', row).execute();
}

/** The attempts of some deliveries, in attempt order. */
export async function attemptsOf(
  db: Kysely<Database>,
  tenant: Tenant,
  deliveryIds: string[],
): Promise<WebhookAttemptRow[]> {
  if (deliveryIds.length === 0) return [];
  return scoped(db, tenant)
    .selectFrom('webhook_attempts')
    .selectAll()
    .where('delivery_id', 'in', deliveryIds)
    .orderBy('delivery_id')
    .orderBy('attempt')
    .execute();
}
