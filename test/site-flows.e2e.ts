import type { Browser, Page } from 'playwright-core';
import { computedStyle, expectNoAxeViolations, navigation, openTenantPage, uncaughtErrors } from './support/browser';
import { categoryId, createResident, FACTORY_PASSWORD, publishListing, ResidentFixture } from './support/factories';
import { OutcomesService } from '@src/outcomes/outcomes.service';
import { linkIn, SinkMessage, SmtpSink } from './support/smtp-sink';
import type { ListeningTestApp } from './support/test-app';
import { closePages, startBrowserSite, stopBrowserSite } from './support/browser-site';

/**
 * The communes' sites in a real browser, end to end: a resident's whole journey from sign-up
 * to a conversation started by a match e-mail, a held listing refused by the moderator, a
 * listing posted with the keyboard alone, axe on every kind of page in every commune's
 * colours, phone widths, and the weight of the map page. One app (workers on, a real SMTP
 * sink, no map tiles: the machine has no internet) and one Chromium for the whole file.
 */

// A point inside Meylan's Buclos neighbourhood (tenants/meylan.yaml).
const BUCLOS = { lat: 45.2125, lng: 5.77715 };
const OTHER_TENANTS = ['grenoble', 'seyssins', 'metropole', 'lyon'];
/** The map page's budget, every response summed as transferred (compressed), without tiles. */
const MAP_PAGE_BUDGET = 200 * 1024;
const PHONE = { width: 360, height: 740 };
/**
 * Ten pages through axe take 15–20 s on a quiet machine; several times that when the machine is shared with other work.
 */
const AXE_TIMEOUT_MS = 150_000;

