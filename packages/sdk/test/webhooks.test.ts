import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import {
  Audenci,
  WebhookVerificationError,
  sign,
  verify,
  type EventType,
  type WebhookEvent,
} from '@audenci/sdk-js';
import { startWebhookReceiver, type WebhookReceiver } from '../../../test/fakes/webhook-receiver.js';
import { dialects, eventually, makeBrand, startServer, type LiveServer } from './helpers.js';

const SECRET = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;

describe('Audenci.webhooks.sign / verify / unwrap (Standard Webhooks)', () => {
  const body = JSON.stringify({ id: 'evt_1', type: 'post.created', data: { id: 'post_1' } });
  const now = () => Math.floor(Date.now() / 1000);

  it('signs as the standardwebhooks library does, and verifies what it signs', async () => {
    const timestamp = now();
    const signature = await Audenci.webhooks.sign({ id: 'msg_1', timestamp, body, secret: SECRET });
    const reference = new Webhook(SECRET).sign('msg_1', new Date(timestamp * 1000), body);
    assert.equal(signature, reference);
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signature,
    };
    await Audenci.webhooks.verify(body, headers, SECRET);
    await verify(new TextEncoder().encode(body), new Headers(headers), SECRET);
    const event = await Audenci.webhooks.unwrap(body, headers, SECRET);
    assert.equal(event.type, 'post.created');
  });

  it("types an event's `type` as the union of event types, narrowed by a switch", async () => {
    const timestamp = now();
    const headers = {
      'webhook-id': 'msg_3',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': await sign({ id: 'msg_3', timestamp, body, secret: SECRET }),
    };
    const event: WebhookEvent = await Audenci.webhooks.unwrap(body, headers, SECRET);
    const summarize = (e: WebhookEvent): string => {
      switch (e.type) {
        case 'post.created':
          return 'a new post';
        case 'webhook.test':
          return 'a test delivery';
        default:
          return e.type;
      }
    };
    assert.equal(summarize(event), 'a new post');
    const known: EventType[] = ['post.published', 'comment.received', 'job.failed'];
    assert.equal(known.length, 3);
    // Type-checked by `npm run typecheck`: a misspelt event type does not compile.
    // @ts-expect-error -- 'post.publish' is not an event type
    const misspelt: EventType = 'post.publish';
    assert.equal(typeof misspelt, 'string');
  });

  it('accepts any of several space-separated signatures (a secret rotation)', async () => {
    const timestamp = now();
    const other = `whsec_${Buffer.from('another secret of 32 bytes!!!!!').toString('base64')}`;
    const signatures = [
      await sign({ id: 'msg_2', timestamp, body, secret: other }),
      await sign({ id: 'msg_2', timestamp, body, secret: SECRET }),
    ].join(' ');
    const headers = {
      'Webhook-Id': 'msg_2',
      'Webhook-Timestamp': String(timestamp),
      'Webhook-Signature': signatures,
    };
    await Audenci.webhooks.verify(body, headers, SECRET);
    await Audenci.webhooks.verify(body, headers, other);
  });

  it('refuses a wrong secret, a tampered body, an old or future timestamp, missing headers', async () => {
    const timestamp = now();
    const signature = await sign({ id: 'msg_3', timestamp, body, secret: SECRET });
    const headers = (ts = timestamp, sig = signature) => ({
      'webhook-id': 'msg_3',
      'webhook-timestamp': String(ts),
      'webhook-signature': sig,
    });
    const refused = (promise: Promise<unknown>, pattern: RegExp) =>
      assert.rejects(promise, (e) => e instanceof WebhookVerificationError && pattern.test(e.message));
    const wrong = `whsec_${Buffer.from('a different secret entirely!!!!!').toString('base64')}`;
    await refused(Audenci.webhooks.verify(body, headers(), wrong), /No matching/);
    await refused(
      Audenci.webhooks.verify(body.replace('post_1', 'post_2'), headers(), SECRET),
      /No matching/,
    );
    const old = timestamp - 6 * 60;
    await refused(
      Audenci.webhooks.verify(
        body,
        headers(old, await sign({ id: 'msg_3', timestamp: old, body, secret: SECRET })),
        SECRET,
      ),
      /too old/,
    );
    const future = timestamp + 6 * 60;
    await refused(
      Audenci.webhooks.verify(
        body,
        headers(future, await sign({ id: 'msg_3', timestamp: future, body, secret: SECRET })),
        SECRET,
      ),
      /future/,
    );
    await refused(Audenci.webhooks.verify(body, { 'webhook-id': 'msg_3' }, SECRET), /Missing/);
    await refused(Audenci.webhooks.verify(body, headers(timestamp, 'v2,abc'), SECRET), /No matching/);
    await refused(Audenci.webhooks.unwrap(body, headers(timestamp, 'v1,'), SECRET), /No matching/);
  });
});

