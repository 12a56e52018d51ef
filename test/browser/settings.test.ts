import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { Audenci, APIError } from '@audenci/sdk-js';
import { dialects, startWorker } from '../helpers/app.js';
import {
  browserSkip,
  capture,
  checkAccessibility,
  enterTestMode,
  focusedName,
  openBrowser,
  PASSWORD,
  signUpOwner,
  startLiveApp,
  watchPage,
  type Browser,
  type LiveApp,
  type PageWatch,
} from './harness.js';

const skip = browserSkip();

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A real HTTP server that records what is POSTed to it: the webhook endpoint of the scenario. */
async function startReceiver(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(200, { 'content-type': 'text/plain' }).end('received by the test receiver');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/audenci`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function goTo(page: Page, link: string, heading: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

for (const dialect of dialects) {
  describe(`settings in Chromium (${dialect})`, { skip }, () => {
    let live: LiveApp;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    let worker: Awaited<ReturnType<typeof startWorker>>;
    const browsers: Browser[] = [];
    let owner: Page;
    let watch: PageWatch;
    const shots = `settings-${dialect}`;

    async function newPage(): Promise<Page> {
      const browser = await openBrowser();
      browsers.push(browser);
      return browser.context.newPage();
    }

    before(async () => {
      live = await startLiveApp(dialect, {
        AUDENCI_SIGN_IN_FAILURE_LIMIT: '2',
        // The receiver listens on 127.0.0.1: the SSRF guard refuses such addresses unless told otherwise.
        AUDENCI_ALLOW_PRIVATE_URLS: 'true',
      });
      worker = await startWorker(live.t);
      receiver = await startReceiver();
      owner = await newPage();
      watch = await watchPage(owner);
    });
    after(async () => {
      for (const browser of browsers) await browser.close();
      await worker?.stop();
      await receiver?.close();
      await live?.close();
    });

    it('setup link → owner → API key created in the UI works over HTTP and the SDK → revoked → 401', async () => {
      await signUpOwner(owner, live);

      await goTo(owner, 'API keys', 'API keys');
      // The tenant's own admin key (test helpers) is listed: the table, not the empty state.
      await owner.getByRole('region', { name: 'API keys list' }).waitFor();
      await capture(owner, shots, 'api-keys', { fitsPhone: true });

      // Keyboard: the dialog takes the focus, Escape closes it, the focus returns to its button.
      const createButton = owner.getByRole('button', { name: 'Create API key' });
      await createButton.focus();
      await owner.keyboard.press('Enter');
      const dialog = owner.getByRole('dialog', { name: 'Create an API key' });
      await dialog.waitFor();
      assert.equal(await focusedName(owner), 'name', 'the first field has the focus');
      await owner.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      assert.equal(
        await owner.evaluate<string | null>('document.activeElement?.textContent ?? null'),
        'Create API key',
      );
      await owner.keyboard.press('Enter');
      await dialog.getByLabel('Name').fill('CI pipeline');
      await dialog.getByLabel('Scope').selectOption('read_write');
      // A day in the past: the API's message is shown next to the expiry field.
      await dialog.getByLabel('Expires (optional)').fill('2020-01-01');
      await dialog.getByRole('button', { name: 'Create key' }).click();
      await dialog.locator('.field--invalid').getByLabel('Expires (optional)').waitFor();
      // In words for a person: the reason, not the API's field path (`expiresAt: must be …`).
      const fieldError = await dialog.locator('.field--invalid').innerText();
      assert.match(fieldError, /Must be in the future/);
      assert.doesNotMatch(fieldError, /expiresAt/);
      await capture(owner, shots, 'api-keys-create-field-error', { fitsPhone: true });
      await dialog.getByLabel('Expires (optional)').fill('');
      await dialog.getByRole('button', { name: 'Create key' }).click();

      const shown = owner.getByRole('dialog', { name: 'Your new API key' });
      await shown.getByText('it will not be shown again').waitFor();
      const key = (await shown.locator('.secret__value').textContent())?.trim() ?? '';
      assert.match(key, /^sk_/);
      await capture(owner, shots, 'api-keys-secret-once', { fitsPhone: true });
      // The copy button puts the whole key on the clipboard and says so.
      await owner.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: live.url });
      await shown.getByRole('button', { name: 'Copy' }).click();
      await shown.getByRole('button', { name: 'Copied' }).waitFor();
      assert.equal(await owner.evaluate<string>('navigator.clipboard.readText()'), key);
      await shown.getByRole('button', { name: 'Done' }).click();

      const row = owner.getByRole('row').filter({ hasText: 'CI pipeline' });
      await row.getByText(`…${key.slice(-4)}`).waitFor();
      await row.getByText('active').waitFor();
      await capture(owner, shots, 'api-keys-list', { fitsPhone: true });

      // The key, as curl would send it, and through the SDK.
      const plain = await fetch(`${live.url}/api/v1/organization`, {
        headers: { authorization: `Bearer ${key}` },
      });
      assert.equal(plain.status, 200);
      assert.equal(((await plain.json()) as { data: { name: string } }).data.name, live.tenant.org.name);
      const sdk = new Audenci({ apiKey: key, baseUrl: live.url, maxRetries: 0 });
      assert.equal((await sdk.organization.retrieve()).name, live.tenant.org.name);

      await row.getByRole('button', { name: 'Revoke CI pipeline' }).click();
      const confirm = owner.getByRole('dialog', { name: 'Revoke “CI pipeline”?' });
      await checkAccessibility(owner, 'revoke confirmation');
      await confirm.getByRole('button', { name: 'Revoke key' }).click();
      await row.getByText('revoked').waitFor();

      const refused = await fetch(`${live.url}/api/v1/organization`, {
        headers: { authorization: `Bearer ${key}` },
      });
      assert.equal(refused.status, 401);
      await assert.rejects(
        sdk.organization.retrieve(),
        (error) => error instanceof APIError && error.status === 401,
      );

      // Test mode: the page lists the test environment's keys, marked as such; the live key is not there.
      await enterTestMode(owner);
      const testRow = owner.getByRole('row').filter({ hasText: 'admin test' });
      await testRow.getByText('Test', { exact: true }).waitFor();
      assert.equal(await owner.getByRole('row').filter({ hasText: 'CI pipeline' }).count(), 0);
      await capture(owner, shots, 'api-keys-test-mode', { fitsPhone: true });
      await owner.getByRole('switch', { name: 'Test mode' }).click();
      await owner.getByRole('row').filter({ hasText: 'CI pipeline' }).waitFor();

      // Rotation with a grace period: the new key is shown once; the old one is "expiring" and still works.
      const readRow = owner.getByRole('row').filter({ hasText: 'read live' });
      await readRow.getByRole('button', { name: 'Rotate read live' }).click();
      const rotateDialog = owner.getByRole('dialog', { name: 'Rotate “read live”' });
      await rotateDialog.getByLabel('Grace period').selectOption({ label: '1 hour' });
      await rotateDialog.getByRole('button', { name: 'Rotate key' }).click();
      const rotated = owner.getByRole('dialog', { name: 'Your rotated API key' });
      const newKey = (await rotated.locator('.secret__value').textContent())?.trim() ?? '';
      assert.match(newKey, /^sk_/);
      await rotated.getByText('The old key keeps working until').waitFor();
      await capture(owner, shots, 'api-keys-rotated', { fitsPhone: true });
      await rotated.getByRole('button', { name: 'Done' }).click();
      await owner.getByRole('row').filter({ hasText: 'read live' }).getByText('expiring').waitFor();
      for (const k of [newKey, live.tenant.live.read]) {
        const res = await fetch(`${live.url}/api/v1/organization`, {
          headers: { authorization: `Bearer ${k}` },
        });
        assert.equal(res.status, 200);
      }
    });

    it('a webhook to a local receiver: test event received and shown in the delivery log', async () => {
      await goTo(owner, 'Webhooks', 'Webhooks');
      await owner.getByText('No webhook endpoints yet').waitFor();
      await capture(owner, shots, 'webhooks-empty', { fitsPhone: true });

      await owner.getByRole('button', { name: 'Add endpoint' }).click();
      const dialog = owner.getByRole('dialog', { name: 'Add a webhook endpoint' });
      await dialog.getByLabel('Endpoint URL').fill(receiver.url);
      await dialog.getByRole('button', { name: 'Add endpoint' }).click();
      await dialog.getByText('Choose at least one event, or all events.').waitFor();
      await dialog.getByLabel('post.published').check();
      await dialog.getByLabel('post.failed').check();
      await dialog.getByRole('button', { name: 'Add endpoint' }).click();

      const created = owner.getByRole('dialog', { name: 'Endpoint created' });
      const secret = (await created.locator('.secret__value').textContent())?.trim() ?? '';
      assert.match(secret, /^whsec_/);
      await capture(owner, shots, 'webhooks-secret-once', { fitsPhone: true });
      await created.getByRole('link', { name: 'Open endpoint' }).click();

      await owner.getByRole('heading', { level: 1, name: 'Webhook endpoint' }).waitFor();
      const navWebhooks = owner
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Webhooks' });
      assert.equal(
        await navWebhooks.getAttribute('aria-current'),
        'page',
        'Webhooks stays marked on an endpoint',
      );
      await owner.getByText('No deliveries yet').waitFor();
      await owner.getByRole('button', { name: 'Send test event' }).click();
      await owner.getByText('Test event sent').waitFor();

      const delivery = await until('the receiver to get the test event', () =>
        receiver.received.find((r) => r.body.includes('"webhook.test"')),
      );
      assert.ok(delivery.headers['webhook-signature'], 'the delivery is signed');
      const verified = await Audenci.webhooks.unwrap(
        delivery.body,
        delivery.headers as Record<string, string>,
        secret,
      );
      assert.equal((verified as { type: string }).type, 'webhook.test');

      const log = owner.getByRole('region', { name: 'Delivery log' });
      const item = log.getByRole('listitem').filter({ hasText: 'webhook.test' });
      await item.getByText('succeeded', { exact: true }).waitFor({ timeout: 15_000 });
      await item.getByText('HTTP 200').waitFor();
      await item.getByRole('button', { name: 'webhook.test', exact: true }).click();
      await item.getByText('Status 200').waitFor();
      await item.getByText('received by the test receiver').waitFor();
      await capture(owner, shots, 'webhook-detail-delivery', { fitsPhone: true });

      // Retry: one more attempt, received again.
      const before = receiver.received.length;
      await item.getByRole('button', { name: /^Retry delivery webhook\.test/ }).click();
      await until('the retried delivery', () => (receiver.received.length > before ? true : undefined));

      await owner.getByRole('button', { name: 'Disable' }).click();
      await owner.getByText('Disabled by an admin.').waitFor();
      await owner.getByRole('button', { name: 'Enable' }).click();
      await owner.getByRole('button', { name: 'Disable' }).waitFor();

      // Edit, and rotate the secret with an overlap: both signatures for a while.
      await owner.getByRole('button', { name: 'Edit' }).click();
      const edit = owner.getByRole('dialog', { name: 'Edit endpoint' });
      await edit.getByLabel('Description (optional)').fill('Test receiver');
      await edit.getByRole('button', { name: 'Save changes' }).click();
      await owner.getByRole('definition').filter({ hasText: 'Test receiver' }).waitFor();
      await owner.getByRole('button', { name: 'Rotate secret' }).click();
      const rotate = owner.getByRole('dialog', { name: 'Rotate the signing secret' });
      await rotate.getByRole('button', { name: 'Rotate secret' }).click();
      const rotatedSecret = owner.getByRole('dialog', { name: 'New signing secret' });
      assert.notEqual((await rotatedSecret.locator('.secret__value').textContent())?.trim(), secret);
      await rotatedSecret.getByRole('button', { name: 'Done' }).click();
      await owner.getByText(/^Still signs deliveries until/).waitFor();

      // Disabled by Audenci itself (the endpoint answered 410): the reason is shown, and Enable clears it.
      await live.t.runtime.ctx.db
        .updateTable('webhook_endpoints')
        .set({ enabled: 0, disabled_reason: 'gone' })
        .where('url', '=', receiver.url)
        .execute();
      await owner.reload();
      await owner.getByText('Disabled by Audenci: the endpoint answered 410 Gone.').waitFor();
      await capture(owner, shots, 'webhook-detail-disabled', { fitsPhone: true });
      await owner.getByRole('button', { name: 'Enable' }).click();
      await owner.getByText('Disabled by Audenci').waitFor({ state: 'detached' });

      await goTo(owner, 'Webhooks', 'Webhooks');
      await owner.getByRole('link', { name: receiver.url }).waitFor();
      await capture(owner, shots, 'webhooks-list', { fitsPhone: true });

      // An endpoint that does not exist: the API's 404 message, with a retry.
      await owner.goto(`${live.url}/settings/webhooks/whk_01JD7Q8ZK2M4N6P8R0T2V4X6Z8`);
      const failure = owner.getByRole('alert').filter({ hasText: 'Something went wrong' });
      await failure.getByRole('button', { name: 'Try again' }).waitFor();
      await capture(owner, shots, 'webhook-detail-not-found', { fitsPhone: true });
    });

    let editorUrl = '';
    let viewerUrl = '';

    it('organization: usage, members, invitations with their links, audit log', async () => {
      await goTo(owner, 'Organization', 'Organization');
      // This hour's requests of the live environment, from GET /organization's `usage`, with the reset time.
      const meter = owner.getByRole('progressbar', { name: 'Requests used this hour' });
      await meter.waitFor();
      assert.equal(await meter.getAttribute('max'), '10000');
      assert.ok(Number(await meter.getAttribute('value')) >= 1, 'this request at least');
      await owner.getByText(/^Resets at .+ \((in \d+ \w+|now)\)\.$/).waitFor();
      await owner.getByRole('row').filter({ hasText: 'ada@example.com' }).waitFor();

      await owner.getByRole('button', { name: 'Invite member' }).click();
      let dialog = owner.getByRole('dialog', { name: 'Invite a member' });
      await dialog.getByLabel('Email').fill('ada@example.com');
      await dialog.getByRole('button', { name: 'Send invitation' }).click();
      // Already a member: the API's 409 names the email field.
      await dialog.locator('.field--invalid').getByLabel('Email').waitFor();
      await dialog.getByLabel('Email').fill('grace@example.com');
      await dialog.getByLabel('Role').selectOption('editor');
      await dialog.getByRole('button', { name: 'Send invitation' }).click();
      let sent = owner.getByRole('dialog', { name: 'Invitation created' });
      editorUrl = (await sent.locator('.secret__value').textContent())?.trim() ?? '';
      assert.match(editorUrl, /\/invitations\/accept\?token=/);
      await capture(owner, shots, 'organization-invitation-link', { fitsPhone: true });
      await sent.getByRole('button', { name: 'Invite another' }).click();

      dialog = owner.getByRole('dialog', { name: 'Invite a member' });
      await dialog.getByLabel('Email').fill('vera@example.com');
      await dialog.getByLabel('Role').selectOption('viewer');
      await dialog.getByRole('button', { name: 'Send invitation' }).click();
      sent = owner.getByRole('dialog', { name: 'Invitation created' });
      viewerUrl = (await sent.locator('.secret__value').textContent())?.trim() ?? '';
      assert.match(viewerUrl, /\/invitations\/accept\?token=/);
      await sent.getByRole('button', { name: 'Done' }).click();

      const pending = owner.getByRole('region', { name: 'Pending invitations' });
      await pending.getByText('grace@example.com').waitFor();
      await pending.getByText('vera@example.com').waitFor();

      const audit = owner.getByRole('region', { name: 'Audit log', exact: true });
      await audit.getByRole('cell', { name: 'api_key.revoked' }).waitFor();
      await audit.getByLabel('Action').selectOption('api_key.created');
      await audit.getByRole('cell', { name: 'api_key.revoked' }).waitFor({ state: 'detached' });
      await audit.getByRole('cell', { name: 'api_key.created' }).first().waitFor();
      await audit.getByLabel('Action').selectOption('');
      await capture(owner, shots, 'organization', { fitsPhone: true });
    });

    it('the invited editor and viewer join; the viewer cannot create keys (no button, 403)', async () => {
      for (const [url, name] of [
        [editorUrl, 'Grace Hopper'],
        [viewerUrl, 'Vera Rubin'],
      ] as const) {
        const page = await newPage();
        await page.goto(url);
        await page.getByLabel('Your name').fill(name);
        await page.getByLabel('Password').fill(PASSWORD);
        await page.getByRole('button', { name: /^Join / }).click();
        await page.getByRole('heading', { name: 'Overview' }).waitFor();
        if (name !== 'Vera Rubin') continue;

        await goTo(page, 'API keys', 'API keys');
        await page.getByText('Only owners and admins manage API keys').waitFor();
        assert.equal(await page.getByRole('button', { name: 'Create API key' }).count(), 0);
        await capture(page, shots, 'api-keys-viewer', { fitsPhone: true });
        const status = await page.evaluate<number>(`(async () => {
          const session = await (await fetch('/auth/session')).json();
          const res = await fetch('/api/v1/api-keys', {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-csrf-token': session.data.csrfToken },
            body: JSON.stringify({ scope: 'read', name: 'viewer key' }),
          });
          return res.status;
        })()`);
        assert.equal(status, 403);

        await goTo(page, 'Organization', 'Organization');
        await page.getByRole('row').filter({ hasText: 'vera@example.com' }).waitFor();
        assert.equal(await page.getByRole('button', { name: 'Invite member' }).count(), 0);
        await capture(page, shots, 'organization-viewer', { fitsPhone: true });
      }
      await owner.reload();
      await owner.getByRole('row').filter({ hasText: 'grace@example.com' }).getByText('Editor').waitFor();
    });

    it('the owner renames the organization, changes a role, removes a member, revokes an invitation', async () => {
      await goTo(owner, 'Organization', 'Organization');
      await owner.getByLabel('Organization name').fill('Analytical Engines');
      await owner.getByRole('button', { name: 'Save name' }).click();
      await owner.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
      await owner.getByRole('banner').getByText('Analytical Engines').first().waitFor();

      await owner.getByRole('button', { name: 'Change role of Grace Hopper' }).click();
      const roleDialog = owner.getByRole('dialog', { name: 'Change the role of Grace Hopper' });
      await roleDialog.getByLabel('Role').selectOption('admin');
      await roleDialog.getByRole('button', { name: 'Save role' }).click();
      await owner.getByRole('row').filter({ hasText: 'grace@example.com' }).getByText('Admin').waitFor();

      await owner.getByRole('button', { name: 'Remove Vera Rubin' }).click();
      await owner
        .getByRole('dialog', { name: 'Remove Vera Rubin?' })
        .getByRole('button', { name: 'Remove member' })
        .click();
      await owner.getByRole('row').filter({ hasText: 'vera@example.com' }).waitFor({ state: 'detached' });

      await owner.getByRole('button', { name: 'Invite member' }).click();
      const invite = owner.getByRole('dialog', { name: 'Invite a member' });
      await invite.getByLabel('Email').fill('charles@example.com');
      await invite.getByRole('button', { name: 'Send invitation' }).click();
      await owner
        .getByRole('dialog', { name: 'Invitation created' })
        .getByRole('button', { name: 'Done' })
        .click();
      const pending = owner.getByRole('region', { name: 'Pending invitations', exact: true });
      await pending.getByRole('button', { name: 'Revoke the invitation of charles@example.com' }).click();
      await owner
        .getByRole('dialog', { name: 'Revoke the invitation of charles@example.com?' })
        .getByRole('button', { name: 'Revoke invitation' })
        .click();
      await pending
        .getByRole('cell', { name: 'charles@example.com', exact: true })
        .waitFor({ state: 'detached' });
      await pending.getByText('No pending invitations').waitFor();
      await capture(owner, shots, 'organization-after-changes', { fitsPhone: true });
    });

    it('CSRF: a change without X-CSRF-Token, or from a foreign Origin, is refused (403)', async () => {
      const session = (await (await owner.request.get(`${live.url}/auth/session`)).json()) as {
        data: { csrfToken: string };
      };
      const without = await owner.request.post(`${live.url}/api/v1/api-keys`, { data: { scope: 'read' } });
      assert.equal(without.status(), 403);
      const foreign = await owner.request.post(`${live.url}/api/v1/api-keys`, {
        data: { scope: 'read' },
        headers: { 'x-csrf-token': session.data.csrfToken, origin: 'https://evil.example' },
      });
      assert.equal(foreign.status(), 403);
      const same = await owner.request.post(`${live.url}/api/v1/api-keys`, {
        data: { scope: 'read', name: 'CSRF control' },
        headers: { 'x-csrf-token': session.data.csrfToken, origin: live.url },
      });
      assert.equal(same.status(), 201, 'the same request with the token from this origin is accepted');
    });

    it('session fixation: a cookie planted before sign-in is not the session after it', async () => {
      const page = await newPage();
      const context = page.context();
      await context.addCookies([{ name: 'audenci_session', value: 'planted-by-an-attacker', url: live.url }]);
      await page.goto(`${live.url}/sign-in`);
      await page.getByLabel('Email').fill('grace@example.com');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      const cookie = (await context.cookies(live.url)).find((c) => c.name === 'audenci_session');
      assert.ok(cookie && cookie.value !== 'planted-by-an-attacker', 'a new session cookie after sign-in');
      assert.ok(cookie.httpOnly, 'the session cookie is HttpOnly');
      const planted = await fetch(`${live.url}/auth/session`, {
        headers: { cookie: 'audenci_session=planted-by-an-attacker' },
      });
      assert.equal(planted.status, 401);
    });

    it('sign-in throttling answers 429', async () => {
      const page = await newPage();
      await page.goto(`${live.url}/sign-in`);
      await page.getByLabel('Email').fill('vera@example.com');
      await page.getByLabel('Password').fill('not the password');
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const answered = page.waitForResponse((r) => r.url().endsWith('/auth/sign-in'));
        await page.getByRole('button', { name: 'Sign in' }).click();
        statuses.push((await answered).status());
      }
      assert.deepEqual(statuses, [401, 401, 429]);
      await page
        .getByRole('alert')
        .getByText(/^Too many attempts/)
        .waitFor();
    });

    it('no CSP violation on the owner’s pages', async () => {
      assert.deepEqual(await watch.cspViolations(), []);
      assert.deepEqual(
        watch.consoleErrors.filter((e) => /Content Security Policy/i.test(e)),
        [],
      );
    });
  });
}
