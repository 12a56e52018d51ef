import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { ManualClock, call, dialects, startWorker } from '../helpers/app.js';
import {
  browserSkip,
  capture,
  DESKTOP,
  enterTestMode,
  openPage,
  signUpOwner,
  startLiveApp,
  type Browser,
  type LiveApp,
  type PageWatch,
} from './harness.js';

/**
 * The must-show flow, end to end in one browser session: an X post composed over the weighted
 * limit is held back by the counter and the rule, cut to fit, saved as a draft, dragged from the
 * calendar's tray onto a slot later today, and turns PUBLISHED on the calendar when the server's clock
 * passes it (the worker publishes through the sandbox account; the event stream tells the page) — with
 * no page load after the composer's.
 */

const skip = browserSkip();
const TALL = { width: 1280, height: 1600 };
/** Wednesday 24 March 2027, 10:00 in Berlin (CET). */
const NOW = Date.parse('2027-03-24T09:00:00Z');
/** 146 CJK characters weigh 292 on X, a space 1 and the cup 2: 295 weighted, though 148 characters. */
const TOO_LONG = `${'春'.repeat(146)} ☕`;
/** 100 CJK characters, a space and the cup: 203 weighted. */
const FITS = `${'春'.repeat(100)} ☕`;

for (const dialect of dialects) {
  describe(`compose to calendar, in Chromium (${dialect})`, { skip }, () => {
    let live: LiveApp;
    let browser: Browser;
    let page: Page;
    let watch: PageWatch;
    let worker: Awaited<ReturnType<typeof startWorker>>;
    const clock = new ManualClock(NOW);
    const shots = `compose-to-calendar-${dialect}`;
    let brandId = '';
    let accountId = '';

    const key = () => live.tenant.test.read_write;
    const getPost = async (id: string) =>
      (await call(live.t.app, 'GET', `/api/v1/posts/${id}`, { key: key() })).body.data;
    const slot = (name: string) => page.locator(`[data-slot="${name}"]`);
    const caption = () => page.getByRole('textbox', { name: 'Caption', exact: true });

    before(async () => {
      live = await startLiveApp(dialect, {}, { clock });
      worker = await startWorker(live.t);
      // Two brands, so the brand is a choice; the second has an X sandbox account.
      const other = await call(live.t.app, 'POST', '/api/v1/brands', {
        key: live.tenant.test.admin,
        body: { name: 'Bean Street', timezone: 'America/New_York' },
      });
      assert.equal(other.status, 201, other.raw);
      const brand = await call(live.t.app, 'POST', '/api/v1/brands', {
        key: live.tenant.test.admin,
        body: { name: 'Acme Coffee', timezone: 'Europe/Berlin' },
      });
      assert.equal(brand.status, 201, brand.raw);
      brandId = brand.body.data.id;
      const account = await call(live.t.app, 'POST', '/api/v1/social-accounts', {
        key: live.tenant.test.admin,
        body: { brandId, platform: 'twitter', name: 'Acme sandbox' },
      });
      assert.equal(account.status, 201, account.raw);
      accountId = account.body.data.id;

      ({ browser, page, watch } = await openPage());
      // The page's clock shows the server's time; its timers run as usual.
      await page.clock.setFixedTime(NOW);
      await page.setViewportSize(DESKTOP);
      await signUpOwner(page, live);
      await enterTestMode(page);
    });
    after(async () => {
      await worker?.stop();
      await browser?.close();
      await live?.close();
    });

    it('an X post over the limit is held back, cut, saved, dragged onto today and published without a reload', async () => {
      // The composer, reached through the navigation: from here on the document is never loaded again.
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Compose' }).click();
      await page.getByRole('heading', { name: 'Compose', level: 1 }).waitFor();
      await page.evaluate(`window.__composeToCalendar = 'same document'`);

      await page.getByLabel('Brand').selectOption({ label: 'Acme Coffee' });
      await page.getByLabel('Platform').selectOption('twitter');
      const accountSelect = page.getByLabel('Social account');
      await accountSelect.locator(`option[value="${accountId}"]`).waitFor({ state: 'attached' });
      await accountSelect.selectOption(accountId);
      await page.getByRole('article', { name: 'X preview' }).getByText('Acme sandbox').waitFor();

      // Over X's weighted limit: the counter, the rule and the blocked buttons, all from the server's check.
      await caption().fill(TOO_LONG);
      const count = page.getByTestId('caption-count');
      await count.getByText('295 / 280').waitFor();
      await page.getByText('15 weighted characters over the limit').waitFor();
      const server = await call(live.t.app, 'POST', '/api/v1/posts/validate', {
        key: key(),
        body: { platform: 'twitter', caption: TOO_LONG },
      });
      assert.equal(server.status, 200, server.raw);
      assert.equal(server.body.data.valid, false);
      assert.equal(server.body.data.measurements.text.length, 295, 'the counter shows the server’s count');
      assert.equal(TOO_LONG.length, 148, 'the weighting is what puts it over');
      const rules = page.getByRole('region', { name: 'X (Twitter) rules' });
      await rules.getByText('X (Twitter) allows 280 weighted characters; this text has 295').waitFor();
      const schedule = page.getByRole('button', { name: 'Schedule', exact: true });
      const publish = page.getByRole('button', { name: 'Publish now' });
      assert.equal(await schedule.isDisabled(), true, 'Schedule is off while a rule is broken');
      assert.equal(await publish.isDisabled(), true, 'Publish now is off while a rule is broken');
      await page.getByText('Scheduling and publishing wait until every rule is met').waitFor();
      await capture(page, shots, 'composer-over-limit');

      // Cut to fit: the counter is within the limit, the rule is gone, the buttons come back.
      await caption().fill(FITS);
      await count.getByText('203 / 280').waitFor();
      await page.getByText('77 weighted characters left').waitFor();
      await rules.getByText('Meets the platform’s rules.').waitFor();
      assert.equal(await rules.getByText(/allows 280 weighted characters/).count(), 0);
      await page.waitForFunction(
        `![...document.querySelectorAll('button')].find((b) => b.textContent === 'Schedule').disabled`,
      );
      assert.equal(await publish.isDisabled(), false);

      // Saved as a draft, without a time.
      const created = page.waitForResponse(
        (r) => r.url().endsWith('/api/v1/posts') && r.request().method() === 'POST',
      );
      await page.getByRole('button', { name: 'Save draft' }).click();
      assert.equal((await created).status(), 201);
      await page.getByRole('heading', { name: 'X (Twitter) post for Acme Coffee' }).waitFor();
      const postId = /\/posts\/(post_[A-Za-z0-9]+)$/.exec(new URL(page.url()).pathname)?.[1];
      assert.ok(postId, `on the new post's page: ${page.url()}`);
      await page.getByText('Draft', { exact: true }).waitFor();
      const draft = await getPost(postId);
      assert.equal(draft.status, 'DRAFT');
      assert.equal(draft.scheduledFor, null);
      assert.equal(draft.brandId, brandId);
      assert.equal(draft.platform, 'twitter');
      assert.equal(draft.socialAccountId, accountId);
      assert.equal(draft.caption, FITS);

      // The calendar's week of the fixed day: the draft waits in the tray.
      await page.setViewportSize(TALL);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Calendar' }).click();
      await page.getByRole('heading', { name: 'Calendar', level: 1 }).waitFor();
      await page.getByRole('button', { name: 'Week', exact: true }).click();
      await page.waitForURL(/view=week/);
      // The calendar opens on the first brand; the post is Acme Coffee's.
      await page.getByText('Times in America/New_York').waitFor();
      await page.getByLabel('Brand').selectOption({ label: 'Acme Coffee' });
      await page.waitForURL(new RegExp(`brand=${brandId}`));
      await page.getByText('Times in Europe/Berlin').waitFor();
      // The week of the fixed day, today (Wednesday 24 March) marked.
      const today = page.getByRole('region', { name: 'Week' }).locator('[aria-current="date"]');
      await today.getByText('(today)').waitFor({ state: 'attached' });
      assert.match((await today.textContent()) ?? '', /24/);
      await slot('2027-03-24T15:00').waitFor();
      const tray = page.getByRole('complementary', { name: 'Unscheduled drafts' });
      const inTray = tray.locator(`[data-post-id="${postId}"]`);
      await inTray.waitFor();

      const navigations: string[] = [];
      page.on('framenavigated', (frame) => {
        if (frame === page.mainFrame()) navigations.push(frame.url());
      });
      // Dragged onto today 15:00 in Berlin (14:00 UTC), five hours from now.
      const saved = page.waitForResponse(
        (r) => r.request().method() === 'PATCH' && r.url().endsWith(`/posts/${postId}`),
      );
      await inTray.dragTo(slot('2027-03-24T15:00'));
      assert.equal((await saved).status(), 200);
      const onCalendar = slot('2027-03-24T15:00').locator(`[data-post-id="${postId}"]`);
      await onCalendar.getByText('scheduled').waitFor();
      await tray.getByText('No drafts without a time.').waitFor();
      const scheduled = await getPost(postId);
      assert.equal(scheduled.status, 'SCHEDULED');
      assert.equal(scheduled.scheduledFor, '2027-03-24T14:00:00.000Z');
      await capture(page, shots, 'week-after-drop');

      // The server's clock passes 15:00: the worker publishes, the event stream tells the open page.
      clock.set(Date.parse('2027-03-24T14:00:30Z'));
      await onCalendar.getByText('published').waitFor({ timeout: 20_000 });
      const published = await getPost(postId);
      assert.equal(published.status, 'PUBLISHED');
      assert.equal(published.socialAccountId, accountId);
      assert.deepEqual(navigations, [], 'no navigation after the drop');
      assert.equal(
        await page.evaluate('window.__composeToCalendar'),
        'same document',
        'the page was never reloaded',
      );
      await capture(page, shots, 'week-published');
    });

    it('the page reported no CSP violation and no console error', async () => {
      assert.deepEqual(await watch.cspViolations(), []);
      assert.deepEqual(watch.consoleErrors, []);
    });
  });
}
