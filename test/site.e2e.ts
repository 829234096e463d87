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

  it(
    'folds the navigation behind a « Menu » button on a 360 px phone, opened and closed with the keyboard, and ' +
      'shows it as a list without JavaScript',
    async () => {
      const p = (page = await openTenantPage(browser, t, 'meylan', '/', { viewport: { width: 360, height: 740 } }));
      const nav = p.getByRole('navigation', { name: 'Navigation principale' });
      const menu = nav.getByRole('button', { name: 'Menu' });
      const listings = nav.getByRole('link', { name: 'Annonces' });
      await expect(menu.getAttribute('aria-expanded')).resolves.toBe('false');
      expect(await listings.isVisible()).toBe(false);
      // Skip link, the site's name, then the button.
      for (let i = 0; i < 3; i++) await p.keyboard.press('Tab');
      await expect(p.locator(':focus').innerText()).resolves.toBe('Menu');
      await p.keyboard.press('Enter');
      await expect(menu.getAttribute('aria-expanded')).resolves.toBe('true');
      expect(await listings.isVisible()).toBe(true);
      await p.keyboard.press('Tab');
      await expect(p.locator(':focus').innerText()).resolves.toBe('Accueil');
      await p.keyboard.press('Escape');
      await expect(menu.getAttribute('aria-expanded')).resolves.toBe('false');
      await expect(p.locator(':focus').innerText()).resolves.toBe('Menu');
      expect(await listings.isVisible()).toBe(false);
      const header = await p.getByRole('banner').boundingBox();
      expect(header!.height).toBeLessThan(200);
      expect(uncaughtErrors(p)).toEqual([]);

      const noScript = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 740 } });
      try {
        const plain = await noScript.newPage();
        await plain.goto(t.baseUrl('meylan'), { waitUntil: 'load' });
        const plainNav = plain.getByRole('navigation', { name: 'Navigation principale' });
        await expect(plainNav.getByRole('button', { name: 'Menu' }).count()).resolves.toBe(0);
        expect(await plainNav.getByRole('link', { name: 'Annonces' }).isVisible()).toBe(true);
        expect(await plainNav.getByRole('link', { name: 'Se connecter' }).isVisible()).toBe(true);
      } finally {
        await noScript.close();
      }
    },
  );

  it(
    'links every page’s footer to the accessibility statement, the site map and the help page, all passing ' +
      'axe, with the town hall’s phone',
    async () => {
      const p = await open('lyon');
      const footer = p.getByRole('contentinfo');
      await expect(footer.getByRole('link', { name: '04 99 00 10 30' }).getAttribute('href')).resolves.toBe(
        'tel:+33499001030',
      );
      const follow = async (name: string, heading: string, axe = true) => {
        await Promise.all([
          p.waitForNavigation({ waitUntil: 'load' }),
          p.getByRole('contentinfo').getByRole('link', { name, exact: true }).click(),
        ]);
        await expect(p.locator('h1').innerText()).resolves.toBe(heading);
        if (axe) await expectNoAxeViolations(p, `lyon ${heading}`);
      };
      await follow('Accessibilité : partiellement conforme', "Déclaration d'accessibilité");
      const statement = await p.getByRole('main').innerText();
      expect(statement).toContain('partiellement conforme');
      expect(statement).toContain('30 novembre 2026');
      expect(statement).toContain('87,5 %');
      expect(statement).toContain('Défenseur des droits');
      await follow('Plan du site', 'Plan du site');
      await expect(
        p.getByRole('main').getByRole('link', { name: 'Projets et missions bénévoles' }).count(),
      ).resolves.toBe(1);
      await follow('Aide', 'Aide');
      await follow('Mentions légales', 'Mentions légales', false);
      await expect(p.getByRole('main').innerText()).resolves.toContain('hébergé par Hébergeur Exemple SAS');

      // A commune without an audit says so.
      const grenoble = await t.request({ method: 'GET', url: '/accessibilite', host: 'grenoble.localhost' });
      expect(grenoble.body).toContain('Accessibilité : non conforme');
      expect(grenoble.body).toMatch(/faute d(&#x27;|')audit de conformité/);
    },
  );

  it.each(TENANTS.map((tenant) => tenant.slug))('serves %s its own /favicon.ico', async (slug) => {
    const res = await t.request({ method: 'GET', url: '/favicon.ico', host: `${slug}.localhost` });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/x-icon');
    expect(res.body.length).toBeGreaterThan(22);
  });
});
