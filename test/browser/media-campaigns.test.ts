import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { updatePost } from '../../src/modules/posts/posts.repository.js';
import { makeImage, makeMp4 } from '../fixtures/media.js';
import { call, dialects } from '../helpers/app.js';
import {
  browserSkip,
  capture,
  openPage,
  screenshot,
  signUpOwner,
  startLiveApp,
  type Browser,
  type LiveApp,
  type PageWatch,
} from './harness.js';

const skip = browserSkip();
const DAY = 86_400_000;

/** Polls `check` (the page's CSP forbids the string predicates of waitForFunction). */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Holds the page's requests to `url` until `release()`, then fails them (as a lost connection would):
 * the page's loading state stays on screen for as long as the test needs, then its error state shows.
 */
async function holdThenFail(page: Page, url: Parameters<Page['route']>[0]): Promise<{ release: () => void }> {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(url, async (route) => {
    await held;
    await route.abort();
  });
  return { release };
}

/** `2027-01-05`: the calendar day `days` from now (UTC). */
function dayFromNow(days: number): string {
  return new Date(Date.now() + days * DAY).toISOString().slice(0, 10);
}

for (const dialect of dialects) {
  describe(`media library and campaigns, in Chromium (${dialect})`, { skip }, () => {
    let live: LiveApp;
    let browser: Browser;
    let page: Page;
    let watch: PageWatch;
    let files: http.Server;
    let filesUrl: string;
    let brandId: string;
    const shots = `media-campaigns-${dialect}`;

    before(async () => {
      // A web server on this machine for "import from URL" (a private address: the app must allow it).
      const picture = await makeImage('jpeg', 320, 200);
      files = http.createServer((req, res) => {
        if (req.url === '/harbour.jpg') res.writeHead(200, { 'content-type': 'image/jpeg' }).end(picture);
        else res.writeHead(404).end();
      });
      await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
      filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
      live = await startLiveApp(dialect, { AUDENCI_ALLOW_PRIVATE_URLS: 'true' });
      ({ browser, page, watch } = await openPage());
      await signUpOwner(page, live);
      const brand = await call(live.t.app, 'POST', '/api/v1/brands', {
        key: live.tenant.live.admin,
        body: { name: 'Acme Coffee', timezone: 'Europe/Paris' },
      });
      assert.equal(brand.status, 201, brand.raw);
      brandId = brand.body.data.id;
    });
    after(async () => {
      await browser?.close();
      await live?.close();
      files?.close();
    });

    it('media: upload two files with progress, import from a URL, filter, details, delete, in use', async () => {
      // The list loading, then failing: the error and a retry.
      const media = await holdThenFail(page, '**/api/v1/media?*');
      await page.goto(`${live.url}/media`);
      await page.getByRole('heading', { name: 'Media', level: 1 }).waitFor();
      await page.getByText('Loading media…').waitFor();
      await capture(page, shots, 'media-loading');
      media.release();
      await page.getByRole('button', { name: 'Try again' }).waitFor();
      await capture(page, shots, 'media-error');
      await page.unroute('**/api/v1/media?*');
      await page.getByRole('button', { name: 'Try again' }).click();
      await page.getByText('No media yet').waitFor();
      await capture(page, shots, 'media-empty');

      // Two files at once, the upload slowed down so that progress shows between 0 and 100.
      const image = await makeImage('png', 640, 480);
      const video = makeMp4({ durationSeconds: 12.5, width: 1280, height: 720, mdatBytes: 600_000 });
      const cdp = await browser.context.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 20,
        downloadThroughput: -1,
        uploadThroughput: 400_000,
      });
      const uploads = page.waitForResponse(
        (r) => r.url().endsWith('/api/v1/media') && r.request().method() === 'POST',
      );
      await page.locator('input[type="file"]').setInputFiles([
        { name: 'latte.png', mimeType: 'image/png', buffer: image },
        { name: 'pour-over.mp4', mimeType: 'video/mp4', buffer: video },
      ]);
      const progress = page.getByRole('progressbar', { name: 'Uploading pour-over.mp4' });
      await progress.waitFor();
      await until(async () => {
        const value = await progress.evaluate((e) => (e as unknown as { value: number }).value);
        return value > 0 && value < 100;
      }, 'the video progress between 0 and 100');
      await screenshot(page, shots, 'media-uploading');
      assert.equal((await uploads).status(), 201);
      const uploadList = page.getByRole('list', { name: 'Uploads' });
      await uploadList.getByRole('listitem').filter({ hasText: 'latte.png' }).getByText('Uploaded').waitFor();
      await uploadList
        .getByRole('listitem')
        .filter({ hasText: 'pour-over.mp4' })
        .getByText('Uploaded')
        .waitFor();
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput: -1,
      });
      const grid = page.getByRole('list', { name: /Media library/ });
      await grid.getByRole('button', { name: /^latte\.png Image · .* · 640 × 480 px$/ }).waitFor();
      await grid
        .getByRole('button', { name: /^pour-over\.mp4 Video · .* · 1280 × 720 px · 0:13$/ })
        .waitFor();
      // The image's thumbnail loads (through the session cookie), with the file name as its text.
      const thumb = grid.getByRole('img', { name: 'latte.png' });
      await thumb.waitFor();
      await until(
        () =>
          thumb.evaluate((e) => {
            const img = e as unknown as { complete: boolean; naturalWidth: number };
            return img.complete && img.naturalWidth > 0;
          }),
        'the thumbnail loaded',
      );

      // Import from a URL: a bad address is refused in the form, then the real one is downloaded.
      await page.getByRole('button', { name: 'Import from URL' }).click();
      const importDialog = page.getByRole('dialog', { name: 'Import from URL' });
      await importDialog.getByLabel('File address (URL)').fill('not a url');
      await importDialog.getByRole('button', { name: 'Import' }).click();
      await importDialog.getByText('This is not a web address').waitFor();
      await importDialog.getByLabel('File address (URL)').fill(`${filesUrl}/missing.jpg`);
      await importDialog.getByRole('button', { name: 'Import' }).click();
      await importDialog.getByText(/404/).waitFor();
      await capture(page, shots, 'media-import-error');
      await importDialog.getByLabel('File address (URL)').fill(`${filesUrl}/harbour.jpg`);
      await importDialog.getByLabel('Brand').selectOption({ label: 'Acme Coffee' });
      await importDialog.getByRole('button', { name: 'Import' }).click();
      await page.getByText('“harbour.jpg” imported.').waitFor();
      await grid.getByRole('button', { name: /^harbour\.jpg Image · .* · 320 × 200 px$/ }).waitFor();
      await capture(page, shots, 'media-grid');

      // Filter by type: videos only, then images only (the address keeps the filter).
      await page
        .getByRole('navigation', { name: 'Filter by type' })
        .getByRole('link', { name: 'Videos' })
        .click();
      await page.waitForURL((url) => url.searchParams.get('type') === 'video');
      await grid.getByRole('button', { name: /^harbour\.jpg/ }).waitFor({ state: 'detached' });
      await grid
        .getByRole('button', { name: 'pour-over.mp4 Video · 600 KB · 1280 × 720 px · 0:13' })
        .waitFor();
      assert.equal(await grid.getByRole('button').count(), 1);
      await capture(page, shots, 'media-videos');
      await page
        .getByRole('navigation', { name: 'Filter by type' })
        .getByRole('link', { name: 'GIFs' })
        .click();
      await page.getByText('No gifs here').waitFor();
      await page
        .getByRole('navigation', { name: 'Filter by type' })
        .getByRole('link', { name: 'Images' })
        .click();
      await grid.getByRole('button', { name: /^harbour\.jpg/ }).waitFor();
      assert.equal(await grid.getByRole('button').count(), 2);
      await page
        .getByRole('navigation', { name: 'Filter by type' })
        .getByRole('link', { name: 'All' })
        .click();
      await grid.getByRole('button', { name: /^pour-over\.mp4/ }).waitFor();

      // Details, opened with the keyboard: dimensions, size, type, and the video's duration.
      await grid.getByRole('button', { name: /^latte\.png/ }).focus();
      await page.keyboard.press('Enter');
      const details = page.getByRole('dialog', { name: 'latte.png' });
      await details.getByText('640 × 480 px').waitFor();
      await details.getByText(`(${image.length.toLocaleString('en-US')} bytes)`).waitFor();
      await details.getByText('image/png').waitFor();
      await details.getByRole('region', { name: 'Used by' }).getByText('Not used by any post.').waitFor();
      await capture(page, shots, 'media-details');
      await page.keyboard.press('Escape');
      await details.waitFor({ state: 'hidden' });
      // "Used by" while its list loads, then failing, then retried.
      const usesOf = (url: URL) => url.pathname === '/api/v1/posts' && url.searchParams.has('mediaId');
      const usesHeld = await holdThenFail(page, usesOf);
      await grid.getByRole('button', { name: /^pour-over\.mp4/ }).click();
      const videoDetails = page.getByRole('dialog', { name: 'pour-over.mp4' });
      const videoUses = videoDetails.getByRole('region', { name: 'Used by' });
      await videoUses.getByRole('status').getByText('Loading the posts that use it…').waitFor();
      usesHeld.release();
      await videoUses.getByRole('alert').getByText('Something went wrong').waitFor();
      await page.unroute(usesOf);
      await videoUses.getByRole('button', { name: 'Try again' }).click();
      await videoUses.getByText('Not used by any post.').waitFor();
      await videoDetails.getByText('1280 × 720 px').waitFor();
      await videoDetails.getByText('0:13').waitFor();
      await videoDetails.getByText('video/mp4').waitFor();

      // Delete, confirmed: the video goes.
      await videoDetails.getByRole('button', { name: 'Delete…' }).click();
      await videoDetails.getByRole('button', { name: 'Delete media item' }).click();
      await page.getByText('“pour-over.mp4” deleted.').waitFor();
      await grid.getByRole('button', { name: /^pour-over\.mp4/ }).waitFor({ state: 'detached' });
      const left = await call(live.t.app, 'GET', '/api/v1/media', { key: live.tenant.live.read });
      assert.deepEqual(left.body.data.map((m: { filename: string }) => m.filename).sort(), [
        'harbour.jpg',
        'latte.png',
      ]);

      // A scheduled post uses the imported picture: deleting it is refused and the dialog says so.
      const harbour = left.body.data.find((m: { filename: string }) => m.filename === 'harbour.jpg');
      const post = await call(live.t.app, 'POST', '/api/v1/posts', {
        key: live.tenant.live.admin,
        body: {
          brandId,
          platform: 'twitter',
          caption: 'Morning at the harbour',
          mediaIds: [harbour.id],
          scheduledFor: new Date(Date.now() + 3 * DAY).toISOString(),
        },
      });
      assert.equal(post.status, 201, post.raw);
      const longCaption =
        'A long caption about the harbour at dawn, the boats coming in and the first coffee of the day';
      const draft = await call(live.t.app, 'POST', '/api/v1/posts', {
        key: live.tenant.live.admin,
        body: { brandId, platform: 'linkedin', caption: longCaption, mediaIds: [harbour.id] },
      });
      assert.equal(draft.status, 201, draft.raw);
      // Another environment's post holding the same id is not listed.
      const testBrand = await call(live.t.app, 'POST', '/api/v1/brands', {
        key: live.tenant.test.admin,
        body: { name: 'Test brand' },
      });
      const elsewhere = await call(live.t.app, 'POST', '/api/v1/posts', {
        key: live.tenant.test.admin,
        body: { brandId: testBrand.body.data.id, platform: 'twitter', caption: 'Not this environment' },
      });
      assert.equal(elsewhere.status, 201, elsewhere.raw);
      await updatePost(
        live.t.runtime.ctx.db,
        { organizationId: live.tenant.org.id, environment: 'test' },
        elsewhere.body.data.id,
        'DRAFT',
        { media_ids: JSON.stringify([harbour.id]) },
      );
      await grid.getByRole('button', { name: /^harbour\.jpg/ }).click();
      const inUse = page.getByRole('dialog', { name: 'harbour.jpg' });
      // "Used by": both posts, each with its status, platform and caption's start, linking to the post.
      const uses = inUse.getByRole('region', { name: 'Used by' });
      const scheduledUse = uses.getByRole('listitem').filter({ hasText: 'Morning at the harbour' });
      await scheduledUse.getByText('scheduled').waitFor();
      await scheduledUse.getByText('X (Twitter)').waitFor();
      assert.equal(
        await scheduledUse.getByRole('link', { name: 'Morning at the harbour' }).getAttribute('href'),
        `/posts/${post.body.data.id}`,
      );
      const draftUse = uses.getByRole('listitem').filter({ hasText: 'LinkedIn' });
      await draftUse.getByText('draft').waitFor();
      const start = await draftUse.getByRole('link').textContent();
      assert.ok(start && start.endsWith('…') && longCaption.startsWith(start.slice(0, -1)), `${start}`);
      assert.ok(start.length <= 60, `${start}`);
      assert.equal(await draftUse.getByRole('link').getAttribute('href'), `/posts/${draft.body.data.id}`);
      assert.equal(await uses.getByRole('listitem').count(), 2);
      assert.equal(await uses.getByText('Not this environment').count(), 0);
      await capture(page, shots, 'media-details-used-by');
      await inUse.getByRole('button', { name: 'Delete…' }).click();
      const refused = page.waitForResponse((r) => r.request().method() === 'DELETE');
      await inUse.getByRole('button', { name: 'Delete media item' }).click();
      assert.equal((await refused).status(), 409);
      await inUse.getByRole('alert').getByText('In use: not deleted.').waitFor();
      await inUse.getByText('A scheduled post uses this media item.').waitFor();
      assert.equal(
        await inUse.getByRole('link', { name: 'Open the post' }).getAttribute('href'),
        `/posts/${post.body.data.id}`,
      );
      await capture(page, shots, 'media-delete-in-use');
      await page.keyboard.press('Escape');
      await grid.getByRole('button', { name: /^harbour\.jpg/ }).waitFor();
      assert.deepEqual(await watch.cspViolations(), [], 'no CSP violation');
    });

    it('campaigns: create, edit, activate; the detail timeline shows the posts and opens them', async () => {
      const campaigns = await holdThenFail(page, '**/api/v1/campaigns?*');
      await page.goto(`${live.url}/campaigns`);
      await page.getByRole('heading', { name: 'Campaigns', level: 1 }).waitFor();
      await page.getByText('Loading campaigns…').waitFor();
      await capture(page, shots, 'campaigns-loading');
      campaigns.release();
      await page.getByRole('button', { name: 'Try again' }).waitFor();
      await capture(page, shots, 'campaigns-error');
      await page.unroute('**/api/v1/campaigns?*');
      await page.getByRole('button', { name: 'Try again' }).click();
      await page.getByText('No campaigns yet').waitFor();
      await capture(page, shots, 'campaigns-empty');

      await page.getByRole('button', { name: 'New campaign' }).click();
      const create = page.getByRole('dialog', { name: 'New campaign' });
      await create.getByLabel('Name').fill('Winter roast');
      await create.getByLabel('Start date').fill(dayFromNow(10));
      await create.getByLabel('End date').fill(dayFromNow(2));
      await create.getByRole('button', { name: 'Create campaign' }).click();
      await create.getByText('The end must be after the start.').waitFor();
      await capture(page, shots, 'campaign-form-errors');
      const start = dayFromNow(1);
      const end = dayFromNow(14);
      await create.getByLabel('Start date').fill(start);
      await create.getByLabel('End date').fill(end);
      await create.getByLabel('Goal').fill('awareness');
      await create.getByLabel('Instagram').check();
      const created = page.waitForResponse(
        (r) => r.url().endsWith('/api/v1/campaigns') && r.request().method() === 'POST',
      );
      await create.getByRole('button', { name: 'Create campaign' }).click();
      assert.equal((await created).status(), 201);
      await page.getByText('Campaign “Winter roast” created.').waitFor();
      const row = page.getByRole('row', { name: /Winter roast/ });
      await row.getByText('Draft').waitFor();
      await row.getByText('Acme Coffee').waitFor();
      await row.getByText('Instagram').waitFor();
      await row.getByRole('cell', { name: '0', exact: true }).waitFor();

      // Edit with the keyboard: a new name and a second platform.
      await row.getByRole('button', { name: 'Edit Winter roast' }).focus();
      await page.keyboard.press('Enter');
      const edit = page.getByRole('dialog', { name: 'Edit Winter roast' });
      await edit.getByLabel('Name').fill('Winter roast launch');
      await edit
        .getByLabel('X (Twitter)')
        .or(edit.getByLabel(/twitter/i))
        .first()
        .check();
      await edit.getByLabel('Name').press('Enter');
      await page.getByText('Campaign “Winter roast launch” saved.').waitFor();
      const [campaign] = (await call(live.t.app, 'GET', '/api/v1/campaigns', { key: live.tenant.live.read }))
        .body.data;
      assert.equal(campaign.name, 'Winter roast launch');
      assert.deepEqual([...campaign.platforms].sort(), ['instagram', 'twitter']);
      assert.equal(campaign.startDate.slice(0, 10), start);
      assert.equal(campaign.status, 'DRAFT');

      // Posts of the campaign, on two days of it, and a draft without a date.
      const postIds: string[] = [];
      for (const [platform, days, caption] of [
        ['facebook', 3, 'First roast of the season'],
        ['twitter', 3, 'Tasting at noon'],
        ['twitter', 8, 'Last call for the winter blend'],
      ] as const) {
        const made = await call(live.t.app, 'POST', '/api/v1/posts', {
          key: live.tenant.live.admin,
          body: {
            brandId,
            platform,
            caption,
            campaignId: campaign.id,
            scheduledFor: `${dayFromNow(days)}T10:00:00Z`,
          },
        });
        assert.equal(made.status, 201, made.raw);
        postIds.push(made.body.data.id);
      }
      const draft = await call(live.t.app, 'POST', '/api/v1/posts', {
        key: live.tenant.live.admin,
        body: { brandId, platform: 'facebook', caption: 'An idea for later', campaignId: campaign.id },
      });
      assert.equal(draft.status, 201, draft.raw);
      await page.reload();
      const again = page.getByRole('row', { name: /Winter roast launch/ });
      await again.getByRole('cell', { name: '4', exact: true }).waitFor();
      await capture(page, shots, 'campaigns-list');

      await again.getByRole('link', { name: 'Winter roast launch' }).click();
      await page.getByRole('heading', { name: /Winter roast launch/, level: 1 }).waitFor();
      const timeline = page.getByRole('region', { name: 'Campaign timeline' });
      await timeline.getByRole('link', { name: /First roast of the season/ }).waitFor();
      await timeline.getByRole('link', { name: /Tasting at noon/ }).waitFor();
      await timeline.getByRole('link', { name: /Last call for the winter blend/ }).waitFor();
      // Two posts share a day; the draft without a date is listed under the timeline.
      await timeline.getByRole('heading', { name: /, 2 posts$/ }).waitFor();
      await timeline.getByRole('heading', { name: /, 1 post$/ }).waitFor();
      assert.equal(await timeline.getByRole('link').count(), 3);
      await page.getByRole('heading', { name: 'Not scheduled yet' }).waitFor();
      await page.getByRole('link', { name: /An idea for later/ }).waitFor();
      assert.equal(
        await page.getByRole('link', { name: 'New post in this campaign' }).getAttribute('href'),
        `/compose?campaign=${campaign.id}&brand=${brandId}`,
      );
      await capture(page, shots, 'campaign-detail-draft');

      // Activate.
      const activated = page.waitForResponse((r) => r.request().method() === 'PATCH');
      await page.getByRole('button', { name: 'Activate' }).click();
      assert.equal((await activated).status(), 200);
      await page.getByText('Campaign is now active.').waitFor();
      await page.getByRole('button', { name: 'Mark completed' }).waitFor();
      const active = await call(live.t.app, 'GET', `/api/v1/campaigns/${campaign.id}`, {
        key: live.tenant.live.read,
      });
      assert.equal(active.body.data.status, 'ACTIVE');
      await capture(page, shots, 'campaign-detail-active');

      // A card opens its post.
      await timeline.getByRole('link', { name: /Last call for the winter blend/ }).click();
      await page.waitForURL((url) => url.pathname === `/posts/${postIds[2]}`);

      // An unknown campaign: the API's 404 with a retry.
      await page.goto(`${live.url}/campaigns/cmp_01JD7Q8ZK2M4N6P8R0T2V4X6Z8`);
      await page.getByText('Something went wrong').waitFor();
      await capture(page, shots, 'campaign-not-found');
      assert.deepEqual(await watch.cspViolations(), [], 'no CSP violation');
    });
  });
}
