import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  ManualClock,
  type Tenant,
  type TestApp,
} from '../../../test/helpers/app.js';
import {
  countItems,
  createItemsTable,
  rowsJobType,
  startJobsWorker,
  waitForJob,
} from '../../../test/helpers/job-types.js';
import type { Worker } from '../../worker/worker.js';
import { purgeFinishedJobs } from './jobs.retention.js';
import type { JobTypeHandler } from './jobs.types.js';

/**
 * The chunk runner: each chunk commits its items, the job's progress, its item errors and its output in
 * one transaction; a cancel stops before the next chunk; the end writes `job.completed` / `job.failed`.
 */

const DAY = 86_400_000;

/**
 * `test.prepared`: its `prepareChunk` reads the database through the runtime's own handle, with a bound.
 * On SQLite (one connection) that read would wait for ever if the chunk's transaction were already open.
 */
function preparedJobType(): JobTypeHandler<{ count: number }, { offsets: number[] }> {
  return {
    type: 'test.prepared',
    scope: 'read_write',
    chunkSize: 5,
    async prepare(_ctx, _tenant, payload) {
      const { count } = payload as { count: number };
      return { payload: { count }, total: count };
    },
    async prepareChunk({ ctx, offset }) {
      const read = ctx.db.selectFrom('jobs').select('id').limit(1).execute();
      await Promise.race([
        read,
        sleep(2000).then(() => {
          throw new Error('prepareChunk ran inside a transaction');
        }),
      ]);
      return { offset };
    },
    async runChunk({ payload, state, offset, prepared }) {
      assert.deepEqual(prepared, { offset });
      const n = Math.min(5, payload.count - offset);
      const offsets = [...(state?.offsets ?? []), offset];
      return {
        processed: n,
        succeeded: n,
        failed: 0,
        errors: [],
        state: { offsets },
        done: offset + n >= payload.count,
      };
    },
    summarize: (_payload, _progress, state) => ({ offsets: state?.offsets ?? [] }),
  };
}

