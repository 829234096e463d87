import AxeBuilder from '@axe-core/playwright';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Browser, BrowserContext, chromium, Locator, Page } from 'playwright-core';
import type { ListeningTestApp } from './test-app';

/** Debian's `chromium` package, installed by scripts/services.sh; never a browser build downloaded by a library. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  // The test machine runs as root in a container, where Chromium's sandbox cannot start.
  '--no-sandbox',
  '--disable-gpu',
  // No traffic but to the application under test: the machine has no internet.
  '--disable-background-networking',
  '--disable-component-update',
];

/** The session cookie's name over plain HTTP, as the tests run (src/accounts/session-cookie.ts). */
export const SESSION_COOKIE = 'entraide_session';

/** The WCAG 2.1 A and AA rules of axe-core: what a public service's site must meet (RGAA is built on them). */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** Set to a folder to keep a screenshot of each page a test names (see debugScreenshot). */
const SCREENSHOT_DIR = process.env.ENTRAIDE_SCREENSHOTS;

const pageErrors = new WeakMap<Page, string[]>();

/** One headless Chromium; a test file launches it in beforeAll and closes it in afterAll. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} is missing: run scripts/services.sh, which installs Debian's chromium package`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 30_000 });
}

/**
 * Browser contexts kept between pages, by browser, commune site and viewport. A context's first page costs Chromium a
 * new renderer process (~2 s of CPU here, against ~0.6 s for a page opened beside another of the same site); while a
 * context keeps a page of the commune's site open (its keeper, on /health/live), the next page it opens reuses that
 * process. A context goes back to its
 * pool when its page closes, with its cookies, permissions and position cleared: the next page starts signed out,
 * as from a fresh context, with only the HTTP cache (styles, scripts) shared.
 */
const idleContexts = new WeakMap<Browser, Map<string, BrowserContext[]>>();

async function takeContext(
  browser: Browser,
  app: ListeningTestApp,
  tenantSlug: string,
  viewport: { width: number; height: number },
): Promise<{ context: BrowserContext; release: () => Promise<void> }> {
  const site = app.baseUrl(tenantSlug);
  const key = `${site} ${viewport.width}x${viewport.height}`;
  let pools = idleContexts.get(browser);
  if (!pools) idleContexts.set(browser, (pools = new Map()));
  const pool = pools.get(key) ?? [];
  pools.set(key, pool);
  let context = pool.pop();
  if (!context) {
    // An explicit context, not browser.newPage(): its options (locale, time zone, viewport) are this page's own.
    context = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris', viewport });
    const keeper = await context.newPage();
    await keeper.goto(new URL('health/live', site).toString());
  }
  const taken = context;
  const release = async () => {
    if (!browser.isConnected()) return;
    try {
      await Promise.all([taken.clearCookies(), taken.clearPermissions(), taken.setGeolocation(null)]);
      // The keeper and nothing else: a page the test left open would carry its state into the next one.
      if (taken.pages().length === 1) pool.push(taken);
      else await taken.close();
    } catch {
      // The browser or the context closed meanwhile: nothing to keep.
    }
  };
  return { context: taken, release };
}

/**
 * Opens `path` of a tenant's site in a browser context of its own (no cookies shared with another open page; see
 * idleContexts), as a French resident on a laptop screen (or `viewport`), signed in with `session` when given, and
 * checks the answer's status. `page.close()` gives the context back.
 */
export async function openTenantPage(
  browser: Browser,
  app: ListeningTestApp,
  tenantSlug: string,
  path = '/',
  opts: { status?: number; viewport?: { width: number; height: number }; session?: string } = {},
): Promise<Page> {
  const { context, release } = await takeContext(
    browser,
    app,
    tenantSlug,
    opts.viewport ?? { width: 1280, height: 800 },
  );
  // A session token of the factories (createResident): the page opens signed in, without the sign-in form.
  if (opts.session)
    await context.addCookies([{ name: SESSION_COOKIE, value: opts.session, url: app.baseUrl(tenantSlug) }]);
  const page = await context.newPage();
  page.once('close', () => void release());
  const errors: string[] = [];
  pageErrors.set(page, errors);
  page.on('pageerror', (err) => errors.push(err.message));
  const url = new URL(path.replace(/^\/+/, ''), app.baseUrl(tenantSlug)).toString();
  const res = await page.goto(url, { waitUntil: 'load' });
  const expected = opts.status ?? 200;
  if (res?.status() !== expected) {
    const body = res ? (await res.text()).slice(0, 500) : '';
    await page.close();
    throw new Error(
      `GET ${url} answered ${res?.status() ?? 'nothing'}, expected ${expected}${body ? `:\n${body}` : ''}`,
    );
  }
  return page;
}

