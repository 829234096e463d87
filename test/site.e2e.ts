import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { parse } from 'yaml';
import {
  computedStyle,
  debugScreenshot,
  expectNoAxeViolations,
  launchBrowser,
  openTenantPage,
  uncaughtErrors,
} from './support/browser';
import { categoryId, createResident } from './support/factories';
import { ListeningTestApp, startListeningTestApp } from './support/test-app';

interface TenantFile {
  slug: string;
  name: string;
  siteName: string;
  theme: { primary: string; primaryContrast: string; accent: string };
}
const TENANTS = ['meylan', 'grenoble', 'seyssins', 'metropole', 'lyon'].map(
  (slug) => parse(readFileSync(join(__dirname, '..', 'tenants', `${slug}.yaml`), 'utf8')) as TenantFile,
);

// A point inside Meylan's Buclos neighbourhood (tenants/meylan.yaml).
const BUCLOS = { lat: 45.2125, lng: 5.77715 };

/** `#1f5d8c` → `rgb(31, 93, 140)`, as getComputedStyle prints an opaque colour. */
const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;

describe('each commune’s front page in a real browser', () => {
  let t: ListeningTestApp;
  let browser: Browser;
  let page: Page | undefined;

  const open = async (slug: string, path = '/') => {
    page = await openTenantPage(browser, t, slug, path);
    return page;
  };

  beforeAll(async () => {
    [t, browser] = await Promise.all([startListeningTestApp(), launchBrowser()]);
  });
  afterEach(async () => {
    await page?.close();
    page = undefined;
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it.each(TENANTS.map((tenant) => [tenant.slug, tenant] as const))(
    'shows %s its own site name, in the title and the main heading, on its primary colour',
    async (slug, tenant) => {
      const p = await open(slug);
      await debugScreenshot(p, `home-${slug}`);
      expect(await p.title()).toContain(tenant.siteName);
      const h1 = p.locator('h1');
      expect(await h1.count()).toBe(1);
      expect((await h1.innerText()).trim()).toContain(tenant.siteName);
      const banner = p.getByRole('banner');
      expect(await banner.count()).toBe(1);
      expect(await banner.isVisible()).toBe(true);
      expect(await computedStyle(banner, 'background-color')).toBe(rgb(tenant.theme.primary));
      expect(uncaughtErrors(p)).toEqual([]);
    },
  );

  it('lists a listing just published in Meylan on Meylan’s front page, and never on Grenoble’s', async () => {
    const author = await createResident(t.db, 'meylan', { displayName: 'Colette B.' });
    const title = `Arrosage de vos plantes pendant les vacances ${Date.now().toString(36)}`;
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/listings',
      host: 'meylan.localhost',
      session: author.session,
      payload: {
        kind: 'offer',
        categoryId: await categoryId(t.db, 'meylan', 'courses'),
        title,
        description: 'Je passe arroser vos plantes et relever le courrier pendant vos congés.',
        mode: 'in_person',
        location: BUCLOS,
      },
    });
    expect(res.status).toBe(201);
    expect(res.json().status).toBe('published');

    const meylan = await open('meylan');
    expect(await meylan.getByText(title).count()).toBeGreaterThan(0);
    expect(await meylan.getByText(title).first().isVisible()).toBe(true);
    await meylan.close();

    const grenoble = await open('grenoble');
    expect(await grenoble.locator('body').innerText()).not.toContain(title);
    expect(await grenoble.content()).not.toContain(title);
  });

  it.each(TENANTS.map((tenant) => tenant.slug))(
    'has no WCAG 2.1 A/AA violation found by axe on %s’s front page',
    async (slug) => {
      await expectNoAxeViolations(await open(slug), `front page of ${slug}`);
    },
  );

  it('focuses the skip link "Aller au contenu" on the first Tab, shows it, and it leads to the content', async () => {
    const p = await open('meylan');
    await p.keyboard.press('Tab');
    const focused = p.locator(':focus');
    expect(await focused.count()).toBe(1);
    expect((await focused.innerText()).trim()).toBe('Aller au contenu');
    expect(await focused.isVisible()).toBe(true);
    const box = await focused.boundingBox();
    const viewport = p.viewportSize()!;
    expect(box).not.toBeNull();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.y).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(viewport.width);

    const target = await focused.getAttribute('href');
    expect(target).toMatch(/^#[\w-]+$/);
    expect(await p.locator(target!).count()).toBe(1);
    await p.keyboard.press('Enter');
    expect(new URL(p.url()).hash).toBe(target);
  });
});
