import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { call, dialects, startWorker } from '../helpers/app.js';
import {
  browserSkip,
  capture,
  checkAccessibility,
  enterTestMode,
  openPage,
  signUpOwner,
  startLiveApp,
  type Browser,
  type LiveApp,
  type PageWatch,
} from './harness.js';

const skip = browserSkip();

/** What the focused element is called: its label, its aria-label, or its text. */
function focusedLabel(page: Page): Promise<string> {
  return page.evaluate<string>(`(() => {
    const el = document.activeElement;
    if (!el) return '';
    const label = el.labels && el.labels[0] ? el.labels[0].textContent : null;
    return (label || el.getAttribute('aria-label') || el.textContent || '').trim();
  })()`);
}

/** Presses Tab until the focused element's name matches `name` (at most 80 presses). */
async function tabTo(page: Page, name: RegExp): Promise<void> {
  const seen: string[] = [];
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press('Tab');
    const label = await focusedLabel(page);
    if (name.test(label)) return;
    seen.push(label);
  }
  assert.fail(`Tab never reached ${name}; went through: ${seen.join(' | ')}`);
}

/** A PNG of random pixels (it does not compress): `side`² pixels, about 3·side² bytes. */
function noisePng(side: number): Promise<Buffer> {
  return sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } })
    .png()
    .toBuffer();
}

