/* eslint-disable @typescript-eslint/no-explicit-any -- the collection and newman's summary are JSON */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import newman, { type NewmanRunSummary } from 'newman';
import { createTestApp, dialects, startWorker, type TestApp } from '../../test/helpers/app.js';
import { makeImage } from '../../test/fixtures/media.js';
import { bootstrapIfEmpty } from '../bootstrap.js';
import { OPERATION_RULES } from './postman.scripts.js';
import type { Worker } from '../worker/worker.js';

/**
 * CI runs the whole `GET /postman.json` collection with newman, as a new user would: a fresh server
 * (API and worker) on an empty database, the organization and test key its first start makes, the owner
 * set up with the setup link, a webhook receiver and an image on local servers. Every request runs once
 * with its own assertions, and none fails.
 */

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** A port free now, so the server's public URL (the OAuth redirect's origin) can name it up front. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** The webhook receiver and the image server the collection's `webhookUrl` and `mediaUrl` name. */
async function startLocalServer(image: Buffer): Promise<{ server: Server; url: string; hooks: string[] }> {
  const hooks: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'GET' && req.url === '/launch.png') {
        res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': image.length }).end(image);
      } else if (req.method === 'POST' && req.url === '/webhooks') {
        hooks.push(String(JSON.parse(Buffer.concat(chunks).toString('utf8')).type));
        res.writeHead(204).end();
      } else {
        res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hooks };
}

function runNewman(collection: object, envVar: { key: string; value: string }[]): Promise<NewmanRunSummary> {
  return new Promise((resolve, reject) => {
    newman.run({ collection, envVar, timeoutRequest: 30_000 }, (error, summary) =>
      error ? reject(error) : resolve(summary),
    );
  });
}

for (const dialect of dialects) {
  describe(`newman runs the whole Postman collection (${dialect})`, () => {
    let t: TestApp;
    let worker: Worker;
    let local: Awaited<ReturnType<typeof startLocalServer>>;

    before(async () => {
      local = await startLocalServer(await makeImage('png', 64, 48));
    });
    after(async () => {
      await worker?.stop(5_000);
      await t?.close();
      await new Promise<void>((resolve) => local.server.close(() => resolve()));
    });

    it('every request of every folder, each with assertions, none failing', async () => {
      const port = await freePort();
      const baseUrl = `http://127.0.0.1:${port}`;
      t = await createTestApp(dialect, {
        env: {
          AUDENCI_PUBLIC_URL: baseUrl,
          // The webhook receiver and the image are on loopback.
          AUDENCI_ALLOW_PRIVATE_URLS: 'true',
          // The sandbox's first comment is there at once; the sync looks for it every second.
          AUDENCI_COMMENT_SYNC_INTERVAL: '1',
          AUDENCI_WEBHOOK_RETRY_DELAYS: '1',
        },
      });
      worker = await startWorker(t);
      // What the first start of an empty server makes: the organization, its keys and a setup link.
      const first = await bootstrapIfEmpty(t.runtime.db.db, t.clock);
      assert.ok(first, 'the database is empty');
      await t.app.listen({ port, host: '127.0.0.1' });
      // The new user opens the setup link and becomes the organization's owner.
      const setup = await fetch(`${baseUrl}/auth/setup`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          token: first.setup.token,
          name: 'Ada Lovelace',
          email: 'owner@example.com',
          password: 'correct horse battery staple',
        }),
      });
      assert.equal(setup.status, 200, await setup.text());

      const collection = (await (await fetch(`${baseUrl}/postman.json`)).json()) as any;
      const document = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as any;
      // Every operation but those a rule leaves out of the collection (the endless event stream).
      const operations = Object.values(document.paths as Record<string, Record<string, any>>).flatMap(
        (item) =>
          Object.keys(item).filter(
            (m) => METHODS.includes(m) && !OPERATION_RULES[item[m].operationId]?.exclude,
          ),
      ).length;

      const started = Date.now();
      const summary = await runNewman(collection, [
        { key: 'baseUrl', value: baseUrl },
        { key: 'apiKey', value: first.testKey.key },
        { key: 'webhookUrl', value: `${local.url}/webhooks` },
        { key: 'mediaUrl', value: `${local.url}/launch.png` },
      ]);
      const { failures } = summary.run;
      // The typings name only some of the counters newman keeps.
      const stats = summary.run.stats as typeof summary.run.stats &
        Record<'scripts' | 'testScripts' | 'prerequestScripts', { total: number; failed: number }>;
      // A request's pre-request script may poll with pm.sendRequest: newman lists its execution again.
      const executions = [...new Set(summary.run.executions as any[])];
      const report = executions.map(
        (e) =>
          `${e.response?.code ?? e.requestError?.message} ${e.request.method} ${e.request.url.toString()} ` +
          (e.assertions ?? [])
            .map((a: any) => (a.error ? `✗ ${a.assertion}: ${a.error.message}` : '✓'))
            .join(' '),
      );
      assert.deepEqual(
        failures.map((f: any) => `${f.source?.name}: ${f.error.message}`),
        [],
        report.join('\n'),
      );
      // Every operation of the document ran once, in the collection's folders, with its own assertions.
      const ran = executions.map((e) => e.item.id);
      assert.equal(new Set(ran).size, ran.length, 'no request twice');
      assert.equal(ran.length, operations, report.join('\n'));
      assert.equal(stats.items.total, operations);
      assert.equal(stats.items.failed, 0);
      assert.equal(stats.requests.failed, 0);
      for (const e of executions) {
        assert.ok((e.assertions ?? []).length >= 1, `${e.item.id} ran assertions`);
      }
      assert.equal(stats.assertions.failed, 0);
      assert.equal(stats.scripts.failed, 0);
      assert.equal(stats.testScripts.failed, 0);
      assert.equal(stats.prerequestScripts.failed, 0);
      // The webhook the run made received its test event.
      assert.ok(local.hooks.includes('webhook.test'), local.hooks.join(', '));
      console.log(
        `newman (${dialect}): ${stats.items.total} requests, ${stats.assertions.total} assertions, ` +
          `${failures.length} failures (${stats.requests.total - stats.items.total} more requests ` +
          `polled by scripts; ${Date.now() - started} ms)`,
      );
    });
  });
}