describe('the communes’ sites in a real browser: whole journeys, accessibility, phone widths and weight', () => {
  let t: ListeningTestApp;
  let browser: Browser;
  let sink: SmtpSink;
  let courses: string;
  /** Pages opened by a test; closed after it, whatever happened. */
  const opened: Page[] = [];

  /** openTenantPage, remembered for closing. */
  const open = async (slug: string, path: string, opts: Parameters<typeof openTenantPage>[4] = {}) => {
    const page = await openTenantPage(browser, t, slug, path, opts);
    opened.push(page);
    return page;
  };

  /** Goes to a path of the tenant's site in the same page (so in the same session) and checks the answer's status. */
  const go = async (page: Page, slug: string, path: string, status = 200) => {
    const res = await page.goto(new URL(path.replace(/^\/+/, ''), t.baseUrl(slug)).toString(), { waitUntil: 'load' });
    expect({ path, status: res?.status() }).toEqual({ path, status });
    return page;
  };

  /** The main heading's text. */
  const h1 = async (page: Page) => (await page.locator('h1').innerText()).trim();

  /** A link of an e-mail, on the test server's port (e-mails carry the configured PORT), as path and query. */
  const pathOf = (mail: SinkMessage, prefix: string) => {
    const url = new URL(linkIn(mail, prefix));
    return `${url.pathname}${url.search}`;
  };

  /** Signs in through the form of /connexion, which sends back to `retour`. */
  const signIn = async (page: Page, slug: string, email: string, password: string, retour = '/') => {
    await go(page, slug, `/connexion?retour=${encodeURIComponent(retour)}`);
    await page.getByLabel('Adresse e-mail').fill(email);
    await page.getByLabel('Mot de passe').fill(password);
    expect(
      await navigation(page, () => page.getByRole('main').getByRole('button', { name: 'Se connecter' }).click()),
    ).toBe(200);
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe(retour);
    expect(await page.getByRole('button', { name: 'Se déconnecter' }).count()).toBe(1);
  };

  /** Publishes a listing through the API as a factory resident; its id. */
  const publish = (slug: string, author: ResidentFixture, payload: Record<string, unknown>) =>
    publishListing(t, author, payload, `${slug}.localhost`);

  beforeAll(async () => {
    ({ sink, t, browser } = await startBrowserSite());
    courses = await categoryId(t.db, 'meylan', 'courses');
  });
  afterEach(() => closePages(opened));
  afterAll(() => stopBrowserSite({ browser, t, sink }));

  it(
    'signs up, confirms from the e-mail, posts an offer; a matched neighbour follows the match e-mail and ' +
      'writes; they talk in Messages',
    async () => {
      // A neighbour in Buclos, alerted at once of courses nearby, who asked for help with hers.
      const neighbour = await createResident(t.db, 'meylan', {
        displayName: 'Odile V.',
        location: BUCLOS,
        notify: { mode: 'immediate', radiusM: 1500, categoryIds: [courses] },
      });
      await publish('meylan', neighbour, {
        kind: 'request',
        categoryId: courses,
        title: 'Besoin d’aide pour porter mes courses',
        description: 'Je ne peux plus porter de charges lourdes depuis mon opération.',
        location: BUCLOS,
      });

      // Sign-up through the form.
      const email = `lea.${Date.now()}@exemple.fr`;
      const lea = await open('meylan', '/');
      expect(
        await navigation(lea, () =>
          lea
            .getByRole('navigation', { name: 'Navigation principale' })
            .getByRole('link', { name: "S'inscrire" })
            .click(),
        ),
      ).toBe(200);
      await lea.getByLabel('Prénom et initiale du nom').fill('Léa M.');
      await lea.getByLabel('Adresse e-mail').fill(email);
      await lea.getByLabel('Mot de passe').fill('un mot de passe solide');
      await lea.getByLabel(/J'accepte les conditions/).check();
      expect(await navigation(lea, () => lea.getByRole('button', { name: 'Créer mon compte' }).click())).toBe(200);
      expect(await h1(lea)).toBe('Vérifiez votre boîte e-mail');

      // The verification e-mail's link, then the button on its page.
      const verification = await sink.waitFor((m) => m.to.includes(email));
      expect(verification.subject).toBe('Confirmez votre adresse e-mail sur Entraidons-nous');
      await go(lea, 'meylan', pathOf(verification, '/compte/verification'));
      expect(await navigation(lea, () => lea.getByRole('button', { name: 'Confirmer mon adresse' }).click())).toBe(200);
      expect(await h1(lea)).toBe('Votre adresse est confirmée');

      // Sign-in, then "Je propose mon aide" from the home page, placed by the neighbourhood list alone.
      await signIn(lea, 'meylan', email, 'un mot de passe solide');
      expect(await navigation(lea, () => lea.getByRole('link', { name: 'Je propose mon aide' }).click())).toBe(200);
      expect(await lea.getByLabel('Je propose').isChecked()).toBe(true);
      const title = 'Je fais vos courses le samedi matin';
      await lea.getByLabel('Catégorie').selectOption({ label: 'Courses' });
      await lea.getByLabel('Titre').fill(title);
      await lea
        .getByLabel('Description')
        .fill('Je vais au marché de Meylan chaque samedi, je peux porter vos courses jusqu’à chez vous.');
      await lea.getByLabel('Sur place').check();
      await lea.getByLabel('Votre quartier').selectOption({ label: 'Buclos' });
      expect(await navigation(lea, () => lea.getByRole('button', { name: "Publier l'annonce" }).click())).toBe(200);
      expect(await h1(lea)).toBe('Votre annonce est publiée');
      expect(await navigation(lea, () => lea.getByRole('link', { name: 'Voir mon annonce' }).click())).toBe(200);
      const offerPath = new URL(lea.url()).pathname;
      expect(offerPath).toMatch(/^\/annonces\/[0-9a-f-]{36}$/);
      expect(await h1(lea)).toBe(title);
      expect(await lea.getByText('Buclos', { exact: true }).count()).toBe(1);

      // The neighbour's match e-mail leads to the offer; she signs in on her own browser and writes.
      const match = await sink.waitFor((m) => m.to.includes(neighbour.email) && m.text.includes(title), 15_000);
      expect(match.subject).toBe(`Léa M. propose son aide près de chez vous : « ${title} »`);
      expect(pathOf(match, '/annonces/')).toBe(offerPath);
      const odile = await open('meylan', pathOf(match, '/annonces/'));
      expect(await h1(odile)).toBe(title);
      expect(await navigation(odile, () => odile.getByRole('link', { name: 'Connectez-vous' }).click())).toBe(200);
      await odile.getByLabel('Adresse e-mail').fill(neighbour.email);
      await odile.getByLabel('Mot de passe').fill(FACTORY_PASSWORD);
      expect(
        await navigation(odile, () => odile.getByRole('main').getByRole('button', { name: 'Se connecter' }).click()),
      ).toBe(200);
      expect(new URL(odile.url()).pathname).toBe(offerPath);
      await odile.getByLabel('Votre message').fill('Bonjour Léa, samedi prochain ce serait parfait pour moi !');
      expect(await navigation(odile, () => odile.getByRole('button', { name: 'Envoyer' }).click())).toBe(200);
      expect(await odile.getByRole('status').innerText()).toContain('Votre message a été envoyé');

      // Léa finds it in her messages and answers; the e-mail she got links to the same thread.
      await go(lea, 'meylan', '/conversations');
      const thread = lea.getByRole('link', { name: title });
      expect(await lea.getByRole('main').innerText()).toContain('avec Odile V.');
      expect(await navigation(lea, () => thread.click())).toBe(200);
      const threadPath = new URL(lea.url()).pathname;
      expect(await lea.locator('.messages').innerText()).toContain(
        'Bonjour Léa, samedi prochain ce serait parfait pour moi !',
      );
      const toLea = await sink.waitFor((m) => m.to.includes(email) && m.subject.startsWith('Odile V. vous a écrit'));
      expect(pathOf(toLea, '/conversations/')).toBe(threadPath);
      await lea.getByLabel('Votre réponse').fill('Avec plaisir, je passe vers 9 h.');
      expect(await navigation(lea, () => lea.getByRole('button', { name: 'Envoyer' }).click())).toBe(200);
      expect(await lea.getByRole('status').filter({ hasText: 'Votre réponse a été envoyée' }).count()).toBe(1);

      // Odile sees the answer, from her e-mail's link as from her messages.
      const toOdile = await sink.waitFor(
        (m) => m.to.includes(neighbour.email) && m.subject.startsWith('Léa M. vous a écrit'),
      );
      expect(pathOf(toOdile, '/conversations/')).toBe(threadPath);
      await go(odile, 'meylan', '/conversations');
      expect(await navigation(odile, () => odile.getByRole('link', { name: title }).click())).toBe(200);
      expect(new URL(odile.url()).pathname).toBe(threadPath);
      expect(await odile.locator('.messages').innerText()).toContain('Avec plaisir, je passe vers 9 h.');
      expect([...uncaughtErrors(lea), ...uncaughtErrors(odile)]).toEqual([]);
    },
  );

  it(
    'holds a paid listing and says why; the moderator refuses it with a reason; the author sees "Refusée" and ' +
      'gets the reason by e-mail',
    async () => {
      const author = await createResident(t.db, 'meylan', { displayName: 'Hugo P.' });
      const hugo = await open('meylan', '/');
      await signIn(hugo, 'meylan', author.email, FACTORY_PASSWORD, '/annonces/nouvelle?kind=offer');
      const title = "Cours de maths 15€ de l'heure";
      await hugo.getByLabel('Catégorie').selectOption({ label: 'Aide aux devoirs' });
      await hugo.getByLabel('Titre').fill(title);
      await hugo.getByLabel('Description').fill('Collège et lycée, le mercredi après-midi.');
      await hugo.getByLabel('Votre quartier').selectOption({ label: 'Buclos' });
      expect(await navigation(hugo, () => hugo.getByRole('button', { name: "Publier l'annonce" }).click())).toBe(200);
      expect(await h1(hugo)).toBe('Votre annonce attend une relecture');
      const why = await hugo.getByRole('main').innerText();
      expect(why).toContain(`« ${title} » sera relue par l'équipe de modération de Meylan`);
      expect(why).toContain('prix ou une rémunération');

      const moderator = await createResident(t.db, 'meylan', { roles: ['moderator'] });
      const desk = await open('meylan', '/');
      await signIn(desk, 'meylan', moderator.email, FACTORY_PASSWORD, '/moderation');
      const item = desk.locator('.queue > li').filter({ hasText: 'par Hugo P.' }).filter({ hasText: title });
      expect(await item.count()).toBe(1);
      expect(await item.innerText()).toContain('prix ou rémunération');
      const decision = item.getByRole('group', { name: /^Décision/ });
      await decision.getByLabel('Refuser').check();
      await decision.getByLabel(/^Motif/).fill('Les cours payants ne sont pas acceptés : proposez-les gratuitement.');
      expect(
        await navigation(desk, () => decision.getByRole('button', { name: 'Enregistrer la décision' }).click()),
      ).toBe(200);
      expect(new URL(desk.url()).search).toBe('?fait=decision');
      expect(await desk.locator('.queue > li').filter({ hasText: 'par Hugo P.' }).count()).toBe(0);

      await go(hugo, 'meylan', '/mes-annonces');
      const card = hugo.locator('.cards > li').filter({ hasText: title });
      expect(await card.locator('strong').innerText()).toBe('Refusée');
      const mail = await sink.waitFor((m) => m.to.includes(author.email) && m.subject.includes(title));
      expect(mail.text).toContain('Les cours payants ne sont pas acceptés : proposez-les gratuitement.');
    },
  );

  it(
    'the town hall registers a resident without internet, posts for her, answers a neighbour and marks her ' +
      'called back',
    async () => {
      const agent = await createResident(t.db, 'meylan', { roles: ['resident', 'moderator'], displayName: 'Agnès M.' });
      const desk = await open('meylan', '/');
      await signIn(desk, 'meylan', agent.email, FACTORY_PASSWORD, '/equipe');
      expect(await h1(desk)).toBe("Boîte de l'équipe");
      expect(
        await navigation(desk, () => desk.getByRole('link', { name: 'Inscrire un résident sans internet' }).click()),
      ).toBe(200);
      await desk.getByLabel('Prénom et nom').fill('Germaine Vidal');
      await desk.getByLabel('Téléphone (facultatif)').fill('04 76 90 12 34');
      await desk.getByLabel('Quartier').selectOption({ label: 'Buclos' });
      // Without the consent, the form comes back and says so.
      expect(await navigation(desk, () => desk.getByRole('button', { name: 'Inscrire' }).click())).toBe(422);
      expect(await desk.getByRole('alert').innerText()).toContain('corrigez les champs signalés');
      await desk.getByLabel('Accord donné par téléphone').check();
      await desk
        .getByLabel('Précisions (facultatif)')
        .fill('Appel du jour, accord pour publier et répondre en son nom.');
      expect(await navigation(desk, () => desk.getByRole('button', { name: 'Inscrire' }).click())).toBe(200);
      expect(await h1(desk)).toBe('Germaine V.');
      expect(await desk.getByRole('main').innerText()).toContain('04 76 90 12 34');

      expect(
        await navigation(desk, () => desk.getByRole('link', { name: 'Publier une annonce pour Germaine V.' }).click()),
      ).toBe(200);
      expect(await h1(desk)).toBe('Publier pour Germaine V.');
      await desk.getByLabel('Catégorie').selectOption({ label: 'Courses' });
      await desk.getByLabel('Titre').fill('Courses du mercredi pour Germaine');
      await desk
        .getByLabel('Description')
        .fill('Un voisin pourrait-il lui rapporter du pain et des fruits le mercredi ?');
      expect(await navigation(desk, () => desk.getByRole('button', { name: "Publier l'annonce" }).click())).toBe(200);
      const card = desk.locator('.cards > li').filter({ hasText: 'Courses du mercredi pour Germaine' });
      expect(await card.locator('strong').innerText()).toBe('En ligne');
      const listingId = new URL(
        (await card
          .getByRole('link', { name: 'Courses du mercredi pour Germaine', exact: true })
          .getAttribute('href')) ?? '',
        'http://x',
      ).pathname
        .split('/')
        .pop()!;

      // A neighbour sees her public name and the mention, and writes.
      const neighbour = await createResident(t.db, 'meylan', { displayName: 'Théo L.' });
      const visit = await open('meylan', `/annonces/${listingId}`, { session: neighbour.session });
      const facts = await visit.getByRole('main').innerText();
      expect(facts).toContain('Germaine V.');
      expect(facts).toContain('relayée par la mairie');
      expect(facts).not.toContain('04 76 90 12 34');
      await visit.getByLabel('Votre message').fill('Bonjour, je passe à la boulangerie le mercredi, avec plaisir.');
      expect(await navigation(visit, () => visit.getByRole('button', { name: /Envoyer/ }).click())).toBe(200);

      await go(desk, 'meylan', '/equipe');
      const item = desk.locator('.queue > li').filter({ hasText: 'Germaine V.' }).filter({ hasText: 'Théo L.' });
      expect(await item.innerText()).toContain('À rappeler');
      expect(
        await navigation(desk, () => item.getByRole('link', { name: /Lire et répondre en son nom/ }).click()),
      ).toBe(200);
      expect(await desk.getByRole('main').innerText()).toContain('Vous répondez au nom de Germaine V.');
      await desk.getByLabel('Votre réponse').fill('Merci Théo ! Germaine vous attend mercredi vers 11 h.');
      expect(await navigation(desk, () => desk.getByRole('button', { name: 'Envoyer' }).click())).toBe(200);
      const answer = await sink.waitFor(
        (m) => m.to.includes(neighbour.email) && m.text.includes('vous attend mercredi'),
      );
      expect(answer.text).toContain('Germaine V. (par l’équipe de la mairie)');

      await go(desk, 'meylan', '/equipe');
      const toCall = desk.locator('.queue > li').filter({ hasText: 'Théo L.' });
      expect(await navigation(desk, () => toCall.getByRole('button', { name: /Marquer rappelé/ }).click())).toBe(200);
      expect(await desk.locator('.queue > li').filter({ hasText: 'Théo L.' }).innerText()).toContain('Rappelé(e) le');
      expect(uncaughtErrors(desk)).toEqual([]);
    },
  );

  it('signs in and posts a request with the keyboard alone', async () => {
    const resident = await createResident(t.db, 'meylan', { displayName: 'Rémi K.' });
    const page = await open('meylan', '/connexion');
    const focused = () => page.locator(':focus');
    /** Presses Tab until the focus is on an element matching `selector`; fails after 60 presses. */
    const tabTo = async (selector: string) => {
      for (let i = 0; i < 60; i++) {
        await page.keyboard.press('Tab');
        if ((await focused().count()) === 1 && (await focused().evaluate((el, sel) => el.matches(sel), selector)))
          return;
      }
      throw new Error(
        `Tab never reached ${selector}; the focus is on ${await focused()
          .evaluate((el) => el.outerHTML.slice(0, 200))
          .catch(() => 'nothing')}`,
      );
    };
    /** WCAG 2.4.7: where the focus is shows (an outline or a ring drawn by box-shadow), and it is on screen. */
    const expectFocusVisible = async () => {
      const f = focused();
      const [outline, ring] = [await computedStyle(f, 'outline-style'), await computedStyle(f, 'box-shadow')];
      expect({
        id: await f.evaluate((el) => el.id || el.outerHTML.slice(0, 80)),
        shown: outline !== 'none' || ring !== 'none',
        visible: await f.isVisible(),
      }).toEqual(expect.objectContaining({ shown: true, visible: true }));
    };
    const value = (selector: string) => page.locator(selector).inputValue();
    const checked = (name: string) => page.locator(`input[name="${name}"]:checked`).getAttribute('value');
    const selectedLabel = async (selector: string) =>
      (await page.locator(`${selector} option:checked`).innerText()).trim();

    await tabTo('#email');
    await expectFocusVisible();
    await page.keyboard.type(resident.email);
    await page.keyboard.press('Tab');
    expect(await focused().getAttribute('id')).toBe('password');
    await page.keyboard.type(FACTORY_PASSWORD);
    expect(await navigation(page, () => page.keyboard.press('Enter'))).toBe(200);
    expect(new URL(page.url()).pathname).toBe('/');

    // "Publier une annonce" in the menu opens the form on an offer; the arrow key turns it into a request.
    await tabTo('nav a[href="/annonces/nouvelle"]');
    await expectFocusVisible();
    expect(await navigation(page, () => page.keyboard.press('Enter'))).toBe(200);
    await tabTo('input[name="kind"]');
    expect(await focused().getAttribute('value')).toBe('offer');
    await page.keyboard.press('ArrowRight');
    expect(await checked('kind')).toBe('request');
    await expectFocusVisible();

    await page.keyboard.press('Tab');
    expect(await focused().getAttribute('id')).toBe('categoryId');
    await page.keyboard.type('Cou');
    expect(await selectedLabel('#categoryId')).toBe('Courses');
    await expectFocusVisible();
    await page.keyboard.press('Tab');
    expect(await focused().getAttribute('id')).toBe('title');
    const title = 'Quelqu’un pour mes courses du jeudi';
    await page.keyboard.type(title);
    await page.keyboard.press('Tab');
    expect(await focused().getAttribute('id')).toBe('description');
    await page.keyboard.type('Je rentre tard le jeudi : une liste courte, remboursée à la livraison.');
    await page.keyboard.press('Tab');
    expect(await focused().getAttribute('value')).toBe('in_person');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    expect(await checked('mode')).toBe('both');
    await page.keyboard.press('Tab');
    expect(await focused().getAttribute('id')).toBe('neighbourhood');
    await page.keyboard.type('Bu');
    expect(await value('#neighbourhood')).toBe('buclos');
    // Past the map picker (focusable, but optional) to the button; Space presses it.
    await tabTo('form.form button[type="submit"]');
    await expectFocusVisible();
    expect(await navigation(page, () => page.keyboard.press('Space'))).toBe(200);
    expect(await h1(page)).toBe('Votre annonce est publiée');

    const { rows } = await t.db.admin.query(
      `SELECT l.kind, l.status, l.mode, c.slug AS category, n.slug AS hood FROM listings l
       JOIN categories c ON c.id = l.category_id
       LEFT JOIN neighbourhoods n ON n.tenant_id = l.tenant_id AND ST_Covers(n.outline, l.location)
       WHERE l.author_id = $1 AND l.title = $2`,
      [resident.id, title],
    );
    expect(rows).toEqual([{ kind: 'request', status: 'published', mode: 'both', category: 'courses', hood: 'buclos' }]);
    expect(uncaughtErrors(page)).toEqual([]);
  });

  describe('accessibility (axe, WCAG 2.1 A/AA) on every kind of page, and phone widths', () => {
    /** One published listing per commune, its author (signed in for "my" pages) and another resident. */
    const site: Record<string, { listingId: string; author: ResidentFixture; visitor: ResidentFixture }> = {};
    let threadId: string;
    let moderator: ResidentFixture;

    beforeAll(async () => {
      for (const slug of ['meylan', ...OTHER_TENANTS]) {
        const tenantId = await t.db.tenantId(slug);
        // A point surely inside the commune: on the surface of its first neighbourhood.
        const { rows } = await t.db.admin.query(
          `SELECT ST_Y(p) AS lat, ST_X(p) AS lng, (SELECT category_id FROM tenant_categories WHERE tenant_id = $1
            ORDER BY position LIMIT 1) AS category
           FROM (SELECT ST_PointOnSurface(outline::geometry) AS p FROM neighbourhoods WHERE tenant_id = $1 ORDER BY
             position LIMIT 1) s`,
          [tenantId],
        );
        const author = await createResident(t.db, slug, {
          displayName: 'Camille R.',
          location: slug === 'meylan' ? BUCLOS : { lat: rows[0].lat, lng: rows[0].lng },
        });
        const visitor = await createResident(t.db, slug, { displayName: 'Yanis B.' });
        const listing = await publish(slug, author, {
          kind: 'offer',
          categoryId: slug === 'meylan' ? courses : rows[0].category,
          title: 'Courses du samedi au marché',
          description: 'Je vais au marché chaque samedi matin, je peux prendre vos courses au passage.',
          location: slug === 'meylan' ? BUCLOS : { lat: rows[0].lat, lng: rows[0].lng },
        });
        if (listing.status !== 'published') {
          // A commune that reads every listing first (Seyssins): its moderator publishes it.
          const mod = await createResident(t.db, slug, { roles: ['moderator'] });
          const res = await t.request({
            method: 'POST',
            url: `/api/v1/moderation/listings/${listing.id}/decision`,
            host: `${slug}.localhost`,
            session: mod.session,
            payload: { action: 'approve', reason: 'Annonce conforme.' },
          });
          expect(res.status).toBeLessThan(300);
        }
        site[slug] = { listingId: listing.id, author, visitor };
      }
      const started = await t.request({
        method: 'POST',
        url: `/api/v1/listings/${site.meylan.listingId}/conversations`,
        session: site.meylan.visitor.session,
        payload: { message: 'Bonjour Camille, je veux bien pour samedi !' },
      });
      expect(started.status).toBe(201);
      threadId = started.json().conversationId;
      // Something for the moderation queue to show: a held offer, with its decision form.
      const seller = await createResident(t.db, 'meylan', { displayName: 'Paul D.' });
      expect(
        (
          await publish('meylan', seller, {
            kind: 'offer',
            categoryId: courses,
            title: 'Livraison de courses 5€ la course',
            description: 'Je livre vos courses pour 5€.',
            location: BUCLOS,
          })
        ).status,
      ).toBe('pending_review');
      moderator = await createResident(t.db, 'meylan', { roles: ['moderator'] });
    });

    /**
     * Opens each page and runs axe on it, two at a time (each worker keeps one tab per commune
     * and visitor, and goes from page to page in it: a fresh browser context per page costs a
     * new renderer process), and fails once with every violation of every page.
     */
    type Check = {
      label: string;
      slug: string;
      path: string;
      session?: string;
      status?: number;
      prepare?: (p: Page) => Promise<void>;
    };
    const axeAll = async (checks: Check[]) => {
      const failures: string[] = [];
      const queue = [...checks];
      const worker = async () => {
        const tabs = new Map<string, Page>();
        const key = (c: Check) => `${c.slug} ${c.session ?? ''}`;
        // The next page this worker has a tab for, else the next page.
        const next = () =>
          queue.splice(
            Math.max(
              0,
              queue.findIndex((c) => tabs.has(key(c))),
            ),
            1,
          )[0];
        try {
          for (let c = next(); c; c = next()) {
            try {
              let page = tabs.get(key(c));
              const errorsBefore = page ? uncaughtErrors(page).length : 0;
              if (page) await go(page, c.slug, c.path, c.status);
              else tabs.set(key(c), (page = await open(c.slug, c.path, { session: c.session, status: c.status })));
              if (c.prepare) await c.prepare(page);
              await expectNoAxeViolations(page, c.label);
              expect({ label: c.label, errors: uncaughtErrors(page).slice(errorsBefore) }).toEqual({
                label: c.label,
                errors: [],
              });
            } catch (err) {
              failures.push((err as Error).message);
            }
          }
        } finally {
          await Promise.all([...tabs.values()].map((p) => p.close()));
        }
      };
      await Promise.all([worker(), worker()]);
      if (failures.length) throw new Error(failures.join('\n\n'));
    };

    /** Submits the page's main form as it is and expects the form back with its errors (422). */
    const submitWithErrors = (button: string) => async (page: Page) => {
      expect(await navigation(page, () => page.getByRole('main').getByRole('button', { name: button }).click())).toBe(
        422,
      );
      expect(await page.getByRole('alert').count()).toBe(1);
      // site.js moves the focus to the error summary, so a screen reader reads it first.
      expect(await page.locator(':focus').getAttribute('id')).toBe('erreurs');
    };

    it(
      'Meylan’s public pages: home, listings, a listing, map, sign-up with errors, sign-in, e-mail confirmation, ' +
        '404',
      async () => {
        const id = site.meylan.listingId;
        await axeAll([
          { label: 'meylan home', slug: 'meylan', path: '/' },
          {
            label: 'meylan listings (filtered, one result)',
            slug: 'meylan',
            path: '/annonces?kind=offer&category=courses&neighbourhood=buclos&q=march%C3%A9',
            prepare: async (p) => expect(await p.locator('.cards > li').count()).toBeGreaterThan(0),
          },
          { label: 'meylan listing, signed out', slug: 'meylan', path: `/annonces/${id}` },
          { label: 'meylan map', slug: 'meylan', path: '/carte' },
          {
            label: 'meylan sign-up with errors',
            slug: 'meylan',
            path: '/inscription',
            prepare: async (p) => {
              await p.getByLabel('Prénom et initiale du nom').fill('L');
              await p.getByLabel('Adresse e-mail').fill('pas-une-adresse');
              await p.getByLabel('Mot de passe').fill('court');
              await submitWithErrors('Créer mon compte')(p);
              expect(await p.locator('.field-error').count()).toBeGreaterThanOrEqual(2);
            },
          },
          { label: 'meylan sign-in', slug: 'meylan', path: '/connexion' },
          { label: 'meylan e-mail confirmation', slug: 'meylan', path: '/compte/verification?token=abc.def' },
          { label: 'meylan 404', slug: 'meylan', path: '/nulle-part', status: 404 },
        ]);
      },
    );

    it(
      'Meylan’s pages for residents and moderators: a listing with its contact form, posting (and its errors), ' +
        'my listings, messages, a thread, my account, moderation',
      async () => {
        const { listingId, author, visitor } = site.meylan;
        await axeAll([
          {
            label: 'meylan listing with the contact form',
            slug: 'meylan',
            path: `/annonces/${listingId}`,
            session: visitor.session,
            prepare: async (p) => expect(await p.getByLabel('Votre message').count()).toBe(1),
          },
          {
            label: 'meylan post form',
            slug: 'meylan',
            path: '/annonces/nouvelle?kind=request',
            session: author.session,
          },
          {
            label: 'meylan post form with errors',
            slug: 'meylan',
            path: '/annonces/nouvelle',
            session: author.session,
            prepare: submitWithErrors("Publier l'annonce"),
          },
          {
            label: 'meylan my listings',
            slug: 'meylan',
            path: '/mes-annonces',
            session: author.session,
            prepare: async (p) => expect(await p.getByRole('button', { name: /^Clore/ }).count()).toBeGreaterThan(0),
          },
          { label: 'meylan messages', slug: 'meylan', path: '/conversations', session: author.session },
          { label: 'meylan a thread', slug: 'meylan', path: `/conversations/${threadId}`, session: author.session },
          { label: 'meylan my account', slug: 'meylan', path: '/mon-compte', session: author.session },
          {
            label: 'meylan moderation queue',
            slug: 'meylan',
            path: '/moderation',
            session: moderator.session,
            prepare: async (p) =>
              expect(await p.getByRole('button', { name: 'Enregistrer la décision' }).count()).toBeGreaterThan(0),
          },
        ]);
      },
    );

    it(
      'Meylan’s other pages: administration, moderation journal, editing a listing, legal pages, password pages, ' +
        'invitation, unsubscribe, 403',
      async () => {
        const { listingId, author } = site.meylan;
        const admin = await createResident(t.db, 'meylan', { roles: ['admin'] });
        await axeAll([
          {
            label: 'meylan administration',
            slug: 'meylan',
            path: '/administration',
            session: admin.session,
            prepare: async (p) => expect(await p.locator('svg.chart').count()).toBe(1),
          },
          {
            label: 'meylan moderation journal',
            slug: 'meylan',
            path: '/moderation/journal',
            session: moderator.session,
          },
          {
            label: 'meylan edit a listing',
            slug: 'meylan',
            path: `/mes-annonces/${listingId}/modifier`,
            session: author.session,
          },
          { label: 'meylan legal notice', slug: 'meylan', path: '/mentions-legales' },
          { label: 'meylan terms', slug: 'meylan', path: '/conditions-utilisation' },
          { label: 'meylan personal data', slug: 'meylan', path: '/donnees-personnelles' },
          { label: 'meylan forgotten password', slug: 'meylan', path: '/mot-de-passe-oublie' },
          { label: 'meylan new password', slug: 'meylan', path: '/compte/nouveau-mot-de-passe?token=abc.def' },
          { label: 'meylan invitation', slug: 'meylan', path: '/invitation?token=abc.def' },
          { label: 'meylan unsubscribe, unknown link', slug: 'meylan', path: '/unsubscribe/abc.def', status: 404 },
          { label: 'meylan 403', slug: 'meylan', path: '/moderation', session: author.session, status: 403 },
        ]);
      },
    );

    /**
     * A relayed resident with a listing a neighbour answered, a fulfilled help with a negative feedback, a reminder:
     * what the next two tests show.
     */
    let loop:
      | Promise<{
          agent: ResidentFixture;
          residentId: string;
          relayedId: string;
          talkId: string;
          helpedId: string;
          token: string;
        }>
      | undefined;
    const closingTheLoop = () =>
      (loop ??= (async () => {
        const { listingId, author, visitor } = site.meylan;
        const agent = await createResident(t.db, 'meylan', { roles: ['moderator'], displayName: 'Agnès M.' });
        const resident = (
          await t.request({
            method: 'POST',
            url: '/api/v1/staff/residents',
            session: agent.session,
            payload: {
              displayName: 'Lucienne Perrin',
              phone: '0476001122',
              location: BUCLOS,
              consent: { method: 'paper' },
            },
          })
        ).json();
        const relayed = (
          await t.request({
            method: 'POST',
            url: `/api/v1/staff/residents/${resident.id}/listings`,
            session: agent.session,
            payload: {
              kind: 'request',
              categoryId: courses,
              title: 'Un appel le dimanche',
              description: 'Lucienne aimerait parler un peu au téléphone le dimanche.',
              mode: 'in_person',
              location: BUCLOS,
            },
          })
        ).json();
        const talk = (
          await t.request({
            method: 'POST',
            url: `/api/v1/listings/${relayed.id}/conversations`,
            session: visitor.session,
            payload: { message: 'Bonjour Lucienne, je peux vous appeler dimanche.' },
          })
        ).json();
        // A fulfilled help with a negative feedback, for the feedback form and the moderation queue.
        const helped = await publish('meylan', author, {
          kind: 'request',
          categoryId: courses,
          title: 'Porter un meuble au grenier',
          description: 'Un petit meuble à monter au grenier samedi.',
          location: BUCLOS,
        });
        const helpTalk = (
          await t.request({
            method: 'POST',
            url: `/api/v1/listings/${helped.id}/conversations`,
            session: visitor.session,
            payload: { message: 'Je peux venir samedi.' },
          })
        ).json();
        await t.request({
          method: 'POST',
          url: `/api/v1/listings/${helped.id}/fulfil`,
          session: author.session,
          payload: { conversationId: helpTalk.conversationId },
        });
        await t.request({
          method: 'POST',
          url: `/api/v1/listings/${helped.id}/feedback`,
          session: visitor.session,
          payload: { ok: false, comment: 'Rendez-vous manqué, sans prévenir.' },
        });
        const token = t.app.get(OutcomesService).reminderToken(await t.db.tenantId('meylan'), listingId, author.id);
        await t.db.admin.query(
          'INSERT INTO listing_reminders (tenant_id, listing_id, recipient_id) VALUES ($1, $2, $3) ON CONFLICT DO ' +
            'NOTHING',
          [await t.db.tenantId('meylan'), listingId, author.id],
        );
        return {
          agent,
          residentId: resident.id as string,
          relayedId: relayed.id as string,
          talkId: talk.conversationId as string,
          helpedId: helped.id,
          token,
        };
      })());

    it(
      'Meylan’s town-hall pages: staff inbox, relayed residents, registering and editing one, posting and ' +
        'answering for one',
      async () => {
        const { agent, residentId, relayedId, talkId } = await closingTheLoop();
        const { author } = site.meylan;
        await axeAll([
          {
            label: 'meylan staff inbox',
            slug: 'meylan',
            path: '/equipe',
            session: agent.session,
            prepare: async (p) =>
              expect(await p.getByRole('button', { name: /Marquer rappelé/ }).count()).toBeGreaterThan(0),
          },
          { label: 'meylan relayed residents', slug: 'meylan', path: '/equipe/residents', session: agent.session },
          {
            label: 'meylan a relayed resident',
            slug: 'meylan',
            path: `/equipe/residents/${residentId}`,
            session: agent.session,
            prepare: async (p) => expect(await p.getByRole('button', { name: /Aide trouvée/ }).count()).toBe(1),
          },
          {
            label: 'meylan register a resident',
            slug: 'meylan',
            path: '/equipe/residents/nouveau',
            session: agent.session,
          },
          {
            label: 'meylan register a resident with errors',
            slug: 'meylan',
            path: '/equipe/residents/nouveau',
            session: agent.session,
            prepare: submitWithErrors('Inscrire'),
          },
          {
            label: 'meylan edit a resident',
            slug: 'meylan',
            path: `/equipe/residents/${residentId}/modifier`,
            session: agent.session,
          },
          {
            label: 'meylan post for a resident',
            slug: 'meylan',
            path: `/equipe/residents/${residentId}/annonce`,
            session: agent.session,
          },
          {
            label: 'meylan a thread answered for a resident',
            slug: 'meylan',
            path: `/conversations/${talkId}`,
            session: agent.session,
          },
          {
            label: 'meylan a relayed listing, as staff',
            slug: 'meylan',
            path: `/annonces/${relayedId}`,
            session: agent.session,
          },
          {
            label: 'meylan staff page refused to a resident',
            slug: 'meylan',
            path: '/equipe',
            session: author.session,
            status: 403,
          },
        ]);
      },
      AXE_TIMEOUT_MS,
    );

    it(
      'Meylan’s pages that close the loop: fulfilment, feedback and its moderation, the reminder’s answers, the ' +
        'figures',
      async () => {
        const { agent, helpedId, token } = await closingTheLoop();
        const { listingId, author } = site.meylan;
        await axeAll([
          {
            label: 'meylan moderation queue with a feedback',
            slug: 'meylan',
            path: '/moderation',
            session: agent.session,
            prepare: async (p) =>
              expect(await p.getByRole('button', { name: 'Marquer comme traité' }).count()).toBeGreaterThan(0),
          },
          {
            label: 'meylan fulfil page',
            slug: 'meylan',
            path: `/mes-annonces/${listingId}/aide-trouvee`,
            session: author.session,
          },
          {
            label: 'meylan feedback form',
            slug: 'meylan',
            path: `/entraides/${helpedId}/avis`,
            session: author.session,
          },
          { label: 'meylan reminder, the question', slug: 'meylan', path: `/outcome/${token}` },
          { label: 'meylan reminder, "found" to confirm', slug: 'meylan', path: `/outcome/${token}?answer=found` },
          { label: 'meylan reminder, a bad link', slug: 'meylan', path: '/outcome/abc.def.ghi', status: 404 },
          { label: 'meylan figures', slug: 'meylan', path: '/chiffres' },
          { label: 'metropole figures, per commune', slug: 'metropole', path: '/chiffres' },
        ]);
      },
      AXE_TIMEOUT_MS,
    );

    it(
      'the other communes’ colours: home, listings, a listing and the post form of Grenoble, Seyssins, Métropole ' +
        'and Lyon',
      async () => {
        await axeAll(
          OTHER_TENANTS.flatMap((slug) => [
            // Signed in, so with the whole menu, and the contact form on the listing (Meylan's pages are also seen
            // signed out).
            { label: `${slug} home`, slug, path: '/', session: site[slug].visitor.session },
            {
              label: `${slug} listings`,
              slug,
              path: '/annonces',
              session: site[slug].visitor.session,
              prepare: async (p: Page) => expect(await p.locator('.cards > li').count()).toBeGreaterThan(0),
            },
            {
              label: `${slug} listing`,
              slug,
              path: `/annonces/${site[slug].listingId}`,
              session: site[slug].visitor.session,
              prepare: async (p: Page) => expect(await p.getByLabel('Votre message').count()).toBe(1),
            },
            {
              label: `${slug} post form`,
              slug,
              path: '/annonces/nouvelle?kind=offer',
              session: site[slug].visitor.session,
            },
          ]),
        );
      },
      AXE_TIMEOUT_MS,
    );

    it(
      'fits a 360 px phone screen without scrolling sideways',
      async () => {
        const { listingId, author } = site.meylan;
        const pages = [
          { slug: 'meylan', path: '/' },
          { slug: 'meylan', path: '/annonces' },
          { slug: 'meylan', path: `/annonces/${listingId}` },
          { slug: 'meylan', path: '/carte' },
          { slug: 'meylan', path: '/annonces/nouvelle', session: author.session },
          { slug: 'meylan', path: '/chiffres' },
          { slug: 'metropole', path: '/chiffres' },
          { slug: 'lyon', path: '/' },
        ];
        // The team's pages, with their tables, on a phone too.
        const { agent, residentId } = await closingTheLoop();
        pages.push(
          { slug: 'meylan', path: '/equipe', session: agent.session },
          { slug: 'meylan', path: '/equipe/residents', session: agent.session },
          { slug: 'meylan', path: `/equipe/residents/${residentId}`, session: agent.session },
        );
        const widths: Record<string, number> = {};
        for (const { slug, path, session } of pages) {
          const page = await open(slug, path, { viewport: PHONE, session });
          widths[`${slug} ${path}`] = await page.locator('html').evaluate((el) => el.scrollWidth);
          await page.close();
        }
        // One pixel of rounding; any real overflow (a long word, a wide table, a fixed-width map) is more.
        expect(Object.entries(widths).filter(([, w]) => w > PHONE.width + 1)).toEqual([]);
      },
      AXE_TIMEOUT_MS,
    );
  });

  it('keeps the map page under 200 KB transferred, scripts, styles and listings included (no tiles)', async () => {
    // Markers to draw, whatever ran before: their icons count too.
    const author = await createResident(t.db, 'meylan');
    await publish('meylan', author, {
      kind: 'offer',
      categoryId: courses,
      title: 'Je promène votre chien le soir',
      description: 'Tous les soirs vers 19 h, autour du parc.',
      location: BUCLOS,
    });
    const context = await browser.newContext({
      locale: 'fr-FR',
      timezoneId: 'Europe/Paris',
      viewport: { width: 1280, height: 800 },
    });
    try {
      const page = await context.newPage();
      const responses: Array<{ url: string; bytes: Promise<number> }> = [];
      page.on('response', (res) => {
        const length = res.headers()['content-length'];
        // The encoded size: Content-Length when sent, else the body (decoded: an upper bound).
        const bytes =
          length !== undefined
            ? Promise.resolve(Number(length))
            : res.body().then(
                (b) => b.length,
                () => 0,
              );
        responses.push({ url: res.url(), bytes });
      });
      // The map asks for its data once Leaflet has run, which can be later than the network's first idle moment.
      const data = Promise.all(
        ['/api/v1/listings.geojson', '/api/v1/neighbourhoods.geojson'].map((path) =>
          page.waitForResponse((r) => new URL(r.url()).pathname === path),
        ),
      );
      const res = await page.goto(new URL('carte', t.baseUrl('meylan')).toString(), { waitUntil: 'networkidle' });
      expect(res?.status()).toBe(200);
      await data;
      const sizes = await Promise.all(
        responses.map(async (r) => ({ url: new URL(r.url).pathname, bytes: await r.bytes })),
      );
      const total = sizes.reduce((sum, r) => sum + r.bytes, 0);
      const paths = sizes.map((r) => r.url);
      // The measure saw what the page needs: Leaflet, the listings (clustered by the server) and outlines.
      expect(paths).toEqual(
        expect.arrayContaining([
          '/carte',
          '/assets/vendor/leaflet/leaflet.js',
          '/assets/map.js',
          '/api/v1/listings.geojson',
          '/api/v1/neighbourhoods.geojson',
        ]),
      );
      expect(paths.filter((p) => /tile|\/\d+\/\d+\/\d+\.png$/.test(p))).toEqual([]);
      if (total >= MAP_PAGE_BUDGET)
        throw new Error(
          `map page: ${total} bytes transferred, over ` +
            `${MAP_PAGE_BUDGET}:\n${sizes.map((r) => `  ${r.bytes}\t${r.url}`).join('\n')}`,
        );
    } finally {
      await context.close();
    }
  });
});
