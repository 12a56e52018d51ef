import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, isRetryableStatus, parseRetryAfter, withRetry, type RetryPolicy } from './retry.js';

const headers = (h: Record<string, string>) => new Headers(h);
const policy: RetryPolicy = { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 1000 };

describe('retry policy', () => {
  it('retries network-ish statuses only: 408, 429 and 5xx', () => {
    assert.deepEqual(
      [400, 401, 403, 404, 408, 409, 422, 429, 500, 502, 503, 504].filter(isRetryableStatus),
      [408, 429, 500, 502, 503, 504],
    );
  });

  it('reads Retry-After as seconds, as an HTTP date, and retry-after-ms', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfter(headers({ 'retry-after': '7' }), now), 7000);
    assert.equal(parseRetryAfter(headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }), now), 30_000);
    assert.equal(parseRetryAfter(headers({ 'retry-after-ms': '250', 'retry-after': '9' }), now), 250);
    assert.equal(parseRetryAfter(headers({ 'retry-after': 'soon' }), now), undefined);
    assert.equal(parseRetryAfter(headers({}), now), undefined);
  });

  it('backs off exponentially with jitter, capped, and honours Retry-After within the cap', () => {
    assert.equal(
      backoffDelay(policy, 1, undefined, () => 0),
      50,
    );
    assert.equal(
      backoffDelay(policy, 1, undefined, () => 1),
      100,
    );
    assert.equal(
      backoffDelay(policy, 3, undefined, () => 1),
      400,
    );
    assert.equal(
      backoffDelay(policy, 10, undefined, () => 1),
      1000,
    );
    assert.equal(backoffDelay(policy, 1, 300), 300);
    assert.equal(backoffDelay(policy, 1, 60_000), 1000);
  });

  it('withRetry stops on success, on a final error, or when the retries run out', async () => {
    const waits: number[] = [];
    const sleep = async (ms: number) => void waits.push(ms);
    let calls = 0;
    const ok = await withRetry(
      async () => {
        if (++calls < 3) throw new Error('flaky');
        return 'done';
      },
      { policy, classify: () => ({ retry: true, retryAfterMs: 5 }), sleep },
    );
    assert.deepEqual([ok, calls, waits], ['done', 3, [5, 5]]);

    calls = 0;
    const final = withRetry(
      async () => {
        calls++;
        throw new Error('final');
      },
      { policy, classify: () => ({ retry: false }), sleep },
    );
    await assert.rejects(final, /final/);
    assert.equal(calls, 1);
    calls = 0;
    await assert.rejects(
      withRetry(
        async () => {
          calls++;
          throw new Error('always');
        },
        { policy, classify: () => ({ retry: true }), sleep },
      ),
      /always/,
    );
    assert.equal(calls, policy.maxRetries + 1);
  });
});
