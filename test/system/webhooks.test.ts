import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startWebhookReceiver, type WebhookReceiver } from '../fakes/webhook-receiver.js';
import {
  inParallel,
  request,
  skipScaleOut,
  startCluster,
  startProxy,
  waitFor,
  type Cluster,
  type Proxy,
} from './harness.js';

/**
 * Webhook delivery is at least once (docs/webhooks.md), with the same `webhook-id` on every attempt. Two
 * worker processes deliver `post.created` events to a local receiver (behind a proxy that answers 150 ms
 * late, so that deliveries are in flight); one worker is SIGKILLed mid-stream and started again. Every event
 * arrives at least once; an event that arrives twice carries the same `webhook-id` and body both times.
 */

const POSTS = Number(process.env.SYSTEM_WEBHOOK_POSTS ?? 300);
const WAIT_MS = 120_000;
const RUN = randomBytes(3).toString('hex');

describe('webhooks are delivered at least once across a worker crash', { skip: skipScaleOut }, () => {
  let receiver: WebhookReceiver;
  let slow: Proxy;
  let cluster: Cluster;

  before(async () => {
    receiver = await startWebhookReceiver();
    slow = await startProxy({ delayMs: 150 });
    slow.setUpstreams([receiver.url('/')]);
    cluster = await startCluster({ env: { AUDENCI_WEBHOOK_RETRY_DELAYS: '1,1,2,5,10' } });
  });

  after(async () => {
    await cluster?.close();
    await slow?.close();
    await receiver?.close();
  });

  it(`${POSTS} post.created events all arrive, a worker SIGKILLed while deliveries flow`, async () => {
    const { key } = await cluster.tenant({ rateLimit: 1_000_000 });
    const api = cluster.proxy.url;
    const endpoint = await request(api, 'POST', '/api/v1/webhooks', {
      key,
      body: { url: `${slow.url}/hooks`, events: ['post.created'] },
    });
    assert.equal(endpoint.status, 201, JSON.stringify(endpoint.body));
    const brand = await request(api, 'POST', '/api/v1/brands', { key, body: { name: 'Hooks' } });
    assert.equal(brand.status, 201);

    const started = Date.now();
    const postIds = new Set<string>();
    const victim = cluster.workers[0]!;
    let killedAt = 0;
    const create = inParallel(
      Array.from({ length: POSTS }, (_, i) => i),
      4,
      async (i) => {
        const answer = await request(api, 'POST', '/api/v1/posts', {
          key,
          body: { brandId: brand.body.data.id, platform: 'twitter', caption: `System hook ${RUN} #${i}` },
        });
        assert.equal(answer.status, 201, JSON.stringify(answer.body));
        postIds.add(answer.body.data.id);
      },
    );
    const crash = (async () => {
      await waitFor('a fifth of the events delivered', () => hooks().length >= POSTS / 5, WAIT_MS, 20);
      await victim.kill();
      killedAt = hooks().length;
      console.log(`SIGKILLed ${victim.name} after ${killedAt} deliveries; starting it again`);
      await victim.start();
    })();
    await Promise.all([create, crash]);

    const distinctEvents = () => new Set(hooks().map((r) => r.headers['webhook-id'])).size;
    const deadline = Date.now() + WAIT_MS;
    while (distinctEvents() < POSTS && Date.now() < deadline) {
      console.log(`progress: ${distinctEvents()} of ${POSTS} events received (${hooks().length} requests)`);
      await sleep(5000);
    }

    const byEvent = new Map<string, { ids: Set<string>; bodies: Set<string>; postId: string }>();
    for (const hit of hooks()) {
      const body = JSON.parse(hit.body) as { id: string; type: string; data: { id: string } };
      assert.equal(body.type, 'post.created');
      const entry = byEvent.get(body.id) ?? { ids: new Set(), bodies: new Set(), postId: body.data.id };
      entry.ids.add(String(hit.headers['webhook-id']));
      entry.bodies.add(hit.body);
      byEvent.set(body.id, entry);
    }
    const duplicates = hooks().length - byEvent.size;
    const mismatched = [...byEvent].filter(
      ([id, e]) => e.ids.size !== 1 || !e.ids.has(id) || e.bodies.size !== 1,
    );
    const delivered = new Set([...byEvent.values()].map((e) => e.postId));
    const undelivered = [...postIds].filter((id) => !delivered.has(id));
    console.log(
      `webhooks: ${POSTS} posts, ${byEvent.size} events received in ${hooks().length} requests ` +
        `(${duplicates} duplicate deliveries), ${undelivered.length} undelivered, worker killed after ` +
        `${killedAt}, ${Date.now() - started} ms`,
    );
    assert.deepEqual(mismatched.slice(0, 5), [], 'a duplicate carried another webhook-id or body');
    assert.deepEqual(
      undelivered.slice(0, 10),
      [],
      `${undelivered.length} post.created never delivered
${cluster.diagnostics()}`,
    );
    assert.equal(byEvent.size, POSTS);
  });

  function hooks() {
    return receiver.requests.filter((r) => r.path === '/hooks');
  }
});
