import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startWebhookReceiver, type WebhookReceiver } from '../../../test/fakes/webhook-receiver.js';
import { MAX_RETRY_AFTER_MS, sendAttempt } from './webhooks.send.js';

describe('one delivery attempt', () => {
  let receiver: WebhookReceiver;
  before(async () => {
    receiver = await startWebhookReceiver();
  });
  after(() => receiver.close());

  const send = (path: string, now: number) =>
    sendAttempt(receiver.url(path), '{}', {}, { allowPrivate: true, timeoutMs: 5000 }, now);

  it("keeps a receiver's Retry-After on 429 and 503, capped at an hour, and no other", async () => {
    const now = Date.now();
    const inTwoMinutes = new Date(Math.ceil((now + 120_000) / 1000) * 1000).toUTCString();
    const cases: [number, string, number | undefined][] = [
      [429, '30', 30_000],
      [503, inTwoMinutes, Date.parse(inTwoMinutes) - now],
      [429, '86400', MAX_RETRY_AFTER_MS],
      [429, '-5', undefined],
      [503, 'soon', undefined],
      [500, '30', undefined],
    ];
    for (const [i, [status, retryAfter, expected]] of cases.entries()) {
      receiver.script(`/r${i}`, [{ status, headers: { 'retry-after': retryAfter } }]);
      const result = await send(`/r${i}`, now);
      assert.equal(result.outcome, 'http_error');
      assert.equal(result.responseStatus, status);
      assert.equal(result.retryAfterMs, expected, `${status} Retry-After: ${retryAfter}`);
    }
  });
});
