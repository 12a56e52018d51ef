import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import type { Tenant } from '../../shared/tenant.js';
import {
  defineJob,
  JobError,
  type JobDefinition,
  type PeriodicTask,
  type TypedJobContext,
} from '../../db/queue/contract.js';
import type { JobRow } from '../../db/tables/queue.js';
import { recordEvent } from '../events/index.js';
import { purgeFinishedJobs } from './jobs.retention.js';
import * as repo from './jobs.repository.js';
import { loadJob, parseProgress, type JobsContext } from './jobs.service.js';
import {
  asyncJobQueueType,
  MAX_JOB_OUTPUT_LENGTH,
  type JobTypeHandler,
  type Progress,
} from './jobs.types.js';

export interface JobsWorkerDeps {
  ctx: JobsContext;
  /** Seconds before attempt n+1 after a chunk failed (the last value repeats). */
  retryDelays?: number[];
  /** Finished jobs (of every type) are deleted this long after they finish. */
  retentionDays: number;
  retentionEveryMs?: number;
  onError?: (error: unknown, what: string) => void;
}

const DEFAULT_RETRY_DELAYS = [5, 30, 120, 600];

function tenantOf(job: JobRow): Tenant {
  return { organizationId: job.organization_id!, environment: job.environment! };
}

/** The runner stops quietly: another worker holds the job now, or it was cancelled or finished meanwhile. */
class LostLease extends JobError {
  constructor() {
    super("The job's lease was lost; another worker continues it from its last committed chunk", true);
  }
}

/**
 * Errors a chunk throws: a 4xx AppError is a fact about the data (retrying will not help); anything
 * else may be transient (a busy database, a lost connection) and is retried from the last committed
 * chunk. Internal messages are logged, never shown in the job object.
 */
function classify(error: unknown, deps: JobsWorkerDeps, job: JobRow): JobError {
  if (error instanceof JobError) return error;
  if (error instanceof AppError && error.status < 500) return new JobError(error.message, false);
  deps.onError?.(error, `chunk of job ${job.id}`);
  return new JobError('An internal error interrupted the job', true);
}

function checkChunk(
  type: string,
  r: { processed: number; succeeded: number; failed: number; done: boolean },
) {
  const counts = [r.processed, r.succeeded, r.failed];
  if (!counts.every((n) => Number.isInteger(n) && n >= 0) || r.succeeded + r.failed !== r.processed) {
    throw new JobError(`Job type ${type} returned inconsistent chunk counts`, false);
  }
  if (r.processed === 0 && !r.done) throw new JobError(`Job type ${type} made no progress`, false);
}

/**
 * One chunk in ONE transaction: the type's writes, the job's progress and state (only if this worker
 * still holds the lease and no other chunk committed meanwhile), the chunk's item errors and output —
 * and, on the last chunk, the job's success and its `job.completed` event. Answers whether it was the last.
 */
