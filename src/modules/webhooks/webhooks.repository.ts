import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
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

export async function insertEndpoint(db: Kysely<Database>, row: NewWebhookEndpointRow): Promise<void> {
  await db.insertInto('webhook_endpoints').values(row).execute();
}

export async function findEndpoint(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
): Promise<WebhookEndpointRow | undefined> {
  return db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('id', '=', id)
    .where('organization_id', '=', tenant.organizationId)
    .where('environment', '=', tenant.environment)
    .executeTakeFirst();
}

export function endpointsQuery(db: Kysely<Database>, tenant: Tenant) {
  return db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('organization_id', '=', tenant.organizationId)
    .where('environment', '=', tenant.environment);
}

/** The fan-out lookup: one index probe (organization, environment, enabled). */
export function enabledEndpointsQuery(db: Kysely<Database>, tenant: Tenant) {
  return db
    .selectFrom('webhook_endpoints')
    .select(['id', 'events'])
    .where('organization_id', '=', tenant.organizationId)
    .where('environment', '=', tenant.environment)
    .where('enabled', '=', 1);
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
  const result = await db
    .updateTable('webhook_endpoints')
    .set(changes)
    .where('id', '=', id)
    .where('organization_id', '=', tenant.organizationId)
    .where('environment', '=', tenant.environment)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Marks the start of a run of failures, unless one is under way. */
export async function startFailing(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
  at: number,
): Promise<void> {
  await db
    .updateTable('webhook_endpoints')
    .set({ failing_since: at })
    .where('id', '=', id)
    .where('organization_id', '=', tenant.organizationId)
    .where('environment', '=', tenant.environment)
    .where('failing_since', 'is', null)
    .execute();
}

export async function deleteEndpoint(db: Kysely<Database>, tenant: Tenant, id: string): Promise<number> {
  const result = await db
    .deleteFrom('webhook_endpoints')
    .where('id', '=', id)
    .where('organization_id', '=', tenant.organizationId)
    .where('environment', '=', tenant.environment)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function insertDeliveries(db: Kysely<Database>, rows: NewWebhookDeliveryRow[]): Promise<void> {
  if (rows.length > 0) await db.insertInto('webhook_deliveries').values(rows).execute();
}

export async function findDelivery(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
): Promise<WebhookDeliveryRow | undefined> {
  return db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('id', '=', id)
    .where('organization_id', '=', tenant.organizationId)
    .where('environment', '=', tenant.environment)
    .executeTakeFirst();
}

export function deliveriesQuery(
  db: Kysely<Database>,
  tenant: Tenant,
  endpointId: string,
  filters: { status?: DeliveryStatus },
) {
  let query = db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('endpoint_id', '=', endpointId)
    .where('organization_id', '=', tenant.organizationId)
    .where('environment', '=', tenant.environment);
  if (filters.status !== undefined) query = query.where('status', '=', filters.status);
  return query;
}

export async function updateDelivery(
  db: Kysely<Database>,
  id: string,
  changes: DeliveryChanges,
  onlyIfStatus?: DeliveryStatus[],
): Promise<number> {
  let query = db.updateTable('webhook_deliveries').set(changes).where('id', '=', id);
  if (onlyIfStatus) query = query.where('status', 'in', onlyIfStatus);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function insertAttempt(db: Kysely<Database>, row: WebhookAttemptRow): Promise<void> {
  await db.insertInto('webhook_attempts').values(row).execute();
}

/** The attempts of some deliveries, in attempt order. */
export async function attemptsOf(db: Kysely<Database>, deliveryIds: string[]): Promise<WebhookAttemptRow[]> {
  if (deliveryIds.length === 0) return [];
  return db
    .selectFrom('webhook_attempts')
    .selectAll()
    .where('delivery_id', 'in', deliveryIds)
    .orderBy('delivery_id')
    .orderBy('attempt')
    .execute();
}
