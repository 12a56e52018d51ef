import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Registry } from 'prom-client';
import { appMetrics, type AppMetrics } from '../shared/app-metrics.js';
import { newTrace, runInTrace } from '../shared/trace.js';
import type { Database } from '../db/database.js';
import type { Clock } from '../shared/clock.js';
import { scheduledDelay } from '../shared/retry.js';
import { clip } from '../shared/text.js';
import type { Queue } from '../db/queue/queue.js';
import type { JobRow } from '../db/tables/queue.js';
import {
  JobError,
  MAX_JOB_ERROR_LENGTH,
  type JobContext,
  type JobHandler,
  type PeriodicTask,
} from '../db/queue/contract.js';
import type { TraceContext } from '../shared/trace.js';

export interface WorkerOptions {
  queue: Queue;
  db: Kysely<Database>;
  clock: Clock;
  handlers: Record<string, JobHandler>;
  periodic?: PeriodicTask[];
  concurrency?: number;
  leaseMs?: number;
  /** Longest idle sleep when no notification arrives (notifications wake it sooner). */
  pollMs?: number;
  workerId?: string;
  onError?: (error: unknown, what: string) => void;
  onJobDone?: (job: JobRow, outcome: 'succeeded' | 'retried' | 'failed') => void;
  /** Where each job's outcome is logged (a pino logger fits): info when it succeeds, warn otherwise. */
  logger?: WorkerLogger;
  /** Counts job outcomes and durations (`audenci_jobs_total`, `audenci_job_duration_seconds`). */
  metrics?: Registry;
}

/** The part of a pino logger the worker writes to. */
export interface WorkerLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export type JobOutcome = 'succeeded' | 'retried' | 'failed';

/** A failed job's error code for its log line: the handler's (`result.code`), else the error's kind. */
function errorCode(error: Error): string {
  if (error instanceof JobError) {
    const code = (error.result as { code?: unknown } | undefined)?.code;
    if (typeof code === 'string') return code;
    return error.retryable ? 'job_error_retryable' : 'job_error';
  }
  return error.name === 'Error' ? 'error' : error.name;
}

const DEFAULT_LEASE_MS = 30_000;

/** One claimed job on its way through an attempt: its context, its trace, and how its end is told. */
interface Run {
  job: JobRow;
  trace: TraceContext;
  context: JobContext;
  /** Whether the handler completed the job in its own transaction. */
  completed(): boolean;
  setCompleted(completed: boolean): void;
  done(outcome: JobOutcome, error?: Error): void;
}

/**
 * Runs jobs from the queue: claims up to `concurrency` at a time, keeps their leases alive while they
 * run, completes, retries (with the handler's delays, at least the error's `retryAfterMs`) or fails
 * them. A type whose handler takes batches (`JobHandler.batch`) is claimed up to `batch.max` jobs at a
 * time, each batch in one slot; one type's batches hold at most half the slots, so other types are not
 * starved by its backlog. It sleeps until a notification, the next job's run time, or `pollMs`. `stop()` stops claiming,
 * waits for running jobs up to a bound, and puts back the ones that did not finish.
 */
export class Worker {
  readonly id: string;
  private running = new Map<string, Promise<void>>();
  private stopped = true;
  /** Set by `crash()`: nothing more of this worker reaches the queue. */
  private crashed = false;
  private wake: (() => void) | undefined;
  /** Something happened (a notification, a job finished) since the loop last looked at the queue. */
  private signalled = false;
  private loop: Promise<void> | undefined;
  private unsubscribe: (() => Promise<void>) | undefined;
  private timers = new Map<string, NodeJS.Timeout>();
  private periodicRuns = new Set<Promise<void>>();
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly types: string[];
  /** Types whose handler takes batches, and the others. */
  private readonly batchTypes: string[];
  private readonly plainTypes: string[];
  /** Slots in use: one per running job, one per running batch. */
  private busy = 0;
  private readonly batchesRunning = new Map<string, number>();
  private readonly batchSlots: number;
  private readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly metrics: AppMetrics | undefined;

