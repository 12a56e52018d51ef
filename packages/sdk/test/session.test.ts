import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Audenci } from '@audenci/sdk-js';

interface Seen {
  url: string;
  init: RequestInit;
  headers: Record<string, string>;
}

/**
 * A `fetch` that behaves like a browser's: it throws "Illegal invocation" unless called as a plain
 * function (or on `globalThis`), and records each request.
 */
function browserLikeFetch(seen: Seen[]): typeof fetch {
  return function (this: unknown, input: Parameters<typeof fetch>[0], init?: RequestInit) {
    if (this !== undefined && this !== globalThis) throw new TypeError('Illegal invocation');
    seen.push({
      url: String(input),
      init: init ?? {},
      headers: { ...(init?.headers as Record<string, string>) },
    });
    const body = JSON.stringify({ data: { id: 'org_1', name: 'Acme' } });
    return Promise.resolve(new Response(body, { headers: { 'content-type': 'application/json' } }));
  } as typeof fetch;
}

describe('SDK in the browser', () => {
  it('calls fetch as a plain function, never as a method of the client', async () => {
    const seen: Seen[] = [];
    const client = new Audenci({
      apiKey: 'sk_test_x',
      baseUrl: 'http://app.test',
      fetch: browserLikeFetch(seen),
    });
    await client.organization.retrieve();
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.url, 'http://app.test/api/v1/organization');
    assert.equal(seen[0]!.headers.authorization, 'Bearer sk_test_x');
    assert.equal(seen[0]!.init.credentials, undefined, 'a key client sends no cookies');
  });

  it('session mode: cookies, no key (not even from the environment), CSRF token on changes only', async () => {
    const previous = process.env.AUDENCI_API_KEY;
    process.env.AUDENCI_API_KEY = 'sk_test_from_env';
    try {
      const seen: Seen[] = [];
      let token = 'csrf-1';
      const client = new Audenci({
        baseUrl: 'http://app.test',
        fetch: browserLikeFetch(seen),
        session: { csrfToken: () => token },
      });
      await client.organization.retrieve();
      await client.brands.create({ name: 'Acme' });
      token = 'csrf-2';
      await client.brands.delete('brand_1');
      const [read, create, remove] = seen;
      for (const request of seen) {
        assert.equal(request.init.credentials, 'include');
        assert.equal(request.headers.authorization, undefined);
      }
      assert.equal(read!.headers['x-csrf-token'], undefined, 'a GET carries no token');
      assert.equal(create!.headers['x-csrf-token'], 'csrf-1');
      assert.equal(remove!.headers['x-csrf-token'], 'csrf-2', 'the getter is read at each request');
    } finally {
      if (previous === undefined) delete process.env.AUDENCI_API_KEY;
      else process.env.AUDENCI_API_KEY = previous;
    }
  });

  it('session mode takes a fixed token too', async () => {
    const seen: Seen[] = [];
    const client = new Audenci({
      baseUrl: 'http://app.test',
      fetch: browserLikeFetch(seen),
      session: { csrfToken: 'fixed' },
    });
    await client.brands.update('brand_1', { name: 'B' });
    assert.equal(seen[0]!.headers['x-csrf-token'], 'fixed');
  });
});
