import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { deleteById, findById, scoped, updateById } from '../../db/tenant.js';
import type { Tenant } from '../../shared/tenant.js';
import type {
  DeliveryStatus,
  NewWebhookDeliveryRow,
  NewWebhookEndpointRow,
  WebhookAttemptRow,
  WebhookDeliveryRow,
  WebhookEndpointRow,
} from '../../db/tables/webhooks.js';

type EndpointChanges = Partial<
  Omit<WebhookEndpointRow, 'id' | 'organization_id' | 'environment' | 'created_at'>
>;
type DeliveryChanges = Partial<
  Omit<WebhookDeliveryRow, 'id' | 'organization_id' | 'environment' | 'created_at'>
>;

export async function insertEndpoint(
  db: Kysely<Database>,
  tenant: Tenant,
  row: NewWebhookEndpointRow,
): Promise<void> {
  await scoped(db, tenant).insertInto('webhook_endpoints', row).execute();
}

export async function findEndpoint(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
): Promise<WebhookEndpointRow | undefined> {
  return findById(db, tenant, 'webhook_endpoints', id);
}

export function endpointsQuery(db: Kysely<Database>, tenant: Tenant) {
  return scoped(db, tenant).selectFrom('webhook_endpoints').selectAll();
}

/** The fan-out lookup: one index probe (organization, environment, enabled). */
export function enabledEndpointsQuery(db: Kysely<Database>, tenant: Tenant) {
  return scoped(db, tenant).selectFrom('webhook_endpoints').select(['id', 'events']).where('enabled', '=', 1);
}

export async function enabledEndpoints(
  db: Kysely<Database>,
  tenant: Tenant,
): Promise<Pick<WebhookEndpointRow, 'id' | 'events'>[]> {
  return enabledEndpointsQuery(db, tenant).execute();
}

export async function updateEndpoint(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
  changes: EndpointChanges,
): Promise<number> {
  return updateById(db, tenant, 'webhook_endpoints', id, changes);
}

/** Marks the start of a run of failures, unless one is under way. */
export async function startFailing(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
  at: number,
): Promise<void> {
  await scoped(db, tenant)
    .updateTable('webhook_endpoints')
    .set({ failing_since: at })
    .where('id', '=', id)
    .where('failing_since', 'is', null)
    .execute();
}

export async function deleteEndpoint(db: Kysely<Database>, tenant: Tenant, id: string): Promise<number> {
  return deleteById(db, tenant, 'webhook_endpoints', id);
}

export async function insertDeliveries(
  db: Kysely<Database>,
  tenant: Tenant,
  rows: NewWebhookDeliveryRow[],
): Promise<void> {
  if (rows.length > 0) await scoped(db, tenant).insertInto('webhook_deliveries', rows).execute();
}

export async function findDelivery(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
): Promise<WebhookDeliveryRow | undefined> {
  return findById(db, tenant, 'webhook_deliveries', id);
}

export function deliveriesQuery(
  db: Kysely<Database>,
  tenant: Tenant,
  endpointId: string,
  filters: { status?: DeliveryStatus },
) {
  let query = scoped(db, tenant)
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('endpoint_id', '=', endpointId);
  if (filters.status !== undefined) query = query.where('status', '=', filters.status);
  return query;
}

export async function updateDelivery(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
  changes: DeliveryChanges,
  onlyIfStatus?: DeliveryStatus[],
): Promise<number> {
  let query = scoped(db, tenant).updateTable('webhook_deliveries').set(changes).where('id', '=', id);
  if (onlyIfStatus) query = query.where('status', 'in', onlyIfStatus);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
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
