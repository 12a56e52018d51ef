import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Kysely } from 'kysely';
import type { Database } from '../database.js';
import type { JobRow } from '../tables/queue.js';

/*
 * The job contract: what a module declares to have work run by the queue (a handler, a periodic task)
 * and what its handlers throw. It sits below the modules, beside the queue, so that modules declare jobs
 * without knowing the worker that runs them.
 */

/** Longest error a job keeps (`last_error`, shown as a job's `error.message`): a longer message is cut. */
export const MAX_JOB_ERROR_LENGTH = 2000;

/** What a handler throws to say whether and when its job may be tried again. */
export class JobError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    /** Wait at least this long before the next attempt (e.g. a platform's `Retry-After`). */
    readonly retryAfterMs?: number,
    /** Stored as the job's result when it fails for good. */
    readonly result?: unknown,
  ) {
    super(message);
    this.name = 'JobError';
  }
}

export interface JobContext {
  job: JobRow;
  payload: unknown;
  workerId: string;
  /** True while this worker still holds the job's lease: check it before an irreversible call. */
  holdsLease(): Promise<boolean>;
  /**
   * Completes the job inside `db` (the handler's own transaction), so that the job's end and the
   * change it made commit together. Answers false when the lease was lost (do not commit then).
   */
  complete(db: Kysely<Database>, result?: unknown): Promise<boolean>;
  /**
   * Runs `fn` in this job's trace (its log lines and outbound `traceparent`). The worker runs `run` in
   * it already; a batch handler (`JobHandler.batch`) runs each job's part through it.
   */
  inTrace?<T>(fn: () => T): T;
  /**
   * `complete` for several jobs of this worker at once, inside `db`, in one statement (a batch's
   * successes committed together). Answers, in order, whether each was still held (and so completed).
   */
  completeAll?(db: Kysely<Database>, done: { context: JobContext; result?: unknown }[]): Promise<boolean[]>;
}

/**
 * A handler that takes its jobs in batches: the worker claims up to `max` jobs of the type at once and
 * runs them with one call, in one of its slots. Each job is still an attempt of its own: it succeeds,
 * is retried or fails by its outcome, as `run`'s would (an outcome's rejection is the error `run`
 * would have thrown).
 */
export interface JobBatch {
  max: number;
  /** One outcome per context, in order. If it throws, every job of the batch gets that error. */
  run(contexts: JobContext[]): Promise<PromiseSettledResult<unknown>[]>;
}

export interface JobHandler {
  /** Runs one attempt. Returning completes the job (unless the handler already called `complete`). */
  run(context: JobContext): Promise<unknown>;
  /** Seconds before attempt n+1 (the last value repeats). */
  retryDelays: number[];
  /**
   * Called when the job fails for good (last attempt, or a non-retryable error), in the same
   * transaction that marks it failed.
   */
  onDeadLetter?(db: Kysely<Database>, job: JobRow, error: JobError | Error): Promise<void>;
  /** When set, the worker runs this type's jobs in batches through it instead of `run`. */
  batch?: JobBatch;
}

export interface PeriodicTask {
  name: string;
  everyMs: number;
  run(): Promise<void>;
}

/** A queue job type: its name and the TypeBox schema of its payload. */
export interface JobType<S extends TSchema = TSchema> {
  readonly type: string;
  readonly payload: S;
  /**
   * What `Queue.enqueue` takes (`type`, `payload`), the payload checked against the schema first: a
   * mismatch is a programming error (it throws), never a user's 400.
   */
  job(payload: Static<S>): { type: string; payload: Static<S> };
}

/** Declares a queue job type (`defineJob` gives it its handler). */
export function jobType<S extends TSchema>(type: string, payload: S): JobType<S> {
  return {
    type,
    payload,
    job(value) {
      const problem = payloadProblem(payload, value);
      if (problem) throw new Error(`Enqueuing a ${type} job with a malformed payload: ${problem}`);
      return { type, payload: value };
    },
  };
}

function payloadProblem(schema: TSchema, value: unknown): string | undefined {
  // The check alone is several times cheaper than gathering errors, and runs for every job enqueued.
  if (Value.Check(schema, value)) return undefined;
  const error = Value.Errors(schema, value).First();
  return error ? `${error.path || '/'} ${error.message}` : undefined;
}

