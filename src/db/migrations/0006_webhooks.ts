import { sql, type Kysely } from 'kysely';
import { createTenantIndexes, createTenantTable, tenantColumns, timestamps } from './ddl.js';

/**
 * Webhook endpoints, their deliveries (one per event and endpoint, holding the exact body every attempt
 * sends) and the attempts of each delivery (the delivery log). Deleting an endpoint deletes its log.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await createTenantTable(db, 'webhook_endpoints')
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('disabled_reason', 'text')
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('previous_secret', 'text')
    .addColumn('previous_secret_expires_at', 'bigint')
    .addColumn('failing_since', 'bigint')
    .$call(timestamps)
    .execute();
  await createTenantIndexes(db, 'webhook_endpoints', [
    ['webhook_endpoints_tenant_created', 'created_at, id'],
    // Fan-out runs in the transaction of every event: the tenant's enabled endpoints in one index lookup.
    ['webhook_endpoints_fanout', 'enabled'],
  ]);

  await createTenantTable(db, 'webhook_deliveries')
    .addColumn('endpoint_id', 'text', (c) =>
      c.notNull().references('webhook_endpoints.id').onDelete('cascade'),
    )
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempt_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint')
    .addColumn('last_response_status', 'integer')
    .addColumn('last_error', 'text')
    .$call(timestamps)
    .execute();
  await sql`create index webhook_deliveries_endpoint_created on webhook_deliveries (endpoint_id, created_at, id)`.execute(
    db,
  );
  await sql`create index webhook_deliveries_endpoint_status_created on webhook_deliveries (endpoint_id, status, created_at, id)`.execute(
    db,
  );

  await db.schema
    .createTable('webhook_attempts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('delivery_id', 'text', (c) =>
      c.notNull().references('webhook_deliveries.id').onDelete('cascade'),
    )
    .$call(tenantColumns)
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('response_status', 'integer')
    .addColumn('response_body', 'text')
    .addColumn('error', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .execute();
  await sql`create index webhook_attempts_delivery on webhook_attempts (delivery_id, attempt)`.execute(db);
}
