import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { call, dialects } from '../helpers/app.js';
import { startFakeX, type FakeX } from '../fakes/x-server.js';
import {
  browserSkip,
  capture,
  checkAccessibility,
  enterTestMode,
  openBrowser,
  openPage,
  screenshot,
  signUpOwner,
  startLiveApp,
  type Browser,
  type LiveApp,
  type PageWatch,
} from './harness.js';

const skip = browserSkip();

for (const dialect of dialects) {
  describe(`brands and social accounts, in Chromium (${dialect})`, { skip }, () => {
    let live: LiveApp;
    let browser: Browser;
    let page: Page;
    let watch: PageWatch;
    const shots = `brands-accounts-${dialect}`;

    before(async () => {
      live = await startLiveApp(dialect);
      ({ browser, page, watch } = await openPage());
      await signUpOwner(page, live);
    });
    after(async () => {
      await browser?.close();
      await live?.close();
    });

    it('creates, edits and deletes a brand; a brand in use answers 409 in the dialog', async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Brands' }).click();
      await page.getByRole('heading', { name: 'Brands', level: 1 }).waitFor();
      await page.getByText('No brands yet').waitFor();
      await capture(page, shots, 'brands-empty');

      await page.getByRole('button', { name: 'New brand' }).click();
      const dialog = page.getByRole('dialog', { name: 'New brand' });
      await dialog.getByLabel('Name').fill('Acme Coffee');
      // An unknown zone is refused next to its field before anything is sent.
      await dialog.getByLabel('Time zone').fill('Mars/Olympus');
      await dialog.getByLabel('Colours').fill('#6F4E37, nope');
      await dialog.getByRole('button', { name: 'Create brand' }).click();
      await dialog.getByText('Pick a time zone from the list.').waitFor();
      await dialog.getByText('“#nope” is not a colour like #1A73E8.').waitFor();
      await capture(page, shots, 'brand-form-errors');
      await dialog.getByLabel('Time zone').fill('Europe/Paris');
      await dialog.getByLabel('Colours').fill('#6F4E37, #F5E6CC');
      await dialog.getByLabel('Voice').fill('Warm and playful');
      const created = page.waitForResponse(
        (r) => r.url().endsWith('/api/v1/brands') && r.request().method() === 'POST',
      );
      await dialog.getByRole('button', { name: 'Create brand' }).click();
      assert.equal((await created).status(), 201);
      await page.getByText('Brand “Acme Coffee” created.').waitFor();
      const row = page.getByRole('row', { name: /Acme Coffee/ });
      await row.getByText('Europe/Paris').waitFor();
      await row.getByText('Warm and playful').waitFor();
      await capture(page, shots, 'brands-list');

      // Edit with the keyboard: the row's Edit button, then the form.
      await row.getByRole('button', { name: 'Edit Acme Coffee' }).focus();
      await page.keyboard.press('Enter');
      const edit = page.getByRole('dialog', { name: 'Edit Acme Coffee' });
      await edit.getByLabel('Name').fill('Acme Roasters');
      await edit.getByLabel('Time zone').fill('America/New_York');
      await edit.getByLabel('Voice').fill('');
      await edit.getByLabel('Name').press('Enter');
      await page.getByText('Brand “Acme Roasters” saved.').waitFor();
      const edited = page.getByRole('row', { name: /Acme Roasters/ });
      await edited.getByText('America/New_York').waitFor();
      const [brand] = (await call(live.t.app, 'GET', '/api/v1/brands', { key: live.tenant.live.read })).body
        .data;
      assert.equal(brand.name, 'Acme Roasters');
      assert.equal(brand.voice, null);
      assert.deepEqual(brand.colors, ['#6F4E37', '#F5E6CC']);

      // A campaign uses the brand: deleting it is refused (409), and the dialog says why.
      const campaign = await call(live.t.app, 'POST', '/api/v1/campaigns', {
        key: live.tenant.live.admin,
        body: { brandId: brand.id, name: 'Winter launch', startDate: '2027-01-01', endDate: '2027-02-01' },
      });
      assert.equal(campaign.status, 201, campaign.raw);
      await edited.getByRole('button', { name: 'Delete Acme Roasters' }).click();
      const confirm = page.getByRole('dialog', { name: 'Delete Acme Roasters?' });
      const refused = page.waitForResponse((r) => r.request().method() === 'DELETE');
      await confirm.getByRole('button', { name: 'Delete brand' }).click();
      assert.equal((await refused).status(), 409);
      await confirm.getByRole('alert').waitFor();
      await capture(page, shots, 'brand-delete-in-use');
      await page.keyboard.press('Escape');
      await confirm.waitFor({ state: 'hidden' });

      const gone = await call(live.t.app, 'DELETE', `/api/v1/campaigns/${campaign.body.data.id}`, {
        key: live.tenant.live.admin,
      });
      assert.ok(gone.status < 300, gone.raw);
      await edited.getByRole('button', { name: 'Delete Acme Roasters' }).click();
      await confirm.getByRole('button', { name: 'Delete brand' }).click();
      await page.getByText('Brand “Acme Roasters” deleted.').waitFor();
      await page.getByText('No brands yet').waitFor();
    });

    it('test mode: a sandbox account, the OAuth round trip through the sandbox, disconnect', async () => {
      await enterTestMode(page);
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Social accounts' })
        .click();
      await page.getByRole('heading', { name: 'Social accounts' }).waitFor();
      await page.getByText('No brands yet').waitFor();
      await capture(page, shots, 'accounts-no-brand');

      const brand = await call(live.t.app, 'POST', '/api/v1/brands', {
        key: live.tenant.test.admin,
        body: { name: 'Test Brand', timezone: 'Europe/Paris' },
      });
      assert.equal(brand.status, 201, brand.raw);
      await page.reload();
      await page.getByText('No accounts for Test Brand yet').waitFor();
      await capture(page, shots, 'accounts-empty');

      // A sandbox account, connected at once; a blank name is refused next to its field.
      const sandbox = page.getByRole('form', { name: 'Add a sandbox account' });
      await sandbox.getByRole('button', { name: 'Add sandbox account' }).click();
      await sandbox.getByText(/name/i).first().waitFor();
      await sandbox.getByLabel('Sandbox platform').selectOption('twitter');
      await sandbox.getByLabel('Account name').fill('Acme sandbox');
      await sandbox.getByRole('button', { name: 'Add sandbox account' }).click();
      await page.getByText('Sandbox account Acme sandbox connected.').waitFor();
      const row = page.getByRole('row', { name: /Acme sandbox/ });
      await row.getByText('connected').waitFor();
      await row
        .getByText('X (Twitter)')
        .or(row.getByText(/twitter/i))
        .first()
        .waitFor();

      // The OAuth flow: connect → the sandbox approves → the server's callback → back here with the result.
      const connect = page.getByRole('form', { name: 'Connect an account' });
      await connect.getByLabel('Platform').selectOption('linkedin');
      await connect.getByRole('button', { name: 'Connect account' }).click();
      await page.waitForURL((url) => url.pathname === '/social-accounts' && !url.search.includes('status='));
      await page.getByText('Account connected. It can publish right away.').waitFor();
      const accounts = (
        await call(live.t.app, 'GET', '/api/v1/social-accounts', { key: live.tenant.test.read })
      ).body.data as { platform: string; name: string }[];
      assert.deepEqual(accounts.map((a) => a.platform).sort(), ['linkedin', 'twitter']);
      await page.getByRole('table').getByRole('row').nth(2).waitFor();
      await capture(page, shots, 'accounts-list');

      // Coming back with an error says so.
      await page.goto(`${live.url}/social-accounts?status=error&reason=access_denied&state=x`);
      await page
        .getByText('The account was not connected. Access was not granted on the platform.')
        .waitFor();
      await capture(page, shots, 'accounts-connect-error');
      await page.getByRole('button', { name: 'Dismiss' }).click();

      await page.getByRole('button', { name: 'Disconnect Acme sandbox' }).click();
      const confirm = page.getByRole('dialog', { name: 'Disconnect Acme sandbox?' });
      await confirm.getByRole('button', { name: 'Disconnect' }).click();
      await page.getByText('Acme sandbox disconnected.').waitFor();
      await page.getByRole('row', { name: /Acme sandbox/ }).waitFor({ state: 'detached' });

      assert.deepEqual(await watch.cspViolations(), [], 'no CSP violation');
    });
  });
  describe(
    `connecting an account through OAuth, against a fake X, in Chromium (${dialect})`,
    { skip },
    () => {
      let live: LiveApp;
      let x: FakeX;
      let browser: Browser;
      let page: Page;

      before(async () => {
        x = await startFakeX({ user: { id: '2244994945', name: 'Acme on X', username: 'acme_x' } });
        live = await startLiveApp(dialect, {
          TWITTER_CLIENT_ID: x.clientId,
          TWITTER_CLIENT_SECRET: x.clientSecret!,
          TWITTER_API_BASE_URL: x.url,
          TWITTER_AUTH_BASE_URL: x.url,
        });
        browser = await openBrowser();
        page = await browser.context.newPage();
        await signUpOwner(page, live);
      });
      after(async () => {
        await browser?.close();
        await live?.close();
        await x?.close();
      });

      it('the browser goes to the platform, approves, comes back through the callback with the outcome', async () => {
        const brand = await call(live.t.app, 'POST', '/api/v1/brands', {
          key: live.tenant.live.admin,
          body: { name: 'Acme Coffee', timezone: 'Europe/Paris' },
        });
        assert.equal(brand.status, 201, brand.raw);
        await page.goto(`${live.url}/social-accounts`);
        await page.getByText('No accounts for Acme Coffee yet').waitFor();
        const connect = page.getByRole('form', { name: 'Connect an account' });
        await connect.getByLabel('Platform').selectOption('twitter');
        const visited: string[] = [];
        page.on('request', (request) => {
          if (request.isNavigationRequest())
            visited.push(new URL(request.url()).origin + new URL(request.url()).pathname);
        });
        await connect.getByRole('button', { name: 'Connect account' }).click();
        await page.waitForURL(
          (url) => url.pathname === '/social-accounts' && !url.search.includes('status='),
        );
        await page.getByText('Account connected. It can publish right away.').waitFor();
        // Through the platform's consent page and the server's callback, then back to the page.
        assert.deepEqual(visited.slice(0, 3), [
          `${x.url}/i/oauth2/authorize`,
          `${live.url}/api/v1/social-accounts/callback`,
          `${live.url}/social-accounts`,
        ]);
        const row = page.getByRole('row', { name: /Acme on X/ });
        await row.getByText('@acme_x').waitFor();
        await row.getByText('connected').waitFor();
        await row.getByText(/\(in (2 hours|120 minutes|1 hour)\)|in \d+ minutes/).waitFor();
        await checkAccessibility(page, 'accounts after OAuth');
        await screenshot(page, `oauth-x-${dialect}`, 'accounts-connected');

        // The platform refused the token's refresh: the account is expired, and Reconnect runs the flow again.
        await live.t.runtime.ctx.db
          .updateTable('social_accounts')
          .set({ status: 'expired', last_error: 'The refresh token was refused' })
          .where('organization_id', '=', live.tenant.org.id)
          .execute();
        await page.reload();
        await row.getByText('expired').waitFor();
        await row.getByText('The refresh token was refused').waitFor();
        await checkAccessibility(page, 'accounts with an expired one');
        await screenshot(page, `oauth-x-${dialect}`, 'accounts-expired');
        await row.getByRole('button', { name: 'Reconnect Acme on X' }).click();
        await page.waitForURL(
          (url) => url.pathname === '/social-accounts' && !url.search.includes('status='),
        );
        await page.getByText('Account connected. It can publish right away.').waitFor();
        await row.getByText('connected').waitFor();
        assert.equal(
          await page.getByRole('row', { name: /Acme on X/ }).count(),
          1,
          'the same account, not a second',
        );
      });
    },
  );
}
