/**
 * The SDK outside Node: its browser build (the package's `dist/`, ES modules, built here from the source
 * by packages/sdk/scripts/build.mjs) loaded into Chromium on the running server's origin, making real
 * calls with an API key — in a page, and in a module Web Worker: no DOM, no `process`, only `fetch` and
 * Web Crypto, as in edge runtimes (Cloudflare Workers, Vercel Edge) and Deno.
 *
 * The files are answered by the test (`context.route`) under `/__sdk/` of the server's own URL, so the
 * page and the worker are same-origin with the API: no CORS, and every `/api/v1` call reaches the real
 * server. A `fetch` called as a method of the client throws "Illegal invocation" here.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Page, Request } from 'playwright-core';
import { CHROMIUM, openBrowser, startLiveApp, type Browser, type LiveApp } from './harness.js';

const SDK_VERSION = (JSON.parse(fs.readFileSync('packages/sdk/package.json', 'utf8')) as { version: string })
  .version;

function skipReason(): string | false {
  if (fs.existsSync(CHROMIUM)) return false;
  const reason = `${CHROMIUM} is not installed (apt-get install -y chromium)`;
  if (process.env.CI) throw new Error(`Browser tests cannot run in CI: ${reason}`);
  return reason;
}

/** What the page and the worker run: the same calls, reported back as one object. */
const CALLS = `
async function exercise(sdk, apiKey, origin) {
  const { Audenci, AuthenticationError, NotFoundError } = sdk;
  const client = new Audenci({ apiKey, baseUrl: origin });
  const brand = await client.brands.create({ name: 'Browser Coffee ' + Math.random().toString(36).slice(2) });
  const renamed = await client.brands.update(brand.id, { name: brand.name + ' (renamed)' });
  const names = [];
  for await (const b of client.brands.list({ limit: 1 })) names.push(b.name);
  let notFound = null;
  try {
    await client.brands.retrieve('brand_01JD7Q8ZK2M4N6P8R0T2V4X6Z8');
  } catch (error) {
    notFound = error instanceof NotFoundError ? error.status + ' ' + error.code : String(error);
  }
  let unauthorized = null;
  try {
    await new Audenci({ apiKey: 'sk_test_not_a_key', baseUrl: origin, maxRetries: 0 }).organization.retrieve();
  } catch (error) {
    unauthorized = error instanceof AuthenticationError ? error.status : String(error);
  }
  let noKey = null;
  try {
    new Audenci({ baseUrl: origin });
  } catch (error) {
    noKey = error.message;
  }
  // Webhook signatures with Web Crypto: sign as the server does, verify, and refuse a changed body.
  const secret = 'whsec_' + btoa('a-browser-test-secret-of-32-bytes');
  const body = JSON.stringify({ id: 'evt_1', type: 'post.published', data: { id: 'post_1' } });
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = await Audenci.webhooks.sign({ id: 'evt_1', timestamp, body, secret });
  const headers = { 'webhook-id': 'evt_1', 'webhook-timestamp': String(timestamp), 'webhook-signature': signature };
  const event = await Audenci.webhooks.unwrap(body, headers, secret);
  let tampered = false;
  try {
    await Audenci.webhooks.verify(body.replace('post_1', 'post_2'), headers, secret);
  } catch (error) {
    tampered = error.name === 'WebhookVerificationError';
  }
  return {
    runtime: { document: typeof document, window: typeof window, process: typeof process },
    brandId: brand.id,
    renamed: renamed.name,
    listed: names.length,
    notFound,
    unauthorized,
    noKey,
    webhook: event.type,
    tampered,
  };
}`;