  constructor(private readonly options: WorkerOptions) {
    this.metrics = options.metrics ? appMetrics(options.metrics) : undefined;
    this.id = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.types = Object.keys(options.handlers);
    this.batchTypes = this.types.filter((type) => options.handlers[type]!.batch);
    this.plainTypes = this.types.filter((type) => !options.handlers[type]!.batch);
    this.concurrency = options.concurrency ?? 8;
    this.batchSlots = Math.max(1, Math.ceil(this.concurrency / 2));
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.pollMs = options.pollMs ?? 1000;
  }

  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    this.unsubscribe = await this.options.queue.subscribe(() => this.signal());
    for (const [index, task] of (this.options.periodic ?? []).entries()) {
      const key = `${index}:${task.name}`;
      const tick = async () => {
        if (this.stopped) return;
        try {
          await task.run();
        } catch (error) {
          this.options.onError?.(error, task.name);
        }
        if (!this.stopped)
          this.timers.set(
            key,
            setTimeout(() => void track(), task.everyMs),
          );
      };
      // stop() waits for a run in progress.
      const track = () => {
        const run = tick().finally(() => this.periodicRuns.delete(run));
        this.periodicRuns.add(run);
      };
      track();
    }
    this.heartbeat = setInterval(
      () => {
        const ids = [...this.running.keys()];
        this.options.queue
          .extend(this.id, ids, this.leaseMs)
          .catch((e: unknown) => this.options.onError?.(e, 'lease heartbeat'));
      },
      Math.max(50, Math.floor(this.leaseMs / 3)),
    );
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    let lastReap = 0;
    while (!this.stopped) {
      // Let the jobs that ended in the same turn (a batch commits together) all free their slots first,
      // so the claim below takes them all at once rather than one claim per finished job.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.stopped) break;
      // A signal from now on means the claim below may have missed something: look again before sleeping.
      this.signalled = false;
      const claimed: JobRow[] = [];
      const now = this.options.clock.now();
      if (now - lastReap > this.leaseMs) {
        lastReap = now;
        await this.options.queue
          .reapExpired({ types: this.types, onDead: (trx, job) => this.deadLetter(trx, job) })
          .catch((error: unknown) => this.options.onError?.(error, 'reaping expired jobs'));
      }
      try {
        for (const type of this.batchTypes) {
          const max = this.options.handlers[type]!.batch!.max;
          while (
            !this.stopped &&
            this.busy < this.concurrency &&
            (this.batchesRunning.get(type) ?? 0) < this.batchSlots
          ) {
            const jobs = await this.options.queue.claim(this.id, max, this.leaseMs, [type]);
            claimed.push(...jobs);
            this.startBatch(type, jobs);
            if (jobs.length < max) break;
          }
        }
        const free = this.concurrency - this.busy;
        const jobs = await this.options.queue.claim(this.id, free, this.leaseMs, this.plainTypes);
        claimed.push(...jobs);
        for (const job of jobs) {
          // Our own job whose lease lapsed (a stalled heartbeat) and came back to us: it is still running
          // here, and keeps the renewed lease; do not start it a second time.
          if (this.running.has(job.id)) continue;
          this.busy++;
          const done = this.execute(job).finally(() => {
            this.running.delete(job.id);
            this.busy--;
            this.signal();
          });
          this.running.set(job.id, done);
        }
      } catch (error) {
        this.options.onError?.(error, 'claim');
      }
      if (this.stopped) break;
      if (claimed.length > 0 && this.busy < this.concurrency) continue;
      await this.sleep();
    }
  }

  /** Runs a claimed batch of `type` in one slot (its jobs already running here are left out). */
  private startBatch(type: string, claimed: JobRow[]): void {
    const jobs = claimed.filter((job) => !this.running.has(job.id));
    if (jobs.length === 0) return;
    this.busy++;
    this.batchesRunning.set(type, (this.batchesRunning.get(type) ?? 0) + 1);
    const done = this.executeBatch(type, jobs).finally(() => {
      for (const job of jobs) this.running.delete(job.id);
      this.busy--;
      this.batchesRunning.set(type, this.batchesRunning.get(type)! - 1);
      this.signal();
    });
    for (const job of jobs) this.running.set(job.id, done);
  }

  private async sleep(): Promise<void> {
    let delay = this.pollMs;
    if (this.busy < this.concurrency) {
      try {
        const next = await this.options.queue.nextRunAt(this.types);
        if (next !== undefined) delay = Math.max(0, Math.min(delay, next - this.options.clock.now()));
      } catch (error) {
        this.options.onError?.(error, 'next run');
      }
    }
    if (delay === 0 && this.busy < this.concurrency) return;
    // Signalled (or stopped) while claiming or reading the next run time, when `wake` was not set yet.
    if (this.signalled || this.stopped) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(finish, delay);
      function finish() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = finish;
    });
    this.wake = undefined;
  }

  private signal(): void {
    this.signalled = true;
    this.wake?.();
  }

  /** A job whose worker died during its last attempt: reaped, with its handler's dead letter. */
  private async deadLetter(trx: Kysely<Database>, job: JobRow): Promise<void> {
    await this.options.handlers[job.type]?.onDeadLetter?.(
      trx,
      job,
      new Error(job.last_error ?? 'The lease expired'),
    );
  }

  /**
   * One attempt of a job, in a trace of its own (its outbound calls carry it as `traceparent`); its
   * outcome is counted and logged with its type, id, attempt and duration — never its payload.
   */
  private execute(job: JobRow): Promise<void> {
    const trace = newTrace();
    return runInTrace(trace, () => this.attempt(job, trace));
  }

  /** A job's context, and the counting and logging of its outcome. */
  private prepare(job: JobRow, trace: TraceContext): Run {
    const started = performance.now();
    const { queue } = this.options;
    const done = (outcome: JobOutcome, error?: Error) => {
      const durationMs = Math.round(performance.now() - started);
      this.metrics?.jobs.inc({ type: job.type, outcome });
      this.metrics?.jobDuration.observe({ type: job.type, outcome }, durationMs / 1000);
      const fields = {
        jobId: job.id,
        type: job.type,
        attempt: job.attempts,
        maxAttempts: job.max_attempts,
        durationMs,
        outcome,
        traceId: trace.traceId,
      };
      if (!error) this.options.logger?.info(fields, 'job succeeded');
      else {
        const message = clip(error.message, MAX_JOB_ERROR_LENGTH);
        this.options.logger?.warn(
          { ...fields, errorCode: errorCode(error), error: message },
          outcome === 'retried' ? 'job failed; retrying' : 'job failed',
        );
      }
      this.options.onJobDone?.(job, outcome);
    };
    let completed = false;
    const context: JobContext = {
      job,
      payload: JSON.parse(job.payload) as unknown,
      workerId: this.id,
      holdsLease: async () => !this.crashed && (await this.holdsLease(job.id)),
      complete: async (trx, result) => {
        completed = await queue.complete(trx, this.id, job.id, result);
        return completed;
      },
      inTrace: (fn) => runInTrace(trace, fn),
      completeAll: (trx, jobs) => this.completeAll(trx, jobs),
    };
    const run: Run = {
      job,
      trace,
      context,
      completed: () => completed,
      setCompleted: (value) => (completed = value),
      done,
    };
    this.attempting.set(job.id, run);
    return run;
  }

  /** The runs of the jobs this worker is attempting, by job id (for `completeAll`). */
  private readonly attempting = new Map<string, Run>();

  private async completeAll(
    db: Kysely<Database>,
    done: { context: JobContext; result?: unknown }[],
  ): Promise<boolean[]> {
    const held = await this.options.queue.completeMany(
      db,
      this.id,
      done.map(({ context, result }) => ({ id: context.job.id, result })),
    );
    return done.map(({ context }) => {
      const completed = held.has(context.job.id);
      this.attempting.get(context.job.id)?.setCompleted(completed);
      return completed;
    });
  }

  /** Lease checks asked for in the same turn of the event loop, answered by one query. */
  private leaseChecks: { id: string; resolve(held: boolean): void; reject(error: unknown): void }[] = [];

  private holdsLease(id: string): Promise<boolean> {
    return new Promise((resolve, reject) => {
      if (this.leaseChecks.push({ id, resolve, reject }) > 1) return;
      setImmediate(() => {
        const checks = this.leaseChecks.splice(0);
        this.options.queue.held(this.id, [...new Set(checks.map((c) => c.id))]).then(
          (held) => checks.forEach((c) => c.resolve(held.has(c.id))),
          (error: unknown) => checks.forEach((c) => c.reject(error)),
        );
      });
    });
  }

  private async attempt(job: JobRow, trace: TraceContext): Promise<void> {
    // Claimed by a loop turn that was under way when the worker crashed: abandoned like the others.
    if (this.crashed) return;
    const run = this.prepare(job, trace);
    const handler = this.options.handlers[job.type]!;
    let outcome: PromiseSettledResult<unknown>;
    try {
      outcome = { status: 'fulfilled', value: await handler.run(run.context) };
    } catch (caught) {
      outcome = { status: 'rejected', reason: caught };
    }
    await this.settle(run, handler, outcome);
  }

  /** One attempt of each job of a batch, by one call of the handler's `batch.run`; each settled alone. */
  private async executeBatch(type: string, jobs: JobRow[]): Promise<void> {
    if (this.crashed) return;
    const handler = this.options.handlers[type]!;
    const runs = jobs.map((job) => this.prepare(job, newTrace()));
    let outcomes: PromiseSettledResult<unknown>[];
    try {
      outcomes = await handler.batch!.run(runs.map((run) => run.context));
    } catch (caught) {
      outcomes = runs.map(() => ({ status: 'rejected', reason: caught }));
    }
    await Promise.all(
      runs.map((run, i) => {
        const outcome: PromiseSettledResult<unknown> = outcomes[i] ?? {
          status: 'rejected',
          reason: new Error('The batch gave no outcome for this job'),
        };
        // A success the handler completed only needs counting and logging, which carry the trace id
        // themselves; the rest (a dead letter) runs in the job's trace, as `execute` runs it.
        return outcome.status === 'fulfilled' && run.completed()
          ? this.settle(run, handler, outcome)
          : runInTrace(run.trace, () => this.settle(run, handler, outcome));
      }),
    );
  }

  /** Completes, retries or fails a job by its attempt's outcome. */
  private async settle(run: Run, handler: JobHandler, outcome: PromiseSettledResult<unknown>): Promise<void> {
    const { queue, db, clock } = this.options;
    const { job, done } = run;
    this.attempting.delete(job.id);
    let caught: unknown;
    if (outcome.status === 'fulfilled') {
      if (this.crashed) return;
      try {
        if (!run.completed()) await queue.complete(db, this.id, job.id, outcome.value);
        done('succeeded');
        return;
      } catch (error) {
        caught = error;
      }
    } else caught = outcome.reason;
    if (this.crashed) return;
    const error = caught instanceof Error ? caught : new Error(String(caught));
    const retryable = error instanceof JobError ? error.retryable : true;
    const message = clip(error.message, MAX_JOB_ERROR_LENGTH);
    try {
      if (retryable && job.attempts < job.max_attempts) {
        const retryAfterMs = error instanceof JobError ? error.retryAfterMs : undefined;
        const wait = scheduledDelay(handler.retryDelays, job.attempts, retryAfterMs);
        await queue.retry(db, this.id, job.id, clock.now() + wait, message);
        done('retried', error);
      } else {
        await db.transaction().execute(async (trx) => {
          const failed = await queue.fail(
            trx,
            this.id,
            job.id,
            message,
            error instanceof JobError ? error.result : undefined,
          );
          if (failed) await handler.onDeadLetter?.(trx, job, error);
        });
        done('failed', error);
      }
    } catch (storeError) {
      // The lease expires and another worker tries again.
      this.options.onError?.(storeError, `recording the outcome of job ${job.id}`);
    }
  }

  /** Stops claiming; waits up to `timeoutMs` for running jobs; puts the rest back in the queue. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.wake?.();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await this.loop;
    const pending = [...this.running.values(), ...this.periodicRuns];
    await Promise.race([Promise.allSettled(pending), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.options.queue
      .release(this.id, [...this.running.keys()])
      .catch((e: unknown) => this.options.onError?.(e, 'release'));
    await this.unsubscribe?.();
  }

  /**
   * For tests only: simulates this worker's process dying (SIGKILL, power loss) inside a test process.
   * It stops at once — no more claims, periodic runs or lease heartbeats — and abandons its in-flight
   * jobs: they are neither released nor completed, retried or failed, so they stay `running` under this
   * worker's id until their leases expire and another worker claims them again (the lost attempt
   * counts, as after a real crash). Handlers still running cannot be interrupted in-process: from now on
   * their `holdsLease()` answers false and their outcome is not recorded, but what they had already
   * started (a platform call, a transaction) still finishes. A test that needs such a call's answer to
   * be lost as well holds it back itself (e.g. a `fetch` that never answers once the worker crashed).
   * Use `stop()` for a graceful shutdown.
   */
  async crash(): Promise<void> {
    if (this.stopped) return;
    this.crashed = true;
    this.stopped = true;
    this.wake?.();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    if (this.heartbeat) clearInterval(this.heartbeat);
    // A dead process's listening connection closes with it.
    await this.unsubscribe?.().catch(() => undefined);
    await this.loop;
  }

  /** Jobs running right now (for tests and metrics). */
  get inFlight(): number {
    return this.running.size;
  }
}
