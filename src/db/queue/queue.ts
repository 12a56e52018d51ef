import { sql, type ExpressionBuilder, type Kysely, type Updateable } from 'kysely';
import type { Database } from '../database.js';
import type { DbHandle } from '../index.js';
import type { Clock } from '../../shared/clock.js';
import { newId } from '../../shared/ids.js';
import type { Tenant } from '../../shared/tenant.js';
import type { JobRow, JobsTable } from '../tables/queue.js';
import { unscoped } from '../tenant.js';

export const QUEUE_CHANNEL = 'audenci_jobs';

/** `dueStats` counts due jobs up to this; the gauge reads this value when the backlog is larger. */
export const DUE_COUNT_CAP = 10_000;

/** Why the queue's queries span tenants (see db/tenant.ts): a job carries its tenant, the queue does not. */
const QUEUE = "the queue claims, leases and finishes any tenant's jobs by id; the tenant is a job's data";

export interface EnqueueOptions {
  type: string;
  payload: unknown;
  /** The tenant the job works for; null for system jobs. */
  tenant: Tenant | null;
  /** Not before (epoch ms); default now. */
  runAt?: number;
  maxAttempts?: number;
  /** At most one job with this key ever exists; a second enqueue is a no-op that returns the first. */
  dedupeKey?: string;
}

/**
 * The durable queue: a `jobs` table. `enqueue` takes the caller's transaction, so a job exists exactly
 * when the change that caused it commits (transactional outbox). Workers claim jobs with a lease; on
 * PostgreSQL with `FOR UPDATE SKIP LOCKED`, so any number of workers share the table without claiming a
 * job twice; on SQLite the single writer serializes claims. A job whose lease expired (its worker died)
 * is claimed again. Every state change after the claim is guarded by the lease holder's id, so a worker
 * that lost its lease cannot overwrite another's result.
 */
export class Queue {
  constructor(
    private readonly handle: DbHandle,
    private readonly clock: Clock,
  ) {}

  get db(): Kysely<Database> {
    return this.handle.db;
  }

  async enqueue(db: Kysely<Database>, options: EnqueueOptions): Promise<JobRow> {
    const now = this.clock.now();
    const row = this.newRow(options, now);
    if (options.dedupeKey) {
      const inserted = await unscoped(db, QUEUE)
        .insertInto('jobs')
        .values(row)
        .onConflict((oc) => oc.column('dedupe_key').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
        const existing = await unscoped(db, QUEUE)
          .selectFrom('jobs')
          .selectAll()
          .where('dedupe_key', '=', options.dedupeKey)
          .executeTakeFirst();
        if (existing) return existing;
      }
    } else {
      await unscoped(db, QUEUE).insertInto('jobs').values(row).execute();
    }
    await this.handle.notifier.notify(db, QUEUE_CHANNEL);
    return row;
  }

  /**
   * Several jobs in one statement (a job whose dedupe key exists already is skipped), and one wake-up
   * for idle workers — none when every job is for later: they find it when it is due.
   */
  async enqueueMany(db: Kysely<Database>, jobs: readonly EnqueueOptions[]): Promise<void> {
    if (jobs.length === 0) return;
    const now = this.clock.now();
    const rows = jobs.map((options) => this.newRow(options, now));
    await unscoped(db, QUEUE)
      .insertInto('jobs')
      .values(rows)
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .execute();
    if (rows.some((row) => row.run_at <= now + 1000)) await this.handle.notifier.notify(db, QUEUE_CHANNEL);
  }

  private newRow(options: EnqueueOptions, now: number): JobRow {
    return {
      id: newId('job', now),
      organization_id: options.tenant?.organizationId ?? null,
      environment: options.tenant?.environment ?? null,
      type: options.type,
      payload: JSON.stringify(options.payload ?? {}),
      status: 'queued',
      run_at: options.runAt ?? now,
      attempts: 0,
      max_attempts: options.maxAttempts ?? 5,
      locked_by: null,
      locked_until: null,
      dedupe_key: options.dedupeKey ?? null,
      progress: null,
      result: null,
      last_error: null,
      created_at: now,
      updated_at: now,
      finished_at: null,
    };
  }

