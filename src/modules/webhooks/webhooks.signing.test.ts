import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { toEvent } from '../events/index.js';
import type { EventRow } from '../../db/tables/events.js';
import { eventPayload, subscribes } from './webhooks.fanout.js';
import { generateSecret, sign, signatureHeaders } from './webhooks.signing.js';

describe('webhook signing (Standard Webhooks)', () => {
  const body = JSON.stringify({ id: 'evt_1', type: 'post.created', data: { caption: 'Grüße ☕' } });

  it('a secret is whsec_ and the base64 of 32 random bytes, different every time', () => {
    const a = generateSecret();
    assert.match(a, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.equal(Buffer.from(a.slice(6), 'base64').length, 32);
    assert.notEqual(a, generateSecret());
  });

  it('the standardwebhooks library verifies what we sign, and refuses any change', () => {
    const secret = generateSecret();
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = signatureHeaders([secret], 'evt_01ABC', timestamp, body);
    assert.match(headers['webhook-signature'], /^v1,[A-Za-z0-9+/]{43}=$/);
    assert.deepEqual(new Webhook(secret).verify(body, headers), JSON.parse(body));
    assert.throws(() => new Webhook(secret).verify(body.replace('☕', '☔'), headers), /signature/);
    assert.throws(
      () => new Webhook(secret).verify(body, { ...headers, 'webhook-id': 'evt_01ABD' }),
      /signature/,
    );
    assert.throws(
      () => new Webhook(secret).verify(body, { ...headers, 'webhook-timestamp': String(timestamp - 1) }),
      /signature/,
    );
    assert.throws(() => new Webhook(generateSecret()).verify(body, headers), /signature/);
  });

  it('during a rotation both secrets sign, space-separated, each verifiable on its own', () => {
    const [current, previous] = [generateSecret(), generateSecret()];
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = signatureHeaders([current, previous], 'evt_1', timestamp, body);
    const parts = headers['webhook-signature'].split(' ');
    assert.deepEqual(parts, [
      sign(current, 'evt_1', timestamp, body),
      sign(previous, 'evt_1', timestamp, body),
    ]);
    for (const secret of [current, previous]) new Webhook(secret).verify(body, headers);
    new Webhook(current).verify(body, { ...headers, 'webhook-signature': parts[0]! });
    new Webhook(previous).verify(body, { ...headers, 'webhook-signature': parts[1]! });
    assert.throws(() => new Webhook(current).verify(body, { ...headers, 'webhook-signature': parts[1]! }));
  });
});

describe('webhook payloads', () => {
  it('the body is the event exactly as GET /events shows it, key for key', () => {
    const row: EventRow = {
      id: 'evt_01JD7Q8ZK2M4N6P8R0T2V4X6Z8',
      organization_id: 'org_1',
      environment: 'test',
      type: 'post.published',
      brand_id: 'brand_1',
      data: JSON.stringify({ id: 'post_1', caption: 'Hi "there"', nested: { a: [1, null] } }),
      created_at: Date.parse('2026-06-01T12:00:00.123Z'),
    };
    assert.equal(eventPayload(row), JSON.stringify(toEvent(row)));
    assert.equal(
      eventPayload({ ...row, brand_id: null }),
      JSON.stringify(toEvent({ ...row, brand_id: null })),
    );
  });

  it('an endpoint subscribes to its listed types, or to all with "*"', () => {
    assert.equal(subscribes('["post.created","post.failed"]', 'post.failed'), true);
    assert.equal(subscribes('["post.created"]', 'post.failed'), false);
    assert.equal(subscribes('["*"]', 'campaign.started'), true);
  });
});
