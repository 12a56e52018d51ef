import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  type Answer,
  type Tenant,
  type TestApp,
} from '../../../test/helpers/app.js';
import { createItemsTable, rowsJobType } from '../../../test/helpers/job-types.js';

/**
 * Jobs (docs/api.md, "Jobs"), the API half: `POST /jobs` checks the payload before anything is stored,
 * answers 202 with the queued job and its Location; jobs are listed, read, cancelled and downloaded per
 * organization and environment. No worker runs here: jobs stay queued (the runner has its own tests).
 */

function assertError(res: Answer, status: number, code: string): void {
  assert.equal(res.status, status, res.raw);
  assert.deepEqual(Object.keys(res.body), ['error']);
  assert.equal(res.body.error.code, code, res.raw);
}

const MISSING = 'job_01M8FHSW4FSXDVQCQJRMA72QE2';

for (const dialect of dialects) {
  describe(`jobs API (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let other: Tenant;

    before(async () => {
      t = await createTestApp(dialect);
      t.runtime.jobTypes
        .register(rowsJobType())
        .register(rowsJobType({ type: 'test.export', scope: 'read', output: true }));
      await createItemsTable(t.runtime.ctx.db);
      tenant = await createTenant(t);
      other = await createTenant(t, { name: 'Other org' });
    });
    after(() => t.close());

    const submit = (body: unknown, key = tenant.live.read_write, headers: Record<string, string> = {}) =>
      call(t.app, 'POST', '/api/v1/jobs', { key, body, headers });
    const countJobs = async () =>
      Number(
        (
          await t.runtime.ctx.db
            .selectFrom('jobs')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('organization_id', '=', tenant.org.id)
            .executeTakeFirstOrThrow()
        ).n,
      );

    it('answers 202 with the queued job, its Location and zero progress', async () => {
      const res = await submit({ type: 'test.rows', payload: { tag: 'a', count: 25 } });
      assert.equal(res.status, 202, res.raw);
      const job = res.body.data;
      assert.match(job.id, /^job_[0-9A-Z]{26}$/);
      assert.equal(res.headers.location, `http://audenci.test/api/v1/jobs/${job.id}`);
      assert.deepEqual(
        { ...job, id: undefined, createdAt: undefined, updatedAt: undefined },
        {
          id: undefined,
          type: 'test.rows',
          status: 'queued',
          progress: { total: 25, processed: 0, succeeded: 0, failed: 0 },
          errors: [],
          errorCount: 0,
          result: null,
          error: null,
          createdAt: undefined,
          startedAt: null,
          finishedAt: null,
          updatedAt: undefined,
          cancelRequestedAt: null,
          cancelledAt: null,
        },
      );
      const read = await call(t.app, 'GET', `/api/v1/jobs/${job.id}`, { key: tenant.live.read });
      assert.equal(read.status, 200);
      assert.deepEqual(read.body.data, job);
      const internal = await t.runtime.ctx.queue.get(job.id);
      assert.equal(internal?.type, 'api:test.rows', 'stored in the one queue, under its own prefix');
    });

    it('refuses a bad payload (400 naming the field) and an unknown type (400 listing the types); nothing is stored', async () => {
      const before = await countJobs();
      const bad = await submit({ type: 'test.rows', payload: { tag: 'b', count: 0 } });
      assertError(bad, 400, 'INVALID_INPUT');
      assert.equal(bad.body.error.details.field, 'payload.count');
      const unknown = await submit({ type: 'posts.frobnicate', payload: {} });
      assertError(unknown, 400, 'INVALID_INPUT');
      assert.equal(unknown.body.error.details.field, 'type');
      for (const known of ['posts.import', 'posts.export', 'test.rows'])
        assert.ok(unknown.body.error.message.includes(known), unknown.body.error.message);
      const noType = await submit({ payload: {} });
      assertError(noType, 400, 'INVALID_INPUT');
      assert.equal(noType.body.error.details.field, 'type');
      const importBad = await submit({ type: 'posts.import', payload: { posts: 'nope' } });
      assertError(importBad, 400, 'INVALID_INPUT');
      assert.match(importBad.body.error.details.field, /^payload/);
      assert.equal(await countJobs(), before, 'no job created');
    });

    it("needs the type's scope: read may export, not change (403 naming the scope)", async () => {
      const before = await countJobs();
      const refused = await submit({ type: 'test.rows', payload: { tag: 'c', count: 1 } }, tenant.live.read);
      assertError(refused, 403, 'FORBIDDEN');
      assert.equal(refused.body.error.details.requiredScope, 'read_write');
      assert.equal(await countJobs(), before);
      const allowed = await submit(
        { type: 'test.export', payload: { tag: 'c', count: 1 } },
        tenant.live.read,
      );
      assert.equal(allowed.status, 202, allowed.raw);
      const anonymous = await call(t.app, 'POST', '/api/v1/jobs', { body: { type: 'test.rows' } });
      assertError(anonymous, 401, 'UNAUTHORIZED');
    });

    it('takes a body above the usual 1 MiB, up to 20 MiB; beyond is 413 in the envelope', async () => {
      const before = await countJobs();
      const big = await submit({
        type: 'test.rows',
        payload: { tag: 'x'.repeat(2 * 1024 * 1024), count: 1 },
      });
      assert.equal(big.status, 202, big.raw.slice(0, 300));
      const huge = await submit({
        type: 'test.rows',
        payload: { tag: 'x'.repeat(20 * 1024 * 1024 + 1), count: 1 },
      });
      assertError(huge, 413, 'PAYLOAD_TOO_LARGE');
      assert.match(huge.body.error.message, /20 MiB/);
      assert.equal(await countJobs(), before + 1);
      // Other routes keep the 1 MiB limit.
      const post = await call(t.app, 'POST', '/api/v1/brands', {
        key: tenant.live.admin,
        body: { name: 'x'.repeat(2 * 1024 * 1024) },
      });
      assertError(post, 413, 'PAYLOAD_TOO_LARGE');
    });

    it('an Idempotency-Key replays the first answer and creates one job', async () => {
      const before = await countJobs();
      const headers = { 'idempotency-key': 'import-2026-06-01' };
      const body = { type: 'test.rows', payload: { tag: 'd', count: 3 } };
      const first = await submit(body, undefined, headers);
      const again = await submit(body, undefined, headers);
      assert.equal(first.status, 202);
      assert.equal(again.status, 202);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal(again.body.data.id, first.body.data.id);
      assert.equal(again.headers.location, first.headers.location);
      assert.equal(await countJobs(), before + 1);
    });

    it('lists API jobs only, newest first, with status and type filters and cursor pagination', async () => {
      // An internal job of the same tenant never shows.
      await t.runtime.ctx.queue.enqueue(t.runtime.ctx.db, {
        type: 'post.publish',
        payload: {},
        tenant: { organizationId: tenant.org.id, environment: 'live' },
        runAt: Date.now() + 86_400_000,
      });
      const all = await call(t.app, 'GET', '/api/v1/jobs', { key: tenant.live.read, query: { limit: 100 } });
      assert.equal(all.status, 200);
      assert.ok(all.body.data.length >= 4);
      assert.ok(all.body.data.every((j: { type: string }) => j.type.startsWith('test.')));
      assert.equal(all.body.pagination.totalCount, all.body.data.length);
      const created = all.body.data.map((j: { createdAt: string }) => j.createdAt);
      assert.deepEqual(created, [...created].sort().reverse());

      const exports = await call(t.app, 'GET', '/api/v1/jobs', {
        key: tenant.live.read,
        query: { type: 'test.export' },
      });
      assert.deepEqual(
        exports.body.data.map((j: { type: string }) => j.type),
        ['test.export'],
      );
      const cancelled = await call(t.app, 'GET', '/api/v1/jobs', {
        key: tenant.live.read,
        query: { status: 'cancelled' },
      });
      assert.deepEqual(cancelled.body.data, []);
      const badStatus = await call(t.app, 'GET', '/api/v1/jobs', {
        key: tenant.live.read,
        query: { status: 'exploded' },
      });
      assertError(badStatus, 400, 'INVALID_INPUT');

      const first = await call(t.app, 'GET', '/api/v1/jobs', { key: tenant.live.read, query: { limit: 2 } });
      assert.ok(first.body.pagination.nextCursor);
      const second = await call(t.app, 'GET', '/api/v1/jobs', {
        key: tenant.live.read,
        query: { limit: 100, cursor: first.body.pagination.nextCursor },
      });
      assert.deepEqual(
        [...first.body.data, ...second.body.data].map((j: { id: string }) => j.id),
        all.body.data.map((j: { id: string }) => j.id),
      );
    });

    it('cancels a queued job at once; a finished job is 409; read scope cannot cancel', async () => {
      const job = (await submit({ type: 'test.rows', payload: { tag: 'e', count: 5 } })).body.data;
      const readOnly = await call(t.app, 'POST', `/api/v1/jobs/${job.id}/cancel`, { key: tenant.live.read });
      assertError(readOnly, 403, 'FORBIDDEN');
      const res = await call(t.app, 'POST', `/api/v1/jobs/${job.id}/cancel`, { key: tenant.live.read_write });
      assert.equal(res.status, 200, res.raw);
      assert.equal(res.body.data.status, 'cancelled');
      assert.ok(res.body.data.cancelledAt);
      assert.equal(res.body.data.finishedAt, res.body.data.cancelledAt);
      assert.deepEqual(res.body.data.progress, { total: 5, processed: 0, succeeded: 0, failed: 0 });
      const again = await call(t.app, 'POST', `/api/v1/jobs/${job.id}/cancel`, {
        key: tenant.live.read_write,
      });
      assertError(again, 409, 'CONFLICT');
      const listed = await call(t.app, 'GET', '/api/v1/jobs', {
        key: tenant.live.read,
        query: { status: 'cancelled' },
      });
      assert.deepEqual(
        listed.body.data.map((j: { id: string }) => j.id),
        [job.id],
      );
    });

    it('a result is 404 until the job has succeeded, and for types without a file', async () => {
      const exp = (await submit({ type: 'test.export', payload: { tag: 'f', count: 2 } })).body.data;
      const early = await call(t.app, 'GET', `/api/v1/jobs/${exp.id}/result`, { key: tenant.live.read });
      assertError(early, 404, 'NOT_FOUND');
      const rows = (await submit({ type: 'test.rows', payload: { tag: 'f', count: 2 } })).body.data;
      const none = await call(t.app, 'GET', `/api/v1/jobs/${rows.id}/result`, { key: tenant.live.read });
      assertError(none, 404, 'NOT_FOUND');
      const errors = await call(t.app, 'GET', `/api/v1/jobs/${rows.id}/errors`, { key: tenant.live.read });
      assert.equal(errors.status, 200);
      assert.deepEqual(errors.body.data, []);
      assert.equal(errors.body.pagination.totalCount, 0);
    });

    it('another organization, or the test environment, cannot see, cancel or download a live job', async () => {
      const job = (await submit({ type: 'test.export', payload: { tag: 'g', count: 1 } })).body.data;
      for (const key of [other.live.admin, tenant.test.admin]) {
        for (const [method, path] of [
          ['GET', `/api/v1/jobs/${job.id}`],
          ['GET', `/api/v1/jobs/${job.id}/errors`],
          ['GET', `/api/v1/jobs/${job.id}/result`],
          ['POST', `/api/v1/jobs/${job.id}/cancel`],
          ['GET', `/api/v1/jobs/${MISSING}`],
        ] as const) {
          assertError(await call(t.app, method, path, { key }), 404, 'NOT_FOUND');
        }
        const list = await call(t.app, 'GET', '/api/v1/jobs', { key });
        assert.equal(list.status, 200);
        assert.ok(!list.body.data.some((j: { id: string }) => j.id === job.id));
      }
      const mine = await call(t.app, 'GET', `/api/v1/jobs/${job.id}`, { key: tenant.live.read });
      assert.equal(mine.body.data.status, 'queued', 'untouched by the foreign cancel');
    });

    it('is documented in OpenAPI under the Jobs tag, with the Job schema', async () => {
      const doc = (await call(t.app, 'GET', '/openapi.json')).body;
      assert.ok(doc.tags.some((tag: { name: string }) => tag.name === 'Jobs'));
      for (const path of [
        '/api/v1/jobs',
        '/api/v1/jobs/{id}',
        '/api/v1/jobs/{id}/cancel',
        '/api/v1/jobs/{id}/result',
      ])
        assert.ok(doc.paths[path], path);
      assert.ok(doc.components.schemas.Job);
      assert.match(doc.paths['/api/v1/jobs'].post.description, /20 MiB/);
    });
  });
}
