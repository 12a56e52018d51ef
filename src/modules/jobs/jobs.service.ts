import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { ListParams } from '../../db/paginate.js';
import { toIso } from '../../shared/clock.js';
import { AppError, conflict, invalidInput } from '../../shared/errors.js';
import type { Tenant } from '../../shared/tenant.js';
import type { JobStatus } from '../../db/tables/queue.js';
import type { ServiceContext } from '../context.js';
import { findByIdOr404 } from '../by-id.js';
import { tenantList, listPage, BY_CREATED_AT, type Listing } from '../lists.js';
import { SCOPES, type Principal } from '../keys/index.js';
import type { JobTypeRegistry } from './jobs.registry.js';
import * as repo from './jobs.repository.js';
import { API_JOB_PREFIX, type ApiJobRow, type JobItemErrorRow } from '../../db/tables/jobs.js';
import {
  asyncJobQueueType,
  type ItemError,
  type JobOutputFile,
  type JobTypeHandler,
  type Progress,
} from './jobs.types.js';

/** What the jobs API and runner need besides the service context. */
export interface JobsContext extends ServiceContext {
  registry: JobTypeRegistry;
  /** `AUDENCI_PUBLIC_URL`, for `result.resultUrl`. */
  publicUrl: string;
}

/** How many item errors the job object carries; `GET /jobs/{id}/errors` pages through all of them. */
export const JOB_ERRORS_SHOWN = 1000;
/** Attempts of an API job: a crash or a transient failure resumes it from its last committed chunk. */
export const API_JOB_MAX_ATTEMPTS = 5;

/** A job as the API shows it (and as `job.completed` / `job.failed` events carry it). */
export interface Job {
  id: string;
  type: string;
  status: JobStatus;
  progress: Progress;
  errors: ItemError[];
  errorCount: number;
  result: Record<string, unknown> | null;
  error: { code: string; message: string } | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
  cancelRequestedAt: string | null;
  cancelledAt: string | null;
}

export function apiType(queueType: string): string {
  return queueType.startsWith(API_JOB_PREFIX) ? queueType.slice(API_JOB_PREFIX.length) : queueType;
}

export function parseProgress(text: string | null): Progress {
  const p = text ? (JSON.parse(text) as Partial<Progress>) : {};
  return {
    total: p.total ?? 0,
    processed: p.processed ?? 0,
    succeeded: p.succeeded ?? 0,
    failed: p.failed ?? 0,
  };
}

function toItemError(row: JobItemErrorRow): ItemError {
  return {
    index: row.item_index,
    code: row.code,
    message: row.message,
    ...(row.field !== null ? { field: row.field } : {}),
  };
}

export function resultUrl(ctx: JobsContext, id: string): string {
  return `${ctx.publicUrl}/api/v1/jobs/${id}/result`;
}

export function toJob(ctx: JobsContext, row: ApiJobRow, errors: JobItemErrorRow[]): Job {
  const type = apiType(row.type);
  let result: Record<string, unknown> | null = null;
  if (row.status === 'succeeded') {
    const summary = row.result === null ? undefined : (JSON.parse(row.result) as unknown);
    result =
      summary !== null && typeof summary === 'object' && !Array.isArray(summary)
        ? { ...(summary as Record<string, unknown>) }
        : summary === undefined
          ? {}
          : { summary };
    if (ctx.registry.get(type)?.output) result.resultUrl = resultUrl(ctx, row.id);
  }
  return {
    id: row.id,
    type,
    status: row.status,
    progress: parseProgress(row.progress),
    errors: errors.map(toItemError),
    errorCount: Number(row.error_count),
    result,
    error:
      row.status === 'failed' ? { code: 'JOB_FAILED', message: row.last_error ?? 'The job failed' } : null,
    createdAt: toIso(row.created_at),
    startedAt: toIso(row.started_at),
    finishedAt: toIso(row.finished_at),
    updatedAt: toIso(row.updated_at),
    cancelRequestedAt: toIso(row.cancel_requested_at),
    cancelledAt: toIso(row.cancelled_at),
  };
}

/** The job object from `db` (the caller's transaction when the job's end and its event commit together). */
export async function loadJob(ctx: JobsContext, db: Kysely<Database>, row: ApiJobRow): Promise<Job> {
  return toJob(ctx, row, await repo.firstErrors(db, row.id, JOB_ERRORS_SHOWN));
}

function scopeRank(scope: string): number {
  return (SCOPES as readonly string[]).indexOf(scope);
}

export interface SubmitJobInput {
  type: string;
  payload?: unknown;
}

/**
 * `POST /jobs`: the type's `prepare` checks the payload and freezes what the job works on; nothing is
 * stored when it throws. The job is queued with zero progress.
 */
