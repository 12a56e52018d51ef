import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { createTestDatabase, dialects, ManualClock, type TestDatabase } from '../../test/helpers/app.js';
import type { Database } from '../db/database.js';
import { createRuntime, type Runtime } from '../runtime.js';
import { systemClock } from '../shared/clock.js';
import { Queue, QUEUE_CHANNEL } from '../db/queue/queue.js';
import { JobError, type JobHandler } from '../db/queue/contract.js';
import { Worker, type WorkerOptions } from './worker.js';

/**
 * The Worker on both databases: exactly-once execution with several workers, crash recovery through
 * lease expiry, retries on the configured schedule, the dead state and its dead-letter hook, delayed
 * jobs, wake-up by notification rather than polling, graceful shutdown and periodic tasks.
 */

const T0 = Date.parse('2026-03-01T12:00:00Z');
/** Long enough that only a notification (never the poll) explains a prompt pick-up. */
const SLOW_POLL = 10_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 3000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

let typeCounter = 0;
/** Every test uses job types of its own, so tests sharing a database do not claim each other's jobs. */
const uniqueType = (name: string) => `${name}.${++typeCounter}`;

/** Fails instead of hanging the file when something never happens. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A queue whose `nextRunAt` can be held open, to put a notification or a stop inside that window. */
class GatedQueue extends Queue {
  private gate: Promise<void> | undefined;
  private opener: (() => void) | undefined;
  private entered = deferred();

  /** The next `nextRunAt` reads its answer, then waits until `open()`. */
  close(): void {
    const gate = deferred();
    this.gate = gate.promise;
    this.opener = gate.resolve;
    this.entered = deferred();
  }

  open(): void {
    this.gate = undefined;
    this.opener?.();
  }

  /** Resolves once a `nextRunAt` call waits at the closed gate. */
  waiting(): Promise<void> {
    return within(this.entered.promise, 3000, 'the worker to reach the gate');
  }

  override async nextRunAt(types: readonly string[]): Promise<number | undefined> {
    const next = await super.nextRunAt(types);
    const gate = this.gate;
    if (gate) {
      this.entered.resolve();
      await gate;
    }
    return next;
  }
}

