import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { createTestDatabase, dialects, type TestDatabase } from '../../test/helpers/app.js';
import type { Database } from '../db/database.js';
import type { JobRow } from '../db/tables/queue.js';
import { createRuntime, type Runtime } from '../runtime.js';
import { systemClock } from '../shared/clock.js';
import { Queue } from '../db/queue/queue.js';
import { JobError, type JobContext, type JobHandler } from '../db/queue/contract.js';
import { Worker } from './worker.js';

/**
 * Batch handlers (`JobHandler.batch`, what webhook delivery uses): the worker claims up to `max` jobs
 * of the type at once and hands them to one call; each job still ends by its own outcome, the handler
 * can complete its successes in one statement, and a type's batches never take every slot.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

let typeCounter = 0;
const uniqueType = (name: string) => `batch-${name}.${++typeCounter}`;

/** `run` fails the test: a batch type's jobs must go through `batch.run`. */
const notBatched = async (): Promise<never> => {
  throw new Error('run() called: the worker did not batch this type');
};

for (const dialect of dialects) {
  describe(`worker batches (${dialect})`, () => {
    let database: TestDatabase;
    let runtime: Runtime;
    let db: Kysely<Database>;
    let queue: Queue;
    const workers: Worker[] = [];
    const errors: string[] = [];

    before(async () => {
      database = createTestDatabase(dialect);
      runtime = await createRuntime(database.config, {
        schema: database.schema,
        sqliteFile: database.sqliteFile,
      });
      db = runtime.db.db;
      queue = new Queue(runtime.db, systemClock);
    });

    after(async () => {
      await Promise.all(workers.map((worker) => worker.stop(100)));
      await runtime?.close();
      await database?.drop();
    });

    async function startWorker(handlers: Record<string, JobHandler>, concurrency: number) {
      const worker = new Worker({
        queue,
        db,
        clock: systemClock,
        handlers,
        concurrency,
        pollMs: 20,
        leaseMs: 5000,
        onError: (error, what) =>
          errors.push(`${what}: ${error instanceof Error ? error.message : String(error)}`),
      });
      workers.push(worker);
      await worker.start();
      return worker;
    }

    it('claims up to `max` jobs per call; each job succeeds, is retried or fails by its own outcome', async () => {
      const type = uniqueType('outcomes');
      const jobs: JobRow[] = [];
      for (let i = 0; i < 10; i++)
        jobs.push(await queue.enqueue(db, { type, payload: { i }, tenant: null, maxAttempts: 2 }));
      const calls: number[] = [];
      const attempts = new Map<number, number>();
      const handler: JobHandler = {
        retryDelays: [0],
        run: notBatched,
        batch: {
          max: 4,
          async run(contexts: JobContext[]) {
            calls.push(contexts.length);
            return contexts.map((context) => {
              const { i } = context.payload as { i: number };
              const n = (attempts.get(i) ?? 0) + 1;
              attempts.set(i, n);
              // 0, 3, 6, 9 fail for good; 1, 4, 7 fail once and then succeed; the rest succeed.
              if (i % 3 === 0) return { status: 'rejected', reason: new JobError(`no ${i}`, false) };
              if (i % 3 === 1 && n === 1) return { status: 'rejected', reason: new Error(`not yet ${i}`) };
              return { status: 'fulfilled', value: { i, n } };
            });
          },
        },
      };
      await startWorker({ [type]: handler }, 4);
      await waitFor('every job to end', async () => {
        const statuses = await Promise.all(jobs.map(async (job) => (await queue.get(job.id))?.status));
        return statuses.every((s) => s === 'succeeded' || s === 'failed');
      });
      assert.ok(
        calls.every((n) => n <= 4),
        `at most max per call: ${calls.join(',')}`,
      );
      assert.ok(calls[0]! > 1, `the backlog is claimed in batches: ${calls.join(',')}`);
      for (const [i, job] of jobs.entries()) {
        const row = (await queue.get(job.id))!;
        if (i % 3 === 0) {
          assert.equal(row.status, 'failed', `job ${i}`);
          assert.equal(row.last_error, `no ${i}`);
          assert.equal(attempts.get(i), 1, `job ${i}: not retried`);
        } else {
          assert.equal(row.status, 'succeeded', `job ${i}`);
          assert.deepEqual(JSON.parse(row.result!), { i, n: i % 3 === 1 ? 2 : 1 });
          assert.equal(row.attempts, i % 3 === 1 ? 2 : 1, `job ${i}: one attempt per outcome`);
        }
      }
      assert.deepEqual(errors, []);
    });

    it('completeAll completes the successes of a batch in the transaction of their changes', async () => {
      const type = uniqueType('complete-all');
      const jobs: JobRow[] = [];
      for (let i = 0; i < 6; i++) jobs.push(await queue.enqueue(db, { type, payload: { i }, tenant: null }));
      const answers: boolean[][] = [];
      let attempt = 0;
      const handler: JobHandler = {
        retryDelays: [0],
        run: notBatched,
        batch: {
          max: 6,
          async run(contexts) {
            const held = await db.transaction().execute(async (trx) => {
              const answer = await contexts[0]!.completeAll!(
                trx,
                contexts.map((context) => ({ context, result: { done: context.job.id } })),
              );
              // Rolled back with the transaction: nothing completes.
              if (attempt++ === 0) throw new Error('rolled back');
              return answer;
            });
            answers.push(held);
            return contexts.map(() => ({ status: 'fulfilled', value: 'not stored: completed already' }));
          },
        },
      };
      await startWorker({ [type]: handler }, 2);
      await waitFor('every job to succeed', async () => {
        const statuses = await Promise.all(jobs.map(async (job) => (await queue.get(job.id))?.status));
        return statuses.every((s) => s === 'succeeded');
      });
      assert.deepEqual(answers, [Array(6).fill(true)], 'the second attempt completed all six at once');
      for (const job of jobs) {
        const row = (await queue.get(job.id))!;
        assert.equal(row.attempts, 2, 'the rolled-back completion was retried');
        assert.deepEqual(JSON.parse(row.result!), { done: job.id });
        assert.equal(row.locked_by, null);
      }
    });

    it("a type's batches hold at most half the slots: other types run beside its backlog", async () => {
      const type = uniqueType('held');
      const other = uniqueType('other');
      for (let i = 0; i < 8; i++) await queue.enqueue(db, { type, payload: { i }, tenant: null });
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let batches = 0;
      let otherRan = false;
      await startWorker(
        {
          [type]: {
            retryDelays: [0],
            run: notBatched,
            batch: {
              max: 2,
              async run(contexts) {
                batches++;
                await held;
                return contexts.map(() => ({ status: 'fulfilled', value: null }));
              },
            },
          },
          [other]: {
            retryDelays: [0],
            async run() {
              otherRan = true;
            },
          },
        },
        4,
      );
      await waitFor('two batches to start', () => batches === 2);
      await queue.enqueue(db, { type: other, payload: {}, tenant: null });
      await waitFor('the other type to run while the batches are held', () => otherRan);
      await sleep(100);
      assert.equal(batches, 2, 'half of four slots: two batches at a time');
      release();
      await waitFor('the backlog to be done', () => batches === 4);
    });
  });
}
