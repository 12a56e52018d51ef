import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  type Tenant,
  type TestApp,
} from '../../../test/helpers/app.js';
import { countItems, createItemsTable, rowsJobType, waitForJob } from '../../../test/helpers/job-types.js';
import type { JobsWorkerSpec } from '../../../test/helpers/jobs-worker.js';

/**
 * A worker process killed (SIGKILL) in the middle of a job: its lease expires, another worker claims the
 * job and resumes after the last committed chunk — every item processed exactly once. Meanwhile a long
 * job keeps its lease (the heartbeat), so no one takes it over while its worker lives.
 */

const ROOT = path.resolve(fileURLToPath(import.meta.url), '../../../..');
const LEASE_MS = 600;
const CHUNK = 50;
const ITEMS = 3000;

function startChild(t: TestApp, workerId: string, leaseMs = LEASE_MS): Promise<ChildProcess> {
  const { config, schema, sqliteFile } = t.database;
  const spec: JobsWorkerSpec = {
    env: {
      AUDENCI_DATA_DIR: config.dataDir,
      AUDENCI_SECRET_KEY: config.secretKey!.toString('hex'),
      AUDENCI_PUBLIC_URL: config.publicUrl,
      LOG_LEVEL: 'silent',
      ...(config.databaseUrl ? { DATABASE_URL: config.databaseUrl } : {}),
    },
    schema,
    sqliteFile,
    workerId,
    leaseMs,
    chunkSize: CHUNK,
  };
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/helpers/jobs-worker.ts', JSON.stringify(spec)],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_TEST_CONTEXT: '' } },
  );
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      if (d.includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker ${workerId} exited (${code}): ${stderr}`)));
  });
}

function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

for (const dialect of dialects) {
  describe(`jobs after a worker crash (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    const children: ChildProcess[] = [];

    before(async () => {
      t = await createTestApp(dialect);
      // The API side only prepares; the children run the chunks.
      t.runtime.jobTypes.register(rowsJobType({ chunkSize: CHUNK }));
      await createItemsTable(t.runtime.ctx.db);
      tenant = await createTenant(t);
    });
    after(async () => {
      for (const child of children) await stopChild(child, 'SIGKILL');
      await t.close();
    });

    it('a worker killed mid-job: another resumes it and every item is processed exactly once', async () => {
      const res = await call(t.app, 'POST', '/api/v1/jobs', {
        key: tenant.live.read_write,
        body: { type: 'test.rows', payload: { tag: 'crash', count: ITEMS, delayMs: 40 } },
      });
      assert.equal(res.status, 202, res.raw);
      const id = res.body.data.id as string;

      const first = await startChild(t, 'worker-a');
      children.push(first);
      // Running for more than two lease periods: the heartbeat kept the lease alive.
      const running = await waitForJob(
        t,
        tenant.live.read,
        id,
        (j) => j.startedAt !== null && Date.now() - Date.parse(j.startedAt) > 2 * LEASE_MS + 200,
      );
      assert.equal(running.status, 'running', 'long enough to be killed mid-job');
      await stopChild(first, 'SIGKILL');
      const atKill = (await t.runtime.ctx.queue.get(id))!;
      assert.equal(atKill.status, 'running');
      assert.equal(atKill.locked_by, 'worker-a');
      assert.equal(atKill.attempts, 1, 'nobody took the job over while its worker lived');
      const committed = JSON.parse(atKill.progress!) as { processed: number };
      assert.ok(committed.processed > 0 && committed.processed < ITEMS, `killed at ${committed.processed}`);
      assert.equal(await countItems(t.runtime.ctx.db, 'crash'), committed.processed);

      const second = await startChild(t, 'worker-b');
      children.push(second);
      const done = await waitForJob(t, tenant.live.read, id, undefined, 60_000);
      assert.equal(done.status, 'succeeded', JSON.stringify(done));
      assert.deepEqual(done.progress, { total: ITEMS, processed: ITEMS, succeeded: ITEMS, failed: 0 });
      assert.equal(await countItems(t.runtime.ctx.db, 'crash'), ITEMS, 'every item once, none skipped');
      const row = await t.runtime.ctx.db
        .selectFrom('jobs')
        .innerJoin('api_jobs', 'api_jobs.job_id', 'jobs.id')
        .select(['jobs.attempts', 'api_jobs.chunks'])
        .where('jobs.id', '=', id)
        .executeTakeFirstOrThrow();
      assert.equal(row.attempts, 2, 'resumed by the second worker');
      assert.equal(row.chunks, ITEMS / CHUNK, 'each chunk committed once');
      await stopChild(second, 'SIGTERM');
    });

    it('the real posts.import: 10,000 posts, a worker killed mid-import, every post present once', async () => {
      const brand = await call(t.app, 'POST', '/api/v1/brands', {
        key: tenant.live.admin,
        body: { name: 'Crash imports' },
      });
      const brandId = brand.body.data.id as string;
      const posts = Array.from({ length: 10_000 }, (_, i) => ({
        platform: 'twitter',
        caption: `Import ${i}`,
      }));
      const res = await call(t.app, 'POST', '/api/v1/jobs', {
        key: tenant.live.read_write,
        body: { type: 'posts.import', payload: { brandId, posts } },
      });
      assert.equal(res.status, 202, res.raw);
      const id = res.body.data.id as string;

      // A longer lease: chunks of 500 posts on a busy machine outlast a short one.
      const first = await startChild(t, 'importer-a', 3000);
      children.push(first);
      await waitForJob(t, tenant.live.read, id, (j) => j.progress.processed > 0, 60_000);
      await stopChild(first, 'SIGKILL');
      const atKill = JSON.parse((await t.runtime.ctx.queue.get(id))!.progress!) as { processed: number };
      assert.ok(atKill.processed < 10_000, 'killed mid-import');

      const second = await startChild(t, 'importer-b', 3000);
      children.push(second);
      const done = await waitForJob(t, tenant.live.read, id, undefined, 120_000);
      assert.equal(done.status, 'succeeded', JSON.stringify(done).slice(0, 500));
      assert.deepEqual(done.progress, { total: 10_000, processed: 10_000, succeeded: 10_000, failed: 0 });
      const rows = await t.runtime.ctx.db
        .selectFrom('posts')
        .select(['caption'])
        .where('brand_id', '=', brandId)
        .execute();
      assert.equal(rows.length, 10_000, 'no post twice');
      assert.equal(new Set(rows.map((r) => r.caption)).size, 10_000, 'none skipped');
      await stopChild(second, 'SIGTERM');
    });
  });
}
