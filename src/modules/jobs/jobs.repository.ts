import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { Database } from '../../db/database.js';
import { scoped, unscoped, updateById } from '../../db/tenant.js';
import type { Tenant } from '../../shared/tenant.js';
import { clip } from '../../shared/text.js';
import type { JobStatus } from '../../db/tables/queue.js';
import { API_JOB_PREFIX, type ApiJobRow, type JobItemErrorRow } from '../../db/tables/jobs.js';
import { ITEM_ERROR_LIMITS, type ItemError, type Progress } from './jobs.types.js';

export const FINISHED_STATUSES = ['succeeded', 'failed', 'cancelled'] as const satisfies JobStatus[];

/** Rows of one insert: well under SQLite's bound-parameter limit. */
const INSERT_BATCH = 500;

const API_COLUMNS = [
  'api_jobs.started_at',
  'api_jobs.cancel_requested_at',
  'api_jobs.cancelled_at',
  'api_jobs.chunk_state',
  'api_jobs.chunks',
  'api_jobs.error_count',
] as const;

/** API jobs: the queue row with its `api_jobs` row (internal jobs have none). */
function apiJobs<O>(jobs: SelectQueryBuilder<Database, 'jobs', O>) {
  return jobs.innerJoin('api_jobs', 'api_jobs.job_id', 'jobs.id').selectAll('jobs').select(API_COLUMNS);
}

export async function findJob(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
): Promise<ApiJobRow | undefined> {
  return apiJobs(scoped(db, tenant).selectFrom('jobs')).where('jobs.id', '=', id).executeTakeFirst();
}

/** The row without its payload (which may be megabytes): what the runner reads between chunks. */
export async function findRunState(db: Kysely<Database>, id: string) {
  return unscoped(db, "the runner holds the job's lease and knows it by id")
    .selectFrom('jobs')
    .innerJoin('api_jobs', 'api_jobs.job_id', 'jobs.id')
    .select(['jobs.status', 'jobs.progress', 'jobs.locked_by', ...API_COLUMNS])
    .where('jobs.id', '=', id)
    .executeTakeFirst();
}

export async function findJobById(db: Kysely<Database>, id: string): Promise<ApiJobRow | undefined> {
  return apiJobs(unscoped(db, "the runner holds the job's lease and knows it by id").selectFrom('jobs'))
    .where('jobs.id', '=', id)
    .executeTakeFirst();
}

export async function insertApiJob(db: Kysely<Database>, jobId: string): Promise<void> {
  await db.insertInto('api_jobs').values({ job_id: jobId }).execute();
}

export interface JobFilters {
  status?: JobStatus;
  /** The API type (`posts.import`), without the queue prefix. */
  type?: string;
}

export function jobsQuery(db: Kysely<Database>, tenant: Tenant, filters: JobFilters) {
  let query = apiJobs(scoped(db, tenant).selectFrom('jobs'));
  query =
    filters.type !== undefined
      ? query.where('jobs.type', '=', `${API_JOB_PREFIX}${filters.type}`)
      : query.where('jobs.type', 'like', `${API_JOB_PREFIX}%`);
  if (filters.status !== undefined) query = query.where('jobs.status', '=', filters.status);
  return query;
}

export async function firstErrors(
  db: Kysely<Database>,
  jobId: string,
  limit: number,
): Promise<JobItemErrorRow[]> {
  return db
    .selectFrom('job_item_errors')
    .selectAll()
    .where('job_id', '=', jobId)
    .orderBy('item_index')
    .orderBy('id')
    .limit(limit)
    .execute();
}

export function errorsQuery(db: Kysely<Database>, jobId: string) {
  return db.selectFrom('job_item_errors').selectAll().where('job_id', '=', jobId);
}

/** The error's ordinal within its job, zero-padded so that text order is numeric order. */
export function errorId(ordinal: number): string {
  return String(ordinal).padStart(10, '0');
}

export async function insertErrors(
  db: Kysely<Database>,
  jobId: string,
  firstOrdinal: number,
  errors: readonly ItemError[],
): Promise<void> {
  for (let start = 0; start < errors.length; start += INSERT_BATCH) {
    const rows = errors.slice(start, start + INSERT_BATCH).map((e, i) => ({
      job_id: jobId,
      id: errorId(firstOrdinal + start + i),
      item_index: e.index,
      code: clip(e.code, ITEM_ERROR_LIMITS.code),
      message: clip(e.message, ITEM_ERROR_LIMITS.message),
      field: e.field === undefined ? null : clip(e.field, ITEM_ERROR_LIMITS.field),
    }));
    await db.insertInto('job_item_errors').values(rows).execute();
  }
}

