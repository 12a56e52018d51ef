import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Audenci, RequestOptions } from '@audenci/sdk-js';
import { startProxy, startServer, type LiveServer, type Proxy } from './helpers.js';

type Method = (...args: unknown[]) => Promise<unknown>;

/**
 * `update` is the `PATCH` and `replace` the `PUT` of every resource that has them: each such operation of
 * the server's OpenAPI document is checked to be sent by that method of `client.<resource>`, where the
 * resource is the path's first segment in camel case (`/api/v1/social-accounts/{id}` → `socialAccounts`).
 * A new PATCH or PUT endpoint without its SDK method fails here. The one exception is the batch.
 */
const EXCEPTIONS: Record<string, (client: Audenci, options: RequestOptions) => Promise<unknown>> = {
  'PUT /api/v1/posts/batch': (client, options) => client.posts.batchUpdate({ posts: [] } as never, options),
};

const camel = (segment: string) => segment.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());

describe('SDK: update = PATCH, replace = PUT on every resource', () => {
  let server: LiveServer;
  let proxy: Proxy;

  before(async () => {
    server = await startServer('sqlite');
    proxy = await startProxy(server.url);
  });
  after(async () => {
    await proxy?.close();
    await server?.close();
  });

  it('each PATCH and PUT operation of the OpenAPI document is sent by its SDK method', async () => {
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    // The web app's own routes (`/auth/…`) are not the SDK's.
    const api = Object.entries(document.paths).filter(([template]) => template.startsWith('/api/v1/'));
    const operations = api.flatMap(([template, item]) =>
      ['patch', 'put'].filter((m) => m in item).map((m) => ({ method: m.toUpperCase(), template })),
    );
    assert.ok(operations.length >= 10, `${operations.length} PATCH/PUT operations`);
    const client = server.client({ baseUrl: proxy.url, maxRetries: 0 });
    const options: RequestOptions = { maxRetries: 0 };
    const checked: string[] = [];
    for (const { method, template } of operations) {
      const name = `${method} ${template}`;
      const segments = template.replace(/^\/api\/v1\//, '').split('/');
      let n = 0;
      const expectedPath = template.replace(/\{[^}]+\}/g, () => `x_${n++}`);
      const before = proxy.requests.length;
      if (EXCEPTIONS[name]) {
        await EXCEPTIONS[name](client, options).catch(() => undefined);
      } else {
        const resource = (client as unknown as Record<string, Record<string, Method> | undefined>)[
          camel(segments[0]!)
        ];
        const verb = method === 'PATCH' ? 'update' : 'replace';
        const call = resource?.[verb];
        assert.equal(typeof call, 'function', `${name}: client.${camel(segments[0]!)}.${verb} exists`);
        const pathIds = template.match(/\{[^}]+\}/g)?.map((_, i) => `x_${i}`) ?? [];
        await call!.call(resource, ...pathIds, {}, options).catch(() => undefined);
      }
      const sent = proxy.requests.slice(before);
      assert.equal(sent.length, 1, `${name}: one request`);
      assert.equal(sent[0]!.method, method, name);
      assert.equal(sent[0]!.url.split('?')[0], expectedPath, name);
      checked.push(name);
    }
    console.log(`# ${checked.length} PATCH/PUT operations: ${checked.join(', ')}`);
  });
});