/**
 * Runs `action` (a click, a key press) and waits for the navigation it starts to load; the status of the final
 * answer, after redirects (a form's 303, then the page it leads to).
 */
export async function navigation(page: Page, action: () => Promise<unknown>): Promise<number> {
  const [res] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), action()]);
  return res?.status() ?? 0;
}

/** Uncaught script errors the page raised since it was opened by openTenantPage. */
export function uncaughtErrors(page: Page): string[] {
  return [...(pageErrors.get(page) ?? [])];
}

/** A CSS property of the first matching element as the browser computed it, e.g. `rgb(31, 93, 140)` for a colour. */
export function computedStyle(locator: Locator, property: string): Promise<string> {
  // The project compiles without the DOM library: reach the page's window through the element.
  return locator
    .first()
    .evaluate((el, prop) => el.ownerDocument.defaultView!.getComputedStyle(el).getPropertyValue(prop), property);
}

/**
 * Runs axe-core's WCAG 2.1 A/AA rules on the page as it is now and fails with one readable
 * entry per violation: rule, impact, what it asks, and the selector of every offending element.
 */
export async function expectNoAxeViolations(page: Page, label: string): Promise<void> {
  // Legacy mode: one axe.run() in the page (same-origin frames included) instead of a run per frame
  // assembled in a new blank page, which costs about 0.8 s more per page; the sites embed no
  // cross-origin frame, the only kind this leaves out. Every node is detailed for the violations only (the other
  // results keep one node each): the selectors axe builds for every passing node cost a quarter of its run.
  const results = await new AxeBuilder({ page })
    .withTags(AXE_TAGS)
    .options({ resultTypes: ['violations'] })
    .setLegacyMode(true)
    .analyze();
  // A blank or error page passes every rule by having nothing to check: that is no proof.
  if (results.violations.length === 0 && results.passes.length === 0)
    throw new Error(`${label} (${page.url()}): axe found nothing to check`);
  if (results.violations.length === 0) return;
  const shot = await debugScreenshot(page, `axe-${label}`);
  const lines = [
    `${label} (${page.url()}): ${results.violations.length} accessibility violation(s) of ${AXE_TAGS.join(', ')}, ` +
      `axe-core ${results.testEngine.version}`,
  ];
  for (const v of results.violations) {
    lines.push('', `- ${v.id} [${v.impact ?? 'unknown impact'}]: ${v.help} (${v.helpUrl})`);
    for (const node of v.nodes.slice(0, 10)) {
      lines.push(`    ${node.target.map((t) => (Array.isArray(t) ? t.join(' >>> ') : String(t))).join(' | ')}`);
      // The first line of axe's own explanation carries the measured figures (contrast ratio, …).
      const why = node.failureSummary
        ?.split('\n')
        .map((l) => l.trim())
        .filter(Boolean)[1];
      if (why) lines.push(`      ${why}`);
    }
    if (v.nodes.length > 10) lines.push(`    … and ${v.nodes.length - 10} more`);
  }
  if (shot) lines.push('', `screenshot: ${shot}`);
  throw new Error(lines.join('\n'));
}

/** Saves a PNG of the page (the whole page unless `fullPage: false`), creating the folder. */
export async function saveScreenshot(page: Page, path: string, opts: { fullPage?: boolean } = {}): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await page.screenshot({ path, fullPage: opts.fullPage ?? true, animations: 'disabled' });
  return path;
}

/** Saves `<ENTRAIDE_SCREENSHOTS>/<name>.png` when that variable names a folder; does nothing otherwise. */
export async function debugScreenshot(page: Page, name: string): Promise<string | undefined> {
  if (!SCREENSHOT_DIR) return undefined;
  return saveScreenshot(page, join(SCREENSHOT_DIR, `${name.replace(/[^\w.-]+/g, '-')}.png`));
}
