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

const skip = browserSkip();
const TALL = { width: 1280, height: 1600 };
/** Wednesday 24 March 2027, 10:00 in Berlin (CET): the week runs into the spring-forward Sunday. */
const NOW = Date.parse('2027-03-24T09:00:00Z');

for (const dialect of dialects) {
  describe(`calendar, in Chromium (${dialect})`, { skip }, () => {
    let live: LiveApp;
    let browser: Browser;
    let page: Page;
    let watch: PageWatch;
    let worker: Awaited<ReturnType<typeof startWorker>>;
    const clock = new ManualClock(NOW);
    const shots = `calendar-${dialect}`;
    const posts: Record<string, { id: string }> = {};
    let brandId = '';

    const key = () => live.tenant.test.read_write;
    const getPost = async (id: string) =>
      (await call(live.t.app, 'GET', `/api/v1/posts/${id}`, { key: key() })).body.data;
    const card = (id: string) => page.locator(`[data-post-id="${id}"]`);
    const slot = (name: string) => page.locator(`[data-slot="${name}"]`);

    async function create(name: string, body: Record<string, unknown>) {
      const answer = await call(live.t.app, 'POST', '/api/v1/posts', {
        key: key(),
        body: { brandId, platform: 'twitter', ...body },
      });
      assert.equal(answer.status, 201, answer.raw);
      posts[name] = answer.body.data;
    }

    before(async () => {
      live = await startLiveApp(dialect, {}, { clock });
      worker = await startWorker(live.t);
      ({ browser, page, watch } = await openPage());
      // The page's clock shows the server's time; its timers run as usual.
      await page.clock.setFixedTime(NOW);
      await signUpOwner(page, live);
      await enterTestMode(page);

      const brand = await call(live.t.app, 'POST', '/api/v1/brands', {
        key: live.tenant.test.admin,
        body: { name: 'Acme Coffee', timezone: 'Europe/Berlin' },
      });
      assert.equal(brand.status, 201, brand.raw);
      brandId = brand.body.data.id;
      await create('launch', { caption: 'Spring blend launch ☕', scheduledFor: '2027-03-25T09:00:00Z' });
      await create('tasting', {
        caption: 'Tasting at the roastery',
        platform: 'facebook',
        scheduledFor: '2027-03-25T14:00:00Z',
      });
      await create('draft', { caption: 'A draft without a time yet' });
      // Monday 29 March, 09:00 in Berlin: summer time (CEST) by then.
      await create('extra', { caption: 'An old idea to delete', scheduledFor: '2027-03-30T08:00:00Z' });
      for (const n of [1, 2, 3]) {
        await create(`bulk${n}`, { caption: `Monday tip number ${n}`, scheduledFor: '2027-03-29T07:00:00Z' });
      }
    });
    after(async () => {
      await worker?.stop();
      await browser?.close();
      await live?.close();
    });

    it('shows the posts by month, week and day in the brand’s time zone, and today', async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Calendar' }).click();
      await page.getByRole('heading', { name: 'Calendar', level: 1 }).waitFor();
      await page.getByText('Times in Europe/Berlin').waitFor();
      await page.getByRole('heading', { name: /March 2027/ }).waitFor();
      // Thursday 25 March holds the launch at 10:00 and the tasting at 15:00 (Berlin, UTC+1).
      await slot('2027-03-25').locator(`[data-post-id="${posts.launch!.id}"]`).waitFor();
      await card(posts.tasting!.id)
        .getByText(/15:00|3:00\sPM/)
        .waitFor();
      await card(posts.launch!.id).getByText('scheduled').waitFor();
      assert.equal(await slot('2027-03-24').getAttribute('aria-current'), 'date');
      // The unscheduled draft waits in the tray, not on the day it was written.
      const tray = page.getByRole('complementary', { name: 'Unscheduled drafts' });
      await tray.locator(`[data-post-id="${posts.draft!.id}"]`).waitFor();
      assert.equal(await slot('2027-03-24').locator(`[data-post-id="${posts.draft!.id}"]`).count(), 0);
      await capture(page, shots, 'month');

      await page.getByRole('button', { name: 'Week', exact: true }).click();
      assert.match(page.url(), /view=week/);
      await slot('2027-03-25T10:00').locator(`[data-post-id="${posts.launch!.id}"]`).waitFor();
      await slot('2027-03-25T15:00').locator(`[data-post-id="${posts.tasting!.id}"]`).waitFor();
      // Sunday 28 March: 02:00 does not exist in Berlin.
      await slot('2027-03-28T02:00').getByText('Clocks go forward').waitFor();
      await capture(page, shots, 'week');

      await page.getByRole('button', { name: 'Day', exact: true }).click();
      await page.getByRole('button', { name: 'Next day' }).click();
      assert.match(page.url(), /date=2027-03-25/);
      await slot('2027-03-25T10:00').locator(`[data-post-id="${posts.launch!.id}"]`).waitFor();
      await capture(page, shots, 'day');

      // A filter that matches nothing: the empty state, the grid still there to plan in.
      await page.getByLabel('Status').selectOption('CANCELLED');
      await page.getByText('No posts in this day.').waitFor();
      await page.getByLabel('Status').selectOption('');
      await card(posts.launch!.id).waitFor();
      // The platform filter keeps Facebook's post only, and the address says so.
      await page.getByLabel('Platform').selectOption('facebook');
      await page.waitForURL(/platform=facebook/);
      await card(posts.launch!.id).waitFor({ state: 'detached' });
      await card(posts.tasting!.id).waitFor();
      await page.getByLabel('Platform').selectOption('');
      await card(posts.launch!.id).waitFor();

      // Sunday 28 March 2027 in Berlin lasts 23 hours: no 02:00 row.
      await page.goto(`${live.url}/calendar?view=day&date=2027-03-28`);
      await page.getByRole('region', { name: /^Day, / }).waitFor();
      assert.equal(await page.locator('.cal-dayview__row').count(), 23);
      assert.equal(await slot('2027-03-28T02:00').count(), 0);
      await slot('2027-03-28T03:00').waitFor();
      assert.deepEqual(await watch.cspViolations(), []);
    });

    it('a free slot opens the composer for that time and brand', async () => {
      await page.goto(`${live.url}/calendar?view=week&date=2027-03-24`);
      await slot('2027-03-26T16:00').getByRole('button').click();
      await page.waitForURL(/\/compose\?/);
      const url = new URL(page.url());
      assert.equal(url.searchParams.get('at'), '2027-03-26T15:00:00.000Z');
      assert.equal(url.searchParams.get('brand'), brandId);
    });

    it('drags a card to another hour (saved), and to a past hour (refused, the card goes back)', async () => {
      // Tall enough for both ends of each drag to be on screen (a drag cannot scroll the page).
      await page.setViewportSize(TALL);
      await page.goto(`${live.url}/calendar?view=week&date=2027-03-24`);
      await card(posts.launch!.id).dragTo(slot('2027-03-25T13:00'));
      await page.getByText(/scheduled for .*(13:00|1:00\sPM)/).waitFor();
      await slot('2027-03-25T13:00').locator(`[data-post-id="${posts.launch!.id}"]`).waitFor();
      assert.equal((await getPost(posts.launch!.id)).scheduledFor, '2027-03-25T12:00:00.000Z');

      // 08:00 today has passed (it is 10:00): the API refuses, the message shows, the card stays.
      await card(posts.tasting!.id).dragTo(slot('2027-03-24T08:00'));
      await page
        .getByRole('alert')
        .getByText(/must be in the future/i)
        .waitFor();
      await slot('2027-03-25T15:00').locator(`[data-post-id="${posts.tasting!.id}"]`).waitFor();
      assert.equal(await slot('2027-03-24T08:00').locator('[data-post-id]').count(), 0);
      assert.equal((await getPost(posts.tasting!.id)).scheduledFor, '2027-03-25T14:00:00.000Z');
      await capture(page, shots, 'week-refused');
      await page.setViewportSize(TALL);
    });

    it('drags a draft from the tray onto a slot: it is scheduled', async () => {
      const tray = page.getByRole('complementary', { name: 'Unscheduled drafts' });
      await tray.locator(`[data-post-id="${posts.draft!.id}"]`).dragTo(slot('2027-03-26T11:00'));
      await slot('2027-03-26T11:00').locator(`[data-post-id="${posts.draft!.id}"]`).waitFor();
      await tray.getByText('No drafts without a time.').waitFor();
      const draft = await getPost(posts.draft!.id);
      assert.equal(draft.status, 'SCHEDULED');
      assert.equal(draft.scheduledFor, '2027-03-26T10:00:00.000Z');
      await page.setViewportSize(DESKTOP);
    });

    it('moves a post with the keyboard through Move…', async () => {
      const move = card(posts.tasting!.id).getByRole('button', { name: /^Move/ });
      await move.focus();
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog', { name: 'Move post' });
      await dialog.getByLabel('Time').fill('16:30');
      await dialog.getByRole('button', { name: 'Move', exact: true }).click();
      await dialog.waitFor({ state: 'hidden' });
      await slot('2027-03-25T16:00').locator(`[data-post-id="${posts.tasting!.id}"]`).waitFor();
      assert.equal((await getPost(posts.tasting!.id)).scheduledFor, '2027-03-25T15:30:00.000Z');
    });

    it('lists the posts, and publishes several at once with a progress bar', async () => {
      await page.getByRole('button', { name: 'List', exact: true }).click();
      const table = page.getByRole('region', { name: 'Posts list' });
      await table.getByRole('link', { name: 'Monday tip number 1' }).waitFor();
      // Sorted by platform, descending: X (Twitter) first.
      await table.getByRole('button', { name: 'Platform' }).click();
      await table.getByRole('button', { name: 'Platform' }).click();
      assert.equal(
        await table.getByRole('columnheader', { name: /Platform/ }).getAttribute('aria-sort'),
        'descending',
      );
      await capture(page, shots, 'list');
      const bulk = page.getByRole('toolbar', { name: 'Bulk actions' });

      // Reschedule two posts a day later: each keeps its wall-clock time.
      await table.getByRole('checkbox', { name: 'Select “Tasting at the roastery”' }).check();
      await table.getByRole('checkbox', { name: 'Select “A draft without a time yet”' }).check();
      await bulk.getByRole('button', { name: 'Reschedule…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Reschedule 2 posts' });
      await dialog.getByLabel('By').fill('1');
      await dialog.getByRole('button', { name: 'Reschedule' }).click();
      await page
        .getByRole('region', { name: 'Reschedule progress' })
        .getByText('Reschedule finished: 2 succeeded, 0 failed.')
        .waitFor();
      assert.equal((await getPost(posts.tasting!.id)).scheduledFor, '2027-03-26T15:30:00.000Z');
      assert.equal((await getPost(posts.draft!.id)).scheduledFor, '2027-03-27T10:00:00.000Z');

      // Delete one, as a job.
      await table.getByRole('checkbox', { name: 'Select “An old idea to delete”' }).check();
      await bulk.getByRole('button', { name: 'Delete' }).click();
      await page
        .getByRole('dialog', { name: 'Delete 1 post?' })
        .getByRole('button', { name: 'Delete posts' })
        .click();
      await page
        .getByRole('region', { name: 'Delete progress' })
        .getByText('Delete finished: 1 succeeded, 0 failed.')
        .waitFor({ timeout: 20_000 });
      await table.getByRole('link', { name: 'An old idea to delete' }).waitFor({ state: 'detached' });
      const gone = await call(live.t.app, 'GET', `/api/v1/posts/${posts.extra!.id}`, { key: key() });
      assert.equal(gone.status, 404);

      for (const n of [1, 2, 3]) {
        await table.getByRole('checkbox', { name: `Select “Monday tip number ${n}”` }).check();
      }
      await page.getByText('3 selected').waitFor();
      await bulk.getByRole('button', { name: 'Publish now' }).click();
      await page
        .getByRole('dialog', { name: 'Publish 3 posts now?' })
        .getByRole('button', { name: 'Publish now' })
        .click();
      const progress = page.getByRole('region', { name: 'Publish progress' });
      await progress.locator('progress').waitFor();
      await progress.getByText('Publish finished: 3 succeeded, 0 failed.').waitFor({ timeout: 20_000 });
      assert.equal(await progress.locator('progress').getAttribute('value'), '3');
      await capture(page, shots, 'list-published');
      for (const n of [1, 2, 3]) {
        const id = posts[`bulk${n}`]!.id;
        for (let i = 0; i < 100 && (await getPost(id)).status !== 'PUBLISHED'; i++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        assert.equal((await getPost(id)).status, 'PUBLISHED');
      }
    });

    it('a post scheduled by dragging turns PUBLISHED on the calendar when its time comes, without a reload', async () => {
      await page.setViewportSize(TALL);
      await page.goto(`${live.url}/calendar?view=week&date=2027-03-24`);
      const navigations: string[] = [];
      page.on('framenavigated', (frame) => {
        if (frame === page.mainFrame()) navigations.push(frame.url());
      });
      // Today 11:00 in Berlin, an hour from now.
      const saved = page.waitForResponse(
        (r) => r.request().method() === 'PATCH' && r.url().endsWith(`/posts/${posts.launch!.id}`),
      );
      await card(posts.launch!.id).dragTo(slot('2027-03-24T11:00'));
      assert.equal((await saved).status(), 200);
      const launch = slot('2027-03-24T11:00').locator(`[data-post-id="${posts.launch!.id}"]`);
      await launch.getByText('scheduled').waitFor();
      assert.equal((await getPost(posts.launch!.id)).scheduledFor, '2027-03-24T10:00:00.000Z');
      // The server's clock passes 11:00; the worker publishes the post and the event stream tells the page.
      clock.set(Date.parse('2027-03-24T10:00:30Z'));
      await launch.getByText('published').waitFor({ timeout: 20_000 });
      assert.equal((await getPost(posts.launch!.id)).status, 'PUBLISHED');
      assert.deepEqual(navigations, []);
      await capture(page, shots, 'week-published');
    });

    it('a failed load says why and retries', async () => {
      await page.setViewportSize(DESKTOP);
      await page.route('**/api/v1/posts?*', (route) =>
        route.fulfill({
          status: 503,
          contentType: 'application/json',
          body: JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'The database is away' } }),
        }),
      );
      await page.goto(`${live.url}/calendar?view=month&date=2027-03-24`);
      const failure = page.getByRole('alert').filter({ hasText: 'Something went wrong' }).first();
      await failure.getByText('The database is away').waitFor({ timeout: 20_000 });
      await capture(page, shots, 'error');
      await page.unroute('**/api/v1/posts?*');
      await failure.getByRole('button', { name: 'Try again' }).click();
      await card(posts.tasting!.id).waitFor();
    });
  });
}