/** A job's context with its payload checked against its type's schema. */
export interface TypedJobContext<P> extends Omit<JobContext, 'payload'> {
  payload: P;
}

export interface JobDefinitionOptions<P> {
  /** Seconds before attempt n+1 (the last value repeats). */
  retryDelays: number[];
  /** Runs one attempt with the checked payload. Returning completes the job (unless `complete` was called). */
  run(payload: P, context: TypedJobContext<P>): Promise<unknown>;
  /**
   * Called when the job fails for good, in the transaction that marks it failed; not called when the
   * stored payload does not match the schema (nothing to act on).
   */
  onDeadLetter?(db: Kysely<Database>, job: JobRow, error: JobError | Error, payload: P): Promise<void>;
  /**
   * Runs attempts in batches (see `JobBatch`) with the checked payloads; a job whose payload is
   * malformed is left out of the call and fails for good, as with `run`.
   */
  batch?: {
    max: number;
    run(items: { payload: P; context: TypedJobContext<P> }[]): Promise<PromiseSettledResult<unknown>[]>;
  };
}

/** A queue job type with its handler: what a module hands the worker. */
export interface JobDefinition extends JobHandler {
  readonly type: string;
}

/**
 * A queue job type's handler. The worker runs it on each claimed job: the stored payload is checked
 * against the type's schema first, and a malformed one fails the job for good (no retry) with an error
 * that says what is wrong.
 */
export function defineJob<S extends TSchema>(
  kind: JobType<S>,
  options: JobDefinitionOptions<Static<S>>,
): JobDefinition {
  const parse = (job: JobRow): { payload: Static<S> } | { problem: string } => {
    let value: unknown;
    try {
      value = JSON.parse(job.payload) as unknown;
    } catch {
      return { problem: 'not JSON' };
    }
    const problem = payloadProblem(kind.payload, value);
    return problem ? { problem } : { payload: value };
  };
  const { onDeadLetter, batch } = options;
  const malformed = (problem: string) =>
    new JobError(`The ${kind.type} job's payload is malformed: ${problem}`, false);
  return {
    type: kind.type,
    retryDelays: options.retryDelays,
    async run(context) {
      const parsed = parse(context.job);
      if ('problem' in parsed) throw malformed(parsed.problem);
      return options.run(parsed.payload, { ...context, payload: parsed.payload });
    },
    ...(batch
      ? {
          batch: {
            max: batch.max,
            async run(contexts) {
              const outcomes: PromiseSettledResult<unknown>[] = [];
              const items: { payload: Static<S>; context: TypedJobContext<Static<S>> }[] = [];
              const at: number[] = [];
              contexts.forEach((context, i) => {
                const parsed = parse(context.job);
                if ('problem' in parsed) {
                  outcomes[i] = { status: 'rejected', reason: malformed(parsed.problem) };
                } else {
                  at.push(i);
                  items.push({ payload: parsed.payload, context: { ...context, payload: parsed.payload } });
                }
              });
              const results = items.length > 0 ? await batch.run(items) : [];
              at.forEach((i, k) => {
                outcomes[i] = results[k] ?? {
                  status: 'rejected',
                  reason: new Error('The batch gave no outcome for this job'),
                };
              });
              return outcomes;
            },
          } satisfies JobBatch,
        }
      : {}),
    ...(onDeadLetter
      ? {
          async onDeadLetter(db, job, error) {
            const parsed = parse(job);
            if ('payload' in parsed) await onDeadLetter(db, job, error, parsed.payload);
          },
        }
      : {}),
  };
}

/** The worker's handler table from the modules' job definitions; a type declared twice is an error. */
export function jobHandlers(definitions: readonly JobDefinition[]): Record<string, JobHandler> {
  const handlers: Record<string, JobHandler> = {};
  for (const definition of definitions) {
    if (handlers[definition.type]) throw new Error(`Job type ${definition.type} is defined twice`);
    handlers[definition.type] = definition;
  }
  return handlers;
}

/**
 * A periodic task as the module that owns the work declares it: the worker runs `run` at start and then
 * `everyMs` after each run ends; an error is reported (`onError`) and the next run comes all the same.
 */
export function definePeriodic(task: PeriodicTask): PeriodicTask {
  return task;
}
