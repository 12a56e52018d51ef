/* eslint-disable @typescript-eslint/no-explicit-any -- test answers are JSON of any shape */
import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/db/database.js';
import type { ItemError, JobTypeHandler } from '../../src/modules/jobs/index.js';
import { invalidInput } from '../../src/shared/errors.js';
import { createWorker, type CreateWorkerOptions } from '../../src/worker/index.js';
import type { Worker } from '../../src/worker/worker.js';
import { call, type TestApp } from './app.js';

/**
 * Job types for the jobs module's tests, independent of any business module. `test.rows` inserts one row
 * per item into `test_job_items`, whose primary key (tag, item) makes an item processed twice fail loudly.
 */
export const ITEMS_TABLE = 'test_job_items';

export async function createItemsTable(db: Kysely<Database>): Promise<void> {
  await sql`create table if not exists test_job_items (tag text not null, item integer not null, primary key (tag, item))`.execute(
    db,
  );
}

export async function countItems(db: Kysely<Database>, tag: string): Promise<number> {
  const { rows } = await sql<{
    n: number | string;
  }>`select count(*) as n from test_job_items where tag = ${tag}`.execute(db);
  return Number(rows[0]!.n);
}

export interface RowsPayload {
  /** Names the job's rows in `test_job_items` (a chunk does not know its job's id). */
  tag: string;
  count: number;
  /** Items that fail (an item error, no row). */
  failAt?: number[];
  /** Pause of every chunk, so that a test can act while the job runs. */
  delayMs?: number;
  /** Every chunk throws (the job fails once its attempts are used up). */
  broken?: boolean;
  /** A permanent (4xx) failure from the first chunk. */
  invalidAtRun?: boolean;
}

export function rowsJobType(
  options: { type?: string; chunkSize?: number; scope?: JobTypeHandler['scope']; output?: boolean } = {},
): JobTypeHandler<RowsPayload, { last: number }> {
  return {
    type: options.type ?? 'test.rows',
    scope: options.scope ?? 'read_write',
    chunkSize: options.chunkSize ?? 10,
    ...(options.output ? { output: { contentType: 'text/csv; charset=utf-8', filename: 'items.csv' } } : {}),
    async prepare(_ctx, _tenant, payload) {
      const p = payload as Partial<RowsPayload>;
      if (!Number.isInteger(p.count) || p.count! < 1 || p.count! > 100_000) {
        throw invalidInput([{ field: 'payload.count', reason: 'Must be a whole number from 1 to 100000' }]);
      }
      if (typeof p.tag !== 'string' || p.tag === '') {
        throw invalidInput([{ field: 'payload.tag', reason: 'Field is required' }]);
      }
      return { payload: p as RowsPayload, total: p.count! };
    },
    async runChunk({ trx, payload, offset, limit, output, state }) {
      if (payload.delayMs) await sleep(payload.delayMs);
      if (payload.broken) throw new Error('disk on fire (internal detail)');
      if (payload.invalidAtRun) throw invalidInput([{ field: 'x', reason: 'Bad data' }]);
      const end = Math.min(offset + limit, payload.count);
      const errors: ItemError[] = [];
      let text = offset === 0 ? 'item\n' : '';
      for (let i = offset; i < end; i++) {
        if (payload.failAt?.includes(i)) {
          errors.push({ index: i, code: 'INVALID_INPUT', message: `Item ${i} is bad`, field: 'value' });
          continue;
        }
        await sql`insert into test_job_items (tag, item) values (${payload.tag}, ${i})`.execute(trx);
        text += `${i}\n`;
      }
      if (options.output) await output.append(text);
      const processed = end - offset;
      return {
        processed,
        succeeded: processed - errors.length,
        failed: errors.length,
        errors,
        state: { last: state ? state.last + processed : processed },
        done: end >= payload.count,
      };
    },
    summarize: (payload, progress) => ({ imported: progress.succeeded, requested: payload.count }),
  };
}

/** The real worker (every handler) with the app's job types, the test ones included; stop it in `after`. */
export async function startJobsWorker(t: TestApp, options: CreateWorkerOptions = {}): Promise<Worker> {
  const { runtime } = t;
  const worker = createWorker(
    {
      config: runtime.config,
      ctx: runtime.ctx,
      db: runtime.ctx.db,
      connectors: runtime.connectors,
      tokenBox: runtime.tokenBox,
      webhookBox: runtime.webhookBox,
      media: runtime.media,
      jobTypes: runtime.jobTypes,
    },
    { pollMs: 100, sweepEveryMs: 100, leaseMs: 5000, ...options },
  );
  await worker.start();
  return worker;
}

/** Polls `GET /jobs/{id}` until `done` says so (or fails after `timeoutMs`). */
export async function waitForJob(
  t: TestApp,
  key: string,
  id: string,
  done: (job: any) => boolean = (job) => ['succeeded', 'failed', 'cancelled'].includes(job.status),
  timeoutMs = 20_000,
): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await call(t.app, 'GET', `/api/v1/jobs/${id}`, { key });
    if (res.status !== 200) throw new Error(`GET /jobs/${id} answered ${res.status}: ${res.raw}`);
    if (done(res.body.data)) return res.body.data;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${res.raw}`);
    await sleep(20);
  }
}
