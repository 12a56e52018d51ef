import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import {
  backoffDelay,
  isConnectionReset,
  isRetryableStatus,
  parseRetryAfter,
  readRetryAfter,
  resendOnReset,
  scheduledDelay,
  toRetryAfterSeconds,
  withRetry,
  type RetryPolicy,
} from './retry.js';

const headers = (h: Record<string, string>) => new Headers(h);
const policy: RetryPolicy = { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 1000 };

describe('retry policy', () => {
  it('retries network-ish statuses only: 408, 429 and 5xx', () => {
    assert.deepEqual(
      [400, 401, 403, 404, 408, 409, 422, 429, 500, 502, 503, 504].filter(isRetryableStatus),
      [408, 429, 500, 502, 503, 504],
    );
  });

  it('reads Retry-After as delay-seconds or an HTTP-date, a past date being 0', () => {
    const now = Date.parse('2026-06-01T12:00:00Z');
    assert.equal(parseRetryAfter('30', now), 30_000);
    assert.equal(parseRetryAfter(' 0 ', now), 0);
    assert.equal(parseRetryAfter('1.5', now), 1500);
    assert.equal(parseRetryAfter('Mon, 01 Jun 2026 12:02:00 GMT', now), 120_000);
    // The obsolete RFC 850 and asctime forms are HTTP-dates too.
    assert.equal(parseRetryAfter('Monday, 01-Jun-26 12:02:00 GMT', now), 120_000);
    assert.equal(parseRetryAfter('Mon Jun  1 12:02:00 2026', now), 120_000);
    assert.equal(parseRetryAfter('Mon, 01 Jun 2026 11:00:00 GMT', now), 0);
  });

  it('ignores negative, garbage and non-HTTP-date values rather than guessing', () => {
    const now = Date.parse('2026-06-01T12:00:00Z');
    // Each of these is a date to Date.parse, or a number to Number(): none is a Retry-After.
    for (const value of ['-5', '1e3', '0x10', '+5', '2026-06-01T12:02:00Z', 'soon', '', '   ']) {
      assert.equal(parseRetryAfter(value, now), undefined, JSON.stringify(value));
    }
    assert.equal(parseRetryAfter(null, now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
  });

  it("caps a Retry-After at the caller's maximum", () => {
    const now = Date.parse('2026-06-01T12:00:00Z');
    assert.equal(parseRetryAfter('86400', now, 3_600_000), 3_600_000);
    assert.equal(parseRetryAfter('Tue, 02 Jun 2026 12:00:00 GMT', now, 3_600_000), 3_600_000);
    assert.equal(parseRetryAfter('60', now, 3_600_000), 60_000);
  });

  it("reads retry-after-ms before Retry-After from an answer's headers", () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(readRetryAfter(headers({ 'retry-after': '7' }), now), 7000);
    assert.equal(readRetryAfter(headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }), now), 30_000);
    assert.equal(readRetryAfter(headers({ 'retry-after-ms': '250', 'retry-after': '9' }), now), 250);
    assert.equal(readRetryAfter(headers({ 'retry-after-ms': '-1', 'retry-after': '9' }), now), 9000);
    assert.equal(readRetryAfter(headers({ 'retry-after-ms': '90000' }), now, 60_000), 60_000);
    assert.equal(readRetryAfter(headers({ 'retry-after': 'soon' }), now), undefined);
    assert.equal(readRetryAfter(headers({}), now), undefined);
    assert.equal(readRetryAfter(undefined, now), undefined);
  });

  it('turns a wait into whole seconds for a Retry-After header: rounded up, at least 1', () => {
    assert.deepEqual([0, 1, 999, 1000, 1001, 30_000].map(toRetryAfterSeconds), [1, 1, 1, 1, 2, 30]);
  });

  it('follows a fixed schedule, the last step repeating, but never earlier than Retry-After', () => {
    const schedule = [5, 300, 1800];
    assert.deepEqual(
      [1, 2, 3, 4, 9].map((attempt) => scheduledDelay(schedule, attempt)),
      [5000, 300_000, 1_800_000, 1_800_000, 1_800_000],
    );
    assert.equal(scheduledDelay(schedule, 1, 60_000), 60_000);
    assert.equal(scheduledDelay(schedule, 2, 60_000), 300_000);
    assert.equal(scheduledDelay([], 3), 5000);
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

describe('resending on a reset connection', () => {
  /** A server that drops the connection of its first `resets` requests without answering, then answers 200. */
  async function dropping(resets: number) {
    let seen = 0;
    const server = createServer((req, res) => {
      seen += 1;
      if (seen <= resets) req.socket.destroy();
      else res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const call = (method: string) =>
      resendOnReset(method, async () =>
        (await fetch(url, { method, body: method === 'POST' ? 'x' : undefined })).text(),
      );
    return { call, seen: () => seen, close: () => new Promise((resolve) => server.close(resolve)) };
  }

  it('a GET whose connection is reset is sent once more and answers', async () => {
    const server = await dropping(1);
    try {
      assert.equal(await server.call('GET'), 'ok');
      assert.equal(server.seen(), 2);
    } finally {
      await server.close();
    }
  });

  it('a second reset, and any reset of a POST, reach the caller', async () => {
    const twice = await dropping(2);
    try {
      await assert.rejects(twice.call('GET'), (error) => isConnectionReset(error));
      assert.equal(twice.seen(), 2);
    } finally {
      await twice.close();
    }
    const post = await dropping(1);
    try {
      await assert.rejects(post.call('POST'), (error) => isConnectionReset(error));
      assert.equal(post.seen(), 1, 'a POST is never sent twice');
    } finally {
      await post.close();
    }
  });

  it('other failures are not resent', async () => {
    let calls = 0;
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    await assert.rejects(
      resendOnReset('GET', () => {
        calls += 1;
        return Promise.reject(new TypeError('fetch failed', { cause: refused }));
      }),
      /fetch failed/,
    );
    assert.equal(calls, 1);
  });
});
