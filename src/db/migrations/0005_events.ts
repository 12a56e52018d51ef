import { sql, type Kysely } from 'kysely';
import { createTenantIndexes, createTenantTable } from './ddl.js';

/**
 * The event log: one row per state change the contract lists as an event, written in the transaction of
 * the change (webhook deliveries are made from it). `GET /events` lists a tenant's events newest first,
 * optionally of one type, within a date range.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await createTenantTable(db, 'events')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('brand_id', 'text')
    /** JSON: the object as the API showed it when the event happened. */
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await createTenantIndexes(db, 'events', [
    ['events_tenant_created', 'created_at, id'],
    ['events_tenant_type_created', 'type, created_at, id'],
  ]);

  // campaign.started fires once per campaign: when its start date arrives, or when it is activated later.
  await db.schema.alterTable('campaigns').addColumn('started_at', 'bigint').execute();
  await sql`create index campaigns_to_start on campaigns (status, started_at, start_date)`.execute(db);
}