for (const dialect of dialects) {
  describe(`the composer and the post page, in Chromium (${dialect})`, { skip }, () => {
    let live: LiveApp;
    let browser: Browser;
    let page: Page;
    let watch: PageWatch;
    let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
    let brandId = '';
    const shots = `compose-${dialect}`;

    const getPost = async (id: string) =>
      (await call(live.t.app, 'GET', `/api/v1/posts/${id}`, { key: live.tenant.live.read })).body.data;
    const caption = () => page.getByRole('textbox', { name: 'Caption', exact: true });
    const postIdOfUrl = () => {
      const match = /\/posts\/(post_[A-Za-z0-9]+)/.exec(page.url());
      assert.ok(match, `on a post page: ${page.url()}`);
      return match[1]!;
    };

    before(async () => {
      live = await startLiveApp(dialect);
      worker = await startWorker(live.t);
      ({ browser, page, watch } = await openPage());
      const brand = await call(live.t.app, 'POST', '/api/v1/brands', {
        key: live.tenant.live.admin,
        body: { name: 'Acme Coffee', timezone: 'Europe/Paris', voice: 'Warm and playful' },
      });
      assert.equal(brand.status, 201, brand.raw);
      brandId = brand.body.data.id;
      await signUpOwner(page, live);
    });
    after(async () => {
      await worker?.stop();
      await browser?.close();
      await live?.close();
    });

    it('an X post over 280 weighted characters: the counter and the rule block scheduling until it is cut', async () => {
      await page.goto(`${live.url}/compose`);
      await page.getByRole('heading', { name: 'Compose', level: 1 }).waitFor();
      await page.getByText('0 / 2200').or(page.getByText('0 / 280')).waitFor();
      await capture(page, shots, 'composer-empty');

      await page.getByLabel('Platform').selectOption('twitter');
      // 141 CJK characters weigh 282 on X, though they are 141 characters.
      await caption().fill('漢'.repeat(141));
      await page.getByTestId('caption-count').getByText('282 / 280').waitFor();
      await page.getByText('2 weighted characters over the limit').waitFor();
      const rules = page.getByRole('region', { name: 'X (Twitter) rules' });
      await rules.getByText('X (Twitter) allows 280 weighted characters; this text has 282').waitFor();
      const schedule = page.getByRole('button', { name: 'Schedule', exact: true });
      assert.equal(await schedule.isDisabled(), true, 'Schedule is off while a rule is broken');
      assert.equal(await page.getByRole('button', { name: 'Publish now' }).isDisabled(), true);
      await page.getByText('Scheduling and publishing wait until every rule is met').waitFor();
      await page.getByLabel(/Publish at/).fill('2031-01-15T10:30');
      await capture(page, shots, 'composer-violations');

      // One emoji weighs 2 as well: 138 CJK + space + ☕ = 279.
      await caption().fill(`${'漢'.repeat(138)} ☕`);
      await page.getByTestId('caption-count').getByText('279 / 280').waitFor();
      await rules.getByText('Meets the platform’s rules.').waitFor();
      await page.waitForFunction(
        `![...document.querySelectorAll('button')].find((b) => b.textContent === 'Schedule').disabled`,
      );
      const created = page.waitForResponse(
        (r) => r.url().endsWith('/api/v1/posts') && r.request().method() === 'POST',
      );
      await schedule.click();
      assert.equal((await created).status(), 201);
      await page.getByRole('heading', { name: 'X (Twitter) post for Acme Coffee' }).waitFor();
      await page.getByText('Scheduled', { exact: true }).waitFor();
      // 10:30 in Paris in January is 09:30 UTC.
      await page.getByText(/Scheduled for .*10:30.*\(Europe\/Paris\)/).waitFor();
      const post = await getPost(postIdOfUrl());
      assert.equal(post.status, 'SCHEDULED');
      assert.equal(post.platform, 'twitter');
      assert.equal(post.brandId, brandId);
      assert.equal(post.caption, `${'漢'.repeat(138)} ☕`);
      assert.equal(post.scheduledFor, '2031-01-15T09:30:00.000Z');
      await page.getByRole('heading', { name: 'Comments' }).waitFor();
      await page.getByText('No comments yet').waitFor();
      await capture(page, shots, 'post-page');
    });

    it('an image dropped on the composer uploads with a progress bar and goes out with an Instagram post', async () => {
      await page.goto(`${live.url}/compose?brand=${brandId}&platform=instagram`);
      await page.getByRole('heading', { name: 'Compose', level: 1 }).waitFor();
      await caption().fill('Fresh beans this morning #coffee @acme');
      await page.getByText('Instagram posts need at least one photo or video').first().waitFor();

      // A file the API refuses shows the API's reason, on its own line.
      await page.getByTestId('media-upload-zone').dispatchEvent('drop', {
        dataTransfer: await page.evaluateHandle(`(() => {
          const data = new DataTransfer();
          data.items.add(new File(['just some notes'], 'notes.txt', { type: 'text/plain' }));
          return data;
        })()`),
      });
      await page
        .getByRole('list', { name: 'Uploads' })
        .getByText(/^Unsupported file type: upload a PNG, JPEG, GIF or WebP image/)
        .waitFor();

      // Slow the upload down so the bar is seen moving.
      const cdp = await browser.context.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput: 256 * 1024,
      });
      const png = await noisePng(400);
      assert.ok(png.length > 300_000, `a PNG big enough to take a while (${png.length} bytes)`);
      const uploaded = page.waitForResponse(
        (r) => r.url().endsWith('/api/v1/media') && r.request().method() === 'POST',
      );
      // A drop as the browser makes it: a DataTransfer holding the file (page code as text: no DOM types here).
      const transfer = await page.evaluateHandle(`(() => {
        const bin = atob('${png.toString('base64')}');
        const bytes = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
        const data = new DataTransfer();
        data.items.add(new File([bytes], 'beans.png', { type: 'image/png' }));
        return data;
      })()`);
      await page.getByTestId('media-upload-zone').dispatchEvent('drop', { dataTransfer: transfer });
      const bar = page.getByRole('progressbar', { name: 'Uploading beans.png' });
      await bar.waitFor();
      const midway = Number(await bar.getAttribute('value'));
      assert.ok(midway < 100, `the bar shows the upload under way (${midway}%)`);
      const answer = await uploaded;
      assert.equal(answer.status(), 201);
      const mediaId = (await answer.json()).data.id as string;
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput: -1,
      });
      await page.getByText('Uploaded', { exact: true }).waitFor();
      assert.equal(await bar.getAttribute('value'), '100');
      const attached = page.getByRole('list', { name: 'Attached media' });
      await attached.getByText('beans.png').waitFor();
      await page
        .getByRole('article', { name: 'Instagram preview' })
        .getByRole('img', { name: 'beans.png' })
        .waitFor();
      await page
        .getByRole('region', { name: 'Instagram rules' })
        .getByText('Meets the platform’s rules.')
        .waitFor();
      await page.getByLabel(/Publish at/).fill('2031-02-01T08:00');
      await capture(page, shots, 'composer-preview');

      await page.getByRole('button', { name: 'Schedule', exact: true }).click();
      await page.getByRole('heading', { name: 'Instagram post for Acme Coffee' }).waitFor();
      const post = await getPost(postIdOfUrl());
      assert.equal(post.status, 'SCHEDULED');
      assert.equal(post.platform, 'instagram');
      assert.deepEqual(post.mediaIds, [mediaId]);
      await page.getByRole('list', { name: 'Media' }).getByRole('img', { name: 'beans.png' }).waitFor();
    });

    it('composes and schedules a post with the keyboard alone', async () => {
      await page.goto(`${live.url}/compose?brand=${brandId}`);
      await page.getByRole('heading', { name: 'Compose', level: 1 }).waitFor();
      await page.getByText(/^0 \/ \d+$/).waitFor();

      await tabTo(page, /^Platform$/);
      // A focused select takes type-ahead: "X" is "X (Twitter)".
      await page.keyboard.type('X');
      await page.getByText('0 / 280').waitFor();
      await tabTo(page, /^Caption$/);
      await page.keyboard.type('Keyboard-only launch day ☕ #coffee https://example.com/launch');
      // 24 + 1 + 2 (the emoji) + 8 + 1 + 23 (a URL weighs 23) = 59.
      await page.getByTestId('caption-count').getByText('59 / 280').waitFor();
      await tabTo(page, /^Publish at/);
      await page.keyboard.type('03152031');
      await page.keyboard.press('Tab');
      await page.keyboard.type('0915AM');
      const at = await page.getByLabel(/Publish at/).inputValue();
      assert.equal(at, '2031-03-15T09:15');
      await tabTo(page, /^Schedule$/);
      await page
        .getByRole('region', { name: 'X (Twitter) rules' })
        .getByText('Meets the platform’s rules.')
        .waitFor();
      await page.waitForFunction(`document.activeElement && !document.activeElement.disabled`);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'X (Twitter) post for Acme Coffee' }).waitFor();
      const post = await getPost(postIdOfUrl());
      assert.equal(post.status, 'SCHEDULED');
      assert.equal(post.caption, 'Keyboard-only launch day ☕ #coffee https://example.com/launch');
      assert.equal(post.scheduledFor, '2031-03-15T08:15:00.000Z');

      // From the post page, Edit leads back to the composer with the post loaded, by keyboard too.
      await tabTo(page, /^Edit$/);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Edit post', level: 1 }).waitFor();
      assert.equal(
        await caption().inputValue(),
        'Keyboard-only launch day ☕ #coffee https://example.com/launch',
      );
      assert.equal(await page.getByLabel(/Publish at/).inputValue(), '2031-03-15T09:15');
      await caption().fill('Launch day, edited ☕');
      const replaced = page.waitForResponse((r) => r.request().method() === 'PUT');
      await page.getByRole('button', { name: 'Save draft' }).click();
      assert.equal((await replaced).status(), 200);
      await page.getByText('Draft', { exact: true }).waitFor();
      const edited = await getPost(post.id);
      assert.equal(edited.status, 'DRAFT');
      assert.equal(edited.caption, 'Launch day, edited ☕');
      assert.equal(postIdOfUrl(), post.id, 'the same post, changed');
    });

    it("a post that does not exist: the post page's error state", async () => {
      await page.goto(`${live.url}/posts/post_01M8FHSW4FSXDVQCQJRMA72QE2`);
      await page.getByRole('alert').getByText('Something went wrong').waitFor();
      await page.getByRole('button', { name: 'Try again' }).waitFor();
      await checkAccessibility(page, 'post page, not found');
    });

    it('AI caption suggestions: one of the variants is picked into the caption', async () => {
      await page.goto(`${live.url}/compose?brand=${brandId}&platform=facebook`);
      await page.getByRole('heading', { name: 'Compose', level: 1 }).waitFor();
      await page.getByText('Suggest a caption with AI').click();
      await page.getByLabel('Topic').fill('our new winter roast');
      const generated = page.waitForResponse((r) => r.url().endsWith('/api/v1/captions/generate'));
      await page.getByRole('button', { name: 'Suggest captions' }).click();
      assert.equal((await generated).status(), 200);
      const list = page.getByRole('list', { name: 'Caption suggestions' });
      await list.getByRole('listitem').first().waitFor();
      const count = await list.getByRole('listitem').count();
      assert.ok(count >= 1 && count <= 3, `${count} suggestions`);
      const pick = count > 1 ? 2 : 1;
      const text =
        (await list
          .getByRole('listitem')
          .nth(pick - 1)
          .locator('p')
          .textContent()) ?? '';
      assert.ok(text.length > 0);
      await page.getByRole('button', { name: `Use caption ${pick}` }).click();
      assert.equal(await caption().inputValue(), text);
      await page.getByText(`Caption ${pick} is in the caption field.`).waitFor();
      await page
        .getByRole('region', { name: 'Facebook rules' })
        .getByText('Meets the platform’s rules.')
        .waitFor();
      await capture(page, shots, 'composer-ai');

      // Media from the library (the image uploaded earlier) and an AI image, both attached.
      await page.getByRole('button', { name: 'Choose from library' }).click();
      const library = page.getByRole('dialog', { name: 'Choose from the library' });
      await library.getByLabel('beans.png').check();
      await checkAccessibility(page, 'library dialog');
      await library.getByRole('button', { name: /^Attach/ }).click();
      const attached = page.getByRole('list', { name: 'Attached media' });
      await attached.getByText('beans.png').waitFor();
      await page.getByLabel('Generate an image').fill('a steaming cup of winter roast');
      const imaged = page.waitForResponse((r) => r.url().endsWith('/api/v1/images/generate'));
      await page.getByRole('button', { name: 'Generate image' }).click();
      assert.equal((await imaged).status(), 201);
      await page.getByText(/^Image generated and attached/).waitFor();
      assert.equal(await attached.getByRole('listitem').count(), 2);

      // Saved as a draft: no time needed, and the post page offers Edit, Publish now, Cancel and Delete.
      await page.getByRole('button', { name: 'Save draft' }).click();
      await page.getByRole('heading', { name: 'Facebook post for Acme Coffee' }).waitFor();
      const id = postIdOfUrl();
      const draft = await getPost(id);
      assert.equal(draft.status, 'DRAFT');
      assert.equal(draft.mediaIds.length, 2);
      const image = await call(live.t.app, 'GET', `/api/v1/media/${draft.mediaIds[1]}`, {
        key: live.tenant.live.read,
      });
      assert.equal(image.body.data.source, 'generated', 'the second item is the AI image');
      assert.equal(image.body.data.brandId, brandId);
      await page.getByRole('button', { name: 'Cancel post' }).click();
      const dialog = page.getByRole('dialog', { name: 'Cancel this post?' });
      await dialog.getByRole('button', { name: 'Cancel post' }).click();
      await page.getByText('Cancelled', { exact: true }).waitFor();
      assert.equal((await getPost(id)).status, 'CANCELLED');
      assert.equal(await page.getByRole('link', { name: 'Edit' }).count(), 0);
    });

    it('in test mode an upload goes to the test environment, as the SDK would send it', async () => {
      const testBrand = await call(live.t.app, 'POST', '/api/v1/brands', {
        key: live.tenant.test.admin,
        body: { name: 'Sandbox Beans', timezone: 'UTC' },
      });
      assert.equal(testBrand.status, 201, testBrand.raw);
      await page.goto(`${live.url}/compose`);
      await enterTestMode(page);
      await page
        .getByLabel('Brand')
        .getByRole('option', { name: 'Sandbox Beans' })
        .waitFor({ state: 'attached' });
      const uploaded = page.waitForResponse(
        (r) => r.url().endsWith('/api/v1/media') && r.request().method() === 'POST',
      );
      // The file picker this time.
      await page.getByLabel('Upload files', { exact: true }).setInputFiles({
        name: 'sandbox.png',
        mimeType: 'image/png',
        buffer: await noisePng(32),
      });
      const answer = await uploaded;
      assert.equal(answer.status(), 201);
      const headers = answer.request().headers();
      assert.match(headers['x-audenci-client'] ?? '', /^audenci-sdk-js\//);
      assert.ok(headers['x-csrf-token'], 'the CSRF token goes with the upload');
      assert.ok(headers['idempotency-key'], 'an Idempotency-Key, as the SDK sends with every POST');
      const media = (await answer.json()).data;
      assert.equal(media.brandId, testBrand.body.data.id);
      await page.getByRole('list', { name: 'Attached media' }).getByText('sandbox.png').waitFor();
      const inTest = await call(live.t.app, 'GET', `/api/v1/media/${media.id}`, {
        key: live.tenant.test.read,
      });
      assert.equal(inTest.status, 200, inTest.raw);
      const inLive = await call(live.t.app, 'GET', `/api/v1/media/${media.id}`, {
        key: live.tenant.live.read,
      });
      assert.equal(inLive.status, 404, 'not in the live environment');

      // Published at once through the sandbox: the post page follows it to PUBLISHED.
      await page.getByLabel('Platform').selectOption('twitter');
      await caption().fill('Sandbox launch ☕ #coffee');
      await page
        .getByRole('region', { name: 'X (Twitter) rules' })
        .getByText('Meets the platform’s rules.')
        .waitFor();
      const published = page.waitForResponse((r) => /\/api\/v1\/posts\/[^/]+\/publish$/.test(r.url()));
      await page.getByRole('button', { name: 'Publish now' }).click();
      assert.equal((await published).status(), 202);
      await page.getByRole('heading', { name: 'X (Twitter) post for Sandbox Beans' }).waitFor();
      await page.getByText('Published', { exact: true }).waitFor({ timeout: 20_000 });
      await page.getByRole('link', { name: 'View on X (Twitter)' }).waitFor();
      await page.getByRole('link', { name: 'Post analytics' }).waitFor();
      const sent = (
        await call(live.t.app, 'GET', `/api/v1/posts/${postIdOfUrl()}`, { key: live.tenant.test.read })
      ).body.data;
      assert.equal(sent.status, 'PUBLISHED');
      assert.deepEqual(sent.mediaIds, [media.id]);
      assert.equal(
        await page.getByRole('link', { name: 'View on X (Twitter)' }).getAttribute('href'),
        sent.platformUrl,
      );
      await capture(page, shots, 'post-published');

      await page.getByRole('switch', { name: 'Test mode' }).click();
      await page.getByText('Test mode: you are viewing test data').waitFor({ state: 'detached' });
    });

    it('a live post without an account fails, and the post page says why', async () => {
      const created = await call(live.t.app, 'POST', '/api/v1/posts', {
        key: live.tenant.live.read_write,
        body: { brandId, platform: 'twitter', caption: 'Nowhere to go' },
      });
      assert.equal(created.status, 201, created.raw);
      const id = created.body.data.id as string;
      await page.goto(`${live.url}/posts/${id}`);
      await page.getByText('Draft', { exact: true }).waitFor();
      await page.getByRole('button', { name: 'Publish now' }).click();
      await page
        .getByRole('alert')
        .getByText(/^Publishing failed:/)
        .waitFor({ timeout: 20_000 });
      await page.getByRole('button', { name: 'Retry publishing' }).waitFor();
      const failed = await getPost(id);
      assert.equal(failed.status, 'FAILED');
      await page.getByText(failed.error.message, { exact: false }).first().waitFor();
      await capture(page, shots, 'post-failed');
    });

    it("See in calendar: the week of the post's day in the brand's zone, for its brand", async () => {
      // Sunday 22:30 UTC is Monday 00:30 in Paris: the calendar's week is the next one.
      const created = await call(live.t.app, 'POST', '/api/v1/posts', {
        key: live.tenant.live.read_write,
        body: {
          brandId,
          platform: 'twitter',
          caption: 'Midnight roast',
          scheduledFor: '2031-05-11T22:30:00.000Z',
        },
      });
      assert.equal(created.status, 201, created.raw);
      const id = created.body.data.id as string;
      await page.goto(`${live.url}/posts/${id}`);
      const link = page.getByRole('link', { name: 'See in calendar' });
      const href = new URL((await link.getAttribute('href'))!, live.url);
      assert.equal(href.pathname, '/calendar');
      assert.deepEqual(Object.fromEntries(href.searchParams), {
        view: 'week',
        date: '2031-05-12',
        brand: brandId,
      });
      await link.focus();
      await page.keyboard.press('Enter');
      await page.waitForURL((url) => url.pathname === '/calendar');
      await page.locator('[data-slot="2031-05-12T00:00"]').locator(`[data-post-id="${id}"]`).waitFor();

      // A draft without a time has no place on the calendar, and no link to it.
      const draft = await call(live.t.app, 'POST', '/api/v1/posts', {
        key: live.tenant.live.read_write,
        body: { brandId, platform: 'twitter', caption: 'Some day' },
      });
      assert.equal(draft.status, 201, draft.raw);
      await page.goto(`${live.url}/posts/${draft.body.data.id}`);
      await page.getByText('Not scheduled').waitFor();
      assert.equal(await page.getByRole('link', { name: 'See in calendar' }).count(), 0);
    });

    it('the page reported no CSP violation and no console error', async () => {
      assert.deepEqual(await watch.cspViolations(), []);
      // The refused upload (415) and the missing post (404) are the only failed requests.
      const expected = /status of (404|415) /;
      assert.deepEqual(
        watch.consoleErrors.filter((line) => !expected.test(line)),
        [],
      );
    });
  });
}
