import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { NAV } from '../../web/src/layout/nav.js';
import type { Worker } from '../../src/worker/worker.js';
import { call, dialects, startWorker } from '../helpers/app.js';
import {
  browserSkip,
  checkAccessibility,
  DESKTOP,
  enterTestMode,
  openPage,
  PHONE,
  screenshot,
  signUpOwner,
  startLiveApp,
  type Browser,
  type LiveApp,
  type PageWatch,
} from './harness.js';

/**
 * Every page of the app, as a person finds it with data in it: each link of the side navigation and the
 * page of each kind of item, opened by URL in test mode. Each one must finish loading without an error,
 * have its heading, pass axe (no serious or critical violation) at desktop and phone width, and leave
 * a screenshot of both. A page added to the navigation is checked without touching this file.
 */
const skip = browserSkip();

/** `/settings/api-keys` → `settings-api-keys`; `/posts/post_01…` → `posts-item`; `/` → `overview`. */
function slug(path: string): string {
  if (path === '/') return 'overview';
  return path
    .replace(/^\//, '')
    .replace(/[a-z]+_[0-9A-Z]{26}/g, 'item')
    .replace(/[/$]+/g, '-');
}

async function settled(page: Page, path: string): Promise<void> {
  await page.locator('main h1').first().waitFor({ timeout: 15_000 });
  // Loading states announce themselves (role=status with a spinner); all of them must end. (Polled from
  // here: the app's CSP refuses the string evaluation that page.waitForFunction would need.)
  const deadline = Date.now() + 20_000;
  while ((await page.locator('.state--loading').count()) > 0) {
    assert.ok(Date.now() < deadline, `${path}: still loading after 20 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const failed = await page.locator('main .state--error').count();
  assert.equal(failed, 0, `${path}: the page shows an error state`);
}

for (const dialect of dialects) {
  describe(`every page, in Chromium (${dialect})`, { skip }, () => {
    let live: LiveApp;
    let browser: Browser;
    let page: Page;
    let watch: PageWatch;
    let worker: Worker | undefined;
    const shots = `every-page-${dialect}`;
    /** Pages of one item each, by path, filled in by `before`. */
    const itemPages: string[] = [];

    before(async () => {
      live = await startLiveApp(dialect);
      worker = await startWorker(live.t);
      const key = live.tenant.test.admin;
      const api = async <T = { id: string }>(method: 'POST' | 'GET', url: string, body?: object) => {
        const answer = await call<{ data: T }>(live.t.app, method, `/api/v1${url}`, { key, body });
        assert.ok(answer.status < 300, `${method} ${url}: ${answer.status} ${answer.raw}`);
        return answer.body.data;
      };
      const brand = await api('POST', '/brands', { name: 'Northwind', timezone: 'America/New_York' });
      await api('POST', '/social-accounts', { brandId: brand.id, platform: 'twitter', name: 'Northwind X' });
      const campaign = await api('POST', '/campaigns', {
        brandId: brand.id,
        name: 'Spring launch',
        startDate: new Date(Date.now() - 86_400_000).toISOString(),
        endDate: new Date(Date.now() + 14 * 86_400_000).toISOString(),
      });
      const post = await api('POST', '/posts', {
        brandId: brand.id,
        platform: 'twitter',
        caption: 'Spring is here #launch',
        campaignId: campaign.id,
      });
      await api('POST', `/posts/${post.id}/publish`);
      await api('POST', '/posts', {
        brandId: brand.id,
        platform: 'twitter',
        caption: 'Next week’s teaser',
        scheduledFor: new Date(Date.now() + 3 * 86_400_000).toISOString(),
      });
      await api('POST', '/images/generate', { prompt: 'A spring meadow at dawn', brandId: brand.id });
      const plan = await api('POST', '/plans', {
        name: 'Summer plan',
        brandId: brand.id,
        startDate: new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10),
        endDate: new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10),
        platforms: ['twitter'],
        postsPerWeek: 3,
      });
      const job = await api('POST', '/jobs', {
        type: 'analytics.export',
        payload: {
          startDate: new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10),
          endDate: new Date(Date.now() + 86_400_000).toISOString().slice(0, 10),
        },
      });
      itemPages.push(
        `/posts/${post.id}`,
        `/campaigns/${campaign.id}`,
        `/plans/${plan.id}`,
        `/jobs/${job.id}`,
        `/analytics/posts/${post.id}`,
      );

      ({ browser, page, watch } = await openPage());
      await signUpOwner(page, live);
      await enterTestMode(page);
    });
    after(async () => {
      await browser?.close();
      await worker?.stop();
      await live?.close();
    });

    it('each page of the navigation and each item page loads, passes axe and is photographed', async () => {
      const paths = [...NAV.flatMap((section) => section.items.map((item) => String(item.to))), ...itemPages];
      assert.ok(paths.length >= 15, `the navigation lists ${paths.length} pages`);
      for (const path of paths) {
        await page.setViewportSize(DESKTOP);
        await page.goto(`${live.url}${path}`);
        await settled(page, path);
        await checkAccessibility(page, path);
        await screenshot(page, shots, slug(path));
        await page.setViewportSize(PHONE);
        await checkAccessibility(page, `${path} (phone)`);
        await screenshot(page, shots, `${slug(path)}-phone`);
      }
      await page.setViewportSize(DESKTOP);
    });

    it('on a phone the navigation folds behind Menu: opened, followed with the keyboard, folded again', async () => {
      const nav = page.getByRole('navigation', { name: 'Main' });
      const menu = page.getByRole('button', { name: 'Menu', exact: true });
      await page.setViewportSize(DESKTOP);
      await page.goto(`${live.url}/`);
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      assert.equal(await menu.isVisible(), false, 'no Menu button at desktop width');
      assert.equal(await nav.isVisible(), true, 'the side navigation is shown at desktop width');

      await page.setViewportSize(PHONE);
      await menu.waitFor();
      assert.equal(await nav.isVisible(), false, 'folded on a phone');
      assert.equal(await menu.getAttribute('aria-expanded'), 'false');
      const header = await page.locator('header.topbar').boundingBox();
      const heading = await page.getByRole('heading', { name: 'Overview' }).boundingBox();
      assert.ok(
        header && heading && heading.y - (header.y + header.height) < 80,
        'the page starts under the top bar',
      );
      const overflow = () =>
        page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
      assert.ok((await overflow()) <= 0, `the top bar fits ${PHONE.width}px: ${await overflow()}px too wide`);

      await menu.focus();
      await page.keyboard.press('Enter');
      const calendar = nav.getByRole('link', { name: 'Calendar' });
      await calendar.waitFor();
      assert.equal(await menu.getAttribute('aria-expanded'), 'true');
      await checkAccessibility(page, 'navigation menu (phone)');
      await screenshot(page, shots, 'navigation-menu-phone');
      assert.ok(
        (await overflow()) <= 0,
        `the open menu fits ${PHONE.width}px: ${await overflow()}px too wide`,
      );
      await calendar.focus();
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Calendar' }).waitFor();
      await nav.waitFor({ state: 'hidden' });
      assert.equal(await menu.getAttribute('aria-expanded'), 'false', 'folded again on the new page');

      // Escape inside the open menu folds it and gives focus back to the button.
      await menu.click();
      await nav.getByRole('link', { name: 'Jobs' }).focus();
      await page.keyboard.press('Escape');
      await nav.waitFor({ state: 'hidden' });
      assert.equal(
        await page.evaluate<string>(`document.activeElement?.getAttribute('aria-controls') ?? ''`),
        'main-nav',
        'focus is back on Menu',
      );
      await page.setViewportSize(DESKTOP);
    });

    it('no page raised a CSP violation or logged an error', async () => {
      assert.deepEqual(await watch.cspViolations(), []);
      assert.deepEqual(watch.consoleErrors, []);
    });
  });
}