  /**
   * Claims up to `limit` runnable jobs (due queued jobs, and running jobs whose lease expired), earliest
   * run time first. Each kind is read by an index range of its own (`jobs_claim`, `jobs_lease`) that
   * stops after `limit` rows, so a claim costs the same with 10 or 100,000 due jobs (one query with an
   * `OR` of both read every due job and sorted them, once per claim).
   */
  async claim(workerId: string, limit: number, leaseMs: number, types: readonly string[]): Promise<JobRow[]> {
    if (limit <= 0 || types.length === 0) return [];
    const now = this.clock.now();
    let queued = unscoped(this.db, QUEUE)
      .selectFrom('jobs')
      .select(['id', 'run_at'])
      .where('status', '=', 'queued')
      .where('run_at', '<=', now)
      .where('type', 'in', types)
      .orderBy('run_at')
      .limit(limit);
    let lapsed = unscoped(this.db, QUEUE)
      .selectFrom('jobs')
      .select(['id', 'run_at'])
      .where('status', '=', 'running')
      .where('locked_until', '<', now)
      .where('type', 'in', types)
      .where((eb) => eb('attempts', '<', eb.ref('max_attempts')))
      .orderBy('locked_until')
      .limit(limit);
    if (this.handle.capabilities.supportsSkipLocked) {
      queued = queued.forUpdate().skipLocked();
      lapsed = lapsed.forUpdate().skipLocked();
    }
    const candidates = unscoped(this.db, QUEUE)
      .selectFrom(
        unscoped(this.db, QUEUE)
          .selectFrom(queued.as('q'))
          .select(['q.id', 'q.run_at'])
          .unionAll(unscoped(this.db, QUEUE).selectFrom(lapsed.as('l')).select(['l.id', 'l.run_at']))
          .as('c'),
      )
      .select('c.id')
      .orderBy('c.run_at')
      .limit(limit);
    return unscoped(this.db, QUEUE)
      .updateTable('jobs')
      .set((eb) => ({
        status: 'running',
        locked_by: workerId,
        locked_until: now + leaseMs,
        attempts: eb('attempts', '+', 1),
        updated_at: now,
      }))
      .where('id', 'in', candidates)
      .returningAll()
      .execute();
  }

  /**
   * Running jobs whose worker died during their last attempt are not claimed again (no attempt left):
   * they fail here, each in a transaction of its own in which `onDead` runs (the handler's dead letter),
   * so a dead job's consequences (e.g. its post marked FAILED) commit with it. If `onDead` throws, that
   * job stays as it was (it is reaped again later) and the first error is thrown after the others.
   * `types` limits reaping to the job types the caller can dead-letter.
   */
  async reapExpired(
    options: {
      types?: readonly string[];
      onDead?: (db: Kysely<Database>, job: JobRow) => Promise<void>;
    } = {},
  ): Promise<number> {
    if (options.types?.length === 0) return 0;
    const now = this.clock.now();
    const expired = (eb: ExpressionBuilder<Database, 'jobs'>) =>
      eb.and([
        eb('status', '=', 'running'),
        eb('locked_until', '<', now),
        eb('attempts', '>=', eb.ref('max_attempts')),
      ]);
    let candidates = unscoped(this.db, QUEUE).selectFrom('jobs').select('id').where(expired);
    if (options.types) candidates = candidates.where('type', 'in', options.types);
    const ids = await candidates.execute();
    let reaped = 0;
    let firstError: unknown;
    for (const { id } of ids) {
      try {
        const row = await this.db.transaction().execute(async (trx) => {
          const failed = await unscoped(trx, QUEUE)
            .updateTable('jobs')
            .set({
              status: 'failed',
              last_error: 'The worker stopped during the last attempt (lease expired)',
              locked_by: null,
              locked_until: null,
              updated_at: now,
              finished_at: now,
            })
            .where('id', '=', id)
            // Checked again under the row lock: another worker may have reaped it meanwhile.
            .where(expired)
            .returningAll()
            .executeTakeFirst();
          if (failed) await options.onDead?.(trx, failed);
          return failed;
        });
        if (row) reaped++;
      } catch (error) {
        firstError ??= error;
      }
    }
    if (firstError !== undefined) throw firstError;
    return reaped;
  }