/** Characters of output a job has written so far. */
export async function outputLength(db: Kysely<Database>, jobId: string): Promise<number> {
  const row = await db
    .selectFrom('job_outputs')
    .select(sql<string | number>`coalesce(sum(length(content)), 0)`.as('n'))
    .where('job_id', '=', jobId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function appendOutput(
  db: Kysely<Database>,
  jobId: string,
  seq: number,
  content: string,
): Promise<void> {
  await db.insertInto('job_outputs').values({ job_id: jobId, seq, content }).execute();
}

/** Output rows after `afterSeq`, in order (the result is streamed a few rows at a time). */
export async function outputAfter(db: Kysely<Database>, jobId: string, afterSeq: number, limit: number) {
  return db
    .selectFrom('job_outputs')
    .select(['seq', 'content'])
    .where('job_id', '=', jobId)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
}

export async function setProgress(
  db: Kysely<Database>,
  tenant: Tenant,
  jobId: string,
  progress: Progress,
): Promise<void> {
  await updateById(db, tenant, 'jobs', jobId, { progress: JSON.stringify(progress) });
}

/** A queued job is cancelled at once (no worker holds it). Run it in a transaction. */
export async function cancelQueued(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
  now: number,
): Promise<boolean> {
  const cancelled = { status: 'cancelled', finished_at: now, updated_at: now } as const;
  const changed = await updateById(db, tenant, 'jobs', id, cancelled, { status: 'queued' });
  if (changed !== 1) return false;
  await db.updateTable('api_jobs').set({ cancelled_at: now }).where('job_id', '=', id).execute();
  return true;
}

/** A running job is asked to stop: its runner sees this before its next chunk. Run it in a transaction. */
export async function requestCancel(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
  now: number,
): Promise<boolean> {
  const changed = await updateById(db, tenant, 'jobs', id, { updated_at: now }, { status: 'running' });
  if (changed !== 1) return false;
  await db
    .updateTable('api_jobs')
    .set((eb) => ({ cancel_requested_at: eb.fn.coalesce('cancel_requested_at', eb.val(now)) }))
    .where('job_id', '=', id)
    .execute();
  return true;
}

export async function markStarted(db: Kysely<Database>, id: string, now: number) {
  await db
    .updateTable('api_jobs')
    .set({ started_at: now })
    .where('job_id', '=', id)
    .where('started_at', 'is', null)
    .execute();
}

/** The runner stops a job whose cancellation was requested (guarded by the lease, as every runner write). */
export async function markCancelled(db: Kysely<Database>, id: string, workerId: string, now: number) {
  const result = await unscoped(db, "the runner holds the job's lease and knows it by id")
    .updateTable('jobs')
    .set({ status: 'cancelled', finished_at: now, updated_at: now, locked_by: null, locked_until: null })
    .where('id', '=', id)
    .where('locked_by', '=', workerId)
    .where('status', '=', 'running')
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return false;
  await db.updateTable('api_jobs').set({ cancelled_at: now }).where('job_id', '=', id).execute();
  return true;
}

export interface ChunkCommit {
  id: string;
  workerId: string;
  /** The chunk count the chunk started from: a compare-and-set, so no chunk commits twice. */
  chunks: number;
  progress: Progress;
  state: unknown;
  errorsAdded: number;
  now: number;
}

/**
 * Records a chunk's progress and state, only if this worker still holds the job's lease and no other
 * chunk committed since this one started. False means: roll the chunk back. Run it in the chunk's
 * transaction (on PostgreSQL the compare-and-set's row lock orders two workers' chunks).
 */
export async function commitChunk(db: Kysely<Database>, c: ChunkCommit): Promise<boolean> {
  const counted = await db
    .updateTable('api_jobs')
    .set((eb) => ({
      chunk_state: c.state === undefined ? null : JSON.stringify(c.state),
      chunks: c.chunks + 1,
      error_count: eb('error_count', '+', c.errorsAdded),
    }))
    .where('job_id', '=', c.id)
    .where('chunks', '=', c.chunks)
    .executeTakeFirst();
  if (Number(counted.numUpdatedRows) !== 1) return false;
  const result = await unscoped(db, "the runner holds the job's lease and knows it by id")
    .updateTable('jobs')
    .set({ progress: JSON.stringify(c.progress), updated_at: c.now })
    .where('id', '=', c.id)
    .where('locked_by', '=', c.workerId)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Finished jobs (of every type) whose end is older than `before`, oldest first. */
export async function finishedBefore(db: Kysely<Database>, before: number, limit: number) {
  const rows = await unscoped(db, 'retention purges finished jobs of every tenant')
    .selectFrom('jobs')
    .select('id')
    .where('finished_at', '<', before)
    .where('status', 'in', FINISHED_STATUSES)
    .orderBy('finished_at')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

/** Deletes up to `limit` error rows of these jobs; answers how many went. */
export async function deleteErrorsOf(db: Kysely<Database>, jobIds: string[], limit: number) {
  const batch = db
    .selectFrom('job_item_errors')
    .select(['job_id', 'id'])
    .where('job_id', 'in', jobIds)
    .limit(limit);
  const rows = await batch.execute();
  if (rows.length === 0) return 0;
  for (const jobId of new Set(rows.map((r) => r.job_id))) {
    const ids = rows.filter((r) => r.job_id === jobId).map((r) => r.id);
    await db.deleteFrom('job_item_errors').where('job_id', '=', jobId).where('id', 'in', ids).execute();
  }
  return rows.length;
}

export async function deleteJobs(db: Kysely<Database>, jobIds: string[]): Promise<number> {
  if (jobIds.length === 0) return 0;
  await db.deleteFrom('job_outputs').where('job_id', 'in', jobIds).execute();
  await db.deleteFrom('api_jobs').where('job_id', 'in', jobIds).execute();
  const result = await unscoped(db, 'retention purges finished jobs of every tenant')
    .deleteFrom('jobs')
    .where('id', 'in', jobIds)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
