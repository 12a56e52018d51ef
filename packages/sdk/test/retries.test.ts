import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import {
  APIConnectionError,
  APITimeoutError,
  Audenci,
  InternalServerError,
  NotFoundError,
  RateLimitError,
} from '@audenci/sdk-js';
import { createTenant } from '../../../test/helpers/app.js';
import { isRetryableStatus, retryDelay, serverRequestedDelay, unreachableReason } from '../src/core/retry.js';
import { dialects, makeBrand, startProxy, startServer, type LiveServer } from './helpers.js';

const WINDOW_MS = 3000;

describe('SDK retry policy', () => {
  it('backs off 1 s, 2 s, 4 s, 8 s, 16 s plus up to 25 % jitter', () => {
    const timing = { baseDelay: 1000, maxDelay: 60_000 };
    for (const [retry, base] of [0, 1, 2, 3, 4].map((r) => [r, 1000 * 2 ** r] as const)) {
      const delay = retryDelay(retry, timing)!;
      assert.ok(delay >= base && delay <= base * 1.25, `retry ${retry}: ${delay}`);
    }
  });

  it('waits at least what Retry-After or X-RateLimit-Reset ask for, and not at all beyond the cap', () => {
    const timing = { baseDelay: 10, maxDelay: 60_000 };
    const headers = (h: Record<string, string>) => new Headers(h);
    assert.ok(retryDelay(0, timing, { status: 429, headers: headers({ 'retry-after': '3' }) })! >= 3000);
    const reset = String(Math.ceil(Date.now() / 1000) + 5);
    assert.ok(serverRequestedDelay(429, headers({ 'x-ratelimit-reset': reset }))! > 4000);
    assert.equal(serverRequestedDelay(500, headers({ 'x-ratelimit-reset': reset })), undefined);
    assert.equal(
      retryDelay(0, timing, { status: 429, headers: headers({ 'retry-after': '3600' }) }),
      undefined,
    );
  });

  it('tells a refused connection and an unknown host (not retried) from other network failures', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    assert.equal(
      unreachableReason(new TypeError('fetch failed', { cause: refused })),
      'connection refused by',
    );
    // localhost: one refusal per address, gathered in an AggregateError.
    const both = Object.assign(new AggregateError([refused, refused]), { code: undefined });
    assert.equal(unreachableReason(new TypeError('fetch failed', { cause: both })), 'connection refused by');
    const unknown = Object.assign(new Error('getaddrinfo ENOTFOUND nope.invalid'), { code: 'ENOTFOUND' });
    assert.equal(unreachableReason(new TypeError('fetch failed', { cause: unknown })), 'unknown host in');
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    assert.equal(unreachableReason(new TypeError('fetch failed', { cause: reset })), undefined);
    assert.equal(unreachableReason(new TypeError('Failed to fetch')), undefined, "a browser's failure");
  });

  it('retries 408, 429, 5xx and the 409 of an idempotent request in flight, not other 4xx', () => {
    const none = new Headers();
    for (const status of [408, 429, 500, 502, 503, 504])
      assert.equal(isRetryableStatus(status, undefined, none), true);
    for (const status of [400, 401, 403, 404, 410, 422])
      assert.equal(isRetryableStatus(status, undefined, none), false);
    assert.equal(isRetryableStatus(409, 'CONFLICT', none), false, 'a conflict of state');
    assert.equal(isRetryableStatus(409, 'CONFLICT', new Headers({ 'retry-after': '1' })), true, 'in flight');
  });
});

