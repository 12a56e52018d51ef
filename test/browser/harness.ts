/**
 * Browser tests: Debian's Chromium (`/usr/bin/chromium`, never a downloaded build) driven by
 * playwright-core, against a real server on a free port serving the built app (`web/dist`).
 *
 * - `browserSkip` is the `skip` of a browser suite: a reason when Chromium or the build is missing on a
 *   developer's machine (run-tests.mjs prints the notice); in CI (`CI=true`) it throws instead, so CI
 *   never skips them (.ci/run installs Chromium and builds before the tests).
 * - `openBrowser` starts Chromium headless with a fresh profile and the flags this closed network needs.
 * - `watchPage` records CSP violations and console errors; `checkAccessibility` runs axe-core and fails on
 *   serious or critical violations; `screenshot` saves `test-results/screenshots/<test>-<page>.png`;
 *   `capture` does both at the desktop width and at a phone's.
 * - `openPage` opens Chromium with one watched page; `signUpOwner` creates the organization's owner through
 *   a setup link and `enterTestMode` turns the header's switch on: the usual start of a browser suite.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createSetupLink } from '../../src/modules/people/index.js';
import { createTenant, createTestApp, type DialectName, type Tenant, type TestApp } from '../helpers/app.js';
import type { Clock } from '../../src/shared/clock.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WEB_INDEX = path.resolve('web', 'dist', 'index.html');
const SCREENSHOTS = path.resolve('test-results', 'screenshots');

/** The password of the people the browser suites sign up. */
export const PASSWORD = 'correct horse battery staple';
/** A phone's viewport, and the desktop one `openBrowser` starts with. */
export const PHONE = { width: 375, height: 812 };
export const DESKTOP = { width: 1280, height: 800 };

/** Without these Chromium keeps calling home, and this machine's closed network refuses it many times a second. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Why a browser suite cannot run here, or false. Throws in CI, where nothing may be skipped. */
export function browserSkip(): string | false {
  const missing = !fs.existsSync(CHROMIUM)
    ? `${CHROMIUM} is not installed (apt-get install -y chromium)`
    : !fs.existsSync(WEB_INDEX)
      ? 'web/dist is not built (npm run build)'
      : undefined;
  if (!missing) return false;
  if (process.env.CI) throw new Error(`Browser tests cannot run in CI: ${missing}`);
  return missing;
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Chromium headless with a new empty profile (deleted on close). */
export async function openBrowser(): Promise<Browser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'audenci-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
  });
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A free TCP port of 127.0.0.1 (bound, read, released). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface LiveApp {
  t: TestApp;
  tenant: Tenant;
  /** `http://127.0.0.1:<port>`, also the server's AUDENCI_PUBLIC_URL (sessions check the Origin against it). */
  url: string;
  close(): Promise<void>;
}

/**
 * The real server (every plugin, real database, the built app) listening on a free port; `env`: settings;
 * `clock`: the server's time (a `ManualClock` lets a test move it, e.g. past a post's schedule).
 */
export async function startLiveApp(
  dialect: DialectName,
  env: Record<string, string> = {},
  options: { clock?: Clock } = {},
): Promise<LiveApp> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const t = await createTestApp(dialect, { env: { ...env, AUDENCI_PUBLIC_URL: url }, clock: options.clock });
  try {
    const tenant = await createTenant(t);
    await t.app.listen({ port, host: '127.0.0.1' });
    return { t, tenant, url, close: () => t.close() };
  } catch (error) {
    await t.close();
    throw error;
  }
}

export interface PageWatch {
  /** `securitypolicyviolation` events the page raised (directive and blocked URI). */
  cspViolations(): Promise<string[]>;
  /** Console messages of type error (a failed request's own line included). */
  consoleErrors: string[];
}

/**
 * Records what a page reports about itself. The listener is installed through the DevTools protocol, so
 * it runs before the page's scripts and is not itself subject to the page's CSP.
 */
export async function watchPage(page: Page): Promise<PageWatch> {
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  // Page code as text: this file is compiled for Node, without the DOM's types.
  await page.addInitScript({
    content: `window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (event) => {
        window.__cspViolations.push(event.violatedDirective + ' ' + event.blockedURI);
      });`,
  });
  return {
    consoleErrors,
    cspViolations: () => page.evaluate<string[]>('window.__cspViolations || []'),
  };
}

/** The `name` attribute of the element that has the keyboard focus (null: none, or no name). */
export function focusedName(page: Page): Promise<string | null> {
  return page.evaluate<string | null>(
    'document.activeElement && document.activeElement.getAttribute("name")',
  );
}

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: unknown[];
}

/**
 * axe-core on the page as it stands: no serious or critical violation. axe is evaluated through the
 * DevTools protocol (a script tag would be refused by the app's CSP, which the tests keep on).
 */
export async function checkAccessibility(page: Page, what: string): Promise<void> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate<AxeViolation[]>(
    `axe.run(document, { resultTypes: ['violations'] }).then((result) =>
      result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target) })))`,
  );
  const blocking = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(blocking, [], `${what}: axe found serious or critical violations`);
}

/** Saves `test-results/screenshots/<test>-<page>.png` (CI keeps the folder as an artifact). */
export async function screenshot(page: Page, test: string, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${test}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * axe and a screenshot of the page as it stands at the desktop width, then both again at a phone's width
 * (`<name>-phone`), then back to the desktop width. `fitsPhone`: also fail when the page is wider than the
 * phone (it scrolls sideways).
 */
export async function capture(
  page: Page,
  test: string,
  name: string,
  options: { fitsPhone?: boolean } = {},
): Promise<void> {
  await checkAccessibility(page, name);
  await screenshot(page, test, name);
  await page.setViewportSize(PHONE);
  await checkAccessibility(page, `${name} (phone)`);
  await screenshot(page, test, `${name}-phone`);
  if (options.fitsPhone) {
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    assert.ok(overflow <= 0, `${name}: the page is ${overflow}px wider than a ${PHONE.width}px phone`);
  }
  await page.setViewportSize(DESKTOP);
}

export interface WatchedPage {
  browser: Browser;
  page: Page;
  watch: PageWatch;
}

/** Chromium (`openBrowser`) with one page, watched (`watchPage`). Close it with `browser.close()`. */
export async function openPage(): Promise<WatchedPage> {
  const browser = await openBrowser();
  try {
    const page = await browser.context.newPage();
    const watch = await watchPage(page);
    return { browser, page, watch };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

/**
 * Signs the organization's owner up in `page`: a setup link (as `audenci setup-link` makes), its /setup
 * form (name, email, `PASSWORD`), "Create owner account", then the signed-in Overview.
 */
export async function signUpOwner(
  page: Page,
  live: LiveApp,
  owner: { name?: string; email?: string } = {},
): Promise<void> {
  const link = await createSetupLink(live.t.runtime.ctx.db, live.t.clock, live.tenant.org.id);
  await page.goto(`${live.url}/setup?token=${encodeURIComponent(link.token)}`);
  await page.getByLabel('Your name').fill(owner.name ?? 'Ada Lovelace');
  await page.getByLabel('Email').fill(owner.email ?? 'ada@example.com');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create owner account' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
}

/** Turns the header's "Test mode" switch on and waits for the banner that says so. */
export async function enterTestMode(page: Page): Promise<void> {
  await page.getByRole('switch', { name: 'Test mode' }).click();
  await page.getByText('Test mode: you are viewing test data').waitFor();
}
