import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createRuntime, type Runtime } from '../runtime.js';
import {
  assertContractKept,
  buildCheckedApp,
  call,
  createTestDatabase,
  type TestDatabase,
} from '../../test/helpers/app.js';
import type { ContractCheck } from '../../test/helpers/contract.js';
import { CONTENT_SECURITY_POLICY } from './web-app.js';

const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
const INDEX =
  '<!doctype html><html><head><script type="module" src="/assets/index-Ab12Cd34.js"></script></head></html>';

/** A built app as Vite lays it out: index.html and hashed files under assets/. */
function fakeDist(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audenci-web-'));
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), INDEX);
  fs.writeFileSync(path.join(dir, 'assets', 'index-Ab12Cd34.js'), 'console.log("app");\n');
  return dir;
}

interface Served {
  app: FastifyInstance;
  close(): Promise<void>;
}

async function serve(webDist: string): Promise<Served> {
  const database: TestDatabase = createTestDatabase('sqlite');
  const runtime: Runtime = await createRuntime(database.config, { sqliteFile: database.sqliteFile });
  const { app, contract }: { app: FastifyInstance; contract: ContractCheck } = await buildCheckedApp(
    runtime,
    { webDist },
  );
  await app.ready();
  return {
    app,
    async close() {
      await app.close();
      await runtime.close();
      await database.drop();
      assertContractKept(contract);
    },
  };
}

function assertAppPage(res: { status: number; headers: Record<string, unknown>; raw: string }, body: string) {
  assert.equal(res.status, 200);
  assert.match(String(res.headers['content-type']), /^text\/html/);
  assert.equal(res.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.equal(res.headers['referrer-policy'], 'same-origin');
  assert.equal(res.headers['cache-control'], 'no-cache');
  assert.ok(res.raw.includes(body), res.raw.slice(0, 200));
}

describe('the web app served at /', () => {
  let dist: string;
  let served: Served;

  before(async () => {
    dist = fakeDist();
    served = await serve(dist);
  });
  after(async () => {
    await served.close();
    fs.rmSync(dist, { recursive: true, force: true });
  });

  it('answers / with index.html, its security headers and no-cache (any client)', async () => {
    assertAppPage(await call(served.app, 'GET', '/'), INDEX);
    assertAppPage(await call(served.app, 'GET', '/', { headers: HTML }), INDEX);
    const etagged = await call(served.app, 'GET', '/');
    const again = await call(served.app, 'GET', '/', {
      headers: { 'if-none-match': String(etagged.headers.etag) },
    });
    assert.equal(again.status, 304, 'revalidation answers 304');
  });

  it('answers a browser navigation to any app path with index.html (deep links)', async () => {
    for (const url of [
      '/settings/api-keys',
      '/brands/brand_1/edit',
      '/sign-in?redirect=%2F',
      '/setup?token=x',
    ]) {
      assertAppPage(await call(served.app, 'GET', url, { headers: HTML }), INDEX);
    }
    const head = await call(served.app, 'HEAD', '/settings', { headers: HTML });
    assert.equal(head.status, 200);
  });

  it('keeps the JSON 404 for the API, the docs, sign-in, file names and clients not asking for HTML', async () => {
    for (const url of ['/api/v1/nothing', '/api/nothing', '/docs/nothing', '/auth/nothing', '/favicon.ico']) {
      const res = await call(served.app, 'GET', url, { headers: HTML });
      assert.equal(res.status, 404, url);
      assert.equal(res.body.error.code, 'NOT_FOUND', url);
    }
    const curl = await call(served.app, 'GET', '/settings', { headers: { accept: '*/*' } });
    assert.equal(curl.status, 404);
    const post = await call(served.app, 'POST', '/settings', { headers: HTML, body: {} });
    assert.equal(post.status, 404);
  });

  it('serves hashed assets cached for a year, and a missing one as a 404', async () => {
    const asset = await call(served.app, 'GET', '/assets/index-Ab12Cd34.js');
    assert.equal(asset.status, 200);
    assert.match(String(asset.headers['content-type']), /javascript/);
    assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(asset.headers['x-content-type-options'], 'nosniff');
    assert.equal(asset.raw, 'console.log("app");\n');
    const missing = await call(served.app, 'GET', '/assets/index-gone.js', { headers: HTML });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'NOT_FOUND');
  });

  it('leaves the OpenAPI document without the app routes', async () => {
    const doc = await call(served.app, 'GET', '/openapi.json');
    const paths = Object.keys(doc.body.paths);
    assert.ok(paths.length > 10);
    assert.ok(!paths.includes('/'));
    assert.ok(!paths.some((p) => p.startsWith('/assets')));
  });
});

describe('the web app before it is built', () => {
  let served: Served;
  before(async () => {
    served = await serve(path.join(os.tmpdir(), 'audenci-no-such-dist'));
  });
  after(() => served.close());

  it('answers / and app paths with a notice saying how to build it', async () => {
    for (const url of ['/', '/settings/api-keys']) {
      const res = await call(served.app, 'GET', url, { headers: HTML });
      assert.equal(res.status, 200, url);
      assert.match(res.raw, /npm run build/);
      assert.equal(res.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
    }
    const asset = await call(served.app, 'GET', '/assets/index-Ab12Cd34.js');
    assert.equal(asset.status, 404);
  });
});