for (const dialect of dialects) {
  describe(`SDK webhooks against a real server (${dialect})`, () => {
    let server: LiveServer;
    let client: Audenci;
    let receiver: WebhookReceiver;
    let brandId: string;

    before(async () => {
      receiver = await startWebhookReceiver();
      server = await startServer(dialect, {
        worker: true,
        env: { AUDENCI_ALLOW_PRIVATE_URLS: 'true', AUDENCI_WEBHOOK_RETRY_DELAYS: '1,1' },
      });
      client = server.client();
      brandId = await makeBrand(client);
    });
    after(async () => {
      await server.close();
      await receiver.close();
    });

    it('verifies a real delivery from the server; a tampered body throws', async () => {
      const endpoint = await client.webhooks.create({
        url: receiver.url('/hooks'),
        events: ['post.created'],
      });
      assert.match(endpoint.secret, /^whsec_/);
      const post = await client.posts.create({ brandId, platform: 'twitter', caption: 'Announce me' });
      const [hit] = await receiver.waitFor((r) => r.path === '/hooks');
      assert.ok(hit);

      await Audenci.webhooks.verify(hit.body, hit.headers, endpoint.secret);
      const event = await Audenci.webhooks.unwrap(hit.body, hit.headers, endpoint.secret);
      assert.equal(event.type, 'post.created');
      assert.equal(event.id, hit.headers['webhook-id']);
      assert.equal((event.data as { id: string }).id, post.id);

      const tampered = hit.body.replace('Announce me', 'Announce us');
      assert.notEqual(tampered, hit.body);
      await assert.rejects(
        Audenci.webhooks.verify(tampered, hit.headers, endpoint.secret),
        WebhookVerificationError,
      );
    });

    it('webhooks: list, retrieve, update, replace, test, deliveries, retrieveDelivery, retryDelivery, rotateSecret, delete', async () => {
      const endpoint = await client.webhooks.create({
        url: receiver.url('/manage'),
        events: ['post.published'],
        description: 'ops',
      });
      assert.ok((await client.webhooks.list()).data.some((w) => w.id === endpoint.id));
      assert.equal((await client.webhooks.retrieve(endpoint.id)).description, 'ops');
      const updated = await client.webhooks.update(endpoint.id, { description: 'operations' });
      const { secret: _secret, ...shown } = endpoint;
      assert.deepEqual(updated, { ...shown, description: 'operations', updatedAt: updated.updatedAt });
      const current = await client.webhooks.retrieve(endpoint.id);
      const replaced = await client.webhooks.replace(endpoint.id, {
        ...current,
        events: ['post.published', 'post.failed'],
      });
      assert.deepEqual(replaced, {
        ...current,
        events: ['post.published', 'post.failed'],
        updatedAt: replaced.updatedAt,
      });
      const reset = await client.webhooks.replace(endpoint.id, {
        url: replaced.url,
        events: replaced.events,
      });
      assert.deepEqual(reset, { ...replaced, description: null, updatedAt: reset.updatedAt });

      const delivery = await client.webhooks.test(endpoint.id);
      assert.equal(delivery.webhookId, endpoint.id);
      assert.equal(delivery.eventType, 'webhook.test');
      const [hit] = await receiver.waitFor((r) => r.path === '/manage');
      const testEvent = await Audenci.webhooks.unwrap(hit!.body, hit!.headers, endpoint.secret);
      assert.equal(testEvent.type, 'webhook.test');
      const done = await eventually(async () => {
        const d = await client.webhooks.retrieveDelivery(endpoint.id, delivery.id);
        return d.status === 'succeeded' ? d : undefined;
      });
      assert.equal(done.attempts.length, 1);
      const log = await client.webhooks.deliveries(endpoint.id);
      assert.deepEqual(
        log.data.map((d) => d.id),
        [delivery.id],
      );
      const retried = await client.webhooks.retryDelivery(endpoint.id, delivery.id);
      assert.equal(retried.id, delivery.id);
      await receiver.waitFor((r) => r.path === '/manage', 2);

      const rotated = await client.webhooks.rotateSecret(endpoint.id, { overlapSeconds: 60 });
      assert.notEqual(rotated.secret, endpoint.secret);
      await client.webhooks.test(endpoint.id);
      const hits = await receiver.waitFor((r) => r.path === '/manage', 3);
      const last = hits[2]!;
      // During the overlap both signatures travel: either secret verifies.
      await Audenci.webhooks.verify(last.body, last.headers, rotated.secret);
      await Audenci.webhooks.verify(last.body, last.headers, endpoint.secret);

      assert.deepEqual(await client.webhooks.delete(endpoint.id), { id: endpoint.id, deleted: true });
    });
  });
}
