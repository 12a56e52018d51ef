/* eslint-disable @typescript-eslint/no-explicit-any -- API answers and log lines are JSON of any shape */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../runtime.js';
import {
  call,
  createTenant,
  dialects,
  startLoggedApp,
  type LoggedApp,
  type Tenant,
} from '../../test/helpers/app.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../test/fakes/webhook-receiver.js';
import { startFakeOpenAi, type FakeOpenAi } from '../../test/fakes/openai-server.js';
import { eventually } from '../../test/helpers/webhooks.js';
import { createWorker, type Worker } from '../worker/index.js';
import { parseTraceparent } from '../shared/trace.js';
import { serveMetrics } from './worker-metrics.js';

/** The sum of a family's samples whose labels include `labels` (absent: 0). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) total += Number(match[3]);
  }
  return total;
}

describe('traceparent parsing', () => {
  it('accepts W3C traceparent headers and ignores malformed ones', () => {
    const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
    assert.deepEqual(parseTraceparent(`00-${trace}-00f067aa0ba902b7-01`), {
      traceId: trace,
      parentId: '00f067aa0ba902b7',
      flags: '01',
    });
    // A later version may add fields; version 00 may not.
    assert.equal(parseTraceparent(`01-${trace}-00f067aa0ba902b7-00-extra`)?.traceId, trace);
    for (const bad of [
      undefined,
      '',
      'garbage',
      `00-${trace}-00f067aa0ba902b7-01-extra`,
      `ff-${trace}-00f067aa0ba902b7-01`,
      `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`,
      `00-${trace}-${'0'.repeat(16)}-01`,
      `00-${trace.toUpperCase()}-00f067aa0ba902b7-01`,
      `00-${trace}-00f067aa0ba902b7`,
    ]) {
      assert.equal(parseTraceparent(bad), undefined, String(bad));
    }
  });
});

for (const dialect of dialects) {
  describe(`metrics, request logs and traces (${dialect})`, () => {
    let logged: LoggedApp;
    let app: FastifyInstance;
    let runtime: Runtime;
    let tenant: Tenant;
    let worker: Worker;
    let receiver: WebhookReceiver;
    let fake: FakeOpenAi;
    const lines = () =>
      logged.log
        .join('')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, any>);
    const metrics = async () => {
      const res = await app.inject({ method: 'GET', url: '/metrics' });
      assert.equal(res.statusCode, 200);
      return res.body;
    };

    before(async () => {
      receiver = await startWebhookReceiver();
      fake = await startFakeOpenAi();
      logged = await startLoggedApp(dialect, 'info', undefined, {
        env: {
          AUDENCI_ALLOW_PRIVATE_URLS: 'true',
          AUDENCI_WEBHOOK_RETRY_DELAYS: '1,1',
          AI_PROVIDER: 'openai-compatible',
          OPENAI_BASE_URL: fake.url,
          OPENAI_API_KEY: fake.apiKey,
        },
      });
      ({ app, runtime } = logged);
      await app.ready();
      tenant = await createTenant({ runtime, clock: runtime.ctx.clock });
      worker = createWorker(
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
        {
          pollMs: 200,
          sweepEveryMs: 100,
          leaseMs: 5000,
          logger: logged.logger.child({ component: 'worker' }),
          metrics: runtime.metrics,
        },
      );
      await worker.start();
    });
    after(async () => {
      await worker.stop();
      await logged.close();
      await receiver.close();
      await fake.close();
    });

    it('publishing a post and delivering its webhooks moves the new families on /metrics; the worker logs each outcome', async () => {
      const admin = tenant.test.admin;
      const endpoint = async (path: string) => {
        const res = await call(app, 'POST', '/api/v1/webhooks', {
          key: admin,
          body: { url: receiver.url(path), events: ['post.published'] },
        });
        assert.equal(res.status, 201, res.raw);
        return res.body.data as { id: string; secret: string };
      };
      const ok = await endpoint('/ok');
      receiver.script('/down', [], { status: 500 });
      const down = await endpoint('/down');
      const before = await metrics();

      const brand = await call(app, 'POST', '/api/v1/brands', { key: admin, body: { name: 'Metrics' } });
      const created = await call(app, 'POST', '/api/v1/posts', {
        key: tenant.test.read_write,
        body: { brandId: brand.body.data.id, platform: 'twitter', caption: 'Counted' },
      });
      assert.equal(created.status, 201, created.raw);
      const publish = await call(app, 'POST', `/api/v1/posts/${created.body.data.id}/publish`, {
        key: tenant.test.read_write,
      });
      assert.equal(publish.status, 202, publish.raw);
      const [delivered] = await receiver.waitFor((r) => r.path === '/ok');
      await receiver.waitFor((r) => r.path === '/down');

      const moved = (text: string, name: string, labels: Record<string, string>) =>
        sample(text, name, labels) - sample(before, name, labels);
      // The job outcomes are counted once the queue has recorded them, just after the deliveries.
      const after = await eventually(async () => {
        const text = await metrics();
        const settled = [
          moved(text, 'audenci_webhook_deliveries_total', { outcome: 'http_error' }),
          moved(text, 'audenci_webhook_deliveries_total', { outcome: 'succeeded' }),
          moved(text, 'audenci_jobs_total', { type: 'webhook.deliver', outcome: 'succeeded' }),
          moved(text, 'audenci_jobs_total', { type: 'webhook.deliver', outcome: 'retried' }),
        ].every((n) => n >= 1);
        return settled ? text : undefined;
      });
      assert.equal(moved(after, 'audenci_publish_total', { platform: 'twitter', outcome: 'published' }), 1);
      assert.equal(moved(after, 'audenci_jobs_total', { type: 'post.publish', outcome: 'succeeded' }), 1);
      assert.ok(moved(after, 'audenci_job_duration_seconds_count', { type: 'post.publish' }) >= 1);
      assert.ok(
        moved(after, 'audenci_webhook_delivery_duration_seconds_count', { outcome: 'succeeded' }) >= 1,
      );
      for (const family of [
        'audenci_jobs_total',
        'audenci_publish_total',
        'audenci_webhook_deliveries_total',
        'audenci_webhook_delivery_duration_seconds',
        'audenci_rate_limit_rejections_total',
        'audenci_idempotent_replays_total',
        'audenci_queue_due_jobs',
        'audenci_queue_oldest_due_job_age_seconds',
      ]) {
        assert.match(after, new RegExp(`^# HELP ${family} \\S`, 'm'), family);
      }

      // Worker lines: the publish job, the delivery that arrived, and the one that failed (a warning).
      const all = lines();
      const published = all.find((l) => l.msg === 'job succeeded' && l.type === 'post.publish');
      assert.ok(published, 'the publish job is logged');
      assert.equal(published.level, 30);
      assert.equal(published.attempt, 1);
      assert.equal(typeof published.durationMs, 'number');
      assert.match(published.jobId, /^job_/);
      assert.match(published.traceId, /^[0-9a-f]{32}$/);

      const sent = all.find((l) => l.msg === 'webhook delivered' && l.endpointId === ok.id);
      assert.ok(sent, 'the delivery is logged');
      // The receiver got the delivery job's trace.
      const traceparent = parseTraceparent(delivered!.headers.traceparent);
      assert.ok(traceparent, `a valid traceparent: ${String(delivered!.headers.traceparent)}`);
      assert.equal(sent.traceId, traceparent.traceId);
      const job = all.find((l) => l.msg === 'job succeeded' && l.traceId === sent.traceId);
      assert.equal(job?.type, 'webhook.deliver');

      const failed = all.find((l) => l.msg === 'webhook delivery failed' && l.endpointId === down.id);
      assert.ok(failed, 'a failed delivery is logged');
      assert.equal(failed.level, 40, 'as a warning');
      assert.equal(failed.status, 500);
      assert.equal(failed.attempt, 1);
      assert.equal(failed.outcome, 'http_error');
      assert.equal(failed.host, new URL(receiver.url('/down')).host);
      assert.equal(failed.willRetry, true);
      const retried = all.find((l) => l.msg === 'job failed; retrying' && l.traceId === failed.traceId);
      assert.equal(retried?.level, 40);
      assert.equal(retried?.type, 'webhook.deliver');
      assert.equal(typeof retried?.errorCode, 'string');

      // No secret, signature or body in the worker's lines.
      const worker = JSON.stringify(all.filter((l) => l.component === 'worker'));
      for (const secret of [ok.secret, down.secret, delivered!.headers['webhook-signature'] as string]) {
        assert.ok(!worker.includes(secret));
      }
      assert.ok(!worker.includes('Counted'), 'no payload');
    });

    it('a worker process serves the same registry on its own metrics port', async () => {
      const listener = await serveMetrics(runtime.metrics, 0, '127.0.0.1');
      try {
        const res = await fetch(`${listener.url}/metrics`);
        assert.equal(res.status, 200);
        assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
        const text = await res.text();
        assert.ok(sample(text, 'audenci_jobs_total', { type: 'post.publish', outcome: 'succeeded' }) >= 1);
        assert.equal((await fetch(`${listener.url}/healthz`)).status, 200);
        const other = await fetch(`${listener.url}/api/v1/posts`);
        assert.equal(other.status, 404);
        assert.equal(((await other.json()) as any).error.code, 'NOT_FOUND');
      } finally {
        await listener.close();
      }
    });

    it('queue depth and the oldest due job age are read from the queue on scrape', async () => {
      const now = runtime.ctx.clock.now();
      // A type no worker runs: it stays due.
      await runtime.ctx.queue.enqueue(runtime.ctx.db, {
        type: 'observability.unclaimed',
        payload: {},
        tenant: null,
        runAt: now - 90_000,
      });
      const text = await metrics();
      assert.ok(sample(text, 'audenci_queue_due_jobs') >= 1);
      assert.ok(sample(text, 'audenci_queue_oldest_due_job_age_seconds') >= 90);
    });

    it('rate-limit rejections and idempotent replays are counted by environment', async () => {
      const limited = await createTenant({ runtime, clock: runtime.ctx.clock }, { rateLimit: 2 });
      const before = await metrics();
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        statuses.push((await call(app, 'GET', '/api/v1/brands', { key: limited.live.read })).status);
      }
      assert.deepEqual(statuses, [200, 200, 429]);

      const first = await call(app, 'POST', '/api/v1/brands', {
        key: tenant.test.admin,
        headers: { 'idempotency-key': 'telemetry-replay' },
        body: { name: 'Once' },
      });
      assert.equal(first.status, 201, first.raw);
      const again = await call(app, 'POST', '/api/v1/brands', {
        key: tenant.test.admin,
        headers: { 'idempotency-key': 'telemetry-replay' },
        body: { name: 'Once' },
      });
      assert.equal(again.headers['idempotent-replayed'], 'true');

      const after = await metrics();
      const moved = (name: string, labels: Record<string, string>) =>
        sample(after, name, labels) - sample(before, name, labels);
      assert.equal(moved('audenci_rate_limit_rejections_total', { environment: 'live' }), 1);
      assert.equal(moved('audenci_idempotent_replays_total', { environment: 'test' }), 1);
      assert.equal(moved('audenci_idempotent_replays_total', { environment: 'live' }), 0);
      // No organization id is a label.
      assert.ok(!after.includes(limited.org.id));
    });

    it('request logs carry the organization and key ids, never the key; traceparent is continued outbound', async () => {
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const key = tenant.live.read_write;
      const body = { topic: 'Cold brew', platform: 'linkedin', n: 1 };
      const res = await call(app, 'POST', '/api/v1/captions/generate', {
        key,
        headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, 'x-request-id': 'telemetry-traced' },
        body,
      });
      assert.equal(res.status, 200, res.raw);
      const outbound = parseTraceparent(fake.requests.at(-1)!.headers.traceparent);
      assert.equal(outbound?.traceId, traceId, 'the AI provider got the same trace');
      assert.notEqual(outbound?.parentId, '00f067aa0ba902b7', 'with our span as its parent');

      const line = lines().find((l) => l.msg === 'request completed' && l.requestId === 'telemetry-traced');
      assert.ok(line);
      assert.equal(line.traceId, traceId);
      assert.equal(line.organizationId, tenant.org.id);
      assert.equal(line.environment, 'live');
      assert.match(line.keyId, /^key_/);

      // A malformed traceparent is ignored: a new trace, passed on all the same.
      const bad = await call(app, 'POST', '/api/v1/captions/generate', {
        key,
        headers: { traceparent: `00-${traceId}-zz-01`, 'x-request-id': 'telemetry-untraced' },
        body,
      });
      assert.equal(bad.status, 200, bad.raw);
      const fresh = lines().find(
        (l) => l.msg === 'request completed' && l.requestId === 'telemetry-untraced',
      );
      assert.match(fresh?.traceId, /^[0-9a-f]{32}$/);
      assert.notEqual(fresh?.traceId, traceId);
      assert.equal(parseTraceparent(fake.requests.at(-1)!.headers.traceparent)?.traceId, fresh?.traceId);

      const text = logged.log.join('');
      for (const secret of Object.values(tenant.live).concat(Object.values(tenant.test))) {
        assert.ok(!text.includes(secret), 'no key is ever logged');
      }
    });
  });
}
