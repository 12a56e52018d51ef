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
}

export interface PeriodicTask {
  name: string;
  everyMs: number;
  run(): Promise<void>;
}
