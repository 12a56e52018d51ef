import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { dialects } from '../helpers/app.js';
import {
  browserSkip,
  checkAccessibility,
  openPage,
  PASSWORD,
  screenshot,
  signUpOwner,
  startLiveApp,
  type Browser,
  type LiveApp,
  type PageWatch,
} from './harness.js';

const skip = browserSkip();

for (const dialect of dialects) {
  describe(`signed in, in Chromium (${dialect})`, { skip }, () => {
    let live: LiveApp;
    let browser: Browser;
    let page: Page;
    let watch: PageWatch;

    before(async () => {
      // Two failed sign-ins of an account, then 429 (the throttle's own tests cover its rules).
      live = await startLiveApp(dialect, { AUDENCI_SIGN_IN_FAILURE_LIMIT: '2' });
      ({ browser, page, watch } = await openPage());
    });
    after(async () => {
      await browser?.close();
      await live?.close();
    });

    it('setup link → owner → overview through the SDK; test mode; sign out and in; 429 with its wait', async () => {
      await signUpOwner(page, live);
      await page.getByText(`Signed in as Ada Lovelace, owner of ${live.tenant.org.name}.`).waitFor();
      // The organization card, read with GET /api/v1/organization by the SDK in session mode.
      await page.getByRole('definition').filter({ hasText: live.tenant.org.name }).waitFor();
      await page.getByText('No brands yet').waitFor();
      await checkAccessibility(page, 'overview');
      await screenshot(page, `signed-in-${dialect}`, 'overview');

      const modeSwitch = page.getByRole('switch', { name: 'Test mode' });
      assert.equal(await modeSwitch.getAttribute('aria-checked'), 'false');
      await modeSwitch.click();
      await page.getByText('Test mode: you are viewing test data').waitFor();
      assert.equal(await modeSwitch.getAttribute('aria-checked'), 'true');
      await checkAccessibility(page, 'overview in test mode');
      await screenshot(page, `signed-in-${dialect}`, 'overview-test-mode');

      await page.getByRole('button', { name: /account menu/ }).click();
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Sign in to Audenci' }).waitFor();
      await page.getByLabel('Email').fill('ada@example.com');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Overview' }).waitFor();

      await page.getByRole('button', { name: /account menu/ }).click();
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Sign in to Audenci' }).waitFor();
      await page.getByLabel('Email').fill('ada@example.com');
      await page.getByLabel('Password').fill('not the password');
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const answered = page.waitForResponse((r) => r.url().endsWith('/auth/sign-in'));
        await page.getByRole('button', { name: 'Sign in' }).click();
        statuses.push((await answered).status());
      }
      assert.deepEqual(statuses, [401, 401, 429]);
      const alert = page.getByRole('alert');
      await alert.getByText(/^Too many attempts\. Try again in \d+ (second|minute)s?\.$/).waitFor();
      await checkAccessibility(page, 'sign-in throttled');
      await screenshot(page, `signed-in-${dialect}`, 'sign-in-throttled');

      assert.deepEqual(await watch.cspViolations(), [], 'no CSP violation');
      assert.deepEqual(
        watch.consoleErrors.filter((e) => /Content Security Policy/i.test(e)),
        [],
      );
    });
  });
}
