import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  type Tenant,
  type TestApp,
} from '../../../test/helpers/app.js';
import { startJobsWorker, waitForJob } from '../../../test/helpers/job-types.js';
import { AppError } from '../../shared/errors.js';
import type { Worker } from '../../worker/worker.js';
import type { JobTypeHandler } from './jobs.types.js';

/**
 * What a job keeps stays within what the document says of it: item errors are cut to their bounds when
 * stored, a chunk that would write more output than the type allows fails the job, and a job's error
 * message is cut.
 */

/** `test.limits`: one chunk per item; each writes `chunkOutput` characters and reports one item error. */
function limitsJobType(): JobTypeHandler<{ items: number; chunkOutput: number; throwLong?: boolean }> {
  return {
    type: 'test.limits',
    scope: 'read_write',
    chunkSize: 1,
    maxOutputLength: 100,
    output: { contentType: 'text/csv; charset=utf-8', filename: 'out.csv' },
    async prepare(_ctx, _tenant, payload) {
      const p = payload as { items: number; chunkOutput: number; throwLong?: boolean };
      return { payload: p, total: p.items };
    },
    async runChunk({ payload, offset, output }) {
      // A fact about the data (4xx): the job fails at once, with this message as its error.
      if (payload.throwLong) throw new AppError('INVALID_INPUT', 'e'.repeat(10_000));
      await output.append('x'.repeat(payload.chunkOutput));
      return {
        processed: 1,
        succeeded: 0,
        failed: 1,
        errors: [
          { index: offset, code: 'C'.repeat(100), message: '😀'.repeat(3000), field: 'f'.repeat(800) },
        ],
        done: offset + 1 >= payload.items,
      };
    },
  };
}

for (const dialect of dialects) {
  describe(`job limits (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let worker: Worker;

    before(async () => {
      t = await createTestApp(dialect);
      t.runtime.jobTypes.register(limitsJobType());
      tenant = await createTenant(t);
      worker = await startJobsWorker(t);
    });
    after(async () => {
      await worker.stop();
      await t.close();
    });

    const submit = async (payload: Record<string, unknown>) => {
      const res = await call(t.app, 'POST', '/api/v1/jobs', {
        key: tenant.live.read_write,
        body: { type: 'test.limits', payload },
      });
      assert.equal(res.status, 202, res.raw);
      return res.body.data.id as string;
    };

    it("an item error's code, message and field are cut to their documented lengths", async () => {
      const id = await submit({ items: 2, chunkOutput: 10 });
      const job = await waitForJob(t, tenant.live.read, id);
      assert.equal(job.status, 'succeeded', JSON.stringify(job.error));
      assert.equal(job.errors.length, 2);
      assert.deepEqual(job.errors[0], {
        index: 0,
        code: `${'C'.repeat(63)}…`,
        message: `${'😀'.repeat(1999)}…`,
        field: `${'f'.repeat(499)}…`,
      });
      const page = await call(t.app, 'GET', `/api/v1/jobs/${id}/errors`, { key: tenant.live.read });
      assert.equal(page.status, 200, page.raw);
      assert.deepEqual(page.body.data, job.errors);
      const file = await call(t.app, 'GET', `/api/v1/jobs/${id}/result`, { key: tenant.live.read });
      assert.equal(file.status, 200);
      assert.equal(file.raw, 'x'.repeat(20));
    });

    it('a chunk that would write more output than the type allows fails the job, keeping what was written', async () => {
      const id = await submit({ items: 5, chunkOutput: 40 });
      const job = await waitForJob(t, tenant.live.read, id);
      assert.equal(job.status, 'failed');
      assert.deepEqual(job.error, {
        code: 'JOB_FAILED',
        message: 'The output would pass 100 characters; narrow the job (filters, range)',
      });
      assert.deepEqual(job.progress, { total: 5, processed: 2, succeeded: 0, failed: 2 });
    });

    it("a job's error message is cut to 2,000 characters", async () => {
      const id = await submit({ items: 1, chunkOutput: 1, throwLong: true });
      const job = await waitForJob(t, tenant.live.read, id);
      assert.equal(job.status, 'failed');
      assert.deepEqual(job.error, { code: 'JOB_FAILED', message: `${'e'.repeat(1999)}…` });
    });
  });
}
