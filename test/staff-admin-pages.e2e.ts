import type { Browser, Page } from 'playwright-core';
import { expectNoAxeViolations, launchBrowser, openTenantPage } from './support/browser';
import { categoryId, createResident, publishListing, ResidentFixture } from './support/factories';
import { matchingDone, north } from './support/matching';
import { SmtpSink } from './support/smtp-sink';
import { ListeningTestApp, startListeningTestApp } from './support/test-app';

/**
 * The town-hall team's and the administrators' pages, walked to their end: writing to a matching
 * neighbour in a relayed resident's name, the register form's errors, the export on paper, the
 * federation's catalogue, a commune adding a category, and the moderation queue with its journal.
 * One app (workers on for matching and mail, a real SMTP sink, no map tiles), one Chromium.
 */

/** Meylan's town hall, near which the relayed residents live. */
const HOME = { lat: 45.21137, lng: 5.78412 };
const FORM = { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' };

describe('the town-hall team’s and the administrators’ pages', () => {
  let t: ListeningTestApp;
  let browser: Browser;
  let sink: SmtpSink;
  let courses: string;
  let agent: ResidentFixture;
  const opened: Page[] = [];

  const open = async (slug: string, path: string, opts: Parameters<typeof openTenantPage>[4] = {}) => {
    const page = await openTenantPage(browser, t, slug, path, opts);
    opened.push(page);
    return page;
  };
  /** Runs `action` and waits for the page it leads to; the final status. */
  const navigation = async (page: Page, action: () => Promise<unknown>): Promise<number> => {
    const [res] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), action()]);
    return res?.status() ?? 0;
  };
  const h1 = async (page: Page) => (await page.locator('h1').innerText()).trim();
  /** A form sent as a browser would (urlencoded, same origin). */
  const submit = (url: string, fields: Record<string, string>, session: string, host = 'meylan.localhost') =>
    t.request({
      method: 'POST',
      url,
      host,
      session,
      origin: `http://${host}`,
      headers: FORM,
      payload: new URLSearchParams(fields).toString(),
    });
  const register = async (displayName: string) => {
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/staff/residents',
      session: agent.session,
      payload: { displayName, phone: '04 76 41 59 12', location: HOME, consent: { method: 'phone' } },
    });
    expect(res.status).toBe(201);
    return res.json<{ id: string; displayName: string }>();
  };
  const postFor = async (residentId: string, title: string) => {
    const res = await t.request({
      method: 'POST',
      url: `/api/v1/staff/residents/${residentId}/listings`,
      session: agent.session,
      payload: {
        kind: 'request',
        categoryId: courses,
        title,
        description: 'Elle ne peut plus porter ses courses depuis le marché, un voisin pourrait-il l’aider ?',
        mode: 'in_person',
        location: HOME,
      },
    });
    expect(res.status).toBe(201);
    return res.json<{ id: string }>();
  };
  const audit = async (action: string) =>
    (
      await t.db.admin.query<{
        actor_id: string;
        target_type: string;
        target_id: string;
        data: Record<string, unknown>;
      }>('SELECT actor_id, target_type, target_id, data FROM audit_log WHERE action = $1 ORDER BY at', [action])
    ).rows;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startListeningTestApp({ env: { WORKERS: 'on', SMTP_URL: sink.url, MAP_TILE_URL: '' } });
    browser = await launchBrowser();
    courses = await categoryId(t.db, 'meylan', 'courses');
    agent = await createResident(t.db, 'meylan', { roles: ['resident', 'moderator'], displayName: 'Agnès M.' });
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((p) => p.close().catch(() => undefined)));
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await sink?.stop();
  });

  it(
    'writes from the staff inbox to a matching offer’s author in the resident’s name: the thread says ' +
      '"relayé par la mairie", the neighbour is mailed and the log keeps the agent',
    async () => {
      const resident = await register('Odette Martin');
      await postFor(resident.id, 'Courses du mardi pour Odette');
      const neighbour = await createResident(t.db, 'meylan', { displayName: 'Paul V.' });
      const offer = await publishListing(t, neighbour, {
        kind: 'offer',
        categoryId: courses,
        title: 'Je fais vos courses',
        description: 'Je vais au supermarché deux fois par semaine, avec plaisir.',
        location: north(HOME, 400),
        radiusM: 1000,
      });
      await matchingDone(t.db, offer.id);

      const desk = await open('meylan', '/equipe', { session: agent.session });
      const item = desk.locator('.queue > li').filter({ hasText: 'Je fais vos courses' });
      expect(
        await navigation(desk, () => item.getByRole('link', { name: /^Écrire à Paul V\. en son nom/ }).click()),
      ).toBe(200);
      expect(await h1(desk)).toBe('Écrire à Paul V. au nom de Odette M.');
      // Sent empty, the form comes back naming the field.
      expect(await navigation(desk, () => desk.getByRole('button', { name: /^Envoyer au nom de/ }).click())).toBe(422);
      expect(await desk.getByRole('alert').innerText()).toContain('corrigez le champ signalé');
      await expectNoAxeViolations(desk, 'staff contact form with its error');
      await desk.getByLabel('Message').fill('Bonjour Paul, Odette habite tout près : pourriez-vous passer mardi ?');
      expect(await navigation(desk, () => desk.getByRole('button', { name: /^Envoyer au nom de/ }).click())).toBe(200);
      const conversationId = new URL(desk.url()).pathname.split('/').pop()!;
      expect(new URL(desk.url()).pathname).toBe(`/conversations/${conversationId}`);
      const sent = desk.locator('.message').filter({ hasText: 'Odette habite tout près' });
      expect(await sent.innerText()).toContain('relayé par la mairie');

      const mail = await sink.waitFor((m) => m.to.includes(neighbour.email) && m.text.includes('Odette habite'));
      expect(mail.text).toContain('Odette M. (par l’équipe de la mairie)');
      const thread = await open('meylan', `/conversations/${conversationId}`, { session: neighbour.session });
      expect(await thread.locator('.message').filter({ hasText: 'Odette habite' }).innerText()).toContain(
        'relayé par la mairie',
      );
      const logged = (await audit('relayed.contact')).find((r) => r.target_id === conversationId);
      expect(logged).toMatchObject({
        actor_id: agent.id,
        target_type: 'conversation',
        data: { resident: resident.id },
      });
    },
  );

  it('names every wrong field of the register form at once; the posting-for form speaks of the resident', async () => {
    const refused = await submit('/equipe/residents/nouveau', { displayName: 'J', phone: '12' }, agent.session);
    expect(refused.status).toBe(422);
    for (const field of ['displayName', 'phone', 'location', 'consentMethod'])
      expect({ field, shown: refused.body.includes(`id="${field}-erreur"`) }).toEqual({ field, shown: true });
    expect(refused.body).toContain('corrigez les champs signalés');

    const resident = await register('Lucienne Brun');
    const form = await t.request({
      url: `/equipe/residents/${resident.id}/annonce`,
      session: agent.session,
      headers: { accept: 'text/html' },
    });
    expect(form.status).toBe(200);
    expect(form.body).toContain('Elle/Il propose');
    expect(form.body).toContain('Elle/Il demande');
    expect(form.body).toContain('Son quartier');
    expect(form.body).not.toMatch(/Je propose|Je demande|Votre quartier/);
  });

  it('hands a relayed resident’s data over on paper, printed without the site’s frame, and audits it', async () => {
    const resident = await register('Marcel Girard');
    await postFor(resident.id, 'Aide pour le jardin de Marcel');
    const desk = await open('meylan', `/equipe/residents/${resident.id}`, { session: agent.session });
    expect(await navigation(desk, () => desk.getByRole('link', { name: 'ses données à imprimer' }).click())).toBe(200);
    expect(await h1(desk)).toBe('Données de Marcel G.');
    const text = await desk.getByRole('main').innerText();
    for (const held of ['Marcel G.', '0476415912', 'par téléphone', 'Aide pour le jardin de Marcel'])
      expect({ held, shown: text.includes(held) }).toEqual({ held, shown: true });
    await expectNoAxeViolations(desk, 'relayed resident export page');
    await desk.emulateMedia({ media: 'print' });
    expect(await desk.locator('.site-header').isVisible()).toBe(false);
    expect(await desk.getByText('Imprimez cette page').isVisible()).toBe(false);
    expect(await desk.getByRole('heading', { name: 'Données de Marcel G.' }).isVisible()).toBe(true);
    expect((await audit('relayed.resident.export')).filter((r) => r.target_id === resident.id)).toEqual([
      expect.objectContaining({ actor_id: agent.id, data: { resident: resident.id } }),
    ]);
  });

  it(
    'lets the federation admin add a category named only by its name, rename and describe it, move it up and ' +
      'down, and archive it',
    async () => {
      const fed = await createResident(t.db, 'metropole', { roles: ['resident', 'federation_admin'] });
      const desk = await open('metropole', '/administration', { session: fed.session });
      const catalogue = desk.locator('section', { has: desk.getByRole('heading', { name: /^Catalogue/ }) });
      await catalogue.getByLabel('Nom', { exact: true }).fill('Bricolage & réparations');
      expect(
        await navigation(desk, () => catalogue.getByRole('button', { name: 'Ajouter au catalogue' }).click()),
      ).toBe(200);
      const rowId = await desk
        .locator('tr', { has: desk.getByRole('rowheader', { name: 'Bricolage & réparations' }) })
        .getAttribute('id');
      const row = () => desk.locator(`tr#${rowId}`);
      expect(await row().locator('td').first().innerText()).toBe('bricolage-reparations');
      const names = async () => (await catalogue.getByRole('rowheader').allInnerTexts()).map((n) => n.split('\n')[0]);
      const last = (await names()).length - 1;
      expect((await names())[last]).toBe('Bricolage & réparations');

      expect(
        await navigation(desk, () =>
          row()
            .getByRole('button', { name: /^Monter/ })
            .click(),
        ),
      ).toBe(200);
      expect(await desk.getByRole('status').innerText()).toContain('ordre du catalogue est enregistré');
      expect((await names())[last - 1]).toBe('Bricolage & réparations');
      expect(
        await navigation(desk, () =>
          row()
            .getByRole('button', { name: /^Descendre/ })
            .click(),
        ),
      ).toBe(200);
      expect((await names())[last]).toBe('Bricolage & réparations');

      expect(
        await navigation(desk, () =>
          row()
            .getByRole('link', { name: /^Modifier/ })
            .click(),
        ),
      ).toBe(200);
      await desk.getByLabel('Nom').fill('');
      expect(await navigation(desk, () => desk.getByRole('button', { name: 'Enregistrer la catégorie' }).click())).toBe(
        422,
      );
      expect(await desk.locator('#cat-name-erreur').innerText()).toContain('nom trop court');
      await expectNoAxeViolations(desk, 'catalogue category form with its error');
      await desk.getByLabel('Nom').fill('Petites réparations');
      await desk.getByLabel('Description').fill('Une étagère, un robinet qui fuit, une chaise bancale.');
      expect(await navigation(desk, () => desk.getByRole('button', { name: 'Enregistrer la catégorie' }).click())).toBe(
        200,
      );
      expect(await row().getByRole('rowheader').innerText()).toContain('Une étagère, un robinet qui fuit');
      expect(await row().locator('td').first().innerText()).toBe('bricolage-reparations');

      expect(
        await navigation(desk, () =>
          row()
            .getByRole('button', { name: /^Archiver/ })
            .click(),
        ),
      ).toBe(200);
      expect(await row().innerText()).toContain('archivée');
      expect((await audit('category.archive')).length).toBe(1);
      expect((await audit('category.move')).map((r) => r.data.direction)).toEqual(['up', 'down']);
    },
  );

  it('shows a commune’s administrator the federation’s categories it lacks, and adds one to its site', async () => {
    const fed = await createResident(t.db, 'metropole', { roles: ['resident', 'federation_admin'] });
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/admin/categories',
      host: 'metropole.localhost',
      session: fed.session,
      payload: { name: 'Jardinage partagé', description: 'Semer, arroser, récolter ensemble.' },
    });
    expect(created.status).toBe(201);
    expect(created.json()).toMatchObject({ slug: 'jardinage-partage' });
    const admin = await createResident(t.db, 'seyssins', { roles: ['resident', 'admin'] });
    const desk = await open('seyssins', '/administration', { session: admin.session });
    const offered = desk.locator('.card', { hasText: 'Jardinage partagé' });
    expect(await offered.innerText()).toContain('Semer, arroser, récolter ensemble.');
    expect(await navigation(desk, () => offered.getByRole('button', { name: /^Ajouter à/ }).click())).toBe(200);
    expect(await desk.getByRole('status').innerText()).toContain('ajoutée au site');
    expect(await desk.locator('.card', { hasText: 'Jardinage partagé' }).count()).toBe(0);
    expect(await desk.getByRole('rowheader', { name: 'Jardinage partagé' }).count()).toBe(1);
    const posting = await t.request({
      url: '/annonces/nouvelle',
      host: 'seyssins.localhost',
      session: admin.session,
      headers: { accept: 'text/html' },
    });
    expect(posting.body).toContain('>Jardinage partagé</option>');
  });

  it(
    'shows each queued item’s reasons in words and its author’s history; publishes without a reason, refuses ' +
      'only with one, bans the author; the journal names each decision’s listing and fits 375 px',
    async () => {
      const moderator = await createResident(t.db, 'grenoble', { roles: ['resident', 'moderator'] });
      const author = await createResident(t.db, 'grenoble', { displayName: 'Bruno K.' });
      const grenobleCourses = await categoryId(t.db, 'grenoble', 'courses');
      const listing = (title: string, description: string) =>
        publishListing(
          t,
          author,
          { kind: 'offer', categoryId: grenobleCourses, title, description, location: { lat: 45.1885, lng: 5.7245 } },
          'grenoble.localhost',
        );
      const reported = await listing('Cours de guitare', 'Je donne des cours de guitare le samedi, venez nombreux.');
      await listing('Tonte de pelouse 20 €', 'Je tonds votre pelouse pour 20 € de l’heure.');
      const good = await listing('Covoiturage au marché', 'Je vais au marché le samedi, il reste deux places.');
      for (const reason of ['scam', 'scam', 'spam']) {
        const reporter = await createResident(t.db, 'grenoble');
        const res = await t.request({
          method: 'POST',
          url: `/api/v1/listings/${reported.id}/reports`,
          host: 'grenoble.localhost',
          session: reporter.session,
          payload: { reason },
        });
        expect(res.status).toBeLessThan(300);
      }
      // The third listing is held by hand, as a moderator would find a listing waiting for review.
      await t.db.admin.query(`UPDATE listings SET status = 'pending_review' WHERE id = $1`, [good.id]);

      const desk = await open('grenoble', '/moderation', {
        session: moderator.session,
        viewport: { width: 375, height: 800 },
      });
      const card = (title: string) => desk.locator('.queue > li').filter({ hasText: title });
      const reportedText = await card('Cours de guitare').innerText();
      expect(reportedText).toContain('3 signalements d’habitants : arnaque (2), publicité ou doublon (1)');
      expect(reportedText).not.toContain('[object Object]');
      expect(await card('Tonte de pelouse').innerText()).toContain('prix ou rémunération');
      expect(reportedText).toMatch(/Bruno K\. : inscrit\(e\) le .* · 3 annonces · 3 signalements reçus/);

      // Refusing without a reason is refused; publishing without one is not.
      const paidDecision = card('Tonte de pelouse').getByRole('group', { name: /^Décision/ });
      await paidDecision.getByLabel('Refuser').check();
      expect(
        await navigation(desk, () => paidDecision.getByRole('button', { name: 'Enregistrer la décision' }).click()),
      ).toBe(422);
      expect(await desk.getByRole('alert').innerText()).toContain('un motif est requis pour refuser');
      const goodDecision = card('Covoiturage au marché').getByRole('group', { name: /^Décision/ });
      await goodDecision.getByLabel('Publier').check();
      expect(
        await navigation(desk, () => goodDecision.getByRole('button', { name: 'Enregistrer la décision' }).click()),
      ).toBe(200);
      const again = card('Tonte de pelouse').getByRole('group', { name: /^Décision/ });
      await again.getByLabel('Refuser').check();
      await again.getByLabel(/^Motif/).fill('Une aide doit être gratuite.');
      expect(await navigation(desk, () => again.getByRole('button', { name: 'Enregistrer la décision' }).click())).toBe(
        200,
      );

      const ban = card('Cours de guitare');
      await ban.locator('summary', { hasText: 'Suspendre le compte de Bruno K.' }).click();
      await ban.getByLabel(/^Motif de la suspension/).fill('Annonces trompeuses répétées.');
      expect(await navigation(desk, () => ban.getByRole('button', { name: /^Suspendre le compte/ }).click())).toBe(200);
      expect(await desk.getByRole('status').innerText()).toContain('Le compte est suspendu');
      expect(await card('Cours de guitare').innerText()).toContain('Compte suspendu depuis le');

      expect(await navigation(desk, () => desk.getByRole('link', { name: 'Journal des décisions' }).click())).toBe(200);
      const entries = desk.locator('.journal > li');
      expect(await entries.filter({ hasText: 'Annonce refusée' }).innerText()).toContain('« Tonte de pelouse 20 € »');
      expect(await entries.filter({ hasText: 'Annonce refusée' }).innerText()).toContain(
        'Motif : Une aide doit être gratuite.',
      );
      expect(await entries.filter({ hasText: 'Annonce publiée' }).innerText()).toContain('« Covoiturage au marché »');
      expect(await entries.filter({ hasText: 'Compte suspendu' }).innerText()).toContain('« Bruno K. »');
      const widths = await desk.evaluate(() => {
        const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document;
        return root.documentElement.scrollWidth;
      });
      expect(widths).toBeLessThanOrEqual(375);
    },
  );
});
