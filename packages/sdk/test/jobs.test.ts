import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { APITimeoutError, type Audenci, type Job } from '@audenci/sdk-js';
import { startWorker } from '../../../test/helpers/app.js';
import { dialects, makeBrand, startServer, type LiveServer } from './helpers.js';

for (const dialect of dialects) {
  describe(`SDK jobs (${dialect})`, () => {
    let server: LiveServer;
    let client: Audenci;
    let brandId: string;

    before(async () => {
      // No worker yet: the first tests need a job that stays queued.
      server = await startServer(dialect);
      client = server.client();
      brandId = await makeBrand(client);
    });
    after(() => server.close());

    const importPayload = (count: number, bad: number[] = []) => ({
      brandId,
      posts: Array.from({ length: count }, (_, i) => ({
        platform: 'twitter',
        caption: bad.includes(i) ? '' : `Imported ${i}`,
      })),
    });

    it('waitFor stops when its signal aborts (the job goes on), and times out; cancel cancels a queued job', async () => {
      const job = await client.jobs.create({ type: 'posts.import', payload: importPayload(3) });
      assert.equal(job.status, 'queued');
      const controller = new AbortController();
      const seen: Job[] = [];
      setTimeout(() => controller.abort(), 300);
      const started = Date.now();
      await assert.rejects(
        client.jobs.waitFor(job.id, {
          signal: controller.signal,
          interval: 50,
          onProgress: (j) => seen.push(j),
        }),
        (error: Error) => error.name === 'AbortError',
      );
      assert.ok(Date.now() - started < 2000);
      assert.equal(seen.length, 1, 'onProgress saw the queued job once (nothing changed after)');
      assert.equal(seen[0]!.status, 'queued');

      await assert.rejects(client.jobs.waitFor(job.id, { interval: 20, timeout: 100 }), APITimeoutError);

      const cancelled = await client.jobs.cancel(job.id);
      assert.equal(cancelled.status, 'cancelled');
      assert.equal((await client.jobs.waitFor(job.id)).status, 'cancelled');
    });

    it('waitFor follows a posts.import job to the end, reporting progress; errors and list page through it', async () => {
      server.worker = await startWorker(server.t);
      const total = 1200;
      const job = await client.jobs.create({
        type: 'posts.import',
        payload: importPayload(total, [7, 1100]),
      });
      const seen: Job[] = [];
      const done = await client.jobs.waitFor(job.id, { interval: 20, onProgress: (j) => seen.push(j) });

      assert.equal(done.status, 'succeeded');
      assert.deepEqual(done.progress, { total, processed: total, succeeded: total - 2, failed: 2 });
      assert.ok(seen.length >= 1);
      assert.deepEqual(seen.at(-1), done, 'the last report is the finished job');
      const processed = seen.map((j) => j.progress.processed);
      assert.deepEqual(
        processed,
        [...processed].sort((a, b) => a - b),
        'progress only grows',
      );

      const errors = [];
      for await (const error of client.jobs.errors(job.id, { limit: 1 })) errors.push(error);
      assert.deepEqual(
        errors.map((e) => e.index),
        [7, 1100],
      );
      const list = await client.jobs.list({ type: 'posts.import' });
      assert.ok(list.data.some((j) => j.id === job.id));
      assert.equal((await client.jobs.retrieve(job.id)).status, 'succeeded');
      const imported = await client.posts.list({ brandId, limit: 1 });
      assert.equal(imported.pagination.totalCount, total - 2);
    });

    it('result downloads an export job file', async () => {
      const job = await client.jobs.create({ type: 'posts.export', payload: { filter: { brandId } } });
      const done = await client.jobs.waitFor(job.id, { interval: 50 });
      assert.equal(done.status, 'succeeded');
      const file = await client.jobs.result(job.id);
      assert.match(file.headers.get('content-type') ?? '', /csv/);
      const csv = await file.text();
      assert.ok(csv.split('\n').length > 1000);
    });
  });
}
