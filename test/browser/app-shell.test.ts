import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { dialects } from '../helpers/app.js';
import {
  browserSkip,
  checkAccessibility,
  focusedName,
  openBrowser,
  screenshot,
  startLiveApp,
  watchPage,
  type Browser,
  type LiveApp,
  type PageWatch,
} from './harness.js';

const skip = browserSkip();

for (const dialect of dialects) {
  describe(`web app shell in Chromium (${dialect})`, { skip }, () => {
    let live: LiveApp;
    let browser: Browser;
    let page: Page;
    let watch: PageWatch;

    before(async () => {
      live = await startLiveApp(dialect);
      browser = await openBrowser();
    });
    after(async () => {
      await browser?.close();
      await live?.close();
    });

    const open = async (path: string) => {
      page = await browser.context.newPage();
      watch = await watchPage(page);
      const response = await page.goto(`${live.url}${path}`);
      assert.ok(response, `no response for ${path}`);
      return response;
    };
    const closePage = async () => {
      assert.deepEqual(await watch.cspViolations(), [], 'no CSP violation');
      assert.deepEqual(
        watch.consoleErrors.filter((e) => /Content Security Policy/i.test(e)),
        [],
        'no CSP message in the console',
      );
      await page.close();
    };

    it('loads the shell at / with its CSP, and sends a visitor without a session to sign-in', async () => {
      const response = await open('/');
      assert.equal(response.status(), 200);
      const headers = response.headers();
      assert.match(headers['content-security-policy'] ?? '', /script-src 'self';/);
      assert.match(headers['content-security-policy'] ?? '', /frame-ancestors 'none'/);
      assert.equal(headers['x-content-type-options'], 'nosniff');
      await page.getByRole('heading', { name: 'Sign in to Audenci' }).waitFor();
      assert.match(page.url(), /\/sign-in\?redirect=/);
      await checkAccessibility(page, 'sign-in');
      await screenshot(page, `shell-${dialect}`, 'sign-in');
      await closePage();
    });

    it('answers a deep link with the app, whose router shows its own page', async () => {
      const response = await open('/no-such-section/deep/link');
      assert.equal(response.status(), 200);
      assert.match(response.headers()['content-type'] ?? '', /^text\/html/);
      await page.getByRole('heading', { name: 'Page not found' }).waitFor();
      await checkAccessibility(page, 'not-found');
      await screenshot(page, `shell-${dialect}`, 'deep-link');
      await closePage();
    });

    it('signs in with the keyboard: Tab reaches the fields, Enter submits, the server error shows', async () => {
      await open('/sign-in');
      await page.getByLabel('Email').waitFor();
      // Tab from wherever the focus is until the email field has it (it starts there: autofocus).
      for (let i = 0; i < 5 && (await focusedName(page)) !== 'email'; i++) await page.keyboard.press('Tab');
      assert.equal(await focusedName(page), 'email', 'Tab reaches the email field');
      await page.keyboard.type('nobody@example.com');
      await page.keyboard.press('Tab');
      assert.equal(await focusedName(page), 'password', 'Tab reaches the password field');
      await page.keyboard.type('not-the-password');
      const answered = page.waitForResponse((r) => r.url().endsWith('/auth/sign-in'));
      await page.keyboard.press('Enter');
      const response = await answered;
      const body = (await response.json()) as { error: { code: string; message: string } };
      // Sign-in exists: a wrong password is 401. (A server without people answers 404 — shown the same way.)
      assert.ok([401, 404].includes(response.status()), `sign-in answered ${response.status()}`);
      assert.equal(typeof body.error.message, 'string');
      // Next to the form, or next to the field the envelope's details.field names.
      await page.getByText(body.error.message, { exact: true }).waitFor();
      await checkAccessibility(page, 'sign-in with an error');
      await screenshot(page, `shell-${dialect}`, 'sign-in-error');
      await closePage();
    });

    it('the setup page without its token says what it needs', async () => {
      await open('/setup');
      await page.getByRole('heading', { name: 'Set up Audenci' }).waitFor();
      await page.getByText('setup link').waitFor();
      await checkAccessibility(page, 'setup without token');
      await closePage();
      await open('/setup?token=abc');
      await page.getByLabel('Your name').waitFor();
      await checkAccessibility(page, 'setup');
      await screenshot(page, `shell-${dialect}`, 'setup');
      await closePage();
    });
  });
}
