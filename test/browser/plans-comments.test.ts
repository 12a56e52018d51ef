import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { JobTypeRegistry, type JobTypeHandler } from '../../src/modules/jobs/index.js';
import { planApplyJobType } from '../../src/modules/plans/index.js';
import { createWorker, type Worker } from '../../src/worker/index.js';
import { call, dialects, type TestApp } from '../helpers/app.js';
import { eventually } from '../helpers/webhooks.js';
import {
  browserSkip,
  capture,
  enterTestMode,
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

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** How long the worker waits before each chunk of a `plans.apply` job (5 drafts a chunk). */
const CHUNK_PAUSE_MS = 1200;

/**
 * The real worker, its `plans.apply` job type being the real one with a pause before each chunk (outside
 * the chunk's transaction), so the progress between chunks stays on screen longer than a poll.
 */
async function startPausedWorker(t: TestApp): Promise<Worker> {
  const { runtime } = t;
  const paused: JobTypeHandler = {
    ...(planApplyJobType as unknown as JobTypeHandler),
    prepareChunk: () => new Promise((resolve) => setTimeout(resolve, CHUNK_PAUSE_MS)),
  };
  const worker = createWorker(
    {
      config: runtime.config,
      ctx: runtime.ctx,
      db: runtime.ctx.db,
      connectors: runtime.connectors,
      tokenBox: runtime.tokenBox,
      webhookBox: runtime.webhookBox,
      media: runtime.media,
      jobTypes: new JobTypeRegistry([paused]),
    },
    { pollMs: 200, sweepEveryMs: 100, leaseMs: 5000, commentsEveryMs: 300 },
  );
  await worker.start();
  return worker;
}

interface Item {
  platform: string;
  scheduledFor: string;
  caption: string;
}

for (const dialect of dialects) {
  describe(`content plans and the comments inbox, in Chromium (${dialect})`, { skip }, () => {
    let live: LiveApp;
    let browser: Browser;
    let page: Page;
    let watch: PageWatch;
    let worker: Worker;
    let brandId: string;
    const shots = `plans-comments-${dialect}`;
    const key = () => live.tenant.test;

    before(async () => {
      live = await startLiveApp(dialect);
      worker = await startPausedWorker(live.t);
      ({ browser, page, watch } = await openPage());
      await signUpOwner(page, live);
      await enterTestMode(page);
      const brand = await call(live.t.app, 'POST', '/api/v1/brands', {
        key: key().admin,
        body: { name: 'Acme Coffee', timezone: 'UTC', voice: 'Warm and playful' },
      });
      assert.equal(brand.status, 201, brand.raw);
      brandId = brand.body.data.id;
    });
    after(async () => {
      await browser?.close();
      await worker?.stop();
      await live?.close();
    });

    it('the wizard: each step checked, the preview edited and trimmed, saved and applied with progress', async () => {
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Content plans' })
        .click();
      await page.getByRole('heading', { name: 'Content plans', level: 1 }).waitFor();
      await page.getByText('No plans yet').waitFor();
      await capture(page, shots, 'plans-empty');

      await page.getByRole('link', { name: 'New plan' }).click();
      await page.getByRole('heading', { name: 'Step 1 of 7: Brand' }).waitFor();
      // Next without a brand: the step says what is missing, next to the field.
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByText('Choose the brand the plan is for.').waitFor();
      await capture(page, shots, 'wizard-brand-error');
      await page.getByLabel('Brand').selectOption({ label: 'Acme Coffee' });
      // The keyboard moves on: Tab to Next, Enter.
      await page.getByLabel('Brand').focus();
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');

      await page.getByRole('heading', { name: 'Step 2 of 7: Dates' }).waitFor();
      const first = isoDay(Date.now() + 7 * DAY);
      const last = isoDay(Date.now() + 20 * DAY);
      await page.getByLabel('First day').fill(first);
      await page.getByLabel('Last day').fill(isoDay(Date.now() + 3 * DAY));
      assert.equal(await page.getByLabel('Time zone').inputValue(), 'UTC', "the brand's zone");
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByText('The last day must be on or after the first.').waitFor();
      await capture(page, shots, 'wizard-dates-error');
      await page.getByLabel('Last day').fill(last);
      await page.getByRole('button', { name: 'Next' }).click();

      await page.getByRole('heading', { name: 'Step 3 of 7: Platforms' }).waitFor();
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByText('Choose at least one platform.').waitFor();
      await page.getByLabel('X (Twitter)').check();
      await page.getByLabel('Facebook').check();
      await capture(page, shots, 'wizard-platforms');
      await page.getByRole('button', { name: 'Next' }).click();

      await page.getByRole('heading', { name: 'Step 4 of 7: Topics' }).waitFor();
      await page.getByLabel('Topics').fill('education, product, Education');
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByText('“Education” is listed twice.').waitFor();
      await page.getByLabel('Topics').fill('education, product');
      await page.getByLabel('Goal (optional)').fill('Launch the spring blend');
      await capture(page, shots, 'wizard-topics');
      await page.getByRole('button', { name: 'Next' }).click();

      await page.getByRole('heading', { name: 'Step 5 of 7: Frequency' }).waitFor();
      await page.getByLabel('Posts per week, on each platform').fill('30');
      await page.getByRole('button', { name: 'Preview the plan' }).click();
      await page.getByText('Enter a whole number from 1 to 21.').waitFor();
      await page.getByLabel('Posts per week, on each platform').fill('2');
      await capture(page, shots, 'wizard-frequency');
      // Enter in the field submits the step.
      await page.getByLabel('Posts per week, on each platform').press('Enter');
      // The same parameters give the same preview: the items the calendar shows, to compare with.
      const previewed = await call(live.t.app, 'POST', '/api/v1/plans/generate-preview', {
        key: key().read_write,
        body: {
          brandId,
          startDate: first,
          endDate: isoDay(Date.parse(last) + DAY),
          timezone: 'UTC',
          platforms: ['twitter', 'facebook'],
          postsPerWeek: 2,
          pillars: ['education', 'product'],
          goal: 'Launch the spring blend',
        },
      });
      assert.equal(previewed.status, 200, previewed.raw);
      const preview = previewed.body.data as { items: Item[] };
      assert.equal(preview.items.length, 8, '2 a week × 2 weeks × 2 platforms');

      await page.getByRole('heading', { name: 'Step 6 of 7: Preview' }).waitFor();
      const calendar = page.getByRole('table', { name: /The plan’s posts/ });
      await calendar.waitFor();
      const cards = calendar.getByRole('article');
      assert.equal(await cards.count(), 8);
      await capture(page, shots, 'wizard-preview');

      // Edit the first item: a new caption, earlier the same day (UTC, the brand's zone).
      const firstItem = preview.items[0]!;
      await cards
        .nth(0)
        .getByRole('button', { name: /^Edit the / })
        .click();
      const dialog = page.getByRole('dialog', { name: /^Edit the / });
      await dialog.getByLabel('Caption').fill('');
      await dialog.getByRole('button', { name: 'Keep changes' }).click();
      await dialog.getByText('Write a caption.').waitFor();
      await dialog.getByLabel('Caption').fill('Edited in the wizard #springblend');
      await dialog.getByLabel('Time').fill('07:15');
      await capture(page, shots, 'wizard-edit-item');
      await dialog.getByRole('button', { name: 'Keep changes' }).click();
      await dialog.waitFor({ state: 'detached' });
      await calendar.getByText('Edited in the wizard #springblend').waitFor();
      const editedAt = `${firstItem.scheduledFor.slice(0, 10)}T07:15:00.000Z`;

      // An X caption too long by X's own count: the browser cannot weigh it, the server refuses it on
      // saving, and the wizard comes back to the calendar with that card marked.
      const xCard = cards.filter({ hasText: 'X (Twitter)' }).last();
      await xCard.getByRole('button', { name: /^Edit the / }).click();
      await dialog.getByLabel('Caption').fill('Too long for X. '.repeat(20));
      await dialog.getByRole('button', { name: 'Keep changes' }).click();
      await dialog.waitFor({ state: 'detached' });
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByRole('button', { name: 'Save as draft' }).click();
      await page.getByRole('heading', { name: 'Step 6 of 7: Preview' }).waitFor();
      await page.getByText('One item needs a change before the plan can be saved').waitFor();
      await xCard.getByText(/^caption: .*280/).waitFor();
      await capture(page, shots, 'wizard-item-refused');
      await xCard.getByRole('button', { name: /^Edit the / }).click();
      await dialog.getByLabel('Caption').fill('Short again #springblend');
      await dialog.getByRole('button', { name: 'Keep changes' }).click();
      await dialog.waitFor({ state: 'detached' });
      assert.equal(await page.getByText('One item needs a change').count(), 0);
      const plansSoFar = await call(live.t.app, 'GET', '/api/v1/plans', { key: key().read });
      assert.equal(plansSoFar.body.data.length, 0, 'nothing saved while an item is refused');

      // Drop the second item.
      const droppedItem = preview.items[1]!;
      await cards
        .nth(1)
        .getByRole('button', { name: /^Drop the / })
        .click();
      await page.getByText('1 dropped item.').waitFor();
      assert.equal(await cards.count(), 7);
      await page.getByRole('button', { name: 'Next' }).click();

      await page.getByRole('heading', { name: 'Step 7 of 7: Save and apply' }).waitFor();
      await page.getByLabel('Plan name').fill('');
      await page.getByRole('button', { name: 'Save and apply' }).click();
      await page.getByText('Give the plan a name.').waitFor();
      await page.getByLabel('Plan name').fill('Spring plan');
      await capture(page, shots, 'wizard-save');
      // Applying is a plans.apply job: the bar follows its progress, 5 drafts a chunk, then all 7.
      await page.getByRole('button', { name: 'Save and apply' }).click();
      const bar = page.getByRole('progressbar', { name: 'Draft posts created' });
      await bar.waitFor();
      assert.equal(await bar.getAttribute('max'), '7');
      const status = page.locator('.apply-progress__status');
      await status.getByText('5 of 7 draft posts created', { exact: true }).waitFor();
      assert.equal(await bar.getAttribute('value'), '5');
      assert.equal(await status.getAttribute('role'), 'status', 'the numbers are announced');
      await screenshot(page, shots, 'wizard-applying');
      await status.getByText('7 of 7 draft posts created', { exact: true }).waitFor();
      assert.equal(await bar.getAttribute('value'), '7');
      await page.getByText(/^Plan applied: campaign “Spring plan” with 7 draft posts,/).waitFor();
      assert.equal(await page.getByText(/Creating the campaign|Checking the drafts/).count(), 0, 'no stages');
      await capture(page, shots, 'wizard-applied');

      // What the API holds: the plan applied with the edited items, its campaign and exactly those drafts.
      const plans = await call(live.t.app, 'GET', '/api/v1/plans', { key: key().read });
      assert.equal(plans.body.data.length, 1);
      const plan = plans.body.data[0];
      assert.equal(plan.status, 'applied');
      assert.equal(plan.name, 'Spring plan');
      assert.equal(plan.items.length, 7);
      assert.deepEqual(plan.parameters.pillars, ['education', 'product']);
      const campaignLink = page.getByRole('link', { name: 'Open the campaign' });
      assert.equal(await campaignLink.getAttribute('href'), `/campaigns/${plan.campaignId}`);
      assert.equal(
        await page.getByRole('link', { name: 'See the calendar' }).getAttribute('href'),
        '/calendar',
      );
      const jobs = await call(live.t.app, 'GET', '/api/v1/jobs', { key: key().read });
      const job = (jobs.body.data as { id: string; type: string; result: { postIds: string[] } }[]).find(
        (j) => j.type === 'plans.apply',
      )!;
      assert.equal(
        await page.getByRole('link', { name: 'See the job' }).getAttribute('href'),
        `/jobs/${job.id}`,
      );
      assert.equal(
        await page.getByRole('link', { name: 'Open the first draft' }).getAttribute('href'),
        `/posts/${job.result.postIds[0]}`,
      );
      const posts = await call(live.t.app, 'GET', `/api/v1/campaigns/${plan.campaignId}/posts`, {
        key: key().read,
        query: { limit: 100 },
      });
      assert.equal(posts.body.pagination.totalCount, 7);
      const list = posts.body.data as (Item & { status: string })[];
      assert.ok(list.every((p) => p.status === 'DRAFT'));
      const edited = list.find((p) => p.caption === 'Edited in the wizard #springblend');
      assert.equal(edited?.scheduledFor, editedAt);
      assert.equal(edited?.platform, firstItem.platform);
      assert.ok(
        !list.some((p) => p.platform === droppedItem.platform && p.scheduledFor === droppedItem.scheduledFor),
        'the dropped item made no post',
      );
      assert.ok(
        !list.some((p) => p.caption === firstItem.caption && p.scheduledFor === firstItem.scheduledFor),
      );

      // The list and the plan's page.
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Content plans' })
        .click();
      const row = page.getByRole('row', { name: /Spring plan/ });
      await row.getByText(/^Applied/).waitFor();
      await capture(page, shots, 'plans-list');
      await row.getByRole('link', { name: 'Spring plan' }).click();
      await page.getByRole('heading', { name: 'Spring plan', level: 1 }).waitFor();
      await page.getByRole('heading', { name: '7 planned posts' }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Apply plan' }).count(), 0, 'applied: no Apply');
      await capture(page, shots, 'plan-page');
      assert.deepEqual(await watch.cspViolations(), [], 'no CSP violation');
    });

    it('a plan that does not exist: the error state, with a retry', async () => {
      await page.goto(`${live.url}/plans/plan_01M8FHSW4FSXDVQCQJRMA72QE2`);
      const alert = page.getByRole('alert').filter({ hasText: 'Something went wrong' });
      await alert.waitFor();
      await alert.getByRole('button', { name: 'Try again' }).waitFor();
      await capture(page, shots, 'plan-not-found');
    });

    it('a saved draft plan is applied from its page', async () => {
      const created = await call(live.t.app, 'POST', '/api/v1/plans', {
        key: key().read_write,
        body: {
          name: 'Later plan',
          brandId,
          startDate: isoDay(Date.now() + 30 * DAY),
          endDate: isoDay(Date.now() + 37 * DAY),
          platforms: ['facebook'],
          postsPerWeek: 3,
        },
      });
      assert.equal(created.status, 201, created.raw);
      await page.goto(`${live.url}/plans/${created.body.data.id}`);
      await page.getByRole('heading', { name: 'Later plan', level: 1 }).waitFor();
      await page.getByText('Draft, not applied').waitFor();
      await page.getByRole('button', { name: 'Apply plan' }).click();
      const status = page.locator('.apply-progress__status');
      await status.getByText(/^(Waiting to start: )?0 of 3 draft posts created$/).waitFor();
      await status.getByText('3 of 3 draft posts created', { exact: true }).waitFor();
      await page.getByText(/^Plan applied: campaign “Later plan” with 3 draft posts,/).waitFor();
      await capture(page, shots, 'plan-applied');
      const plan = await call(live.t.app, 'GET', `/api/v1/plans/${created.body.data.id}`, {
        key: key().read,
      });
      assert.equal(plan.body.data.status, 'applied');
    });

    it('the comments inbox lists a sandbox comment; a reply is shown under it and stored', async () => {
      await page.goto(`${live.url}/comments`);
      await page.getByRole('heading', { name: 'Comments', level: 1 }).waitFor();
      await page.getByText('No comments yet').waitFor();
      await capture(page, shots, 'comments-empty');

      // A published sandbox post, as if 3 hours ago: the worker's comment sync collects its comments.
      const post = await call(live.t.app, 'POST', '/api/v1/posts', {
        key: key().read_write,
        body: { brandId, platform: 'facebook', caption: 'Our spring blend is here. Tell us what you think!' },
      });
      assert.equal(post.status, 201, post.raw);
      const postId = post.body.data.id as string;
      const published = await call(live.t.app, 'POST', `/api/v1/posts/${postId}/publish`, {
        key: key().read_write,
      });
      assert.equal(published.status, 202, published.raw);
      await eventually(async () => {
        const got = await call(live.t.app, 'GET', `/api/v1/posts/${postId}`, { key: key().read });
        return got.body.data.status === 'PUBLISHED' ? true : undefined;
      });
      await live.t.runtime.ctx.db
        .updateTable('posts')
        .set({ published_at: Date.now() - 3 * 3_600_000 })
        .where('id', '=', postId)
        .execute();
      await live.t.runtime.ctx.db.deleteFrom('comment_syncs').where('post_id', '=', postId).execute();
      const comments = await eventually(async () => {
        const got = await call(live.t.app, 'GET', '/api/v1/comments', {
          key: key().read,
          query: { limit: 100 },
        });
        return got.body.data.length > 0
          ? (got.body.data as { id: string; parentId: string | null; text: string }[])
          : undefined;
      }, 20_000);

      // The commented posts come in one `GET /posts?ids=` request, not one request per post.
      const postRequests: string[] = [];
      const onRequest = (r: { url(): string }) => {
        const url = new URL(r.url());
        if (url.pathname.startsWith('/api/v1/posts')) postRequests.push(url.pathname + url.search);
      };
      page.on('request', onRequest);
      await page.reload();
      const inbox = page.getByRole('list', { name: 'Comments, newest first' });
      await inbox.waitFor();
      const target = comments.find((c) => c.parentId === null)!;
      const item = inbox.getByRole('listitem').filter({ hasText: target.text }).first();
      await item.waitFor();
      await item.getByRole('link', { name: /Our spring blend is here/ }).waitFor();
      page.off('request', onRequest);
      // One distinct request. It may be sent again: a live `post.*` event (the worker's comment sync
      // runs on) makes the posts' queries stale, and the one on screen refetches.
      assert.deepEqual(
        [...new Set(postRequests.map((u) => u.replace(/\?.*/, '')))],
        ['/api/v1/posts'],
        postRequests.join('\n'),
      );
      assert.equal(new Set(postRequests).size, 1, postRequests.join('\n'));
      assert.match(postRequests[0]!, new RegExp(`[?&]ids=${postId}(&|$)`));
      assert.equal(
        await item.getByRole('link', { name: /Our spring blend is here/ }).getAttribute('href'),
        `/posts/${postId}`,
      );
      await capture(page, shots, 'comments');

      await item.getByRole('button', { name: /^Reply to / }).click();
      await item.getByRole('button', { name: 'Send reply' }).click();
      await item.getByText('Write a reply first.').waitFor();
      await item.getByLabel(/^Your reply to /).fill('Thank you, glad you like it!');
      const replied = page.waitForResponse((r) => r.url().includes(`/api/v1/comments/${target.id}/reply`));
      await item.getByRole('button', { name: 'Send reply' }).click();
      assert.equal((await replied).status(), 201);
      const replies = item.getByRole('list', { name: /^Replies to / });
      await replies.getByText('Thank you, glad you like it!').waitFor();
      await capture(page, shots, 'comments-replied');

      const stored = await call(live.t.app, 'GET', `/api/v1/posts/${postId}/comments`, {
        key: key().read,
        query: { limit: 100 },
      });
      const reply = stored.body.data.find(
        (c: { parentId: string | null; own: boolean }) => c.parentId === target.id && c.own,
      );
      assert.equal(reply?.text, 'Thank you, glad you like it!');
      assert.deepEqual(await watch.cspViolations(), [], 'no CSP violation');
    });
  });
}
