/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are JSON of any shape */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
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
import { startWebhookReceiver, type WebhookReceiver } from '../../../test/fakes/webhook-receiver.js';
import { eventually, signedHeaders, verifyWebhook } from '../../../test/helpers/webhooks.js';
import { createWorker, type Worker } from '../../worker/index.js';

for (const dialect of dialects) {
  describe(`webhook delivery (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let worker: Worker;
    let receiver: WebhookReceiver;

    before(async () => {
      receiver = await startWebhookReceiver();
      t = await createTestApp(dialect, {
        env: { AUDENCI_ALLOW_PRIVATE_URLS: 'true', AUDENCI_WEBHOOK_RETRY_DELAYS: '1,1' },
      });
      tenant = await createTenant(t);
      worker = await startWorker(t);
    });
    after(async () => {
      await worker.stop();
      await t.close();
      await receiver.close();
    });

    async function endpoint(path: string, events: string[] = ['*'], key = tenant.live.admin) {
      const res = await call(t.app, 'POST', '/api/v1/webhooks', {
        key,
        body: { url: receiver.url(path), events },
      });
      assert.equal(res.status, 201, res.raw);
      return res.body.data as { id: string; secret: string };
    }
    const sendTest = async (id: string) => {
      const res = await call(t.app, 'POST', `/api/v1/webhooks/${id}/test`, { key: tenant.live.admin });
      assert.equal(res.status, 202, res.raw);
      return res.body.data as { id: string; eventId: string };
    };
    const delivery = async (webhookId: string, id: string, key = tenant.live.admin) =>
      (await call(t.app, 'GET', `/api/v1/webhooks/${webhookId}/deliveries/${id}`, { key })).body.data;
    const getEndpoint = async (id: string) =>
      (await call(t.app, 'GET', `/api/v1/webhooks/${id}`, { key: tenant.live.admin })).body.data;

    it('a post published through the sandbox sends post.created and post.published, signed so standardwebhooks verifies them', async () => {
      const admin = tenant.test.admin;
      const brand = await call(t.app, 'POST', '/api/v1/brands', { key: admin, body: { name: 'Sandbox' } });
      const { id: webhookId, secret } = await endpoint('/sandbox', ['post.created', 'post.published'], admin);
      const created = await call(t.app, 'POST', '/api/v1/posts', {
        key: tenant.test.read_write,
        body: { brandId: brand.body.data.id, platform: 'twitter', caption: 'Hello, webhooks' },
      });
      assert.equal(created.status, 201, created.raw);
      const postId = created.body.data.id;
      const publish = await call(t.app, 'POST', `/api/v1/posts/${postId}/publish`, {
        key: tenant.test.read_write,
      });
      assert.equal(publish.status, 202, publish.raw);

      const hits = await receiver.waitFor((r) => r.path === '/sandbox', 2);
      const byType = new Map(hits.map((r) => [JSON.parse(r.body).type as string, r]));
      assert.deepEqual([...byType.keys()].sort(), ['post.created', 'post.published']);
      for (const [type, r] of byType) {
        const payload = JSON.parse(r.body);
        assert.deepEqual(verifyWebhook(secret, r), payload, `${type} verifies`);
        assert.equal(r.method, 'POST');
        assert.equal(r.headers['webhook-id'], payload.id);
        assert.match(payload.id, /^evt_/);
        assert.equal(r.headers['content-type'], 'application/json');
        assert.match(String(r.headers['user-agent']), /^Audenci-Webhooks\/\d+\.\d+\.\d+/);
        assert.ok(Math.abs(Number(r.headers['webhook-timestamp']) - r.at / 1000) < 5);
        assert.deepEqual(Object.keys(payload), [
          'id',
          'type',
          'createdAt',
          'organizationId',
          'environment',
          'brandId',
          'data',
        ]);
        assert.equal(payload.organizationId, tenant.org.id);
        assert.equal(payload.environment, 'test');
        assert.equal(payload.brandId, brand.body.data.id);
        assert.equal(payload.data.id, postId);
        const logged = await call(t.app, 'GET', `/api/v1/events/${payload.id}`, { key: admin });
        assert.deepEqual(logged.body.data, payload, 'the body is the logged event');
      }
      assert.equal(JSON.parse(byType.get('post.published')!.body).data.status, 'PUBLISHED');

      // One byte changed in the body, or in the timestamp, and verification fails.
      const r = byType.get('post.published')!;
      const flipped = { ...r, body: r.body.replace('"PUBLISHED"', '"PUBLISHEE"') };
      assert.equal(flipped.body.length, r.body.length);
      assert.throws(() => verifyWebhook(secret, flipped), /signature/);
      const headers = signedHeaders(r);
      const later = {
        ...r,
        headers: { ...r.headers, 'webhook-timestamp': String(Number(headers['webhook-timestamp']) + 1) },
      };
      assert.throws(() => verifyWebhook(secret, later), /signature/);

      // The receiver answered; the attempt's record commits right after.
      const log = await eventually(async () => {
        const res = await call(t.app, 'GET', `/api/v1/webhooks/${webhookId}/deliveries`, { key: admin });
        return res.body.data.every((d: any) => d.status === 'succeeded') ? res : undefined;
      });
      assert.equal(log.body.data.length, 2);
      for (const d of log.body.data) {
        assert.equal(d.status, 'succeeded');
        assert.equal(d.attemptCount, 1);
        assert.equal(d.lastResponseStatus, 200);
        assert.equal(d.attempts[0].outcome, 'succeeded');
      }
    });

    it('500, 500, 200: three attempts with the same webhook-id and body, new timestamps; the log shows them', async () => {
      const { id: webhookId, secret } = await endpoint('/flaky');
      receiver.script('/flaky', [{ status: 500 }, { status: 500, body: 'x'.repeat(3000) }]);
      const sent = await sendTest(webhookId);

      const first = (await receiver.waitFor((r) => r.path === '/flaky'))[0]!;
      const pending = await eventually(async () => {
        const d = await delivery(webhookId, sent.id);
        return d.attemptCount === 1 ? d : undefined;
      });
      assert.equal(pending.status, 'pending');
      assert.ok(Date.parse(pending.nextAttemptAt) >= first.at + 900, 'the next attempt is about 1 s later');

      const hits = await receiver.waitFor((r) => r.path === '/flaky', 3);
      assert.deepEqual(
        hits.map((r) => r.status),
        [500, 500, 200],
      );
      assert.deepEqual(new Set(hits.map((r) => r.headers['webhook-id'])), new Set([sent.eventId]));
      assert.deepEqual(new Set(hits.map((r) => r.body)).size, 1, 'the same bytes every time');
      const stamps = hits.map((r) => Number(r.headers['webhook-timestamp']));
      assert.ok(stamps[0]! < stamps[1]! && stamps[1]! < stamps[2]!, `timestamps ${stamps.join(', ')}`);
      for (const r of hits) verifyWebhook(secret, r);

      const done = await eventually(async () => {
        const d = await delivery(webhookId, sent.id);
        return d.status === 'succeeded' ? d : undefined;
      });
      assert.equal(done.attemptCount, 3);
      assert.equal(done.nextAttemptAt, null);
      assert.equal(done.lastResponseStatus, 200);
      assert.equal(done.lastError, null);
      assert.deepEqual(
        done.attempts.map((a: any) => [a.attempt, a.outcome, a.responseStatus]),
        [
          [1, 'http_error', 500],
          [2, 'http_error', 500],
          [3, 'succeeded', 200],
        ],
      );
      assert.equal(done.attempts[0].responseBody, 'answered 500');
      assert.equal(done.attempts[1].responseBody, 'x'.repeat(1024), 'the first 1 KB of the answer');
      assert.match(done.attempts[0].error, /HTTP 500/);
      assert.equal(done.attempts[2].error, null);
      for (const a of done.attempts) assert.ok(a.durationMs >= 0 && Date.parse(a.startedAt) > 0);
      assert.equal((await getEndpoint(webhookId)).failingSince, null, 'a success ends the failure run');

      // A manual retry: one more attempt now, same body and webhook-id.
      const retry = await call(t.app, 'POST', `/api/v1/webhooks/${webhookId}/deliveries/${sent.id}/retry`, {
        key: tenant.live.admin,
      });
      assert.equal(retry.status, 202, retry.raw);
      assert.equal(retry.body.data.status, 'pending');
      const again = await receiver.waitFor((r) => r.path === '/flaky', 4);
      assert.equal(again[3]!.headers['webhook-id'], sent.eventId);
      assert.equal(again[3]!.body, hits[0]!.body);
      const replayed = await eventually(async () => {
        const d = await delivery(webhookId, sent.id);
        return d.status === 'succeeded' && d.attemptCount === 4 ? d : undefined;
      });
      assert.equal(replayed.attempts.length, 4);
    });

    it('a delivery that fails every attempt ends failed; a manual retry sends it once more', async () => {
      const { id: webhookId } = await endpoint('/down');
      receiver.script('/down', [], { status: 503 });
      const sent = await sendTest(webhookId);
      const failed = await eventually(async () => {
        const d = await delivery(webhookId, sent.id);
        return d.status === 'failed' ? d : undefined;
      });
      assert.equal(failed.attemptCount, 3, 'the first attempt and one per retry delay');
      assert.equal(failed.nextAttemptAt, null);
      assert.match(failed.lastError, /HTTP 503/);
      assert.ok((await getEndpoint(webhookId)).failingSince !== null);

      receiver.script('/down', [], { status: 204 });
      const retry = await call(t.app, 'POST', `/api/v1/webhooks/${webhookId}/deliveries/${sent.id}/retry`, {
        key: tenant.live.admin,
      });
      assert.equal(retry.status, 202, retry.raw);
      const done = await eventually(async () => {
        const d = await delivery(webhookId, sent.id);
        return d.status === 'succeeded' ? d : undefined;
      });
      assert.equal(done.attemptCount, 4);
      assert.equal(receiver.requests.filter((r) => r.path === '/down').length, 4);
    });

    it('410 Gone disables the endpoint at once; later events are not delivered; PATCH enabled: true re-enables it', async () => {
      const { id: webhookId } = await endpoint('/gone');
      receiver.script('/gone', [{ status: 410 }]);
      const sent = await sendTest(webhookId);
      const disabled = await eventually(async () => {
        const e = await getEndpoint(webhookId);
        return e.enabled === false ? e : undefined;
      });
      assert.equal(disabled.disabledReason, 'gone');
      const d = await eventually(async () => {
        const x = await delivery(webhookId, sent.id);
        return x.status === 'failed' ? x : undefined;
      });
      assert.equal(d.attemptCount, 1);
      assert.equal(d.lastResponseStatus, 410);

      const brand = await call(t.app, 'POST', '/api/v1/brands', {
        key: tenant.live.admin,
        body: { name: 'B' },
      });
      const post = await call(t.app, 'POST', '/api/v1/posts', {
        key: tenant.live.read_write,
        body: { brandId: brand.body.data.id, platform: 'twitter', caption: 'Not for a gone endpoint' },
      });
      assert.equal(post.status, 201);
      await sleep(1500); // past the retry delay: no second attempt either
      assert.equal(receiver.requests.filter((r) => r.path === '/gone').length, 1);
      const log = await call(t.app, 'GET', `/api/v1/webhooks/${webhookId}/deliveries`, {
        key: tenant.live.admin,
      });
      assert.equal(log.body.data.length, 1, 'no delivery was made for the later event');

      const enabled = await call(t.app, 'PATCH', `/api/v1/webhooks/${webhookId}`, {
        key: tenant.live.admin,
        body: { enabled: true },
      });
      assert.equal(enabled.status, 200, enabled.raw);
      assert.equal(enabled.body.data.enabled, true);
      assert.equal(enabled.body.data.disabledReason, null);
      assert.equal(enabled.body.data.failingSince, null);
      await sendTest(webhookId);
      await receiver.waitFor((r) => r.path === '/gone' && r.status === 200);
    });

    it('429 with Retry-After is honoured: the next attempt comes no sooner', async () => {
      const { id: webhookId } = await endpoint('/busy');
      receiver.script('/busy', [{ status: 429, headers: { 'retry-after': '2' } }]);
      const sent = await sendTest(webhookId);
      const first = (await receiver.waitFor((r) => r.path === '/busy'))[0]!;
      const waiting = await eventually(async () => {
        const d = await delivery(webhookId, sent.id);
        return d.attemptCount === 1 ? d : undefined;
      });
      assert.ok(Date.parse(waiting.nextAttemptAt) >= first.at + 2000, 'nextAttemptAt honours Retry-After');
      const hits = await receiver.waitFor((r) => r.path === '/busy', 2);
      assert.ok(
        hits[1]!.at - first.at >= 2000,
        `second attempt ${hits[1]!.at - first.at} ms after the first`,
      );
      assert.equal(hits[1]!.status, 200);
    });

    it('a URL that resolves to a private address at delivery time is a failed, retryable attempt; nothing is sent', async () => {
      // Registered while private addresses were allowed (as if its DNS changed since): this worker refuses.
      await worker.stop();
      const strict = createWorker(
        {
          config: { ...t.runtime.config, allowPrivateUrls: false },
          ctx: t.runtime.ctx,
          db: t.runtime.ctx.db,
          connectors: t.runtime.connectors,
          tokenBox: t.runtime.tokenBox,
          webhookBox: t.runtime.webhookBox,
          media: t.runtime.media,
        },
        { pollMs: 200, sweepEveryMs: 100 },
      );
      await strict.start();
      try {
        const { id: webhookId } = await endpoint('/rebound');
        const sent = await sendTest(webhookId);
        const d = await eventually(async () => {
          const x = await delivery(webhookId, sent.id);
          return x.attemptCount >= 1 ? x : undefined;
        });
        assert.equal(d.attempts[0].outcome, 'blocked');
        assert.match(d.attempts[0].error, /SSRF guard.*127\.0\.0\.1/);
        assert.equal(d.attempts[0].responseStatus, null);
        assert.equal(d.status, 'pending', 'retried: the address may be public again');
        assert.ok(d.nextAttemptAt !== null);
        assert.equal(receiver.requests.filter((r) => r.path === '/rebound').length, 0);
      } finally {
        await strict.stop();
        worker = await startWorker(t);
      }
    });
  });
}
