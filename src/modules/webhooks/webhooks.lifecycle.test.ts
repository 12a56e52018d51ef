/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are JSON of any shape */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  ManualClock,
  startWorker,
  type Tenant,
  type TestApp,
} from '../../../test/helpers/app.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../../test/fakes/webhook-receiver.js';
import { eventually, verifyWebhook } from '../../../test/helpers/webhooks.js';
import type { Worker } from '../../worker/index.js';

const HOUR = 3600_000;

/**
 * Behaviour over hours and days, on a manual clock. It starts at the real time, so that signatures made
 * with its timestamps stay within the verifier's five-minute tolerance as long as it moves by less.
 */
for (const dialect of dialects) {
  describe(`webhook secrets and endpoint health over time (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let worker: Worker;
    let receiver: WebhookReceiver;
    let clock: ManualClock;

    before(async () => {
      receiver = await startWebhookReceiver();
      clock = new ManualClock(Date.now());
      t = await createTestApp(dialect, { clock, env: { AUDENCI_ALLOW_PRIVATE_URLS: 'true' } });
      tenant = await createTenant(t);
      worker = await startWorker(t);
    });
    after(async () => {
      await worker.stop();
      await t.close();
      await receiver.close();
    });

    const admin = () => tenant.live.admin;
    async function endpoint(path: string) {
      const res = await call(t.app, 'POST', '/api/v1/webhooks', {
        key: admin(),
        body: { url: receiver.url(path), events: ['*'] },
      });
      assert.equal(res.status, 201, res.raw);
      return res.body.data as { id: string; secret: string };
    }
    const sendTest = async (id: string) => {
      const res = await call(t.app, 'POST', `/api/v1/webhooks/${id}/test`, { key: admin() });
      assert.equal(res.status, 202, res.raw);
      return res.body.data as { id: string; eventId: string };
    };
    /** Until each delivery has made `attempts` attempts and its job waits in the queue again. */
    async function waitUntilQueued(deliveryIds: string[], attempts: number[]) {
      await eventually(async () => {
        for (const [i, deliveryId] of deliveryIds.entries()) {
          const job = await t.runtime.ctx.db
            .selectFrom('jobs')
            .select('status')
            .where('payload', 'like', `%${deliveryId}%`)
            .executeTakeFirst();
          const delivery = await t.runtime.ctx.db
            .selectFrom('webhook_deliveries')
            .select('attempt_count')
            .where('id', '=', deliveryId)
            .executeTakeFirst();
          if (job?.status !== 'queued' || delivery?.attempt_count !== attempts[i]) return undefined;
        }
        return true;
      });
    }
    const getEndpoint = async (id: string) =>
      (await call(t.app, 'GET', `/api/v1/webhooks/${id}`, { key: admin() })).body.data;

    it('during a rotation overlap deliveries carry both signatures, each verifying with its own secret; after it only the new', async () => {
      const { id, secret: oldSecret } = await endpoint('/rotating');
      const rotated = await call(t.app, 'POST', `/api/v1/webhooks/${id}/rotate-secret`, {
        key: admin(),
        body: { overlapSeconds: 60 },
      });
      assert.equal(rotated.status, 200, rotated.raw);
      const newSecret = rotated.body.data.secret as string;

      const during = await sendTest(id);
      const [overlap] = await receiver.waitFor((r) => r.headers['webhook-id'] === during.eventId);
      const signatures = String(overlap!.headers['webhook-signature']).split(' ');
      assert.equal(signatures.length, 2, 'v1,<new> v1,<old>');
      assert.ok(signatures.every((s) => /^v1,[A-Za-z0-9+/]{43}=$/.test(s)));
      verifyWebhook(newSecret, overlap!, signatures[0]);
      verifyWebhook(oldSecret, overlap!, signatures[1]);
      assert.throws(() => verifyWebhook(newSecret, overlap!, signatures[1]), /signature/);
      assert.throws(() => verifyWebhook(oldSecret, overlap!, signatures[0]), /signature/);
      // A receiver holding either secret accepts the request as sent.
      verifyWebhook(oldSecret, overlap!);
      verifyWebhook(newSecret, overlap!);

      clock.advance(61_000);
      assert.equal((await getEndpoint(id)).previousSecretExpiresAt, null);
      const afterwards = await sendTest(id);
      const [single] = await receiver.waitFor((r) => r.headers['webhook-id'] === afterwards.eventId);
      assert.equal(String(single!.headers['webhook-signature']).split(' ').length, 1);
      verifyWebhook(newSecret, single!);
      assert.throws(() => verifyWebhook(oldSecret, single!), /signature/);
    });

    it('an endpoint failing without a break for longer than the disable window (120 h) is disabled with reason failing', async () => {
      const { id } = await endpoint('/failing');
      receiver.script('/failing', [], { status: 500 });
      const started = clock.now();
      const first = await sendTest(id);
      // The first attempt fails and the job goes back to the queue for the next one (5 s later).
      await waitUntilQueued([first.id], [1]);
      const failing = await getEndpoint(id);
      assert.equal(failing.enabled, true);
      assert.equal(failing.failingSince, new Date(started).toISOString());

      // Days later, still failing (other deliveries too): past 120 h the next failure disables it.
      clock.advance(119 * HOUR);
      const second = await sendTest(id);
      // Both have failed once more and wait in the queue (the clock moves only while nothing runs).
      await waitUntilQueued([first.id, second.id], [2, 1]);
      assert.equal((await getEndpoint(id)).enabled, true, '119 h of failures: still enabled');
      assert.equal((await getEndpoint(id)).failingSince, new Date(started).toISOString(), 'the run goes on');

      clock.advance(2 * HOUR);
      const disabled = await eventually(async () => {
        const e = await getEndpoint(id);
        return e.enabled === false ? e : undefined;
      });
      assert.equal(disabled.disabledReason, 'failing');
      const deliveries = await eventually(async () => {
        const res = await call(t.app, 'GET', `/api/v1/webhooks/${id}/deliveries`, { key: admin() });
        return res.body.data.every((d: any) => d.status === 'failed') ? res.body.data : undefined;
      });
      assert.equal(deliveries.length, 2);
      const reasons = deliveries.map((d: any) => d.lastError).join(' | ');
      assert.match(reasons, /disabled/);

      // Nothing more is sent; the owner re-enables it, which starts a new run.
      const before = receiver.requests.filter((r) => r.path === '/failing').length;
      const refused = await call(t.app, 'POST', `/api/v1/webhooks/${id}/test`, { key: admin() });
      assert.equal(refused.status, 409);
      const retry = await call(t.app, 'POST', `/api/v1/webhooks/${id}/deliveries/${first.id}/retry`, {
        key: admin(),
      });
      assert.equal(retry.status, 409, 'no retry to a disabled endpoint');
      assert.equal(retry.body.error.details.disabledReason, 'failing');
      const enabled = await call(t.app, 'PATCH', `/api/v1/webhooks/${id}`, {
        key: admin(),
        body: { enabled: true },
      });
      assert.equal(enabled.status, 200, enabled.raw);
      assert.deepEqual(
        [enabled.body.data.enabled, enabled.body.data.disabledReason, enabled.body.data.failingSince],
        [true, null, null],
      );
      assert.equal(receiver.requests.filter((r) => r.path === '/failing').length, before);
      receiver.script('/failing', [], { status: 200 });
      const healthy = await sendTest(id);
      await receiver.waitFor((r) => r.headers['webhook-id'] === healthy.eventId && r.status === 200);
      await eventually(async () => ((await getEndpoint(id)).failingSince === null ? true : undefined));
    });
  });
}