for (const dialect of dialects) {
  describe(`jobs runner (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let worker: Worker;

    before(async () => {
      t = await createTestApp(dialect);
      t.runtime.jobTypes
        .register(rowsJobType({ chunkSize: 10 }))
        .register(rowsJobType({ type: 'test.export', scope: 'read', output: true, chunkSize: 4 }))
        .register(preparedJobType());
      await createItemsTable(t.runtime.ctx.db);
      tenant = await createTenant(t);
      worker = await startJobsWorker(t);
    });
    after(async () => {
      await worker.stop();
      await t.close();
    });

    const submit = async (type: string, payload: Record<string, unknown>) => {
      const res = await call(t.app, 'POST', '/api/v1/jobs', {
        key: tenant.live.read_write,
        body: { type, payload },
      });
      assert.equal(res.status, 202, res.raw);
      return res.body.data as { id: string };
    };
    const events = async (type: string) =>
      (
        await call(t.app, 'GET', '/api/v1/events', {
          key: tenant.live.read,
          query: { type, limit: 100 },
        })
      ).body.data as { type: string; data: { id: string } }[];

    it('progress moves a chunk at a time and ends truthful; item errors carry their index; job.completed has the job', async () => {
      const job = await submit('test.rows', { tag: 'p1', count: 95, failAt: [3, 42, 94], delayMs: 15 });
      const seen = await waitForJob(t, tenant.live.read, job.id, (j) => j.progress.processed > 0);
      if (seen.status === 'running') {
        assert.ok(seen.startedAt);
        assert.equal(seen.progress.processed % 10, 0, 'progress is whole chunks');
        assert.equal(seen.progress.processed, seen.progress.succeeded + seen.progress.failed);
      }
      const done = await waitForJob(t, tenant.live.read, job.id);
      assert.equal(done.status, 'succeeded', JSON.stringify(done));
      assert.deepEqual(done.progress, { total: 95, processed: 95, succeeded: 92, failed: 3 });
      assert.equal(done.errorCount, 3);
      assert.deepEqual(done.errors, [
        { index: 3, code: 'INVALID_INPUT', message: 'Item 3 is bad', field: 'value' },
        { index: 42, code: 'INVALID_INPUT', message: 'Item 42 is bad', field: 'value' },
        { index: 94, code: 'INVALID_INPUT', message: 'Item 94 is bad', field: 'value' },
      ]);
      assert.deepEqual(done.result, { imported: 92, requested: 95 });
      assert.ok(done.startedAt && done.finishedAt && done.startedAt <= done.finishedAt);
      assert.equal(await countItems(t.runtime.ctx.db, 'p1'), 92);

      const page1 = await call(t.app, 'GET', `/api/v1/jobs/${job.id}/errors`, {
        key: tenant.live.read,
        query: { limit: 2 },
      });
      assert.deepEqual(
        page1.body.data.map((e: { index: number }) => e.index),
        [3, 42],
      );
      assert.equal(page1.body.pagination.totalCount, 3);
      const page2 = await call(t.app, 'GET', `/api/v1/jobs/${job.id}/errors`, {
        key: tenant.live.read,
        query: { limit: 2, cursor: page1.body.pagination.nextCursor },
      });
      assert.deepEqual(
        page2.body.data.map((e: { index: number }) => e.index),
        [94],
      );

      const completed = (await events('job.completed')).filter((e) => e.data.id === job.id);
      assert.equal(completed.length, 1);
      assert.deepEqual(completed[0]!.data, done, 'the event carries the job as the API shows it');
    });

    it('prepareChunk runs before the chunk transaction opens; its answer reaches runChunk; summarize sees the state', async () => {
      const job = await submit('test.prepared', { count: 10 });
      const done = await waitForJob(t, tenant.live.read, job.id);
      assert.equal(done.status, 'succeeded', JSON.stringify(done));
      assert.deepEqual(done.progress, { total: 10, processed: 10, succeeded: 10, failed: 0 });
      // Each chunk's `prepared` was made for its own offset, and the state of the last chunk is summarized.
      assert.deepEqual(done.result, { offsets: [0, 5] });
    });

    it('an export writes its file a chunk at a time; the result streams it with its type and name', async () => {
      const job = await submit('test.export', { tag: 'e1', count: 10 });
      const done = await waitForJob(t, tenant.live.read, job.id);
      assert.equal(done.status, 'succeeded');
      assert.equal(done.result.resultUrl, `http://audenci.test/api/v1/jobs/${job.id}/result`);
      const res = await call(t.app, 'GET', `/api/v1/jobs/${job.id}/result`, { key: tenant.live.read });
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-type'], 'text/csv; charset=utf-8');
      assert.equal(res.headers['content-disposition'], 'attachment; filename="items.csv"');
      assert.equal(res.raw, `item\n${Array.from({ length: 10 }, (_, i) => `${i}\n`).join('')}`);
      // The file never changes once the job succeeded: a strong ETag, and If-None-Match answers 304.
      const etag = String(res.headers.etag);
      assert.match(etag, /^"[\w-]{10,}"$/);
      const again = await call(t.app, 'GET', `/api/v1/jobs/${job.id}/result`, { key: tenant.live.read });
      assert.equal(again.headers.etag, etag);
      const cached = await call(t.app, 'GET', `/api/v1/jobs/${job.id}/result`, {
        key: tenant.live.read,
        headers: { 'if-none-match': `W/${etag}` },
      });
      assert.equal(cached.status, 304);
      assert.equal(cached.raw, '');
      assert.equal(cached.headers.etag, etag);
      const stale = await call(t.app, 'GET', `/api/v1/jobs/${job.id}/result`, {
        key: tenant.live.read,
        headers: { 'if-none-match': '"something-else"' },
      });
      assert.equal(stale.status, 200);
    });

    it('a cancel stops a running job between chunks; its progress stays what was committed', async () => {
      const job = await submit('test.rows', { tag: 'c1', count: 400, delayMs: 30 });
      await waitForJob(t, tenant.live.read, job.id, (j) => j.progress.processed >= 20);
      const res = await call(t.app, 'POST', `/api/v1/jobs/${job.id}/cancel`, { key: tenant.live.read_write });
      assert.equal(res.status, 200, res.raw);
      assert.ok(res.body.data.cancelRequestedAt);
      assert.ok(['running', 'cancelled'].includes(res.body.data.status));
      const done = await waitForJob(t, tenant.live.read, job.id);
      assert.equal(done.status, 'cancelled');
      assert.ok(done.cancelledAt && done.finishedAt);
      assert.equal(done.result, null);
      const rows = await countItems(t.runtime.ctx.db, 'c1');
      assert.ok(rows < 400, 'stopped early');
      assert.equal(done.progress.processed, rows, 'progress is exactly what committed');
      assert.equal(done.progress.succeeded, rows);
      await sleep(200);
      assert.equal(await countItems(t.runtime.ctx.db, 'c1'), rows, 'nothing more runs');
      const again = await call(t.app, 'POST', `/api/v1/jobs/${job.id}/cancel`, {
        key: tenant.live.read_write,
      });
      assert.equal(again.status, 409);
      assert.ok(!(await events('job.completed')).some((e) => e.data.id === job.id));
    });

    it('a permanent chunk failure fails the job (job.failed); the failed chunk leaves nothing behind', async () => {
      const job = await submit('test.rows', { tag: 'f1', count: 5, invalidAtRun: true });
      const done = await waitForJob(t, tenant.live.read, job.id);
      assert.equal(done.status, 'failed');
      assert.deepEqual(done.error, { code: 'JOB_FAILED', message: 'x: bad data' });
      assert.deepEqual(done.progress, { total: 5, processed: 0, succeeded: 0, failed: 0 });
      const failed = (await events('job.failed')).filter((e) => e.data.id === job.id);
      assert.equal(failed.length, 1);
      assert.deepEqual(failed[0]!.data, done);
    });

    it('an internal error is retried, then fails the job without showing its details', async () => {
      const job = await submit('test.rows', { tag: 'f2', count: 5, broken: true });
      // One attempt only, so that the test does not wait for the retry schedule.
      await t.runtime.ctx.db.updateTable('jobs').set({ max_attempts: 1 }).where('id', '=', job.id).execute();
      const done = await waitForJob(t, tenant.live.read, job.id);
      assert.equal(done.status, 'failed');
      assert.equal(done.error.message, 'An internal error interrupted the job');
      assert.doesNotMatch(JSON.stringify(done), /disk on fire/);
      assert.equal((await events('job.failed')).filter((e) => e.data.id === job.id).length, 1);
    });
  });

  describe(`jobs retention (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    const clock = new ManualClock(Date.parse('2026-06-01T00:00:00Z'));

    before(async () => {
      t = await createTestApp(dialect, { clock });
      t.runtime.jobTypes.register(rowsJobType());
      tenant = await createTenant(t);
    });
    after(() => t.close());

    it('deletes finished jobs of every type, with their errors and files, 30 days after they finish', async () => {
      const { db, queue } = t.runtime.ctx;
      const now = clock.now();
      const submit = async () =>
        (
          await call(t.app, 'POST', '/api/v1/jobs', {
            key: tenant.live.read_write,
            body: { type: 'test.rows', payload: { tag: 'r', count: 3 } },
          })
        ).body.data.id as string;
      const finish = async (id: string, status: 'succeeded' | 'failed' | 'cancelled', at: number) =>
        db.updateTable('jobs').set({ status, finished_at: at }).where('id', '=', id).execute();

      const old = await submit();
      await finish(old, 'succeeded', now - 31 * DAY);
      await db
        .insertInto('job_item_errors')
        .values({ job_id: old, id: '0000000000', item_index: 1, code: 'X', message: 'x', field: null })
        .execute();
      await db.insertInto('job_outputs').values({ job_id: old, seq: 0, content: 'a,b\n' }).execute();
      const oldCancelled = await submit();
      await finish(oldCancelled, 'cancelled', now - 40 * DAY);
      const internal = await queue.enqueue(db, { type: 'webhook.deliver', payload: {}, tenant: null });
      await finish(internal.id, 'failed', now - 31 * DAY);
      const recent = await submit();
      await finish(recent, 'succeeded', now - 29 * DAY);
      const stillQueued = await submit();
      await db
        .updateTable('jobs')
        .set({ created_at: now - 90 * DAY })
        .where('id', '=', stillQueued)
        .execute();
      const running = await submit();
      await db
        .updateTable('jobs')
        .set({ status: 'running', created_at: now - 90 * DAY })
        .where('id', '=', running)
        .execute();

      const deleted = await purgeFinishedJobs(db, clock, { olderThanMs: 30 * DAY, batchSize: 2 });
      assert.equal(deleted, 3);
      const left = (await db.selectFrom('jobs').select('id').execute()).map((r) => r.id);
      for (const id of [old, oldCancelled, internal.id]) assert.ok(!left.includes(id), `${id} deleted`);
      for (const id of [recent, stillQueued, running]) assert.ok(left.includes(id), `${id} kept`);
      assert.equal((await db.selectFrom('job_item_errors').selectAll().execute()).length, 0);
      assert.equal((await db.selectFrom('job_outputs').selectAll().execute()).length, 0);
      const gone = await call(t.app, 'GET', `/api/v1/jobs/${old}`, { key: tenant.live.read });
      assert.equal(gone.status, 404);
      assert.equal(t.runtime.config.jobRetentionDays, 30, 'the default');
    });
  });
}