  /** Keeps the lease of jobs this worker is still running. */
  async extend(workerId: string, ids: string[], leaseMs: number): Promise<void> {
    if (ids.length === 0) return;
    const update = unscoped(this.db, QUEUE)
      .updateTable('jobs')
      .set({ locked_until: this.clock.now() + leaseMs })
      .where('locked_by', '=', workerId)
      .where('status', '=', 'running');
    if (!this.handle.capabilities.supportsSkipLocked) {
      await update.where('id', 'in', ids).execute();
      return;
    }
    // The worker's own transactions (a publish batch settling its jobs) lock these rows too, several
    // at a time: a heartbeat waiting on one of them while holding another deadlocked with them. It
    // passes over rows locked now instead (their transaction is settling them, or the next heartbeat,
    // a third of a lease later, extends them).
    await update
      .where(
        'id',
        'in',
        unscoped(this.db, QUEUE)
          .selectFrom('jobs as held')
          .select('held.id')
          .where('held.id', 'in', ids)
          .forUpdate()
          .skipLocked(),
      )
      .execute();
  }

  /** True while `workerId` still holds the job's lease (checked before an irreversible call). */
  async holds(workerId: string, id: string): Promise<boolean> {
    const row = await unscoped(this.db, QUEUE)
      .selectFrom('jobs')
      .select(['locked_by', 'locked_until', 'status'])
      .where('id', '=', id)
      .executeTakeFirst();
    return (
      !!row &&
      row.status === 'running' &&
      row.locked_by === workerId &&
      (row.locked_until ?? 0) > this.clock.now()
    );
  }

  /** Which of `ids` `workerId` still holds the lease of: `holds` for several jobs in one query. */
  async held(workerId: string, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await unscoped(this.db, QUEUE)
      .selectFrom('jobs')
      .select('id')
      .where('id', 'in', ids)
      .where('locked_by', '=', workerId)
      .where('status', '=', 'running')
      .where('locked_until', '>', this.clock.now())
      .execute();
    return new Set(rows.map((row) => row.id));
  }

  async complete(db: Kysely<Database>, workerId: string, id: string, result: unknown): Promise<boolean> {
    const now = this.clock.now();
    return this.settleOwned(db, workerId, id, {
      status: 'succeeded',
      result: result === undefined ? null : JSON.stringify(result),
      updated_at: now,
      finished_at: now,
    });
  }

  /**
   * `complete` for several jobs in one statement (each with its own result); answers the ids that
   * `workerId` still held, which are the ones completed.
   */
  async completeMany(
    db: Kysely<Database>,
    workerId: string,
    jobs: readonly { id: string; result?: unknown }[],
  ): Promise<Set<string>> {
    if (jobs.length === 0) return new Set();
    const now = this.clock.now();
    const results = jobs.map(
      (job) => sql`when ${job.id} then ${job.result === undefined ? null : JSON.stringify(job.result)}`,
    );
    const rows = await unscoped(db, QUEUE)
      .updateTable('jobs')
      .set({
        status: 'succeeded',
        result: sql<string | null>`case ${sql.ref('id')} ${sql.join(results, sql` `)} end`,
        updated_at: now,
        finished_at: now,
        locked_by: null,
        locked_until: null,
      })
      .where(
        'id',
        'in',
        jobs.map((job) => job.id),
      )
      .where('locked_by', '=', workerId)
      .where('status', '=', 'running')
      .returning('id')
      .execute();
    return new Set(rows.map((row) => row.id));
  }