const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>SDK</title></head><body></body></html>`;

const WORKER = `import * as sdk from './index.js';
${CALLS}
self.onmessage = async (message) => {
  try {
    self.postMessage({ ok: true, result: await exercise(sdk, message.data.apiKey, self.location.origin) });
  } catch (error) {
    self.postMessage({ ok: false, error: String(error && error.stack || error) });
  }
};`;

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.html': 'text/html',
  '.map': 'application/json',
};

interface Outcome {
  runtime: { document: string; window: string; process: string };
  brandId: string;
  renamed: string;
  listed: number;
  notFound: string;
  unauthorized: number | string;
  noKey: string;
  webhook: string;
  tampered: boolean;
}

describe('the SDK in Chromium: a page and a Web Worker (no DOM, fetch only)', { skip: skipReason() }, () => {
  let live: LiveApp;
  let browser: Browser;
  let build: string;

  before(async () => {
    build = fs.mkdtempSync(path.join(os.tmpdir(), 'audenci-sdk-browser-'));
    await promisify(execFile)(process.execPath, ['packages/sdk/scripts/build.mjs', build], {
      timeout: 180_000,
    });
    live = await startLiveApp('sqlite');
    browser = await openBrowser();
    await browser.context.route(`${live.url}/__sdk/**`, (route) => {
      const name = new URL(route.request().url()).pathname.slice('/__sdk/'.length);
      if (name === 'page.html') return route.fulfill({ contentType: 'text/html', body: PAGE });
      if (name === 'worker.js') return route.fulfill({ contentType: 'text/javascript', body: WORKER });
      const file = path.join(build, path.normalize(name));
      if (!file.startsWith(build + path.sep) || !fs.existsSync(file)) return route.fulfill({ status: 404 });
      return route.fulfill({
        contentType: TYPES[path.extname(file)] ?? 'text/plain',
        body: fs.readFileSync(file),
      });
    });
  });
  after(async () => {
    await browser?.close();
    await live?.close();
    if (build) fs.rmSync(build, { recursive: true, force: true });
  });

  /** A page on the server's origin, recording the SDK's requests to the API. */
  async function open(): Promise<{ page: Page; apiRequests: Request[]; errors: string[] }> {
    const page = await browser.context.newPage();
    const apiRequests: Request[] = [];
    const errors: string[] = [];
    browser.context.on('request', (request) => {
      if (new URL(request.url()).pathname.startsWith('/api/v1/')) apiRequests.push(request);
    });
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${live.url}/__sdk/page.html`);
    return { page, apiRequests, errors };
  }

  async function check(outcome: Outcome, apiRequests: Request[]) {
    assert.equal(outcome.notFound, '404 NOT_FOUND');
    assert.equal(outcome.unauthorized, 401);
    assert.match(outcome.noKey, /^No API key/);
    assert.match(outcome.renamed, /\(renamed\)$/);
    assert.ok(outcome.listed >= 1);
    assert.equal(outcome.webhook, 'post.published');
    assert.equal(outcome.tampered, true, 'a changed body fails verification');
    // The calls reached the real server: the brand is in the tenant's test environment.
    const row = await live.t.runtime.ctx.db
      .selectFrom('brands')
      .select(['name', 'organization_id', 'environment'])
      .where('id', '=', outcome.brandId)
      .executeTakeFirst();
    assert.deepEqual(row, {
      name: outcome.renamed,
      organization_id: live.tenant.org.id,
      environment: 'test',
    });
    // create, update, list, retrieve (404), retrieve (401): every API request named the SDK; the browser's own User-Agent stayed (browsers forbid setting it).
    assert.ok(apiRequests.length >= 5, `${apiRequests.length} API requests`);
    for (const request of apiRequests) {
      const headers = await request.allHeaders();
      assert.equal(headers['x-audenci-client'], `audenci-sdk-js/${SDK_VERSION}`);
      assert.match(headers['user-agent'] ?? '', /Chrome/);
    }
  }

  it('in a page: the browser build makes real calls with a key', async () => {
    const { page, apiRequests, errors } = await open();
    // Page code as text (a string is evaluated as an expression; its arguments are written into it).
    const outcome = await page.evaluate<Outcome>(
      `(async () => {
        ${CALLS}
        const sdk = await import('/__sdk/index.js');
        return exercise(sdk, ${JSON.stringify(live.tenant.test.admin)}, location.origin);
      })()`,
    );
    assert.deepEqual(outcome.runtime, { document: 'object', window: 'object', process: 'undefined' });
    await check(outcome, apiRequests);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('in a module Web Worker (no DOM, no process: like an edge runtime) the same calls work', async () => {
    const { page, apiRequests, errors } = await open();
    const reply = await page.evaluate<{ ok: boolean; result?: Outcome; error?: string }>(
      `new Promise((resolve) => {
        const worker = new Worker('/__sdk/worker.js', { type: 'module' });
        worker.onmessage = (event) => resolve(event.data);
        worker.onerror = (event) => resolve({ ok: false, error: 'worker error: ' + event.message });
        worker.postMessage({ apiKey: ${JSON.stringify(live.tenant.test.admin)} });
      })`,
    );
    assert.ok(reply.ok, reply.error);
    assert.deepEqual(reply.result!.runtime, {
      document: 'undefined',
      window: 'undefined',
      process: 'undefined',
    });
    await check(reply.result!, apiRequests);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
