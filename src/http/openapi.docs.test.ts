/* eslint-disable @typescript-eslint/no-explicit-any -- the OpenAPI document is JSON of any shape */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../test/helpers/app.js';
import { withRelativeServer } from './openapi.js';

describe('/docs "Try it out" calls the server the page was opened from', () => {
  let t: TestApp;
  let base: string;
  before(async () => {
    // AUDENCI_PUBLIC_URL is http://audenci.test, which does not resolve: only a relative server works.
    t = await createTestApp('sqlite');
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(() => t.close());

  it("the page's document has a relative first server, which reaches this server from the page's address", async () => {
    const page = await fetch(`${base}/docs/`);
    assert.equal(page.status, 200);
    // The page loads its document from ./json next to itself (the swagger-ui initializer).
    const initializer = await fetch(`${base}/docs/static/swagger-initializer.js`);
    assert.equal(initializer.status, 200);
    assert.match(await initializer.text(), /url: resolveUrl\('\.\/json'\)/);

    const res = await fetch(`${base}/docs/json`);
    assert.equal(res.status, 200);
    const document = (await res.json()) as any;
    assert.equal(document.servers[0].url, '/');
    assert.deepEqual(
      document.servers.map((s: any) => s.url),
      ['/', 'http://audenci.test'],
    );
    // What swagger-ui does with it: resolve it against the page's URL, then append the operation's path.
    const server = new URL(document.servers[0].url, `${base}/docs/`);
    assert.equal(server.origin, base);
    const health = await fetch(new URL('healthz', server));
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
    // The rest of the document is the served one.
    const served = (await (await fetch(`${base}/openapi.json`)).json()) as any;
    assert.deepEqual({ ...document, servers: served.servers }, served);
  });

  it('/openapi.json keeps AUDENCI_PUBLIC_URL as its only server (the SDK and Postman generators read it)', async () => {
    const document = (await (await fetch(`${base}/openapi.json`)).json()) as any;
    assert.deepEqual(
      document.servers.map((s: any) => s.url),
      ['http://audenci.test'],
    );
  });

  it('a public URL with a path gives that path as the relative server', () => {
    const document = { openapi: '3.1.0', servers: [{ url: 'https://example.com/audenci' }] };
    assert.deepEqual(withRelativeServer(document, 'https://example.com/audenci').servers, [
      { url: '/audenci', description: 'This server, at the address this page was opened from' },
      { url: 'https://example.com/audenci' },
    ]);
    assert.equal(
      (withRelativeServer(document, 'http://localhost:3000').servers as { url: string }[])[0]!.url,
      '/',
    );
  });
});