  /** Back to the queue for another attempt at `runAt`. */
  async retry(
    db: Kysely<Database>,
    workerId: string,
    id: string,
    runAt: number,
    error: string,
  ): Promise<boolean> {
    const retried = await this.settleOwned(db, workerId, id, {
      status: 'queued',
      run_at: runAt,
      last_error: error,
      updated_at: this.clock.now(),
    });
    if (retried) await this.handle.notifier.notify(db, QUEUE_CHANNEL);
    return retried;
  }

  /** The dead state: no more attempts. */
  async fail(
    db: Kysely<Database>,
    workerId: string,
    id: string,
    error: string,
    result?: unknown,
  ): Promise<boolean> {
    const now = this.clock.now();
    return this.settleOwned(db, workerId, id, {
      status: 'failed',
      last_error: error,
      result: result === undefined ? null : JSON.stringify(result),
      updated_at: now,
      finished_at: now,
    });
  }

  /** Ends `workerId`'s hold on a running job with `changes`; false when the job is no longer its to end. */
  private async settleOwned(
    db: Kysely<Database>,
    workerId: string,
    id: string,
    changes: Updateable<JobsTable>,
  ): Promise<boolean> {
    const updated = await unscoped(db, QUEUE)
      .updateTable('jobs')
      .set({ ...changes, locked_by: null, locked_until: null })
      .where('id', '=', id)
      .where('locked_by', '=', workerId)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  }

  /** Graceful shutdown: unfinished jobs go back to the queue at once; the interrupted attempt is not counted. */
  async release(workerId: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await unscoped(this.db, QUEUE)
      .updateTable('jobs')
      .set((eb) => ({
        status: 'queued',
        locked_by: null,
        locked_until: null,
        attempts: eb('attempts', '-', 1),
        updated_at: this.clock.now(),
      }))
      .where('id', 'in', ids)
      .where('locked_by', '=', workerId)
      .where('status', '=', 'running')
      .execute();
    // Other workers take the released jobs over now rather than at their next poll.
    await this.handle.notifier.notify(this.db, QUEUE_CHANNEL);
  }

  /** When the next queued job becomes due (so an idle worker sleeps exactly until then). */
  async nextRunAt(types: readonly string[]): Promise<number | undefined> {
    if (types.length === 0) return undefined;
    const row = await unscoped(this.db, QUEUE)
      .selectFrom('jobs')
      .select((eb) => eb.fn.min('run_at').as('next'))
      .where('status', '=', 'queued')
      .where('type', 'in', types)
      .executeTakeFirst();
    const next = row?.next as number | string | null | undefined;
    return next === null || next === undefined ? undefined : Number(next);
  }

  /**
   * Queued jobs that are due now (counted up to `cap`, so a huge backlog costs a bounded index range)
   * and when the oldest of them became due (one index seek on `jobs (status, run_at)`). For the
   * `audenci_queue_*` gauges.
   */
  async dueStats(cap = DUE_COUNT_CAP): Promise<{ due: number; oldestDueAt: number | undefined }> {
    const now = this.clock.now();
    const dueJobs = unscoped(this.db, QUEUE)
      .selectFrom('jobs')
      .select('id')
      .where('status', '=', 'queued')
      .where('run_at', '<=', now)
      .limit(cap);
    const [counted, oldest] = await Promise.all([
      unscoped(this.db, QUEUE)
        .selectFrom(dueJobs.as('due'))
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirst(),
      unscoped(this.db, QUEUE)
        .selectFrom('jobs')
        .select((eb) => eb.fn.min('run_at').as('oldest'))
        .where('status', '=', 'queued')
        .where('run_at', '<=', now)
        .executeTakeFirst(),
    ]);
    const at = oldest?.oldest as number | string | null | undefined;
    return {
      due: Number(counted?.n ?? 0),
      oldestDueAt: at === null || at === undefined ? undefined : Number(at),
    };
  }

  subscribe(listener: () => void): Promise<() => Promise<void>> {
    return this.handle.notifier.subscribe(QUEUE_CHANNEL, listener);
  }

  /** Rows for tests and the API. */
  async get(id: string): Promise<JobRow | undefined> {
    return unscoped(this.db, QUEUE).selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  }
}
