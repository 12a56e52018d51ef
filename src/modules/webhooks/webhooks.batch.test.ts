/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are JSON of any shape */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  startWorker,
  type Tenant,
  type TestApp,
} from '../../../test/helpers/app.js';
import { eventually, verifyWebhook } from '../../../test/helpers/webhooks.js';
import type { Worker } from '../../worker/index.js';

/**
 * Batched delivery: a burst of deliveries is sent at the same time — more requests open at once than
 * the worker's 8 slots, which one job per slot allowed — each signed, each once, and every success
 * recorded (attempt, delivery, job).
 */

const BURST = 24;

for (const dialect of dialects) {
  describe(`webhook delivery in batches (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let worker: Worker;
    let url: string;
    let close: () => Promise<void>;
    const received: { headers: IncomingHttpHeaders; body: string }[] = [];
    let open = 0;
    let mostOpen = 0;
    /** Answers are held until this many requests are open (or 3 s passed), then all go out. */
    const HOLD_UNTIL = 12;
    const waiting: (() => void)[] = [];

    before(async () => {
      const server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
          open++;
          mostOpen = Math.max(mostOpen, open);
          const answer = () => {
            open--;
            res.writeHead(204).end();
          };
          waiting.push(answer);
          if (open >= HOLD_UNTIL) for (const fn of waiting.splice(0)) fn();
          else
            setTimeout(() => {
              const at = waiting.indexOf(answer);
              if (at >= 0) waiting.splice(at, 1)[0]!();
            }, 3000);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/burst`;
      close = () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        });
      t = await createTestApp(dialect, { env: { AUDENCI_ALLOW_PRIVATE_URLS: 'true' } });
      tenant = await createTenant(t);
    });
    after(async () => {
      await worker?.stop();
      await t.close();
      for (const fn of waiting.splice(0)) fn();
      await close();
    });

    it(`a burst of ${BURST} deliveries is sent at once, each signed and once, every success recorded`, async () => {
      const created = await call(t.app, 'POST', '/api/v1/webhooks', {
        key: tenant.live.admin,
        body: { url, events: ['*'] },
      });
      assert.equal(created.status, 201, created.raw);
      const { id: webhookId, secret } = created.body.data as { id: string; secret: string };
      const deliveries: string[] = [];
      // Queued while no worker runs, so the worker finds the whole burst waiting.
      for (let i = 0; i < BURST; i++) {
        const res = await call(t.app, 'POST', `/api/v1/webhooks/${webhookId}/test`, {
          key: tenant.live.admin,
        });
        assert.equal(res.status, 202, res.raw);
        deliveries.push(res.body.data.id);
      }
      worker = await startWorker(t);

      const rows = await eventually(async () => {
        const res = await call(t.app, 'GET', `/api/v1/webhooks/${webhookId}/deliveries?limit=100`, {
          key: tenant.live.admin,
        });
        const data = res.body.data as any[];
        return data.length === BURST && data.every((d) => d.status === 'succeeded') ? data : undefined;
      }, 20_000);
      assert.ok(
        mostOpen >= HOLD_UNTIL,
        `${mostOpen} requests were open at once: more than one per worker slot (8)`,
      );
      assert.equal(received.length, BURST, 'each delivery sent once');
      const ids = new Set(received.map((r) => String(r.headers['webhook-id'])));
      assert.equal(ids.size, BURST, 'every event arrived');
      for (const r of received) {
        assert.deepEqual(
          verifyWebhook(secret, r as any),
          JSON.parse(r.body),
          'signed with the endpoint secret',
        );
        assert.match(String(r.headers.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      }
      assert.equal(new Set(received.map((r) => String(r.headers.traceparent))).size, BURST, 'a trace each');
      for (const d of rows) {
        assert.equal(d.attemptCount, 1);
        assert.equal(d.lastResponseStatus, 204);
        assert.equal(d.attempts.length, 1);
        assert.equal(d.attempts[0].outcome, 'succeeded');
      }
      assert.deepEqual(rows.map((d) => d.id).sort(), [...deliveries].sort());
      const jobs = await t.runtime.ctx.db
        .selectFrom('jobs')
        .select(['status', 'result'])
        .where('type', '=', 'webhook.deliver')
        .execute();
      assert.equal(jobs.length, BURST);
      for (const job of jobs) {
        assert.equal(job.status, 'succeeded');
        assert.deepEqual(JSON.parse(job.result!), { attempt: 1, status: 204 });
      }
    });
  });
}
