import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { Database } from '@libs/db';
import { ListingAlertSource } from '@src/listings/listing-alert.source';
import {
  debugScreenshot,
  expectNoAxeViolations,
  launchBrowser,
  navigation,
  openTenantPage,
  uncaughtErrors,
} from './support/browser';
import { categoryId, createResident, publishListing, ResidentFixture } from './support/factories';
import { linkIn, SmtpSink } from './support/smtp-sink';
import { ListeningTestApp, startListeningTestApp } from './support/test-app';

/**
 * Issue 21's journeys in a real browser, each walked to its end: near-me without an account
 * (neighbourhood, address through an address search answering in the test, the position shared
 * on a click), signing up from a listing and coming back to it signed in, an alert made from a
 * search, and a conversation from its first message to a report and a block. One app (workers
 * on for the e-mails, a real SMTP sink, GEOCODER_URL on a server of this file), one Chromium.
 */

// Points inside Meylan's Buclos and Béalières neighbourhoods (tenants/meylan.yaml), about 2.5 km apart.
const BUCLOS = { lat: 45.2125, lng: 5.77715 };
const BEALIERES = { lat: 45.2125, lng: 5.814 };

describe('residents’ journeys: near me, sign-up back to the listing, alerts from a search, conversations', () => {
  let t: ListeningTestApp;
  let browser: Browser;
  let sink: SmtpSink;
  let geocoder: Server;
  const addressQueries: Array<{ q: string | null; limit: string | null }> = [];
  let courses: string;
  let author: ResidentFixture;
  let nearOffer: string;
  let nearRequest: string;
  const opened: Page[] = [];

  const open = async (path: string, opts: Parameters<typeof openTenantPage>[4] = {}) => {
    const page = await openTenantPage(browser, t, 'meylan', path, opts);
    opened.push(page);
    return page;
  };
  const where = (page: Page) => `${new URL(page.url()).pathname}${new URL(page.url()).search}`;
  const focusedId = (page: Page) => page.locator(':focus').getAttribute('id');
  const results = (page: Page) => page.locator('#resultats');

  beforeAll(async () => {
    // An address search of the national address base's shape: one address in Buclos, nothing else.
    geocoder = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://geocoder');
      addressQueries.push({ q: url.searchParams.get('q'), limit: url.searchParams.get('limit') });
      const found = url.pathname === '/search/' && /buclos/i.test(url.searchParams.get('q') ?? '');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          type: 'FeatureCollection',
          features: found
            ? [
                {
                  type: 'Feature',
                  geometry: { type: 'Point', coordinates: [BUCLOS.lng, BUCLOS.lat] },
                  properties: { label: '12 Chemin des Buclos 38240 Meylan', score: 0.91, citycode: '38229' },
                },
              ]
            : [],
        }),
      );
    });
    await new Promise<void>((resolve) => geocoder.listen(0, '127.0.0.1', resolve));
    const geocoderUrl = `http://127.0.0.1:${(geocoder.address() as AddressInfo).port}/`;
    sink = await SmtpSink.start();
    [t, browser] = await Promise.all([
      startListeningTestApp({
        env: { WORKERS: 'on', SMTP_URL: sink.url, MAP_TILE_URL: '', GEOCODER_URL: geocoderUrl },
      }),
      launchBrowser(),
    ]);
    courses = await categoryId(t.db, 'meylan', 'courses');
    author = await createResident(t.db, 'meylan', { displayName: 'Hugo P.', location: BUCLOS });
    const post = (kind: string, title: string, location: typeof BUCLOS) =>
      publishListing(t, author, {
        kind,
        categoryId: courses,
        title,
        description: 'Des courses au marché du samedi, à pied.',
        location,
      });
    [nearOffer, nearRequest] = (
      await Promise.all([
        post('offer', 'Je porte vos courses du samedi', BUCLOS),
        post('request', 'Besoin d’aide pour mes courses', BUCLOS),
        post('offer', 'Courses en voiture le mardi', BEALIERES),
      ])
    ).map((l) => l.id);
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((p) => p.close().catch(() => undefined)));
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await sink?.stop();
    await new Promise((resolve) => geocoder?.close(resolve));
  });

  it(
    'finds help near a visitor without an account, by neighbourhood, by address and by the position shared on a ' +
      'click, saying how many it found and keeping the focus on the results',
    async () => {
      const page = await open('/annonces');
      // The position is asked only on a click: nothing asks for it when the page opens.
      await page.context().grantPermissions(['geolocation'], { origin: t.baseUrl('meylan') });
      await page.context().setGeolocation({ latitude: BUCLOS.lat, longitude: BUCLOS.lng });

      await page.getByLabel('Autour du quartier').selectOption({ label: 'Buclos' });
      await page.getByLabel('Dans un rayon de').selectOption({ label: '1 km' });
      expect(await navigation(page, () => page.getByRole('button', { name: 'Filtrer' }).click())).toBe(200);
      expect(await results(page).innerText()).toBe('2 annonces trouvées à moins de 1 km du quartier Buclos');
      expect(await focusedId(page)).toBe('resultats');
      expect(await page.locator('.cards > li').count()).toBe(2);

      await page.getByLabel('Autour du quartier').selectOption({ label: 'Choisissez…' });
      await page.getByLabel('Type').selectOption({ label: 'Offres' });
      await page.getByLabel("Autour de l'adresse").fill('12 chemin des Buclos');
      expect(await navigation(page, () => page.getByRole('button', { name: 'Filtrer' }).click())).toBe(200);
      expect(await results(page).innerText()).toBe(
        '1 annonce trouvée à moins de 1 km de « 12 Chemin des Buclos 38240 Meylan »',
      );
      expect(await focusedId(page)).toBe('resultats');
      expect(addressQueries).toContainEqual({ q: '12 chemin des Buclos', limit: '5' });

      await page.getByLabel("Autour de l'adresse").fill('');
      await page.getByLabel('Type').selectOption({ label: 'Offres et demandes' });
      await page.getByLabel('Dans un rayon de').selectOption({ label: '5 km' });
      expect(
        await navigation(page, () =>
          page.getByRole('button', { name: 'Chercher autour de ma position actuelle' }).click(),
        ),
      ).toBe(200);
      expect(await results(page).innerText()).toBe('3 annonces trouvées à moins de 5 km de votre position');
      await debugScreenshot(page, 'listings-near-position');
      expect(await focusedId(page)).toBe('resultats');
      // Nearest first: the two in Buclos, then Béalières.
      expect(await page.locator('.cards > li h3').last().innerText()).toContain('mardi');

      // An address the service does not know: the field says so, the page answers 422.
      await page.getByLabel('Autour du quartier').selectOption({ label: 'Choisissez…' });
      await page.getByLabel("Autour de l'adresse").fill('Rue inconnue');
      expect(await navigation(page, () => page.getByRole('button', { name: 'Filtrer' }).click())).toBe(422);
      expect(await page.locator('#f-adresse-erreur').innerText()).toContain('adresse introuvable');
      await expectNoAxeViolations(page, 'meylan listings near an address, with an error');
      expect(uncaughtErrors(page)).toEqual([]);
    },
  );

  it('signs up from a listing, follows the verification e-mail’s link, is back on the listing signed in', async () => {
    const page = await open(`/annonces/${nearOffer}`);
    expect(await navigation(page, () => page.getByRole('link', { name: 'inscrivez-vous' }).click())).toBe(200);
    const email = `camille.${Date.now()}@exemple.fr`;
    await page.getByLabel('Prénom et initiale du nom').fill('Camille R.');
    await page.getByLabel('Adresse e-mail').fill(email);
    await page.getByLabel('Mot de passe').fill('un mot de passe solide');
    await page.getByLabel(/J'accepte les conditions/).check();
    expect(await navigation(page, () => page.getByRole('button', { name: 'Créer mon compte' }).click())).toBe(200);
    expect(await page.locator('h1').innerText()).toBe('Vérifiez votre boîte e-mail');

    const mail = await sink.waitFor((m) => m.to.includes(email));
    const link = new URL(linkIn(mail, '/compte/verification'));
    await page.goto(new URL(`${link.pathname}${link.search}`.slice(1), t.baseUrl('meylan')).toString());
    expect(await navigation(page, () => page.getByRole('button', { name: 'Confirmer mon adresse' }).click())).toBe(200);
    expect(where(page)).toBe(`/annonces/${nearOffer}`);
    expect(await page.locator('h1').innerText()).toBe('Je porte vos courses du samedi');
    expect(await page.getByRole('button', { name: 'Se déconnecter' }).count()).toBe(1);
    expect(await page.getByLabel('Votre message').count()).toBe(1);
  });

  it('makes an alert of the current search, shown in « Mon compte », for requests only', async () => {
    const resident = await createResident(t.db, 'meylan', { location: BEALIERES });
    const page = await open('/annonces?kind=request&category=courses', { session: resident.session });
    expect(
      await navigation(page, () => page.getByRole('button', { name: "M'alerter pour cette recherche" }).click()),
    ).toBe(200);
    expect(where(page)).toBe('/mon-compte?fait=alerte');
    expect(await page.getByRole('status').first().innerText()).toContain('Votre alerte est enregistrée');
    expect(await page.getByLabel("Les demandes d'aide").isChecked()).toBe(true);
    expect(await page.getByLabel('Prévenez-moi tout de suite').isChecked()).toBe(true);
    expect(await page.getByLabel('Courses', { exact: true }).isChecked()).toBe(true);
    expect(await page.locator('input[name="categoryIds"]:checked').count()).toBe(1);

    // The matching query itself leaves the offers out of this alert, and takes the requests.
    const source = t.app.get(ListingAlertSource);
    const recipientsOf = (listingId: string) =>
      t.app.get(Database).withTenant(resident.tenantId, async (tx) => {
        const [item] = await source.find(tx, [listingId]);
        return (await source.recipients(tx, item, 50)).map((r) => r.recipientId);
      });
    await t.db.admin.query(`UPDATE accounts SET notify_radius_m = 5000 WHERE id = $1`, [resident.id]);
    expect(await recipientsOf(nearRequest)).toContain(resident.id);
    expect(await recipientsOf(nearOffer)).not.toContain(resident.id);
  });

  it(
    'contacts a neighbour and follows the link to the conversation; the other side sees it unread, reports the ' +
      'message, the moderators find it in their queue, and once blocked the sender cannot write again',
    async () => {
      const writer = await createResident(t.db, 'meylan', { displayName: 'Zoé L.' });
      const moderator = await createResident(t.db, 'meylan', { roles: ['moderator'] });
      const page = await open(`/annonces/${nearRequest}`, { session: writer.session });
      await page.getByLabel('Votre message').fill('Bonjour, je peux vous aider samedi. Rappelez-moi vite !');
      expect(await navigation(page, () => page.getByRole('button', { name: 'Envoyer' }).click())).toBe(200);
      expect(await navigation(page, () => page.getByRole('link', { name: 'suivre la conversation' }).click())).toBe(
        200,
      );
      const thread = new URL(page.url()).pathname;
      expect(thread).toMatch(/^\/conversations\/[0-9a-f-]{36}$/);
      expect(await page.locator('.message-body').innerText()).toContain('je peux vous aider samedi');

      // The listing's author: one unread message in the header, none once the conversation is read.
      const hugo = await open('/', { session: author.session });
      expect(await hugo.getByRole('link', { name: /^Messages 1 non lu/ }).count()).toBe(1);
      await expectNoAxeViolations(hugo, 'meylan home with an unread message');
      expect(await navigation(hugo, () => hugo.getByRole('link', { name: /^Messages/ }).click())).toBe(200);
      expect(
        await navigation(hugo, () => hugo.getByRole('link', { name: /Besoin d’aide pour mes courses/ }).click()),
      ).toBe(200);
      expect(await hugo.getByRole('link', { name: 'Messages', exact: true }).count()).toBe(1);
      await expectNoAxeViolations(hugo, 'meylan conversation with report and block');
      await debugScreenshot(hugo, 'conversation-report-block');

      await hugo.getByText('Signaler ce message').click();
      await hugo.getByLabel('Motif').selectOption({ label: 'Il est inapproprié ou insultant' });
      expect(await navigation(hugo, () => hugo.getByRole('button', { name: 'Signaler', exact: true }).click())).toBe(
        200,
      );
      expect(await hugo.getByRole('status').innerText()).toContain('le message est signalé');
      expect(await hugo.locator('.message-body').count()).toBe(0);

      const desk = await open('/moderation', { session: moderator.session });
      const item = desk.locator('.queue > li').filter({ hasText: 'par Zoé L.' });
      expect(await item.innerText()).toContain('je peux vous aider samedi');
      expect(await item.innerText()).toContain('Message sur « Besoin d’aide pour mes courses »');
      expect(await item.innerText()).toContain('1 signalement d’habitants : inappropriée (1)');

      expect(await navigation(hugo, () => hugo.getByRole('button', { name: 'Bloquer Zoé L.' }).click())).toBe(200);
      expect(await hugo.getByRole('status').innerText()).toContain('elle ne peut plus vous écrire');

      await page.reload({ waitUntil: 'load' });
      expect(await page.getByLabel('Votre réponse').count()).toBe(0);
      expect(await page.getByText('Vous ne pouvez plus écrire dans cette conversation.').count()).toBe(1);
      const again = await open(`/annonces/${nearOffer}`, { session: writer.session });
      await again.getByLabel('Votre message').fill('Et pour votre offre ?');
      expect(await navigation(again, () => again.getByRole('button', { name: 'Envoyer' }).click())).toBe(403);
      expect(await again.getByRole('alert').innerText()).toContain('ne souhaite plus recevoir de messages');
      // The API says the same: the conversation cannot be written to, a reply is refused as problem+json.
      const conversationId = thread.split('/').pop()!;
      const api = await t.request({ url: `/api/v1/conversations/${conversationId}`, session: writer.session });
      expect(api.json<{ canWrite: boolean }>().canWrite).toBe(false);
      const refused = await t.request({
        method: 'POST',
        url: `/api/v1/conversations/${conversationId}/messages`,
        session: writer.session,
        payload: { body: 'Vous êtes là ?' },
      });
      expect(refused.status).toBe(403);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      const { rows } = await t.db.admin.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM messages WHERE sender_id = $1`,
        [writer.id],
      );
      expect(rows[0].n).toBe(1);
      expect(where(page)).toBe(thread);

      // Unblocked (here through the API), the neighbour can write again.
      const unblocked = await t.request({
        method: 'DELETE',
        url: `/api/v1/conversations/${conversationId}/block`,
        session: author.session,
      });
      expect(unblocked.json()).toEqual({ blocked: false, with: { displayName: 'Zoé L.' } });
      const answered = await t.request({
        method: 'POST',
        url: `/api/v1/conversations/${conversationId}/messages`,
        session: writer.session,
        payload: { body: 'Merci de m’avoir débloquée.' },
      });
      expect(answered.status).toBe(201);
    },
  );
});