export async function submitJob(ctx: JobsContext, principal: Principal, input: SubmitJobInput): Promise<Job> {
  const handler = ctx.registry.get(input.type);
  if (!handler) {
    throw invalidInput(
      [{ field: 'type', reason: `Unknown job type; must be one of: ${ctx.registry.types().join(', ')}` }],
      undefined,
      { location: 'body' },
    );
  }
  if (scopeRank(principal.scope) < scopeRank(handler.scope)) {
    throw new AppError(
      'FORBIDDEN',
      `This API key's scope '${principal.scope}' cannot submit ${handler.type} jobs; it needs '${handler.scope}'`,
      { requiredScope: handler.scope, grantedScope: principal.scope },
    );
  }
  const tenant: Tenant = { organizationId: principal.organizationId, environment: principal.environment };
  const prepared = await handler.prepare(ctx, tenant, input.payload ?? {});
  const progress: Progress = { total: prepared.total, processed: 0, succeeded: 0, failed: 0 };
  const id = await ctx.db.transaction().execute(async (trx) => {
    const job = await ctx.queue.enqueue(trx, {
      ...asyncJobQueueType(handler.type).job(prepared.payload),
      tenant,
      maxAttempts: API_JOB_MAX_ATTEMPTS,
    });
    await repo.insertApiJob(trx, job.id);
    await repo.setProgress(trx, tenant, job.id, progress);
    return job.id;
  });
  return getJob(ctx, tenant, id);
}

const findOrThrow = findByIdOr404(repo.findJob, 'job');

export async function getJob(ctx: JobsContext, tenant: Tenant, id: string): Promise<Job> {
  return loadJob(ctx, ctx.db, await findOrThrow(ctx, tenant, id));
}

export const listJobs = tenantList({
  query: repo.jobsQuery,
  sorts: { createdAt: BY_CREATED_AT },
  // No count cache: workers (other processes) change statuses all the time.
  show: (row, ctx: JobsContext) => loadJob(ctx, ctx.db, row),
});

const ERROR_SORTS = {
  index: { expression: 'item_index', value: (r: JobItemErrorRow) => r.item_index },
};

export async function listJobErrors(
  ctx: JobsContext,
  tenant: Tenant,
  id: string,
  params: ListParams,
): Promise<Listing<ItemError>> {
  await findOrThrow(ctx, tenant, id);
  return listPage(
    ctx,
    repo.errorsQuery(ctx.db, id),
    { params, filters: { job: id }, sorts: ERROR_SORTS },
    toItemError,
  );
}

/**
 * A queued job is cancelled at once; a running one is asked to stop, and its runner stops before the next
 * chunk (what was committed stays, and the progress says so). A finished job is 409.
 */
export async function cancelJob(ctx: JobsContext, tenant: Tenant, id: string): Promise<Job> {
  // A worker may claim, retry or finish the job between our read and our write: look again then.
  for (let attempt = 0; attempt < 3; attempt++) {
    const row = await findOrThrow(ctx, tenant, id);
    if ((repo.FINISHED_STATUSES as readonly string[]).includes(row.status)) {
      throw conflict(`A ${row.status} job cannot be cancelled`, { status: row.status });
    }
    const now = ctx.clock.now();
    const changed = await ctx.db
      .transaction()
      .execute((trx) =>
        row.status === 'queued'
          ? repo.cancelQueued(trx, tenant, id, now)
          : repo.requestCancel(trx, tenant, id, now),
      );
    if (changed) return getJob(ctx, tenant, id);
  }
  throw conflict('The job changed state while being cancelled; retry');
}

export interface JobResult {
  contentType: string;
  filename: string;
  /**
   * A strong tag: a succeeded job's output never changes, so its id and its number of committed chunks
   * name the bytes exactly.
   */
  etag: string;
  /** Read lazily: nothing is queried unless it is iterated (a 304 reads no output). */
  body: AsyncIterable<string>;
}

/** The output file of a job of this type with this (prepared) payload; undefined for types without one. */
function outputFile(handler: JobTypeHandler, payload: unknown): JobOutputFile | undefined {
  const { output } = handler;
  return typeof output === 'function' ? output(payload) : output;
}

/** The output file of a succeeded job whose type writes one; 404 before that. */
export async function openResult(ctx: JobsContext, tenant: Tenant, id: string): Promise<JobResult> {
  const row = await findOrThrow(ctx, tenant, id);
  const handler = ctx.registry.get(apiType(row.type));
  if (!handler?.output) throw new AppError('NOT_FOUND', `A ${apiType(row.type)} job has no result file`);
  if (row.status !== 'succeeded') {
    throw new AppError('NOT_FOUND', `The job's result is available once it succeeds (it is ${row.status})`, {
      status: row.status,
    });
  }
  async function* body(): AsyncIterable<string> {
    let after = -1;
    for (;;) {
      const rows = await repo.outputAfter(ctx.db, id, after, 50);
      for (const r of rows) yield r.content;
      if (rows.length < 50) return;
      after = rows[rows.length - 1]!.seq;
    }
  }
  // The payload as `prepare` froze it (what the chunks worked from).
  const file = outputFile(handler, JSON.parse(row.payload) as unknown)!;
  const etag = `"${createHash('sha256').update(`${row.id}:${row.chunks}`).digest('base64url').slice(0, 27)}"`;
  return { contentType: file.contentType, filename: file.filename, etag, body: body() };
}
