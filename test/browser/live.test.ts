import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { Worker } from '../../src/worker/index.js';
import { call, dialects, startWorker } from '../helpers/app.js';
import {
  browserSkip,
  capture,
  checkAccessibility,
  DESKTOP,
  enterTestMode,
  openPage,
  screenshot,
  signUpOwner,
  startLiveApp,
  type Browser,
  type LiveApp,
  type PageWatch,
} from './harness.js';

/**
 * Live updates (docs/web-app.md, "Live updates" and "Event log"): a signed-in tab follows the event
 * stream of its organization and environment. A post published or failing through the API (by the
 * worker, in the test environment's sandbox) shows a toast without a reload and appears in the event
 * log; a lost connection is reported and nothing is missed once it is back.
 */

const skip = browserSkip();

for (const dialect of dialects) {
  describe(`live updates, in Chromium (${dialect})`, { skip }, () => {
    let live: LiveApp;
    let worker: Worker;
    let browser: Browser;
    let page: Page;
    let watch: PageWatch;
    let brandId: string;
    const shots = `live-${dialect}`;

    /** Creates a post in the test environment and publishes it (the worker does, in the sandbox). */
    async function publish(caption: string, metadata: Record<string, unknown> = {}): Promise<string> {
      const created = await call(live.t.app, 'POST', '/api/v1/posts', {
        key: live.tenant.test.read_write,
        body: { brandId, platform: 'twitter', caption, metadata },
      });
      assert.equal(created.status, 201, created.raw);
      const id = created.body.data.id as string;
      const res = await call(live.t.app, 'POST', `/api/v1/posts/${id}/publish`, {
        key: live.tenant.test.read_write,
      });
      assert.equal(res.status, 202, res.raw);
      return id;
    }

    const toasts = () => page.getByRole('region', { name: 'Notifications' });
    const indicator = () => page.locator('.live-indicator');

    before(async () => {
      live = await startLiveApp(dialect);
      worker = await startWorker(live.t);
      brandId = (
        await call(live.t.app, 'POST', '/api/v1/brands', {
          key: live.tenant.test.admin,
          body: { name: 'Sandbox' },
        })
      ).body.data.id;
      ({ browser, page, watch } = await openPage());
      await page.setViewportSize(DESKTOP);
      await signUpOwner(page, live);
    });
    after(async () => {
      await browser?.close();
      await worker?.stop(2000);
      await live?.close();
    });

    it('shows the empty event log of the test environment, and its error state', async () => {
      await enterTestMode(page);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Event log' }).click();
      await page.getByRole('heading', { name: 'Event log', level: 1 }).waitFor();
      await page.getByText('No events yet').waitFor();
      await indicator().getByText('Live').waitFor();
      await capture(page, shots, 'events-empty');

      // The list fails: the server's message, and a retry that works once the server does.
      await page.route('**/api/v1/events?*', (route) =>
        route.fulfill({
          status: 503,
          contentType: 'application/json',
          body: JSON.stringify({
            error: {
              code: 'SERVICE_UNAVAILABLE',
              message: 'The database is not answering',
              requestId: 'req_x',
            },
          }),
        }),
      );
      await page.getByLabel('Type').selectOption('job.failed');
      await page.getByText('The database is not answering').waitFor({ timeout: 15_000 });
      await capture(page, shots, 'events-error');
      await page.unroute('**/api/v1/events?*');
      await page.getByRole('button', { name: 'Try again' }).click();
      await page.getByText('No job.failed events yet').waitFor();
      await page.getByLabel('Type').selectOption('');
      await page.getByText('No events yet').waitFor();
    });

    it('a post published through the API: a toast without a reload, and post.published in the log', async () => {
      const reloads: string[] = [];
      page.on('framenavigated', (frame) => {
        if (frame === page.mainFrame()) reloads.push(frame.url());
      });
      const id = await publish('Hello from the sandbox');
      const toast = toasts().getByRole('listitem').filter({ hasText: 'Post published' });
      await toast.waitFor({ timeout: 15_000 });
      // A toast goes by itself after 8 s unless the pointer or focus is on it; the checks below can take
      // longer than that on a busy machine, so the pointer rests on it as a reader's would.
      await toast.hover();
      assert.equal(
        await toast.getByRole('link', { name: 'View post' }).getAttribute('href'),
        `/posts/${id}`,
        'the toast links to the post',
      );
      const row = page.getByRole('row', { name: /post\.published/ });
      await row.waitFor();
      await row.getByText(id).waitFor();
      assert.equal(await row.getByRole('link', { name: id }).getAttribute('href'), `/posts/${id}`);
      await row.getByText('New').waitFor();
      await page.getByRole('row', { name: /post\.created/ }).waitFor();
      assert.deepEqual(reloads, [], 'no reload');
      await checkAccessibility(page, 'toast');
      await screenshot(page, shots, 'toast-published');

      // The payload, opened with the keyboard: the event as the API and webhooks show it.
      await row.getByRole('button', { name: /Show payload/ }).focus();
      await page.keyboard.press('Enter');
      const payload = page.getByLabel(/^Payload of evt_/);
      await payload.waitFor();
      const shown = JSON.parse((await payload.textContent()) ?? '{}');
      assert.equal(shown.type, 'post.published');
      assert.equal(shown.environment, 'test');
      assert.equal(shown.data.id, id);
      assert.equal(shown.data.status, 'PUBLISHED');
      await capture(page, shots, 'events-log');

      // Dismissed with its button.
      await toast.getByRole('button', { name: 'Dismiss: Post published' }).click();
      await toast.waitFor({ state: 'detached' });
    });

    it('a failing post: a toast with the error, reachable and dismissed with the keyboard', async () => {
      // On another page: the toast comes wherever the person is.
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).click();
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      const id = await publish('This one fails', { sandbox: { outcome: 'fail' } });
      const toast = toasts()
        .getByRole('listitem')
        .filter({ hasText: /^Post failed: / });
      await toast.waitFor({ timeout: 15_000 });
      await toast.hover(); // held while the checks below run (it would go by itself after 8 s)
      const post = (await call(live.t.app, 'GET', `/api/v1/posts/${id}`, { key: live.tenant.test.read })).body
        .data;
      assert.equal(post.status, 'FAILED');
      await toast.getByText(`Post failed: ${post.error.message}`).waitFor();
      await checkAccessibility(page, 'failure toast');
      await screenshot(page, shots, 'toast-failed');
      // Keyboard: the toast's link takes focus (the toast then stays), Escape dismisses it.
      const link = toast.getByRole('link', { name: 'View post' });
      await link.focus();
      await page.keyboard.press('Escape');
      await toast.waitFor({ state: 'detached' });

      // The log filtered by type shows it.
      await page.goto(`${live.url}/events?type=post.failed`);
      await page
        .getByRole('row', { name: /post\.failed/ })
        .getByText(id)
        .waitFor();
      assert.equal(await page.getByRole('row', { name: /post\.published/ }).count(), 0);
    });

    it("a post's page updates itself when the post changes and is published", async () => {
      const created = await call(live.t.app, 'POST', '/api/v1/posts', {
        key: live.tenant.test.read_write,
        body: { brandId, platform: 'twitter', caption: 'First words' },
      });
      assert.equal(created.status, 201, created.raw);
      const id = created.body.data.id as string;
      await page.goto(`${live.url}/posts/${id}`);
      await page.locator('.post-view__caption').getByText('First words').waitFor();
      await indicator().getByText('Live').waitFor({ timeout: 10_000 });
      // A draft's page does not poll: only the stream can tell it.
      const edited = await call(live.t.app, 'PUT', `/api/v1/posts/${id}`, {
        key: live.tenant.test.read_write,
        body: { brandId, platform: 'twitter', caption: 'Second thoughts' },
      });
      assert.equal(edited.status, 200, edited.raw);
      await page.locator('.post-view__caption').getByText('Second thoughts').waitFor({ timeout: 10_000 });
      const res = await call(live.t.app, 'POST', `/api/v1/posts/${id}/publish`, {
        key: live.tenant.test.read_write,
      });
      assert.equal(res.status, 202, res.raw);
      await page.getByText('Published', { exact: true }).first().waitFor({ timeout: 15_000 });
      await toasts().getByRole('listitem').filter({ hasText: 'Post published' }).waitFor();
    });

    it('a job finishing: "Job finished" with a link to the job', async () => {
      const submitted = await call(live.t.app, 'POST', '/api/v1/jobs', {
        key: live.tenant.test.read,
        body: {
          type: 'analytics.export',
          payload: { startDate: '2026-01-01', endDate: '2026-02-01', groupBy: 'day', format: 'csv' },
        },
      });
      assert.equal(submitted.status, 202, submitted.raw);
      const toast = toasts().getByRole('listitem').filter({ hasText: 'Job finished' });
      await toast.waitFor({ timeout: 15_000 });
      await toast.getByText('analytics.export').waitFor();
      assert.equal(
        await toast.getByRole('link', { name: 'View job' }).getAttribute('href'),
        `/jobs/${submitted.body.data.id}`,
      );
    });

    it('posts published together make one toast that counts them', async () => {
      await page.goto(`${live.url}/events`);
      await indicator().getByText('Live').waitFor({ timeout: 10_000 });
      await Promise.all([publish('One of three'), publish('Two of three'), publish('Three of three')]);
      await toasts()
        .getByRole('listitem')
        .filter({ hasText: '3 posts published' })
        .waitFor({ timeout: 15_000 });
      assert.equal(await toasts().getByRole('listitem').count(), 1, 'one toast, not three');
      await checkAccessibility(page, 'grouped toast');
    });

    it('reports a lost connection, and misses nothing once it is back', async () => {
      await page.goto(`${live.url}/events`);
      await indicator().getByText('Live').waitFor({ timeout: 10_000 });
      await browser.context.setOffline(true);
      await indicator().getByText('Reconnecting…').waitFor();
      const id = await publish('Published while the tab was offline');
      // Settled on the server before the tab is back.
      for (let i = 0; i < 200; i++) {
        const post = (await call(live.t.app, 'GET', `/api/v1/posts/${id}`, { key: live.tenant.test.read }))
          .body.data;
        if (post.status === 'PUBLISHED') break;
        await new Promise((r) => setTimeout(r, 25));
      }
      await screenshot(page, shots, 'reconnecting');
      await browser.context.setOffline(false);
      await indicator().getByText('Live').waitFor({ timeout: 15_000 });
      await toasts().getByRole('listitem').filter({ hasText: 'Post published' }).waitFor({ timeout: 15_000 });
      await page
        .getByRole('row', { name: /post\.published/ })
        .filter({ hasText: id })
        .waitFor();
      assert.deepEqual(await watch.cspViolations(), []);
    });
  });
}