async function runOneChunk(
  deps: JobsWorkerDeps,
  type: JobTypeHandler,
  context: TypedJobContext<unknown>,
  run: NonNullable<Awaited<ReturnType<typeof repo.findRunState>>>,
): Promise<boolean> {
  const { ctx } = deps;
  const { job } = context;
  const tenant = tenantOf(job);
  const progress = parseProgress(run.progress);
  const chunk = {
    ctx,
    tenant,
    payload: context.payload,
    state: run.chunk_state === null ? undefined : (JSON.parse(run.chunk_state) as unknown),
    offset: progress.processed,
    limit: type.chunkSize,
  };
  // Slow work (a provider call) before the transaction: nothing is locked while it waits.
  const prepared = type.prepareChunk ? await type.prepareChunk(chunk) : undefined;
  return ctx.db.transaction().execute(async (trx) => {
    const output: string[] = [];
    const result = await type.runChunk({
      ...chunk,
      trx,
      prepared,
      output: { append: async (text) => void output.push(text) },
    });
    checkChunk(type.type, result);
    const next: Progress = {
      total: progress.total,
      processed: progress.processed + result.processed,
      succeeded: progress.succeeded + result.succeeded,
      failed: progress.failed + result.failed,
    };
    const committed = await repo.commitChunk(trx, {
      id: job.id,
      workerId: context.workerId,
      chunks: Number(run.chunks),
      progress: next,
      state: result.state,
      errorsAdded: result.errors.length,
      now: ctx.clock.now(),
    });
    if (!committed) throw new LostLease();
    await repo.insertErrors(trx, job.id, Number(run.error_count), result.errors);
    if (output.length) {
      const text = output.join('');
      const most = Math.min(type.maxOutputLength ?? MAX_JOB_OUTPUT_LENGTH, MAX_JOB_OUTPUT_LENGTH);
      if ((await repo.outputLength(trx, job.id)) + text.length > most) {
        throw new JobError(
          `The output would pass ${most.toLocaleString('en-US')} characters; narrow the job (filters, range)`,
          false,
        );
      }
      await repo.appendOutput(trx, job.id, Number(run.chunks), text);
    }
    if (!result.done) return false;
    const summary = type.summarize?.(context.payload, next, result.state);
    if (!(await context.complete(trx, summary))) throw new LostLease();
    const finished = await repo.findJobById(trx, job.id);
    await recordEvent(ctx, trx, tenant, {
      type: 'job.completed',
      brandId: null,
      data: await loadJob(ctx, trx, finished!),
    });
    return true;
  });
}

function runner(deps: JobsWorkerDeps, type: JobTypeHandler): JobDefinition {
  const { ctx } = deps;
  return defineJob(asyncJobQueueType(type.type), {
    retryDelays: deps.retryDelays ?? DEFAULT_RETRY_DELAYS,
    async run(_payload, context) {
      const { job } = context;
      await repo.markStarted(ctx.db, job.id, ctx.clock.now());
      for (;;) {
        // Between chunks: a cancellation stops the job where its committed progress says.
        const run = await repo.findRunState(ctx.db, job.id);
        if (!run || run.status !== 'running') return;
        // Another worker took the job over (our lease expired): it continues from the committed chunk.
        // Not `holdsLease()`: its clock check also fails when a long chunk kept the heartbeat from the
        // single SQLite writer although nobody else claimed the job, and every chunk's commit checks the
        // holder again (with the chunk counter), so a chunk started on a lost lease never commits.
        if (run.locked_by !== context.workerId) throw new LostLease();
        if (run.cancel_requested_at !== null) {
          const now = ctx.clock.now();
          await ctx.db.transaction().execute((trx) => repo.markCancelled(trx, job.id, context.workerId, now));
          return;
        }
        try {
          if (await runOneChunk(deps, type, context, run)) return;
        } catch (error) {
          throw classify(error, deps, job);
        }
      }
    },
    // In the transaction that marks the job failed (last attempt, a permanent error, or a dead worker).
    async onDeadLetter(trx: Kysely<Database>, job: JobRow) {
      const row = await repo.findJobById(trx, job.id);
      if (!row || row.status !== 'failed') return;
      await recordEvent(ctx, trx, tenantOf(job), {
        type: 'job.failed',
        brandId: null,
        data: await loadJob(ctx, trx, row),
      });
    },
  });
}

/** The chunk runner for every registered type (queue type `api:<type>`) and the retention sweep. */
export function jobsWorkerParts(deps: JobsWorkerDeps): {
  jobs: JobDefinition[];
  periodic: PeriodicTask[];
} {
  const jobs = deps.ctx.registry.all().map((type) => runner(deps, type));
  const retention: PeriodicTask = {
    name: 'job retention',
    everyMs: deps.retentionEveryMs ?? 3_600_000,
    run: async () =>
      void (await purgeFinishedJobs(deps.ctx.db, deps.ctx.clock, {
        olderThanMs: deps.retentionDays * 86_400_000,
      })),
  };
  return { jobs, periodic: [retention] };
}