for (const dialect of dialects) {
  describe(`worker (${dialect})`, () => {
    const clock = new ManualClock(T0);
    let database: TestDatabase;
    let runtime: Runtime;
    let db: Kysely<Database>;
    /** On the manual clock (timing checked exactly) and on the real one (timing checked in real time). */
    let manual: Queue;
    let real: Queue;
    const workers: Worker[] = [];
    const extraRuntimes: Runtime[] = [];
    const errors: string[] = [];

    before(async () => {
      database = createTestDatabase(dialect);
      runtime = await createRuntime(database.config, {
        schema: database.schema,
        sqliteFile: database.sqliteFile,
        clock,
      });
      db = runtime.db.db;
      manual = new Queue(runtime.db, clock);
      real = new Queue(runtime.db, systemClock);
      await sql`create table dead_letters (job_id text primary key, error text not null)`.execute(db);
    });

    after(async () => {
      await Promise.all(workers.map((worker) => worker.stop(100)));
      for (const extra of extraRuntimes) await extra.close();
      await runtime?.close();
      await database?.drop();
    });

    async function startWorker(options: Partial<WorkerOptions> & Pick<WorkerOptions, 'handlers'>) {
      const worker = new Worker({
        queue: real,
        db,
        clock: systemClock,
        pollMs: 20,
        leaseMs: 5000,
        onError: (error, what) =>
          errors.push(`${what}: ${error instanceof Error ? error.message : String(error)}`),
        ...options,
      });
      workers.push(worker);
      await worker.start();
      return worker;
    }

    const deadLetters = async (jobId: string) =>
      (
        await sql<{
          job_id: string;
          error: string;
        }>`select job_id, error from dead_letters where job_id = ${jobId}`.execute(db)
      ).rows;
    const recordDeadLetter: NonNullable<JobHandler['onDeadLetter']> = async (trx, job, error) => {
      // The job is already failed in the transaction the dead letter is written in.
      const inTrx = await trx.selectFrom('jobs').select('status').where('id', '=', job.id).executeTakeFirst();
      assert.equal(inTrx?.status, 'failed');
      await sql`insert into dead_letters (job_id, error) values (${job.id}, ${error.message})`.execute(trx);
    };
    const statusOf = async (id: string) => (await real.get(id))?.status;

    it(
      'runs every job exactly once with four workers of concurrency four (500 jobs)',
      { timeout: 25_000 },
      async () => {
        const type = uniqueType('once');
        // Ten writers at once (one connection each on PostgreSQL).
        await Promise.all(
          Array.from({ length: 10 }, async (_, writer) => {
            for (let i = writer; i < 500; i += 10)
              await real.enqueue(db, { type, payload: { i }, tenant: null });
          }),
        );
        // On PostgreSQL each worker has a connection pool and a LISTEN connection of its own, like separate
        // processes; SQLite has one in-process writer, so its workers share the runtime.
        const queues: Queue[] = [
          real,
          ...(await Promise.all(
            [1, 2, 3].map(async () => {
              if (dialect === 'sqlite') return real;
              const extra = await createRuntime(database.config, {
                schema: database.schema,
                clock: systemClock,
              });
              extraRuntimes.push(extra);
              return new Queue(extra.db, systemClock);
            }),
          )),
        ];
        const runs = new Map<string, number>();
        const byWorker = new Map<string, number>();
        const handler: JobHandler = {
          retryDelays: [1],
          async run(context) {
            runs.set(context.job.id, (runs.get(context.job.id) ?? 0) + 1);
            byWorker.set(context.workerId, (byWorker.get(context.workerId) ?? 0) + 1);
            await sleep(Math.random() * 4);
          },
        };
        const before = errors.length;
        const group = await Promise.all(
          queues.map((queue, i) =>
            startWorker({
              queue,
              db: queue.db,
              workerId: `w${i}`,
              concurrency: 4,
              leaseMs: 30_000,
              pollMs: 200,
              handlers: { [type]: handler },
            }),
          ),
        );
        const succeeded = async () =>
          Number(
            (
              await db
                .selectFrom('jobs')
                .select((eb) => eb.fn.countAll().as('n'))
                .where('type', '=', type)
                .where('status', '=', 'succeeded')
                .executeTakeFirstOrThrow()
            ).n,
          );
        await waitFor('500 runs', () => runs.size === 500, 20_000);
        await waitFor('500 succeeded jobs', async () => (await succeeded()) === 500);
        for (const worker of group) await worker.stop();

        assert.equal(runs.size, 500);
        assert.deepEqual(
          [...runs.values()].filter((n) => n !== 1),
          [],
          'no job ran twice',
        );
        const rows = await db
          .selectFrom('jobs')
          .select(['status', 'attempts'])
          .where('type', '=', type)
          .execute();
        assert.equal(rows.length, 500);
        assert.ok(rows.every((r) => r.status === 'succeeded' && r.attempts === 1));
        assert.deepEqual([...byWorker.keys()].sort(), ['w0', 'w1', 'w2', 'w3'], 'every worker took part');
        assert.deepEqual(errors.slice(before), []);
      },
    );

    it("runs a crashed worker's job again once its lease expired; the stale completion is refused", async () => {
      clock.set(T0);
      const type = uniqueType('crash');
      const job = await manual.enqueue(db, { type, payload: {}, tenant: null });
      // Worker A claims the job and dies without finishing it.
      const [lost] = await manual.claim('worker-a', 1, 1000, [type]);
      assert.equal(lost?.id, job.id);

      let ran = 0;
      const b = await startWorker({
        queue: manual,
        clock,
        workerId: 'worker-b',
        leaseMs: 1000,
        handlers: { [type]: { retryDelays: [1], run: async () => ({ ran: ++ran }) } },
      });
      await sleep(100);
      assert.equal(ran, 0, 'not while the lease of A holds');
      assert.equal(await statusOf(job.id), 'running');

      clock.advance(1001);
      await waitFor('the job to succeed', async () => (await statusOf(job.id)) === 'succeeded');
      await b.stop();
      const done = await manual.get(job.id);
      assert.equal(ran, 1);
      assert.equal(done?.attempts, 2);
      assert.equal(done?.result, JSON.stringify({ ran: 1 }));

      assert.equal(await manual.complete(db, 'worker-a', job.id, { stale: true }), false);
      assert.deepEqual(await manual.get(job.id), done);
    });

    it('keeps the lease of a job that runs longer than the lease', async () => {
      const type = uniqueType('heartbeat');
      const job = await real.enqueue(db, { type, payload: {}, tenant: null });
      // The job runs twice as long as its lease; heartbeats (every third of the lease) keep it.
      const worker = await startWorker({
        leaseMs: 1000,
        handlers: { [type]: { retryDelays: [1], run: () => sleep(2000) } },
      });
      await waitFor('the job to start', async () => (await statusOf(job.id)) === 'running');
      for (let i = 0; i < 12; i++) {
        assert.deepEqual(await real.claim('intruder', 1, 1000, [type]), []);
        await sleep(120);
      }
      await waitFor('the job to succeed', async () => (await statusOf(job.id)) === 'succeeded');
      await worker.stop();
      assert.equal((await real.get(job.id))?.attempts, 1);
    });

    describe('retries and the dead state', () => {
      it('retries a retryable failure on the configured schedule, then succeeds', async () => {
        clock.set(T0);
        const type = uniqueType('retry');
        const outcomes: string[] = [];
        let attempt = 0;
        const worker = await startWorker({
          queue: manual,
          clock,
          handlers: {
            [type]: {
              retryDelays: [10, 60],
              async run(context) {
                attempt++;
                assert.equal(context.job.attempts, attempt);
                if (attempt < 3) throw new Error(`transient ${attempt}`);
                return { attempt };
              },
              onDeadLetter: recordDeadLetter,
            },
          },
          onJobDone: (_job, outcome) => outcomes.push(outcome),
        });
        const job = await manual.enqueue(db, { type, payload: {}, tenant: null });

        const queuedAfter = async (attempts: number) => {
          await waitFor(`attempt ${attempts} to be recorded`, async () => {
            const row = await manual.get(job.id);
            return row?.status === 'queued' && row.attempts === attempts;
          });
          return (await manual.get(job.id))!;
        };
        const first = await queuedAfter(1);
        assert.equal(first.run_at, T0 + 10_000);
        assert.equal(first.last_error, 'transient 1');
        assert.equal(first.locked_by, null);
        clock.advance(9_999);
        await sleep(100);
        assert.equal(attempt, 1, 'not retried before its time');

        clock.advance(1);
        const second = await queuedAfter(2);
        assert.equal(second.run_at, T0 + 10_000 + 60_000);
        assert.equal(second.last_error, 'transient 2');
        clock.advance(59_999);
        await sleep(100);
        assert.equal(attempt, 2);

        clock.advance(1);
        await waitFor('the job to succeed', async () => (await statusOf(job.id)) === 'succeeded');
        await worker.stop();
        const done = await manual.get(job.id);
        assert.equal(done?.attempts, 3);
        assert.equal(done?.result, JSON.stringify({ attempt: 3 }));
        assert.equal(done?.finished_at, T0 + 70_000);
        assert.deepEqual(outcomes, ['retried', 'retried', 'succeeded']);
        assert.deepEqual(await deadLetters(job.id), []);
      });

      it("waits at least the error's retryAfterMs, and at least the schedule", async () => {
        clock.set(T0);
        const type = uniqueType('retry-after');
        let attempt = 0;
        const worker = await startWorker({
          queue: manual,
          clock,
          handlers: {
            [type]: {
              retryDelays: [10],
              async run() {
                attempt++;
                if (attempt === 1) throw new JobError('rate limited', true, 120_000);
                if (attempt === 2) throw new JobError('rate limited briefly', true, 1_000);
              },
            },
          },
        });
        const job = await manual.enqueue(db, { type, payload: {}, tenant: null });
        await waitFor(
          'the first retry',
          async () => (await manual.get(job.id))?.attempts === 1 && (await statusOf(job.id)) === 'queued',
        );
        assert.equal((await manual.get(job.id))?.run_at, T0 + 120_000);
        clock.advance(60_000);
        await sleep(100);
        assert.equal(attempt, 1, 'the schedule alone would have retried by now');

        clock.advance(60_000);
        await waitFor(
          'the second retry',
          async () => (await manual.get(job.id))?.attempts === 2 && (await statusOf(job.id)) === 'queued',
        );
        assert.equal((await manual.get(job.id))?.run_at, T0 + 120_000 + 10_000);
        clock.advance(10_000);
        await waitFor('the job to succeed', async () => (await statusOf(job.id)) === 'succeeded');
        await worker.stop();
        assert.equal(attempt, 3);
      });

      it('fails a non-retryable error at once and writes the dead letter in the same transaction', async () => {
        const type = uniqueType('permanent');
        const outcomes: string[] = [];
        let runs = 0;
        const worker = await startWorker({
          handlers: {
            [type]: {
              retryDelays: [1],
              async run() {
                runs++;
                throw new JobError('the post is invalid', false, undefined, { code: 'invalid_content' });
              },
              onDeadLetter: recordDeadLetter,
            },
          },
          onJobDone: (_job, outcome) => outcomes.push(outcome),
        });
        const job = await real.enqueue(db, { type, payload: {}, tenant: null, maxAttempts: 5 });
        await waitFor('the job to fail', async () => (await statusOf(job.id)) === 'failed');
        await worker.stop();
        const dead = await real.get(job.id);
        assert.equal(runs, 1);
        assert.equal(dead?.attempts, 1);
        assert.equal(dead?.last_error, 'the post is invalid');
        assert.equal(dead?.result, JSON.stringify({ code: 'invalid_content' }));
        assert.equal(dead?.locked_by, null);
        assert.ok(dead?.finished_at);
        assert.deepEqual(await deadLetters(job.id), [{ job_id: job.id, error: 'the post is invalid' }]);
        assert.deepEqual(outcomes, ['failed']);
      });

      it('a dead letter that cannot be written leaves the job unfailed (one transaction)', async () => {
        const type = uniqueType('dead-letter-rollback');
        const before = errors.length;
        const worker = await startWorker({
          handlers: {
            [type]: {
              retryDelays: [1],
              run: () => Promise.reject(new JobError('permanent', false)),
              async onDeadLetter(trx, job, error) {
                await recordDeadLetter(trx, job, error);
                throw new Error('dead-letter store unavailable');
              },
            },
          },
        });
        const job = await real.enqueue(db, { type, payload: {}, tenant: null });
        await waitFor('the error to be reported', () => errors.length > before);
        await worker.stop();
        assert.match(errors[before] ?? '', /recording the outcome of job .*: dead-letter store unavailable/);
        assert.equal(await statusOf(job.id), 'running', 'the lease expires and the job is tried again');
        assert.deepEqual(await deadLetters(job.id), []);
      });

      it('writes no dead letter when the lease was lost before the failure', async () => {
        clock.set(T0);
        const type = uniqueType('dead-letter-lost-lease');
        const worker = await startWorker({
          queue: manual,
          clock,
          // A long lease keeps the heartbeat (every lease/3 of real time) out of the test: on a loaded
          // machine a beat landing between the clock jump and the takeover would renew the lease.
          leaseMs: 60_000,
          // With a free slot the worker's own loop, running on while the handler awaits the takeover, sees
          // the expired lease too and may win the job back before the thief does (on PostgreSQL it did).
          concurrency: 1,
          handlers: {
            [type]: {
              retryDelays: [1],
              async run(context) {
                // The worker stalls past its lease and another worker takes the job over.
                clock.advance(60_001);
                assert.equal((await manual.claim('thief', 1, 60_000, [type])).length, 1);
                assert.equal(await context.holdsLease(), false);
                throw new JobError('permanent', false);
              },
              onDeadLetter: recordDeadLetter,
            },
          },
        });
        const job = await manual.enqueue(db, { type, payload: {}, tenant: null });
        await waitFor('the takeover', async () => (await manual.get(job.id))?.locked_by === 'thief');
        await sleep(100);
        await worker.stop();
        const row = await manual.get(job.id);
        assert.equal(row?.status, 'running');
        assert.equal(row?.locked_by, 'thief');
        assert.equal(row?.attempts, 2);
        assert.deepEqual(await deadLetters(job.id), []);
      });

      it('fails the job once max_attempts is exhausted (the last retry delay repeats)', async () => {
        clock.set(T0);
        const type = uniqueType('exhausted');
        const deadLettered: string[] = [];
        let attempt = 0;
        const worker = await startWorker({
          queue: manual,
          clock,
          handlers: {
            [type]: {
              retryDelays: [1],
              async run() {
                throw new Error(`boom ${++attempt}`);
              },
              async onDeadLetter(trx, job, error) {
                deadLettered.push(error.message);
                await recordDeadLetter(trx, job, error);
              },
            },
          },
        });
        const job = await manual.enqueue(db, { type, payload: {}, tenant: null, maxAttempts: 3 });
        for (const n of [1, 2]) {
          await waitFor(
            `retry ${n}`,
            async () => (await manual.get(job.id))?.attempts === n && (await statusOf(job.id)) === 'queued',
          );
          assert.equal((await manual.get(job.id))?.run_at, clock.now() + 1000);
          clock.advance(1000);
        }
        await waitFor('the dead state', async () => (await statusOf(job.id)) === 'failed');
        await sleep(50);
        await worker.stop();
        const dead = await manual.get(job.id);
        assert.equal(dead?.attempts, 3);
        assert.equal(dead?.last_error, 'boom 3');
        assert.equal(attempt, 3);
        assert.deepEqual(deadLettered, ['boom 3']);
        assert.deepEqual(await deadLetters(job.id), [{ job_id: job.id, error: 'boom 3' }]);
      });

      it('fails (and dead-letters) a job whose worker died during its last attempt', async () => {
        clock.set(T0);
        const type = uniqueType('reaped');
        const job = await manual.enqueue(db, { type, payload: {}, tenant: null, maxAttempts: 1 });
        await manual.claim('crashed', 1, 1000, [type]);
        clock.advance(1001);
        let ran = 0;
        const worker = await startWorker({
          queue: manual,
          clock,
          leaseMs: 1000,
          handlers: {
            [type]: { retryDelays: [1], run: async () => void ran++, onDeadLetter: recordDeadLetter },
          },
        });
        await waitFor('the dead state', async () => (await statusOf(job.id)) === 'failed');
        await waitFor('the dead letter', async () => (await deadLetters(job.id)).length === 1);
        await worker.stop();
        assert.equal(ran, 0);
        assert.match((await deadLetters(job.id))[0]!.error, /lease expired/);
      });
    });

    describe('delayed jobs and wake-up', () => {
      it('runs a delayed job at its time, not before', async () => {
        const type = uniqueType('delayed');
        let startedAt = 0;
        const worker = await startWorker({
          pollMs: SLOW_POLL,
          handlers: { [type]: { retryDelays: [1], run: async () => void (startedAt = Date.now()) } },
        });
        await sleep(100);
        const runAt = Date.now() + 300;
        const job = await real.enqueue(db, { type, payload: {}, tenant: null, runAt });
        assert.deepEqual(await real.claim('probe', 1, 1000, [type]), [], 'not claimable before its time');
        await waitFor('the delayed job', async () => (await statusOf(job.id)) === 'succeeded', 2000);
        await worker.stop();
        assert.ok(startedAt >= runAt, `started ${runAt - startedAt} ms early`);
        assert.ok(startedAt - runAt < 500, `started ${startedAt - runAt} ms late`);
      });

      it('wakes an idle worker by notification, not by polling', async () => {
        const type = uniqueType('wake');
        const started: number[] = [];
        const worker = await startWorker({
          pollMs: SLOW_POLL,
          handlers: { [type]: { retryDelays: [1], run: async () => void started.push(Date.now()) } },
        });
        for (let i = 0; i < 2; i++) {
          await sleep(100); // idle
          const enqueuedAt = Date.now();
          await real.enqueue(db, { type, payload: {}, tenant: null });
          await waitFor('the job to run', () => started.length === i + 1, 1000);
          assert.ok(started[i]! - enqueuedAt < 1000);
        }
        await worker.stop();
      });

      it('runs a job enqueued in a long transaction right after its commit', async () => {
        const type = uniqueType('wake-trx');
        let startedAt = 0;
        const worker = await startWorker({
          pollMs: SLOW_POLL,
          handlers: { [type]: { retryDelays: [1], run: async () => void (startedAt = Date.now()) } },
        });
        await sleep(100);
        let committedAt = 0;
        await db.transaction().execute(async (trx) => {
          await real.enqueue(trx, { type, payload: {}, tenant: null });
          await sleep(200);
          committedAt = Date.now();
        });
        await waitFor('the job to run', () => startedAt > 0, 1000);
        await worker.stop();
        assert.ok(startedAt >= committedAt);
      });

      it('does not lose a notification that arrives while the worker is between claim and sleep', async () => {
        const type = uniqueType('wake-race');
        const gated = new GatedQueue(runtime.db, systemClock);
        let ran = 0;
        const worker = await startWorker({
          queue: gated,
          pollMs: SLOW_POLL,
          handlers: { [type]: { retryDelays: [1], run: async () => void ran++ } },
        });
        await sleep(100);
        gated.close();
        try {
          // Wake the worker: it claims nothing and reads the next run time (none), then waits at the gate.
          await runtime.db.notifier.notify(db, QUEUE_CHANNEL);
          await gated.waiting();
          // The job is committed and notified after the worker looked; the answer it holds is stale.
          await real.enqueue(db, { type, payload: {}, tenant: null });
          await sleep(100);
        } finally {
          gated.open();
        }
        await waitFor('the job to run', () => ran === 1, 1000);
        await worker.stop();
      });
    });

    describe('graceful stop', () => {
      it('lets a running job finish within the stop timeout', async () => {
        const type = uniqueType('stop-finish');
        const started = deferred();
        const worker = await startWorker({
          handlers: {
            [type]: {
              retryDelays: [1],
              async run() {
                started.resolve();
                await sleep(300);
                return { finished: true };
              },
            },
          },
        });
        const job = await real.enqueue(db, { type, payload: {}, tenant: null });
        await within(started.promise, 3000, 'the job to start');
        const t = Date.now();
        await worker.stop(5000);
        assert.ok(Date.now() - t >= 200, 'stop waited for the job');
        assert.equal(worker.inFlight, 0);
        const done = await real.get(job.id);
        assert.equal(done?.status, 'succeeded');
        assert.equal(done?.result, JSON.stringify({ finished: true }));
      });

      it('releases a job still running after the timeout without counting its attempt; a stopped worker claims nothing', async () => {
        const type = uniqueType('stop-release');
        const started = deferred();
        const finish = deferred();
        let runs = 0;
        const worker = await startWorker({
          handlers: {
            [type]: {
              retryDelays: [1],
              async run() {
                runs++;
                started.resolve();
                await finish.promise;
                return { late: true };
              },
            },
          },
        });
        const job = await real.enqueue(db, { type, payload: {}, tenant: null });
        await within(started.promise, 3000, 'the job to start');
        const t = Date.now();
        await worker.stop(200);
        const took = Date.now() - t;
        assert.ok(took >= 150 && took < 2000, `stop took ${took} ms`);
        const released = await real.get(job.id);
        assert.equal(released?.status, 'queued');
        assert.equal(released?.attempts, 0);
        assert.equal(released?.locked_by, null);
        assert.equal(released?.locked_until, null);

        // The interrupted handler ends late: its completion is refused.
        finish.resolve();
        await sleep(100);
        assert.equal(await statusOf(job.id), 'queued');

        // The stopped worker claims nothing more.
        const another = await real.enqueue(db, { type, payload: {}, tenant: null });
        await sleep(300);
        assert.equal(runs, 1);
        assert.equal(await statusOf(another.id), 'queued');
        assert.equal((await real.get(job.id))?.status, 'queued');
      });

      it('a released job wakes another worker at once', async () => {
        const type = uniqueType('stop-handover');
        const started = deferred();
        const ranBy: string[] = [];
        const handler = (gate: Promise<void>): JobHandler => ({
          retryDelays: [1],
          async run(context) {
            ranBy.push(context.workerId);
            started.resolve();
            await gate;
          },
        });
        const never = new Promise<void>(() => undefined);
        const leaving = await startWorker({ workerId: 'leaving', handlers: { [type]: handler(never) } });
        const job = await real.enqueue(db, { type, payload: {}, tenant: null });
        await within(started.promise, 3000, 'the job to start');
        const staying = await startWorker({
          workerId: 'staying',
          pollMs: SLOW_POLL,
          handlers: { [type]: handler(Promise.resolve()) },
        });
        await sleep(100);
        await leaving.stop(50);
        await waitFor(
          'the other worker to run the released job',
          async () => (await statusOf(job.id)) === 'succeeded',
          1000,
        );
        await staying.stop();
        assert.deepEqual(ranBy, ['leaving', 'staying']);
        assert.equal((await real.get(job.id))?.attempts, 1);
      });

      it('stops promptly even when asked while the worker is about to sleep', async () => {
        const type = uniqueType('stop-race');
        const gated = new GatedQueue(runtime.db, systemClock);
        const worker = await startWorker({
          queue: gated,
          pollMs: SLOW_POLL,
          handlers: { [type]: { retryDelays: [1], run: async () => undefined } },
        });
        await sleep(100);
        gated.close();
        let t = 0;
        let stopping: Promise<void> | undefined;
        try {
          await runtime.db.notifier.notify(db, QUEUE_CHANNEL);
          await gated.waiting();
          t = Date.now();
          stopping = worker.stop();
          await sleep(50);
        } finally {
          gated.open();
        }
        await within(stopping, 15_000, 'the worker to stop');
        assert.ok(Date.now() - t < 1000, `stop took ${Date.now() - t} ms`);
      });
    });

    describe('periodic tasks', () => {
      it('run repeatedly, survive their errors, and stop with the worker', async () => {
        let ticks = 0;
        let failures = 0;
        let inProgress = false;
        let stopping = false;
        let startedAfterStop = 0;
        const before = errors.length;
        const worker = await startWorker({
          handlers: {},
          periodic: [
            {
              name: 'ticker',
              everyMs: 20,
              async run() {
                if (stopping) startedAfterStop++;
                inProgress = true;
                ticks++;
                await sleep(ticks === 5 ? 150 : 1);
                inProgress = false;
              },
            },
            {
              name: 'flaky',
              everyMs: 20,
              async run() {
                if (stopping) startedAfterStop++;
                failures++;
                throw new Error('sweep failed');
              },
            },
          ],
        });
        await waitFor('five ticks', () => ticks >= 5 && inProgress, 2000);
        assert.ok(failures >= 3, 'a failing task keeps running');
        assert.ok(errors.slice(before).every((e) => e === 'flaky: sweep failed'));
        assert.ok(errors.length - before >= 3);

        // Stopped in the middle of a run: stop waits for it, and nothing starts afterwards.
        stopping = true;
        await worker.stop();
        assert.equal(inProgress, false, 'stop waited for the run in progress');
        assert.equal(startedAfterStop, 0);
        const [t, f] = [ticks, failures];
        await sleep(200);
        assert.equal(ticks, t);
        assert.equal(failures, f);
      });
    });
  });
}
