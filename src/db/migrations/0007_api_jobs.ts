import { sql, type Kysely } from 'kysely';
import { createTenantIndexes } from './ddl.js';

/**
 * Jobs submitted through `POST /jobs`: beside each one's queue row, what the chunk runner keeps
 * (the type's state, a chunk counter, cancellation, start time, error count); every item error; output
 * files (e.g. an export's CSV) stored a chunk at a time. Finished jobs of every type are deleted after the
 * retention period, so `finished_at` is indexed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('api_jobs')
    .addColumn('job_id', 'text', (c) => c.primaryKey().references('jobs.id').onDelete('cascade'))
    .addColumn('started_at', 'bigint')
    .addColumn('cancel_requested_at', 'bigint')
    .addColumn('cancelled_at', 'bigint')
    .addColumn('chunk_state', 'text')
    .addColumn('chunks', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`create index jobs_finished on jobs (finished_at)`.execute(db);
  // `GET /jobs?type=…` (API types are stored as `api:<type>`).
  await createTenantIndexes(db, 'jobs', [['jobs_tenant_type_created', 'type, created_at, id']]);

  await db.schema
    .createTable('job_item_errors')
    .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('item_index', 'integer', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('field', 'text')
    .addPrimaryKeyConstraint('job_item_errors_pk', ['job_id', 'id'])
    .execute();
  await sql`create index job_item_errors_index on job_item_errors (job_id, item_index, id)`.execute(db);

  await db.schema
    .createTable('job_outputs')
    .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('job_outputs_pk', ['job_id', 'seq'])
    .execute();
}
