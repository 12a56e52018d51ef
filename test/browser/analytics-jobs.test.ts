import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import type { Worker } from '../../src/worker/index.js';
import { call, dialects, startWorker } from '../helpers/app.js';
import {
  browserSkip,
  capture,
  enterTestMode,
  openPage,
  signUpOwner,
  startLiveApp,
  type Browser,
  type LiveApp,
  type PageWatch,
} from './harness.js';

const skip = browserSkip();

/** Polls `check` until it answers something truthy (or fails after `ms`). */
async function until<T>(what: string, check: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** The numbers under a chart: its "Show the numbers" table, opened, as rows of cell texts. */
async function chartRows(page: Page, panel: string): Promise<string[][]> {
  const region = page.getByRole('region', { name: panel, exact: true });
  const toggle = region.locator('details.chart-data');
  if (!(await toggle.evaluate((d) => (d as unknown as { open: boolean }).open))) {
    await region.getByText('Show the numbers').click();
  }
  return region
    .locator('details.chart-data tbody tr')
    .evaluateAll((rows) =>
      rows.map((r) =>
        Array.from((r as unknown as { children: ArrayLike<{ textContent: string | null }> }).children).map(
          (c) => c.textContent ?? '',
        ),
      ),
    );
}

const count = (text: string) => Number(text.replace(/[^\d]/g, '') || 0);

for (const dialect of dialects) {
  describe(`analytics and jobs, in Chromium (${dialect})`, { skip }, () => {
    let live: LiveApp;
    let worker: Worker | undefined;
    let browser: Browser;
    let page: Page;
    let watch: PageWatch;
    const shots = `analytics-jobs-${dialect}`;
    let brandId: string;
    const test = () => ({ key: live.tenant.test.admin });

    before(async () => {
      // Metrics half a second and two seconds after publishing, instead of hours.
      live = await startLiveApp(dialect, { AUDENCI_METRICS_SYNC_DELAYS: '0.5,2' });
      ({ browser, page, watch } = await openPage());
      await signUpOwner(page, live);
      await enterTestMode(page);
      const brand = await call(live.t.app, 'POST', '/api/v1/brands', {
        ...test(),
        body: { name: 'Acme Coffee', timezone: 'UTC' },
      });
      assert.equal(brand.status, 201, brand.raw);
      brandId = brand.body.data.id;
    });
    after(async () => {
      await worker?.stop(2000);
      await browser?.close();
      await live?.close();
    });

    it('analytics: empty at first; after sandbox metrics arrive, charts with data, granularity, a post', async () => {
      await page.goto(`${live.url}/jobs`);
      await page.getByText('No jobs yet').waitFor();
      await capture(page, shots, 'jobs-empty');
      await page.goto(`${live.url}/analytics`);
      await page.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();
      await page.getByText('No metrics in this range yet').waitFor();
      await capture(page, shots, 'analytics-empty');

      const campaign = await call(live.t.app, 'POST', '/api/v1/campaigns', {
        ...test(),
        body: { brandId, name: 'Winter launch', startDate: '2026-01-01', endDate: '2027-12-31' },
      });
      assert.equal(campaign.status, 201, campaign.raw);
      for (const platform of ['twitter', 'facebook'] as const) {
        const account = await call(live.t.app, 'POST', '/api/v1/social-accounts', {
          ...test(),
          body: { brandId, platform, name: `Acme on ${platform}` },
        });
        assert.equal(account.status, 201, account.raw);
      }
      worker = await startWorker(live.t, { accountStatsEveryMs: 300 });
      const posts = [
        { platform: 'twitter', caption: 'Fresh roast this morning', campaignId: campaign.body.data.id },
        { platform: 'facebook', caption: 'Meet our baristas', campaignId: campaign.body.data.id },
        { platform: 'twitter', caption: 'Open late on Fridays' },
      ];
      const ids: string[] = [];
      for (const post of posts) {
        const created = await call(live.t.app, 'POST', '/api/v1/posts', {
          ...test(),
          body: { brandId, ...post },
        });
        assert.equal(created.status, 201, created.raw);
        ids.push(created.body.data.id);
        const published = await call(
          live.t.app,
          'POST',
          `/api/v1/posts/${created.body.data.id}/publish`,
          test(),
        );
        assert.equal(published.status, 202, published.raw);
      }
      // The worker publishes, then pulls each post's synthetic metrics from the sandbox.
      await until('the metrics of the three posts', async () => {
        const report = await call(live.t.app, 'GET', '/api/v1/analytics?groupBy=platform', test());
        return report.body.data.totals.posts === 3;
      });
      await until('follower counts', async () => {
        const accounts = (await call(live.t.app, 'GET', '/api/v1/social-accounts', test())).body.data;
        const days = await call(
          live.t.app,
          'GET',
          `/api/v1/social-accounts/${accounts[0].id}/analytics`,
          test(),
        );
        return days.body.data.days.length > 0;
      });

      const postRequests: string[] = [];
      const onRequest = (r: { url(): string }) => {
        const url = new URL(r.url());
        if (url.pathname.startsWith('/api/v1/posts')) postRequests.push(url.pathname + url.search);
      };
      page.on('request', onRequest);
      await page.reload();
      const totals = page.getByRole('definition').first();
      await totals.waitFor();
      const kpis = page.getByLabel('Totals for the range');
      assert.equal(await kpis.getByText('Posts').locator('xpath=..').locator('dd').textContent(), '3');
      const overTime = 'Impressions, reach and engagements by day';
      const dayRows = await chartRows(page, overTime);
      assert.equal(dayRows.length, 30, 'the default range: 30 days, empty ones included');
      assert.ok(
        dayRows.some((r) => count(r[1]!) > 0),
        `a day has impressions: ${JSON.stringify(dayRows.slice(-2))}`,
      );
      const canvas = page.getByRole('img', { name: overTime });
      assert.ok(Number(await canvas.getAttribute('data-points')) > 0, 'the chart draws points');
      assert.ok((await canvas.locator('canvas').count()) > 0, 'ECharts drew on a canvas');

      const platforms = await chartRows(page, 'By platform');
      assert.equal(platforms.length, 2);
      assert.ok(
        platforms.every((r) => count(r[1]!) > 0),
        'each platform has impressions',
      );
      const campaigns = await chartRows(page, 'By campaign');
      assert.deepEqual(campaigns.map((r) => r[0]).sort(), ['No campaign', 'Winter launch']);
      const followers = await chartRows(page, 'Followers by day');
      assert.ok(followers.length >= 1 && followers.some((r) => r.slice(1).some((c) => count(c) > 0)));
      const top = page.getByRole('region', { name: 'Top posts by engagements' });
      assert.equal(await top.getByRole('row').count(), 4, 'a header and three posts');
      // Each row names its post by caption; the posts came by `GET /posts?ids=`, never one request per
      // post (the report may be read again as metrics land, and its posts with it).
      for (const caption of ['Fresh roast this morning', 'Meet our baristas', 'Open late on Fridays'])
        await top.getByRole('link', { name: caption }).waitFor();
      page.off('request', onRequest);
      assert.ok(postRequests.length > 0);
      for (const request of postRequests) {
        const url = new URL(request, live.url);
        assert.equal(url.pathname, '/api/v1/posts', postRequests.join('\n'));
        assert.ok(url.searchParams.get('ids'), postRequests.join('\n'));
      }
      assert.equal(new URL(postRequests.at(-1)!, live.url).searchParams.get('ids')?.split(',').length, 3);
      const engagements = (await top.locator('td[data-label="Engagements"]').allTextContents()).map(count);
      assert.deepEqual(
        engagements,
        [...engagements].sort((a, b) => b - a),
        'the top posts, most engagements first',
      );
      await capture(page, shots, 'analytics');

      // Granularity is in the address: week rows.
      await page.getByLabel('Granularity', { exact: true }).selectOption('week');
      await page.waitForURL((url) => url.searchParams.get('groupBy') === 'week');
      const weekPanel = 'Impressions, reach and engagements by week';
      await page.getByRole('region', { name: weekPanel }).waitFor();
      const weeks = await chartRows(page, weekPanel);
      assert.ok(weeks.length >= 5 && weeks.length <= 6, `30 days touch 5 or 6 weeks: ${weeks.length}`);
      assert.ok(weeks.every((r) => r[0]!.startsWith('Week of')));
      assert.ok(weeks.some((r) => count(r[1]!) > 0));
      // A filter narrows it: the platform.
      await page.getByLabel('Platform', { exact: true }).selectOption('facebook');
      await page.waitForURL((url) => url.searchParams.get('platform') === 'facebook');
      await until('one post for facebook', async () =>
        (await kpis.getByText('Posts').locator('xpath=..').locator('dd').textContent()) === '1'
          ? true
          : undefined,
      );
      await page.getByLabel('Platform', { exact: true }).selectOption('');

      // The numbers behind a chart open with the keyboard.
      const byCampaign = page.getByRole('region', { name: 'By campaign', exact: true });
      await byCampaign.locator('details').evaluate((d) => {
        (d as unknown as { open: boolean }).open = false;
      });
      await byCampaign.getByText('Show the numbers').focus();
      await page.keyboard.press('Enter');
      await byCampaign.getByRole('row', { name: /Winter launch/ }).waitFor();

      // "To" before "From" is refused next to the field, and nothing is asked for.
      await page.goto(`${live.url}/analytics?from=2026-12-07&to=2026-12-01`);
      await page.getByText('“To” must be on or after “From”.').waitFor();
      assert.equal(await page.getByRole('region', { name: 'Top posts by engagements' }).count(), 0);
      // More days than the server groups: its 400 shows under "To" and as the page's error.
      await page.goto(`${live.url}/analytics?from=2020-01-01&to=2026-12-01`);
      await page
        .getByRole('alert')
        .getByText(/more than 1000 days/)
        .waitFor();
      await page.getByLabel('To', { exact: true }).and(page.locator('[aria-invalid="true"]')).waitFor();
      await capture(page, shots, 'analytics-range-error');
      await page.goto(`${live.url}/analytics`);

      // A post's own page, from the top posts.
      await top.getByRole('link', { name: 'Meet our baristas' }).click();
      await page.getByRole('heading', { name: 'Meet our baristas', level: 1 }).waitFor();
      await page.waitForURL(`${live.url}/analytics/posts/${ids[1]}`);
      const readings = page.getByRole('region', { name: 'Metrics readings' });
      await readings.getByRole('row').nth(1).waitFor();
      const metricsRows = await chartRows(page, 'Metrics over time');
      assert.ok(metricsRows.length >= 1 && count(metricsRows[0]![1]!) > 0, 'the post has impressions');
      await capture(page, shots, 'post-analytics');

      // An unknown post: the error state, with the request id.
      await page.goto(`${live.url}/analytics/posts/post_01JD7Q8ZK2M4N6P8R0T2V4X6Z8`);
      await page.getByText('Something went wrong').waitFor();
      await page.getByText(/Request id:/).waitFor();
      await capture(page, shots, 'post-analytics-error');
      assert.deepEqual(await watch.cspViolations(), [], 'no CSP violation');
    });

    it('exports CSV through the analytics.export job: progress, then the download', async () => {
      await page.goto(`${live.url}/analytics`);
      await page.getByRole('button', { name: 'Export CSV' }).click();
      const download = page.getByRole('link', { name: 'Download CSV' });
      await download.waitFor({ timeout: 20_000 });
      const bar = page.getByRole('progressbar', { name: 'Export progress' });
      assert.equal(await bar.getAttribute('value'), await bar.getAttribute('max'), 'the bar is full');
      await page.getByText('30 of 30 items').waitFor();
      const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
      assert.equal(file.suggestedFilename(), 'analytics.csv');
      const text = fs.readFileSync((await file.path())!, 'utf8');
      const lines = text.split('\r\n').filter(Boolean);
      const header = lines[0]!.split(',');
      assert.deepEqual(header.slice(0, 4), ['key', 'startsAt', 'posts', 'impressions']);
      assert.equal(lines.length, 31, 'a header and 30 days');
      const posts = lines.slice(1).reduce((sum, line) => sum + Number(line.split(',')[2]), 0);
      assert.equal(posts, 3, 'the three posts, each once');
      await capture(page, shots, 'analytics-export');
    });

    it('jobs: the list, a CSV import with a bad line reported by line, cancelling a job', async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Jobs' }).click();
      await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
      const list = page.getByRole('region', { name: 'Jobs list' });
      const exportRow = list.getByRole('row', { name: /analytics\.export/ });
      await exportRow.getByText('succeeded').waitFor();

      // Import: a bad file is refused next to the field, and nothing is created.
      const csv = page.getByLabel('CSV', { exact: true });
      await page.getByLabel('Brand').selectOption(brandId);
      await csv.fill('platform,colour\ntwitter,red');
      await page.getByRole('button', { name: 'Import posts' }).click();
      await page.getByText(/Unknown column\(s\) in the header: 'colour'/).waitFor();
      await capture(page, shots, 'jobs-import-error');

      await csv.fill(
        'platform,caption\r\ntwitter,Imported one\r\nmyspace,Never published\r\nfacebook,Imported two\r\n',
      );
      await page.getByRole('button', { name: 'Import posts' }).click();
      await page.waitForURL(/\/jobs\/job_/);
      await page.getByRole('heading', { name: 'posts.import', level: 1 }).waitFor();
      await page.getByText('succeeded', { exact: true }).waitFor();
      await page.getByText('3 of 3 items (1 failed)').waitFor();
      const errors = page.getByRole('region', { name: 'Item errors' });
      const bad = errors.getByRole('row', { name: /Line 3/ });
      await bad.waitFor();
      assert.match((await bad.textContent()) ?? '', /platform/);
      const imported = await call(live.t.app, 'GET', '/api/v1/posts?limit=100', test());
      assert.deepEqual(
        imported.body.data
          .map((p: { caption: string }) => p.caption)
          .filter((c: string) => c.startsWith('Imported'))
          .sort(),
        ['Imported one', 'Imported two'],
      );
      await capture(page, shots, 'job-import');

      // Cancelling: with the worker stopped, a job stays queued until it is cancelled here.
      await worker!.stop(2000);
      worker = undefined;
      const queued = await call(live.t.app, 'POST', '/api/v1/jobs', {
        ...test(),
        body: { type: 'posts.import', payload: { brandId, csv: 'platform,caption\ntwitter,Never runs' } },
      });
      assert.equal(queued.status, 202, queued.raw);
      await page.goto(`${live.url}/jobs`);
      await list.getByRole('row', { name: /queued/ }).waitFor();
      await capture(page, shots, 'jobs');
      await list
        .getByRole('row', { name: /queued/ })
        .getByRole('link', { name: 'posts.import' })
        .click();
      await page.getByText('queued', { exact: true }).waitFor();
      await page.getByRole('button', { name: 'Cancel job' }).click();
      const confirm = page.getByRole('dialog', { name: 'Cancel this job?' });
      await confirm.getByRole('button', { name: 'Cancel job' }).click();
      await page.getByText('cancelled', { exact: true }).waitFor();
      await page.getByRole('button', { name: 'Cancel job' }).waitFor({ state: 'detached' });
      const job = await call(live.t.app, 'GET', `/api/v1/jobs/${queued.body.data.id}`, test());
      assert.equal(job.body.data.status, 'cancelled');
      await capture(page, shots, 'job-cancelled');

      // An unknown job: the error state with the request id, and the way back.
      await page.goto(`${live.url}/jobs/job_01JD7Q8ZK2M4N6P8R0T2V4X6Z8`);
      await page.getByText('Something went wrong').waitFor();
      await page.getByText(/Request id:/).waitFor();
      await page.getByRole('link', { name: '← Jobs' }).waitFor();
      await capture(page, shots, 'job-not-found');
      assert.deepEqual(await watch.cspViolations(), [], 'no CSP violation');
      // The only errors the console saw are the refusals these tests asked for (an unknown post, a bad
      // range, a bad CSV header).
      assert.deepEqual(
        watch.consoleErrors.filter((m) => !/the server responded with a status of (400|404)/.test(m)),
        [],
      );
    });
  });
}
