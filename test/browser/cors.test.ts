/**
 * CORS and `/docs` in Chromium: what a browser actually does with the server's answers.
 *
 * - A page server of the test on loopback (a page answered by `context.route` would not count as
 *   loopback, and Chromium's local-network-access check would refuse its calls to 127.0.0.1 before CORS
 *   is asked) is opened as `http://localhost:<page port>` (listed in AUDENCI_CORS_ORIGINS) and as
 *   `http://127.0.0.1:<page port>` (not listed, another origin). Its script calls the real server at
 *   `http://127.0.0.1:<port>` with an API key and JSON: a non-simple request, so Chromium sends its own
 *   preflight first.
 * - `/docs` opened at `http://localhost:<port>` while AUDENCI_PUBLIC_URL is `http://127.0.0.1:<port>`:
 *   "Try it out" must call the address the page was opened from.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { CHROMIUM, openBrowser, startLiveApp, type Browser, type LiveApp } from './harness.js';

/** A page server on loopback: one HTML page at every path. */
async function startPageServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>A page</title><p>page</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

function skipReason(): string | false {
  if (fs.existsSync(CHROMIUM)) return false;
  const reason = `${CHROMIUM} is not installed (apt-get install -y chromium)`;
  if (process.env.CI) throw new Error(`Browser tests cannot run in CI: ${reason}`);
  return reason;
}

interface Outcome {
  ok: boolean;
  status?: number;
  requestId?: string | null;
  location?: string | null;
  remaining?: string | null;
  name?: string;
  error?: string;
}

/** Runs in the page: a cross-origin POST with a key, JSON and an Idempotency-Key, reading what it may. */
function createBrand(page: Page, api: string, key: string, credentials: string): Promise<Outcome> {
  return page.evaluate(
    `(async () => {
      try {
        const res = await fetch(${JSON.stringify(`${api}/api/v1/brands`)}, {
          method: 'POST',
          credentials: ${JSON.stringify(credentials)},
          headers: {
            authorization: 'Bearer ${key}',
            'content-type': 'application/json',
            'idempotency-key': crypto.randomUUID(),
            'x-audenci-client': 'cors-browser-test',
          },
          body: JSON.stringify({ name: 'Cross-origin ' + Math.random().toString(36).slice(2) }),
        });
        const body = await res.json();
        return {
          ok: true,
          status: res.status,
          requestId: res.headers.get('x-request-id'),
          location: res.headers.get('location'),
          remaining: res.headers.get('x-ratelimit-remaining'),
          name: body.data && body.data.name,
        };
      } catch (error) {
        return { ok: false, error: error.name + ': ' + error.message };
      }
    })()`,
  );
}

describe('CORS and /docs in Chromium', { skip: skipReason() }, () => {
  let live: LiveApp;
  let browser: Browser;
  let pages: Server;
  let allowed: string;
  let notAllowed: string;

  before(async () => {
    const started = await startPageServer();
    pages = started.server;
    allowed = `http://localhost:${started.port}`;
    notAllowed = `http://127.0.0.1:${started.port}`;
    live = await startLiveApp('sqlite', { AUDENCI_CORS_ORIGINS: allowed });
    browser = await openBrowser();
  });
  after(async () => {
    await browser?.close();
    await live?.close();
    await new Promise((resolve) => pages?.close(resolve));
  });

  it('a page of a listed origin calls the API with a key and reads the answer and its headers', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${allowed}/`);
    const outcome = await createBrand(page, live.url, live.tenant.test.admin, 'omit');
    assert.equal(outcome.ok, true, outcome.error);
    assert.equal(outcome.status, 201);
    assert.match(String(outcome.name), /^Cross-origin /);
    assert.match(String(outcome.requestId), /^req_/);
    assert.match(String(outcome.location), /\/api\/v1\/brands\/brand_/);
    assert.match(String(outcome.remaining), /^\d+$/);
    // With credentials the browser refuses the answer: the server never allows them.
    const withCookies = await createBrand(page, live.url, live.tenant.test.admin, 'include');
    assert.equal(withCookies.ok, false);
    assert.match(String(withCookies.error), /^TypeError/);
    await page.close();
  });

  it('a page of an origin not listed cannot call it', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${notAllowed}/`);
    const outcome = await createBrand(page, live.url, live.tenant.test.admin, 'omit');
    assert.equal(outcome.ok, false);
    assert.match(String(outcome.error), /^TypeError/);
    await page.close();
  });

  it('/docs "Try it out" calls the address the page was opened from', async () => {
    const port = new URL(live.url).port;
    const opened = `http://localhost:${port}`;
    assert.notEqual(opened, live.url, 'the page is opened at another address than AUDENCI_PUBLIC_URL');
    const page = await browser.context.newPage();
    // Swagger UI lays out the whole OpenAPI document on the page's one thread, and again as an operation
    // opens: on a busy machine that alone has taken over the 30 s default.
    page.setDefaultTimeout(90_000);
    await page.goto(`${opened}/docs`);
    const operation = page.locator('#operations-Operations-getHealth');
    await operation.locator('.opblock-summary').first().click();
    await operation.locator('button.try-out__btn').click();
    await operation.locator('button.execute').click();
    const requestUrl = operation.locator('.request-url pre');
    await requestUrl.waitFor();
    assert.equal((await requestUrl.textContent())?.trim(), `${opened}/healthz`);
    const status = operation.locator('.live-responses-table .response .response-col_status').first();
    await status.waitFor();
    assert.equal((await status.textContent())?.trim(), '200');
    await page.close();
  });
});
