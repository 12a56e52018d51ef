import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import type { JobRow } from '../tables/queue.js';
import { defineJob, JobError, jobHandlers, jobType, type JobContext } from './contract.js';

/** The job contract's typed payloads: checked when a job is enqueued, and again when it runs. */

const PING = jobType('test.ping', Type.Object({ id: Type.String(), n: Type.Integer({ minimum: 0 }) }));

function row(payload: string): JobRow {
  return {
    id: 'job_1',
    organization_id: null,
    environment: null,
    type: PING.type,
    payload,
    status: 'running',
    run_at: 0,
    attempts: 1,
    max_attempts: 5,
    locked_by: 'w',
    locked_until: 1,
    dedupe_key: null,
    progress: null,
    result: null,
    last_error: null,
    created_at: 0,
    updated_at: 0,
    finished_at: null,
  };
}

function context(job: JobRow): JobContext {
  return {
    job,
    payload: JSON.parse(job.payload) as unknown,
    workerId: 'w',
    holdsLease: async () => true,
    complete: async () => true,
  };
}

describe('job contract', () => {
  it('job() answers what Queue.enqueue takes, and throws on a malformed payload', () => {
    assert.deepEqual(PING.job({ id: 'a', n: 1 }), { type: 'test.ping', payload: { id: 'a', n: 1 } });
    assert.throws(
      () => PING.job({ id: 'a', n: -1 }),
      (error: Error) => !(error instanceof JobError) && /test\.ping.*\/n/.test(error.message),
    );
  });

  it('the handler gets the checked payload; a malformed stored one fails the job for good', async () => {
    const seen: unknown[] = [];
    const dead: unknown[] = [];
    const handler = defineJob(PING, {
      retryDelays: [1],
      run: async (payload) => void seen.push(payload),
      onDeadLetter: async (_db, _job, _error, payload) => void dead.push(payload),
    });
    await handler.run(context(row('{"id":"a","n":2}')));
    assert.deepEqual(seen, [{ id: 'a', n: 2 }]);

    const malformed = row('{"id":"a"}');
    await assert.rejects(
      handler.run(context(malformed)),
      (error: unknown) =>
        error instanceof JobError &&
        !error.retryable &&
        /test\.ping job's payload is malformed/.test(error.message),
    );
    assert.equal(seen.length, 1);
    // Nothing to act on: the module's dead-letter hook is not called with a malformed payload.
    await handler.onDeadLetter!(undefined as never, malformed, new Error('x'));
    assert.deepEqual(dead, []);
    await handler.onDeadLetter!(undefined as never, row('{"id":"b","n":0}'), new Error('x'));
    assert.deepEqual(dead, [{ id: 'b', n: 0 }]);
  });

  it('a job type defined twice is an error', () => {
    const handler = defineJob(PING, { retryDelays: [1], run: async () => undefined });
    assert.throws(() => jobHandlers([handler, handler]), /test\.ping is defined twice/);
  });
});
