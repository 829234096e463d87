import type { Browser, Page } from 'playwright-core';
import { navigation, openTenantPage, uncaughtErrors } from './support/browser';
import { categoryId, createResident, publishListing } from './support/factories';
import { matchingDone } from './support/matching';
import { SmtpSink } from './support/smtp-sink';
import type { ListeningTestApp } from './support/test-app';
import { closePages, startBrowserSite, stopBrowserSite } from './support/browser-site';

// Inside Meylan's Buclos neighbourhood (tenants/meylan.yaml); the home has more decimals than a map click writes.
const BUCLOS = { lat: 45.2125, lng: 5.77715 };
const HOME = { lat: 45.21263917, lng: 5.77702463 };

/**
 * Forms that lose nothing and do nothing twice, in a real browser: the account's forms saved
 * unchanged keep every stored value, even one the form does not offer; reloading the page a
 * form led to (POST/Redirect/GET) publishes no second listing and sends no second message.
 */
describe('the site’s forms keep what is stored and act once', () => {
  let t: ListeningTestApp;
  let browser: Browser;
  let sink: SmtpSink;
  let courses: string;
  const opened: Page[] = [];

  const open = async (path: string, session: string) => {
    const page = await openTenantPage(browser, t, 'meylan', path, { session });
    opened.push(page);
    return page;
  };
  const h1 = async (page: Page) => (await page.locator('h1').innerText()).trim();
  const pathOf = (page: Page) => new URL(page.url()).pathname + new URL(page.url()).search;

  beforeAll(async () => {
    ({ sink, t, browser } = await startBrowserSite());
    courses = await categoryId(t.db, 'meylan', 'courses');
  });
  afterEach(() => closePages(opened));
  afterAll(() => stopBrowserSite({ browser, t, sink }));

  it(
    'saves each form of "Mon compte" unchanged without changing anything, even a radius, a position and a ' +
      'category the form does not offer',
    async () => {
      const me = await createResident(t.db, 'meylan');
      const devoirs = await categoryId(t.db, 'meylan', 'aide-aux-devoirs');
      const distance = await categoryId(t.db, 'meylan', 'conversations-a-distance');
      // Non-default values on every field, set through the API: 1.5 km is none of the form's radii.
      const set = await t.request({
        method: 'PATCH',
        url: '/api/v1/me',
        session: me.session,
        payload: {
          displayName: 'Renée-Claude B.',
          location: HOME,
          notifications: {
            mode: 'daily',
            radiusM: 1500,
            categoryIds: [devoirs, courses, distance],
            kinds: ['request'],
          },
        },
      });
      expect(set.status).toBe(200);
      // Then the commune stops offering one of the chosen categories.
      await t.db.admin.query('UPDATE tenant_categories SET enabled = false WHERE tenant_id = $1 AND category_id = $2', [
        me.tenantId,
        distance,
      ]);

      const stored = async () => ({
        api: (await t.request({ url: '/api/v1/me', session: me.session })).json(),
        row: (
          await t.db.admin.query(
            `SELECT email, display_name, location::text AS location, notify_mode, notify_radius_m, notify_category_ids,
            notify_kinds, unsubscribed_at, deleted_at, email_verified_at, roles
           FROM accounts WHERE id = $1`,
            [me.id],
          )
        ).rows[0],
      });
      const before = await stored();
      expect(before.api.notifications).toEqual({
        mode: 'daily',
        radiusM: 1500,
        categoryIds: [devoirs, courses, distance],
        kinds: ['request'],
      });

      const page = await open('/mon-compte', me.session);
      // What the form shows is what is stored.
      expect(await page.getByLabel('Prénom et initiale du nom').inputValue()).toBe('Renée-Claude B.');
      expect(await page.getByLabel('Un résumé par jour').isChecked()).toBe(true);
      expect(await page.getByLabel('Distance', { exact: true }).inputValue()).toBe('1500');
      expect((await page.locator('#radiusM option:checked').innerText()).trim()).toBe('1,5 km (actuel)');
      const ticked = await page
        .locator('input[name="categoryIds"]:checked')
        .evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value));
      expect(ticked.sort()).toEqual([devoirs, courses, distance].sort());
      expect(await page.getByLabel(/Conversations.*n’est plus proposée/i).isChecked()).toBe(true);

      // The profile, position and alerts form, sent as it is.
      expect(await navigation(page, () => page.getByRole('button', { name: 'Enregistrer' }).click())).toBe(200);
      expect(pathOf(page)).toBe('/mon-compte?fait=enregistre');
      expect(await page.getByRole('status').first().innerText()).toContain('Vos préférences sont enregistrées.');
      expect(await stored()).toEqual(before);
      // Shown again after saving, it still offers the same values; saved a second time, still nothing moves.
      expect(await page.getByLabel('Distance', { exact: true }).inputValue()).toBe('1500');
      expect(await navigation(page, () => page.getByRole('button', { name: 'Enregistrer' }).click())).toBe(200);
      expect(await stored()).toEqual(before);

      // The deletion form, sent as it is (its box unticked; submit() passes the browser's own check): refused, nothing
      // erased.
      const refused = await navigation(page, () =>
        page
          .locator('form[action="/mon-compte/supprimer"]')
          .evaluate((f) => (f as unknown as { submit(): void }).submit()),
      );
      expect(refused).toBe(422);
      expect(await page.getByRole('alert').first().innerText()).toContain('Le compte n’a pas été supprimé.');
      expect(await stored()).toEqual(before);
      expect(uncaughtErrors(page)).toEqual([]);
    },
  );

  it(
    'publishes once when "Votre annonce est publiée" is reloaded: ' + 'one listing, one alert e-mail to the neighbour',
    async () => {
      const neighbour = await createResident(t.db, 'meylan', {
        displayName: 'Odile V.',
        location: BUCLOS,
        notify: { mode: 'immediate', radiusM: 1500, categoryIds: [courses] },
      });
      const author = await createResident(t.db, 'meylan', { displayName: 'Léa M.' });
      const title = 'Je fais vos courses le jeudi soir';
      const page = await open('/annonces/nouvelle?kind=offer', author.session);
      await page.getByLabel('Catégorie').selectOption({ label: 'Courses' });
      await page.getByLabel('Titre').fill(title);
      await page
        .getByLabel('Description')
        .fill('Je passe au supermarché du quartier chaque jeudi, je peux prendre vos courses.');
      await page.getByLabel('Votre quartier').selectOption({ label: 'Buclos' });
      expect(await navigation(page, () => page.getByRole('button', { name: "Publier l'annonce" }).click())).toBe(200);
      expect(await h1(page)).toBe('Votre annonce est publiée');
      const resultPath = pathOf(page);
      expect(resultPath).toMatch(/^\/annonces\/[0-9a-f-]{36}\/publiee$/);

      const reloaded = await page.reload({ waitUntil: 'load' });
      expect(reloaded?.status()).toBe(200);
      expect(reloaded?.request().method()).toBe('GET');
      expect(await h1(page)).toBe('Votre annonce est publiée');
      expect(pathOf(page)).toBe(resultPath);

      const { rows } = await t.db.admin.query('SELECT id FROM listings WHERE author_id = $1', [author.id]);
      expect(rows).toHaveLength(1);
      expect(resultPath).toBe(`/annonces/${rows[0].id}/publiee`);
      await matchingDone(t.db, rows[0].id);
      await sink.waitFor((m) => m.to.includes(neighbour.email) && m.text.includes(title), 15_000);
      const alerts = await t.db.admin.query('SELECT count(*)::int AS n FROM outbox_emails WHERE recipient = $1', [
        neighbour.email,
      ]);
      expect(alerts.rows[0].n).toBe(1);
      expect(sink.messages.filter((m) => m.to.includes(neighbour.email))).toHaveLength(1);
      expect(uncaughtErrors(page)).toEqual([]);
    },
  );

  it(
    'publishes once when the posting form is sent twice (a double click, or "back" then send): both answers lead ' +
      'to the same listing',
    async () => {
      const author = await createResident(t.db, 'meylan');
      const form = await t.request({
        url: '/annonces/nouvelle?kind=offer',
        session: author.session,
        headers: { accept: 'text/html' },
      });
      const key = /name="idempotencyKey" value="([0-9a-f-]{36})"/.exec(form.body)?.[1];
      expect(key).toBeDefined();
      const fields = {
        idempotencyKey: key!,
        kind: 'offer',
        categoryId: courses,
        title: 'Je promène votre chien le matin',
        description: 'Tous les matins vers 8 h, autour du parc des Buclos.',
        mode: 'in_person',
        neighbourhood: 'buclos',
      };
      const send = (f: Record<string, string>) =>
        t.request({
          method: 'POST',
          url: '/annonces/nouvelle',
          session: author.session,
          headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams(f).toString(),
        });
      const [first, second] = await Promise.all([send(fields), send(fields)]);
      expect([first.status, second.status]).toEqual([303, 303]);
      expect(second.headers.location).toBe(first.headers.location);
      const { rows } = await t.db.admin.query('SELECT id FROM listings WHERE author_id = $1', [author.id]);
      expect(rows).toHaveLength(1);
      expect(first.headers.location).toBe(`/annonces/${rows[0].id}/publiee`);

      // The same form changed and sent again: nothing published, a word why, and a fresh form that will publish.
      const changed = await send({ ...fields, title: 'Je promène votre chien le soir' });
      expect(changed.status).toBe(409);
      expect(changed.body).toContain('Ce formulaire a déjà servi à publier une annonce');
      const fresh = /name="idempotencyKey" value="([0-9a-f-]{36})"/.exec(changed.body)?.[1];
      expect(fresh).toBeDefined();
      expect(fresh).not.toBe(key);
      expect(
        (await t.db.admin.query('SELECT count(*)::int AS n FROM listings WHERE author_id = $1', [author.id])).rows[0].n,
      ).toBe(1);
      expect((await send({ ...fields, idempotencyKey: fresh!, title: 'Je promène votre chien le soir' })).status).toBe(
        303,
      );
      expect(
        (await t.db.admin.query('SELECT count(*)::int AS n FROM listings WHERE author_id = $1', [author.id])).rows[0].n,
      ).toBe(2);
    },
  );

  it('sends a message to a listing’s author once when the page after sending is reloaded', async () => {
    const author = await createResident(t.db, 'meylan', { displayName: 'Hugo P.' });
    const writer = await createResident(t.db, 'meylan', { displayName: 'Nadia K.' });
    const listing = await publishListing(t, author, {
      kind: 'request',
      categoryId: courses,
      title: 'Besoin d’un coup de main pour mes courses',
      description: 'Je ne peux plus porter de charges lourdes.',
      location: BUCLOS,
    });
    const page = await open(`/annonces/${listing.id}`, writer.session);
    await page.getByLabel('Votre message').fill('Bonjour Hugo, je peux passer samedi matin.');
    expect(await navigation(page, () => page.getByRole('button', { name: 'Envoyer' }).click())).toBe(200);
    expect(pathOf(page)).toMatch(new RegExp(`^/annonces/${listing.id}\\?envoye=[0-9a-f-]{36}$`));
    expect(await page.getByRole('status').innerText()).toContain('Votre message a été envoyé');

    const reloaded = await page.reload({ waitUntil: 'load' });
    expect(reloaded?.status()).toBe(200);
    expect(reloaded?.request().method()).toBe('GET');
    const { rows } = await t.db.admin.query(
      `SELECT m.body FROM messages m JOIN conversations c ON c.tenant_id = m.tenant_id AND c.id = ` +
        `m.conversation_id WHERE c.listing_id = $1`,
      [listing.id],
    );
    expect(rows).toEqual([{ body: 'Bonjour Hugo, je peux passer samedi matin.' }]);
  });
});
