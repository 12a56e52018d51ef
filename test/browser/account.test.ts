import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { call, createTenant, dialects } from '../helpers/app.js';
import { startFakeSmtpServer, type FakeSmtpServer } from '../fakes/smtp-server.js';
import {
  browserSkip,
  capture,
  checkAccessibility,
  DESKTOP,
  openBrowser,
  openPage,
  PASSWORD,
  PHONE,
  screenshot,
  signUpOwner,
  startLiveApp,
  type Browser,
  type LiveApp,
  type PageWatch,
} from './harness.js';

const skip = browserSkip();
const NEW_PASSWORD = 'a brand new passphrase of mine';

/** RFC 6238 with SHA-1, 6 digits and 30-second steps, computed here independently of the server's code. */
function totp(base32: string, atMs: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of base32.replace(/[\s=]/g, '').toUpperCase()) {
    const value = alphabet.indexOf(char);
    assert.ok(value >= 0, `not base32: ${char}`);
    bits += value.toString(2).padStart(5, '0');
  }
  const key = Buffer.from((bits.match(/.{8}/g) ?? []).map((byte) => parseInt(byte, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(atMs / 30_000)));
  const mac = crypto.createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(code).padStart(6, '0');
}

/** zbar's decoder (apt-get install zbar-tools), when this machine has it: it reads the app's QR code. */
const ZBARIMG = '/usr/bin/zbarimg';

