import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Worker } from '../src/worker/worker.js';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  startWorker,
  type Tenant,
  type TestApp,
} from './helpers/app.js';
import { eventually } from './helpers/webhooks.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const example = (name: string) => path.join(root, 'examples', name);

interface Run {
  child: ChildProcess;
  /** Everything printed so far. */
  output(): string;
  /** Resolves with the exit code (killing the process after `timeoutMs`). */
  exit: Promise<number | null>;
}

/** Starts an example as its README says: Node with tsx and the SDK's TypeScript source. */
function start(file: string, env: Record<string, string>, args: string[] = [], timeoutMs = 60_000): Run {
  const child = spawn(process.execPath, ['--conditions=audenci-source', '--import', 'tsx', file, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exit = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    }),
  );
  return { child, output: () => text, exit };
}

async function runToEnd(file: string, env: Record<string, string>, args: string[] = []) {
  const run = start(file, env, args);
  const code = await run.exit;
  return { code, output: run.output() };
}

for (const dialect of dialects) {
  describe(`examples/ with the SDK against a live server (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let worker: Worker;
    let env: Record<string, string>;

    before(async () => {
      // The receiver registers a loopback URL: allowed only with AUDENCI_ALLOW_PRIVATE_URLS.
      t = await createTestApp(dialect, { env: { AUDENCI_ALLOW_PRIVATE_URLS: 'true' } });
      tenant = await createTenant(t);
      worker = await startWorker(t);
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = t.app.server.address() as AddressInfo;
      env = { AUDENCI_API_KEY: tenant.test.admin, AUDENCI_BASE_URL: `http://127.0.0.1:${port}` };
    });
    after(async () => {
      await worker.stop();
      await t.close();
    });

    it('schedule-post.ts creates a brand, a sandbox account and a scheduled post, and reads it back', async () => {
      const { code, output } = await runToEnd(example('schedule-post.ts'), env);
      assert.equal(code, 0, output);
      const brandId = /Created brand (brand_\w+)/.exec(output)?.[1];
      const accountId = /Created sandbox account (acct_\w+) on twitter/.exec(output)?.[1];
      const postId = /Created post (post_\w+): SCHEDULED/.exec(output)?.[1];
      assert.ok(brandId && accountId && postId, output);
      assert.match(output, new RegExp(`Read back post ${postId}: status SCHEDULED`));
      // What it printed is what the API holds.
      const post = await call(t.app, 'GET', `/api/v1/posts/${postId}`, { key: tenant.test.read });
      assert.equal(post.status, 200);
      assert.equal(post.body.data.status, 'SCHEDULED');
      assert.equal(post.body.data.brandId, brandId);
      assert.ok(Date.parse(post.body.data.scheduledFor) > Date.now());
      const account = await call(t.app, 'GET', `/api/v1/social-accounts/${accountId}`, {
        key: tenant.test.read,
      });
      assert.equal(account.body.data.brandId, brandId);
    });

    it('bulk-import.ts runs a posts.import job with progress lines and lists the failed item', async () => {
      const { code, output } = await runToEnd(example('bulk-import.ts'), env);
      assert.equal(code, 0, output);
      const jobId = /Submitted job (job_\w+)/.exec(output)?.[1];
      assert.ok(jobId, output);
      assert.match(output, /progress 4\/4 \(3 ok, 1 failed\) — succeeded/);
      assert.match(output, new RegExp(`Job ${jobId} succeeded: \\{"created":3,"failed":1\\}`));
      assert.match(output, /1 item\(s\) failed:\n {2}item 3: INVALID_INPUT \(scheduledFor\) /);
      const job = await call(t.app, 'GET', `/api/v1/jobs/${jobId}`, { key: tenant.test.read });
      assert.equal(job.body.data.status, 'succeeded');
      assert.deepEqual(job.body.data.progress, { total: 4, processed: 4, succeeded: 3, failed: 1 });
    });

    it('analytics-report.ts prints a day-by-day table with a total row', async () => {
      const { code, output } = await runToEnd(example('analytics-report.ts'), {
        ...env,
        AUDENCI_TIMEZONE: 'UTC',
      });
      assert.equal(code, 0, output);
      const lines = output.trim().split('\n');
      assert.match(lines[0]!, /^Analytics from \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2} \(UTC\)$/);
      assert.match(lines[1]!, /^day\s+posts\s+impressions\s+engagements\s+rate$/);
      const days = lines.slice(3, -1);
      assert.equal(days.length, 7, output);
      const today = new Date().toISOString().slice(0, 10);
      assert.ok(days.at(-1)!.startsWith(today), output);
      for (const line of days) assert.match(line, /^\d{4}-\d{2}-\d{2}\s+\d+\s+\d+\s+\d+\s+(—|[\d.]+ %)$/);
      assert.match(lines.at(-1)!, /^total\s+\d+\s+\d+\s+\d+\s+(—|[\d.]+ %)$/);
    });

    it('webhook-receiver.ts registers itself, verifies a signed delivery and exits with --once', async () => {
      const run = start(example('webhook-receiver.ts'), env, [
        '--register',
        '--once',
        '--port',
        '0',
        '--events',
        'post.created',
      ]);
      try {
        const webhookId = await eventually(
          async () => /Registered webhook (whk_\w+)/.exec(run.output())?.[1],
          30_000,
        );
        const brand = await call(t.app, 'POST', '/api/v1/brands', {
          key: tenant.test.admin,
          body: { name: 'Webhook example' },
        });
        const post = await call(t.app, 'POST', '/api/v1/posts', {
          key: tenant.test.read_write,
          body: { brandId: brand.body.data.id, platform: 'twitter', caption: 'Hello, receiver' },
        });
        assert.equal(post.status, 201, post.raw);
        const code = await run.exit;
        const output = run.output();
        assert.equal(code, 0, output);
        assert.match(output, /Listening on http:\/\/127\.0\.0\.1:\d+/);
        const eventId = /Verified event (evt_\w+) post\.created/.exec(output)?.[1];
        assert.ok(eventId, output);
        assert.doesNotMatch(output, /Rejected/);
        // The event is the post's, and the receiver removed its endpoint on the way out.
        const event = await call(t.app, 'GET', `/api/v1/events/${eventId}`, { key: tenant.test.read });
        assert.equal(event.body.data.data.post?.id ?? event.body.data.data.id, post.body.data.id);
        const endpoint = await call(t.app, 'GET', `/api/v1/webhooks/${webhookId}`, {
          key: tenant.test.admin,
        });
        assert.equal(endpoint.status, 404);
      } finally {
        run.child.kill();
      }
    });

    it('webhook-receiver.ts rejects a delivery whose signature does not match', async () => {
      const run = start(
        example('webhook-receiver.ts'),
        {
          ...env,
          AUDENCI_WEBHOOK_SECRET: `whsec_${Buffer.from('not the secret of this endpoint!').toString('base64')}`,
        },
        ['--port', '0'],
      );
      try {
        const url = await eventually(async () => /Listening on (\S+)/.exec(run.output())?.[1], 30_000);
        const res = await fetch(`${url}/webhooks`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'webhook-id': 'evt_1',
            'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
            'webhook-signature': `v1,${Buffer.from('forged').toString('base64')}`,
          },
          body: JSON.stringify({ id: 'evt_1', type: 'post.created' }),
        });
        assert.equal(res.status, 400);
        await eventually(async () => (/Rejected a delivery/.test(run.output()) ? true : undefined));
        assert.doesNotMatch(run.output(), /Verified event/);
      } finally {
        run.child.kill();
        await run.exit;
      }
    });
  });
}