for (const dialect of dialects) {
  describe(`SDK retries against a real server (${dialect})`, () => {
    let server: LiveServer;
    let brandId: string;

    before(async () => {
      server = await startServer(dialect, { rateLimitWindowMs: WINDOW_MS });
      brandId = await makeBrand(server.client());
    });
    after(() => server.close());

    it('a POST whose answer is lost is retried with the same Idempotency-Key and creates exactly one post', async () => {
      const proxy = await startProxy(server.url, (r, seen) =>
        r.method === 'POST' && r.url === '/api/v1/posts' && seen === 0 ? 'drop-answer' : 'forward',
      );
      try {
        const client = server.client({ baseUrl: proxy.url });
        const post = await client.posts.create({ brandId, platform: 'twitter', caption: 'Exactly once' });
        const posts = proxy.requests.filter((r) => r.method === 'POST');
        assert.equal(posts.length, 2, 'the first answer was lost, the retry got one');
        assert.equal(posts[0]!.upstreamStatus, 201, 'the server created the post the first time');
        const key = posts[0]!.headers['idempotency-key'];
        assert.ok(key, 'the POST carried an Idempotency-Key');
        assert.equal(posts[1]!.headers['idempotency-key'], key, 'the retry reused it');

        const all = await server.client().posts.list({ brandId, limit: 100 });
        const same = all.data.filter((p) => p.caption === 'Exactly once');
        assert.deepEqual(
          same.map((p) => p.id),
          [post.id],
          'one post exists, and it is the one returned',
        );
      } finally {
        await proxy.close();
      }
    });

    it('an explicit idempotencyKey is sent as is: a repeat replays the first answer', async () => {
      const client = server.client();
      const key = `sdk-test-${Date.now()}`;
      const a = await client.posts.create(
        { brandId, platform: 'twitter', caption: 'Keyed' },
        { idempotencyKey: key },
      );
      const b = await client.posts.create(
        { brandId, platform: 'twitter', caption: 'Keyed' },
        { idempotencyKey: key },
      );
      assert.equal(b.id, a.id);
    });

    it('a 429 of a starter organization is waited out as Retry-After says, then the request succeeds', async () => {
      const tenant = await createTenant(server.t, { plan: 'starter', rateLimit: 3 });
      const answers: { status: number; retryAfter: string | null; at: number }[] = [];
      const observed: typeof fetch = async (input, init) => {
        const response = await fetch(input, init);
        answers.push({
          status: response.status,
          retryAfter: response.headers.get('retry-after'),
          at: Date.now(),
        });
        return response;
      };
      const client = new Audenci({
        apiKey: tenant.test.read,
        baseUrl: server.url,
        fetch: observed,
        retryBaseDelay: 10,
      });
      // Start right after a window begins, so the three allowed requests and the refused one share it.
      await sleep(WINDOW_MS - (Date.now() % WINDOW_MS) + 50);
      for (let i = 0; i < 3; i++) await client.organization.retrieve();
      const started = Date.now();
      const org = await client.organization.retrieve();
      const elapsed = Date.now() - started;

      assert.equal(org.plan, 'starter');
      const statuses = answers.slice(3).map((a) => a.status);
      assert.deepEqual(statuses, [429, 200], 'one 429, then success after the wait (no retry in between)');
      const retryAfter = Number(answers[3]!.retryAfter);
      assert.ok(retryAfter >= 1, 'the 429 carried Retry-After');
      assert.ok(elapsed >= retryAfter * 1000, `waited ${elapsed} ms for Retry-After: ${retryAfter}`);
    });

    it('a 429 asking for longer than maxRetryDelay is thrown at once as RateLimitError', async () => {
      const tenant = await createTenant(server.t, { plan: 'starter', rateLimit: 1 });
      const client = new Audenci({
        apiKey: tenant.test.read,
        baseUrl: server.url,
        maxRetryDelay: 100,
        retryBaseDelay: 10,
      });
      await sleep(WINDOW_MS - (Date.now() % WINDOW_MS) + 50);
      await client.organization.retrieve();
      const started = Date.now();
      await assert.rejects(client.organization.retrieve(), (error) => {
        assert.ok(error instanceof RateLimitError);
        assert.equal(error.status, 429);
        assert.equal(error.code, 'RATE_LIMITED');
        assert.ok(error.retryAfter! >= 1);
        return true;
      });
      assert.ok(Date.now() - started < 1000, 'no waiting');
    });

    it('a 5xx is retried; after maxRetries it is thrown as InternalServerError', async () => {
      const unavailable = {
        status: 503,
        body: JSON.stringify({ error: { code: 'SERVICE_UNAVAILABLE', message: 'Down for a moment' } }),
        headers: { 'x-request-id': 'req_proxy' },
      };
      let failures = 2;
      const proxy = await startProxy(server.url, () => (failures-- > 0 ? unavailable : 'forward'));
      try {
        const client = server.client({ baseUrl: proxy.url });
        const org = await client.organization.retrieve();
        assert.equal(org.id, server.tenant.org.id);
        assert.equal(proxy.requests.length, 3, 'two 503s, then the real answer');

        failures = 2;
        await assert.rejects(
          server.client({ baseUrl: proxy.url, maxRetries: 1 }).organization.retrieve(),
          (error) => {
            assert.ok(error instanceof InternalServerError);
            assert.equal(error.status, 503);
            assert.equal(error.code, 'SERVICE_UNAVAILABLE');
            assert.equal(error.requestId, 'req_proxy');
            return true;
          },
        );
        assert.equal(proxy.requests.length, 5, 'maxRetries 1: two attempts, both 503');
      } finally {
        await proxy.close();
      }
    });

    it('a 4xx is not retried', async () => {
      const proxy = await startProxy(server.url);
      try {
        await assert.rejects(
          server.client({ baseUrl: proxy.url }).posts.retrieve('post_nope'),
          NotFoundError,
        );
        assert.equal(proxy.requests.length, 1);
      } finally {
        await proxy.close();
      }
    });

    it('no answer within timeout is APITimeoutError, after the retries', async () => {
      const proxy = await startProxy(server.url, () => 'hang');
      try {
        const client = server.client({ baseUrl: proxy.url, timeout: 150, maxRetries: 2 });
        const started = Date.now();
        await assert.rejects(client.organization.retrieve(), APITimeoutError);
        assert.equal(proxy.requests.length, 3, 'three attempts');
        assert.ok(Date.now() - started >= 450);
        await assert.rejects(client.organization.retrieve({ timeout: 50, maxRetries: 0 }), APITimeoutError);
      } finally {
        await proxy.close();
      }
    });

    it('a refused connection fails at once with the default settings, naming the base URL', async () => {
      const closed = http.createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const { port } = closed.address() as AddressInfo;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      // The defaults a new user gets: no retryBaseDelay, no maxRetries.
      const client = new Audenci({ apiKey: 'sk_test_x', baseUrl: `http://127.0.0.1:${port}` });
      assert.equal(client.http.maxRetries, 2);
      const started = performance.now();
      await assert.rejects(client.organization.retrieve(), (error) => {
        assert.ok(error instanceof APIConnectionError);
        assert.ok(!(error instanceof APITimeoutError));
        assert.match(error.message, new RegExp(`connection refused by http://127\\.0\\.0\\.1:${port}`));
        assert.match(error.message, /AUDENCI_BASE_URL/);
        return true;
      });
      const elapsed = performance.now() - started;
      console.log(`# a refused connection failed after ${Math.round(elapsed)} ms`);
      assert.ok(elapsed < 1000, `failed after ${Math.round(elapsed)} ms (no retry, no backoff)`);
    });

    it('a connection lost mid-request is still retried (only refused and unknown hosts are not)', async () => {
      const proxy = await startProxy(server.url, (r, seen) =>
        r.method === 'GET' && seen === 0 ? 'drop-answer' : 'forward',
      );
      try {
        const organization = await server.client({ baseUrl: proxy.url }).organization.retrieve();
        assert.equal(organization.id, server.tenant.org.id);
        assert.equal(proxy.requests.length, 2, 'the lost answer, then the retry');
      } finally {
        await proxy.close();
      }
    });

    it('a signal aborts the request and its retries with the signal reason', async () => {
      const proxy = await startProxy(server.url, () => 'hang');
      try {
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 100);
        await assert.rejects(
          server.client({ baseUrl: proxy.url }).organization.retrieve({ signal: controller.signal }),
          (error: Error) => error.name === 'AbortError',
        );
      } finally {
        await proxy.close();
      }
    });
  });
}
