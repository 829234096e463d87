import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './browser';
import { SmtpSink } from './smtp-sink';
import { ListeningTestApp, startListeningTestApp } from './test-app';

/** What a file of whole-journey browser tests runs against. */
export interface BrowserSite {
  sink: SmtpSink;
  t: ListeningTestApp;
  browser: Browser;
}

/**
 * An SMTP sink, the application listening with its workers on (its mail to the sink, no map tiles) and one
 * Chromium: start it in `beforeAll`, stop it with `stopBrowserSite` in `afterAll`.
 */
export async function startBrowserSite(): Promise<BrowserSite> {
  const sink = await SmtpSink.start();
  const [t, browser] = await Promise.all([
    startListeningTestApp({ env: { WORKERS: 'on', SMTP_URL: sink.url, MAP_TILE_URL: '' } }),
    launchBrowser(),
  ]);
  return { sink, t, browser };
}

/** Stops what `startBrowserSite` started, whatever of it did start. */
export async function stopBrowserSite(site: Partial<BrowserSite>): Promise<void> {
  await site.browser?.close();
  await site.t?.close();
  await site.sink?.stop();
}

/** Closes the pages a test opened (in `afterEach`), so the next test starts with none. */
export async function closePages(opened: Page[]): Promise<void> {
  await Promise.all(opened.splice(0).map((p) => p.close().catch(() => undefined)));
}