function decodeQr(png: Buffer): string {
  const file = path.join(os.tmpdir(), `audenci-qr-${process.pid}-${Date.now()}.png`);
  fs.writeFileSync(file, png);
  try {
    return execFileSync(ZBARIMG, ['--quiet', '--raw', file], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } finally {
    fs.rmSync(file, { force: true });
  }
}

async function openAccountMenu(page: Page): Promise<void> {
  await page.getByRole('button', { name: /account menu/ }).click();
}

async function signOut(page: Page): Promise<void> {
  await openAccountMenu(page);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in to Audenci' }).waitFor();
}

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

for (const dialect of dialects) {
  describe(`profile, two-factor, invitations, password reset, in Chromium (${dialect})`, { skip }, () => {
    let live: LiveApp;
    let browser: Browser;
    let page: Page;
    let watch: PageWatch;
    const shots = `account-${dialect}`;

    before(async () => {
      live = await startLiveApp(dialect);
      ({ browser, page, watch } = await openPage());
      await signUpOwner(page, live);
    });
    after(async () => {
      await browser?.close();
      await live?.close();
    });

    it('profile: name, password, sessions, two-factor on, sign in with a code, two-factor off', async () => {
      // The account menu with the keyboard: Enter opens it, Escape closes it back to its button, Tab
      // reaches its items.
      const menuButton = page.getByRole('button', { name: /account menu/ });
      await menuButton.focus();
      await page.keyboard.press('Enter');
      assert.equal(await menuButton.getAttribute('aria-expanded'), 'true');
      await checkAccessibility(page, 'account menu');
      await screenshot(page, shots, 'account-menu');
      await page.keyboard.press('Escape');
      assert.equal(await menuButton.getAttribute('aria-expanded'), 'false');
      assert.equal(
        await page.evaluate<boolean>('document.activeElement?.getAttribute("aria-controls") != null'),
        true,
      );
      await page.keyboard.press('Enter');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Profile', level: 1 }).waitFor();
      await page.getByText('Loading sessions…').waitFor({ state: 'detached' });
      await capture(page, shots, 'profile');

      // Name
      await page.getByLabel('Name', { exact: true }).fill('Ada King');
      await page.getByRole('button', { name: 'Save name' }).click();
      await page.getByText('Saved.').waitFor();
      await page.getByRole('button', { name: /^Ada King\W+account menu/ }).waitFor();

      // Password: a wrong current one is named next to its field; then the change.
      await page.getByLabel('Current password').fill('not my password');
      await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
      await page.getByLabel('New password again').fill(NEW_PASSWORD);
      await page.getByRole('button', { name: 'Change password' }).click();
      const currentField = page.getByLabel('Current password');
      await page.locator('input[name="currentPassword"][aria-invalid="true"]').waitFor();
      assert.match((await currentField.getAttribute('aria-describedby')) ?? '', /error/);
      await capture(page, shots, 'profile-password-error');
      await page.getByLabel('Current password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.getByText(/^Password changed\./).waitFor();

      // Another browser signs in: two sessions; "sign out everywhere else" leaves this one.
      const other = await fetch(`${live.url}/auth/sign-in`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          origin: live.url,
          'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:130.0) Gecko/20100101 Firefox/130.0',
        },
        body: JSON.stringify({ email: 'ada@example.com', password: NEW_PASSWORD }),
      });
      assert.equal(other.status, 200, await other.clone().text());
      await page.reload();
      await page.getByText('Firefox on Windows').waitFor();
      await page.getByText('This browser').waitFor();
      await capture(page, shots, 'profile-sessions');
      await page.getByRole('button', { name: 'Sign out everywhere else' }).click();
      await page
        .getByRole('dialog', { name: 'Sign out everywhere else?' })
        .getByRole('button', { name: 'Sign out other sessions' })
        .click();
      await page.getByText('Signed out 1 other session.').waitFor();
      await page.getByText('Firefox on Windows').waitFor({ state: 'detached' });
      const gone = await fetch(`${live.url}/auth/session`, {
        headers: { cookie: (other.headers.get('set-cookie') ?? '').split(';')[0]! },
      });
      assert.equal(gone.status, 401);

      // Two-factor: set up, type the key's code, recovery codes once.
      await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
      const key = page.locator('#totp-secret');
      await key.waitFor();
      const secret = (await key.getAttribute('data-secret')) ?? '';
      assert.match(await key.innerText(), /^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/);
      await page.getByText('The setup address (otpauth://)').click();
      const otpauthUrl = await page.locator('#totp-url').innerText();
      assert.match(otpauthUrl, /^otpauth:\/\/totp\//);
      assert.ok(otpauthUrl.includes(`secret=${secret}`));
      const qr = page.getByRole('img', { name: 'QR code of the two-factor setup address' });
      // The QR code is drawn by the app's own encoder: a real decoder must read the same address.
      if (fs.existsSync(ZBARIMG)) assert.equal(decodeQr(await qr.screenshot()), otpauthUrl);
      else await qr.waitFor();
      await capture(page, shots, 'profile-two-factor-setup');
      await page.getByLabel('Code from your app').fill('000000');
      await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
      await page.locator('input[name="code"][aria-invalid="true"]').waitFor();
      const now = Date.now();
      await page.getByLabel('Code from your app').fill(totp(secret, now));
      await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
      await page.getByText('Two-factor sign-in is on. Your recovery codes:').waitFor();
      assert.equal(await page.locator('#recovery-codes li').count(), 10);
      await capture(page, shots, 'profile-recovery-codes');
      await page.getByRole('button', { name: 'I have saved them' }).click();

      // Sign out; sign in asks for the code (the next step's: a code is not accepted twice).
      await signOut(page);
      await signIn(page, 'ada@example.com', NEW_PASSWORD);
      const codeField = page.getByLabel('Authentication code');
      await codeField.waitFor();
      await capture(page, shots, 'sign-in-code');
      // A wrong code is the code field's error (and does not sign in).
      await codeField.fill('000000');
      await page.getByRole('button', { name: 'Verify and sign in' }).click();
      await page.locator('input[name="code"][aria-invalid="true"]').waitFor();
      await checkAccessibility(page, 'sign-in with a wrong code');
      await codeField.fill(totp(secret, now + 30_000));
      await page.getByRole('button', { name: 'Verify and sign in' }).click();
      await page.getByRole('heading', { name: 'Overview' }).waitFor();

      // Off again, with the password.
      await openAccountMenu(page);
      await page.getByRole('link', { name: 'Profile' }).click();
      await page.getByText('Signing in asks for a code').waitFor();
      await page
        .locator('form')
        .filter({ hasText: 'To turn this off' })
        .getByLabel('Password')
        .fill(NEW_PASSWORD);
      await page.getByRole('button', { name: 'Turn off two-factor sign-in' }).click();
      await page.getByRole('button', { name: 'Set up two-factor sign-in' }).waitFor();
    });

    it('invitation of a new person, an admin reset link, an existing account joining, switching organization', async () => {
      const invite = await call(live.t.app, 'POST', '/api/v1/invitations', {
        key: live.tenant.live.admin,
        body: { email: 'bob@example.com', role: 'editor' },
      });
      assert.equal(invite.status, 201, invite.raw);
      assert.equal(invite.body.data.delivery, 'link');
      await signOut(page);

      await page.goto(invite.body.data.acceptUrl);
      await page.getByRole('heading', { name: `Join ${live.tenant.org.name}` }).waitFor();
      await page.getByText('bob@example.com').waitFor();
      await capture(page, shots, 'invitation-new-person');
      await page.getByLabel('Your name').fill('Bob Babbage');
      await page.getByLabel('Password').fill('short');
      await page.getByRole('button', { name: `Join ${live.tenant.org.name}` }).click();
      await page.locator('input[name="password"][aria-invalid="true"]').waitFor();
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: `Join ${live.tenant.org.name}` }).click();
      await page.getByText(`Signed in as Bob Babbage, editor of ${live.tenant.org.name}.`).waitFor();
      // A used link says so.
      await page.goto(invite.body.data.acceptUrl);
      await page.getByRole('alert').waitFor();
      await capture(page, shots, 'invitation-used');

      // Forgot password without SMTP: ask an admin; the admin's link.
      await page.goto(`${live.url}/`);
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      await signOut(page);
      await page.getByRole('link', { name: 'Forgot password?' }).click();
      await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
      await capture(page, shots, 'forgot-password');
      await page.getByLabel('Email').fill('bob@example.com');
      await page.getByRole('button', { name: 'Send reset link' }).click();
      await page.getByText(/Ask an admin of your organization for a reset link/).waitFor();
      await capture(page, shots, 'forgot-password-no-email');

      // The owner makes Bob a reset link on the Organization page (no SMTP: shown to pass on). Pending
      // invitations come a page at a time.
      for (let i = 0; i < 26; i++) {
        const res = await call(live.t.app, 'POST', '/api/v1/invitations', {
          key: live.tenant.live.admin,
          body: { email: `pending-${String(i).padStart(2, '0')}@example.com`, role: 'viewer' },
        });
        assert.equal(res.status, 201, res.raw);
      }
      await page.goto(`${live.url}/sign-in`);
      await signIn(page, 'ada@example.com', NEW_PASSWORD); // changed on the profile above
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      await page.getByRole('link', { name: 'Organization' }).click();
      const pending = page.getByRole('region', { name: 'Pending invitations' });
      await pending.getByRole('row').nth(25).waitFor();
      const pendingPanel = page.locator('section.panel', {
        has: page.getByRole('heading', { name: 'Pending invitations' }),
      });
      const firstPage = await pending.getByRole('row').count();
      assert.equal(firstPage, 26, 'a header and 25 invitations');
      await pendingPanel.getByRole('button', { name: 'Next' }).click();
      await pendingPanel.getByRole('button', { name: 'Previous' }).waitFor();
      // The first page stays on screen until the second arrives: wait for it to go.
      await pending.getByRole('row').nth(2).waitFor({ state: 'detached' });
      await pending.getByRole('row').nth(1).waitFor();
      assert.equal(await pending.getByRole('row').count(), 2, 'the 26th on the second page');
      await pendingPanel.getByRole('button', { name: 'Previous' }).click();
      await pending.getByRole('row').nth(25).waitFor();

      await page.getByRole('button', { name: 'Password reset link for Bob Babbage' }).click();
      const resetDialog = page.getByRole('dialog', { name: 'Password reset for Bob Babbage' });
      await resetDialog.getByRole('button', { name: 'Create reset link' }).click();
      await resetDialog.getByText('This server sends no email').waitFor();
      const resetUrl = (await resetDialog.locator('.secret__value').textContent())?.trim() ?? '';
      assert.match(resetUrl, /\/reset-password\?token=/);
      await capture(page, shots, 'member-reset-link');
      await resetDialog.getByRole('button', { name: 'Done' }).click();
      // The owner cannot make one for themself here (their row has Leave, not Reset link).
      assert.equal(
        await page.getByRole('button', { name: 'Password reset link for Ada Lovelace' }).count(),
        0,
      );
      await signOut(page);

      await page.goto(resetUrl);
      await page.getByText('For bob@example.com.').waitFor();
      await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
      await page.getByLabel('New password again').fill('something else entirely');
      await page.getByRole('button', { name: 'Set new password' }).click();
      await page.getByText('The two passwords differ.').waitFor();
      await capture(page, shots, 'reset-password');
      await page.getByLabel('New password again').fill(NEW_PASSWORD);
      await page.getByRole('button', { name: 'Set new password' }).click();
      await page.getByText('Your password is changed').waitFor();
      await page.getByRole('link', { name: 'Sign in' }).click();
      await signIn(page, 'bob@example.com', NEW_PASSWORD);
      await page.getByRole('heading', { name: 'Overview' }).waitFor();

      // A second organization invites Bob, who has an account: password only, then two organizations.
      const second = await createTenant(live.t, { name: 'Second Org' });
      const again = await call(live.t.app, 'POST', '/api/v1/invitations', {
        key: second.live.admin,
        body: { email: 'bob@example.com', role: 'viewer' },
      });
      assert.equal(again.status, 201, again.raw);
      await page.goto(again.body.data.acceptUrl);
      await page.getByRole('heading', { name: 'Join Second Org' }).waitFor();
      await page.getByText('You already have an Audenci account').waitFor();
      await capture(page, shots, 'invitation-existing-account');
      await page.getByLabel('Password').fill(NEW_PASSWORD);
      await page.getByRole('button', { name: 'Join Second Org' }).click();
      await page.getByText('Signed in as Bob Babbage, viewer of Second Org.').waitFor();

      const switcher = page.getByRole('combobox', { name: 'Organization' });
      await capture(page, shots, 'org-switcher');
      await switcher.selectOption({ label: `${live.tenant.org.name} (editor)` });
      await page.getByText(`Signed in as Bob Babbage, editor of ${live.tenant.org.name}.`).waitFor();
      // On a phone the switcher is in the account menu.
      await page.setViewportSize(PHONE);
      await openAccountMenu(page);
      const phoneSwitcher = page.getByRole('combobox', { name: 'Organization' });
      await phoneSwitcher.selectOption({ label: 'Second Org (viewer)' });
      await page.getByText('Signed in as Bob Babbage, viewer of Second Org.').waitFor();
      await checkAccessibility(page, 'account menu (phone)');
      await screenshot(page, shots, 'account-menu-phone');
      await page.keyboard.press('Escape');
      await page.setViewportSize(DESKTOP);

      // Bob leaves Second Org from its Organization page: the session moves to his other organization.
      await page.getByRole('link', { name: 'Organization' }).click();
      await page.getByRole('button', { name: 'Leave Second Org' }).click();
      await page
        .getByRole('dialog', { name: 'Leave Second Org?' })
        .getByRole('button', { name: 'Leave organization' })
        .click();
      await page.getByText(`Signed in as Bob Babbage, editor of ${live.tenant.org.name}.`).waitFor();
      const left = await call(live.t.app, 'GET', '/api/v1/members', { key: second.live.admin });
      assert.ok(
        !(left.body.data as { email: string }[]).some((m) => m.email === 'bob@example.com'),
        left.raw,
      );

      assert.deepEqual(await watch.cspViolations(), [], 'no CSP violation');
    });
  });

  describe(`password reset by email, in Chromium (${dialect})`, { skip }, () => {
    let live: LiveApp;
    let smtp: FakeSmtpServer;
    let browser: Browser;
    let page: Page;

    before(async () => {
      smtp = await startFakeSmtpServer();
      live = await startLiveApp(dialect, { AUDENCI_SMTP_URL: smtp.url() });
      browser = await openBrowser();
      page = await browser.context.newPage();
      await signUpOwner(page, live);
    });
    after(async () => {
      await browser?.close();
      await live?.close();
      await smtp?.close();
    });

    it('forgot password → the email → its link → a new password → sign in', async () => {
      await signOut(page);
      await page.getByRole('link', { name: 'Forgot password?' }).click();
      // The sign-in page has an Email field too: fill the reset form's only once its page is shown.
      await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
      await page.getByLabel('Email').fill('ada@example.com');
      await page.getByRole('button', { name: 'Send reset link' }).click();
      await page.getByText(/a reset link is on its way/).waitFor();
      await capture(page, `reset-email-${dialect}`, 'forgot-password-sent');
      const [mail] = await smtp.waitFor(1);
      assert.deepEqual(mail!.envelope.to, ['ada@example.com']);
      const link = /https?:\/\/\S+\/reset-password\?token=[^\s"<>]+/.exec(mail!.text ?? '')?.[0];
      assert.ok(link, mail!.text);
      await page.goto(link);
      await page.getByText('For ada@example.com.').waitFor();
      await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
      await page.getByLabel('New password again').fill(NEW_PASSWORD);
      await page.getByRole('button', { name: 'Set new password' }).click();
      await page.getByText('Your password is changed').waitFor();
      await page.getByRole('link', { name: 'Sign in' }).click();
      await signIn(page, 'ada@example.com', NEW_PASSWORD);
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
    });
  });
}
