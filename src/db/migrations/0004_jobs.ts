import { sql, type Kysely } from 'kysely';
import { createTenantIndexes, timestamps } from './ddl.js';

/**
 * The durable queue (one `jobs` table for everything asynchronous) and what publishing needs on posts:
 * an attempt counter recorded before each call to a platform, and an index for the scheduler's sweep.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.references('organizations.id').onDelete('cascade'))
    .addColumn('environment', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('run_at', 'bigint', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('locked_by', 'text')
    .addColumn('locked_until', 'bigint')
    .addColumn('dedupe_key', 'text')
    .addColumn('progress', 'text')
    .addColumn('result', 'text')
    .addColumn('last_error', 'text')
    .$call(timestamps)
    .addColumn('finished_at', 'bigint')
    .execute();
  // Claiming: queued jobs by run time; running jobs by lease expiry (crash recovery).
  await sql`create index jobs_claim on jobs (status, run_at)`.execute(db);
  await sql`create index jobs_lease on jobs (status, locked_until)`.execute(db);
  await sql`create unique index jobs_dedupe on jobs (dedupe_key)`.execute(db);
  await createTenantIndexes(db, 'jobs', [['jobs_tenant_created', 'created_at, id']]);

  await db.schema
    .alterTable('posts')
    .addColumn('publish_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('posts').addColumn('publish_started_at', 'bigint').execute();
  // The scheduler's sweep: SCHEDULED posts by time, across tenants.
  await sql`create index posts_due on posts (status, scheduled_for)`.execute(db);
}
