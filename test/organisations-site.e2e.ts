import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { parseCalendar, utcDateTime } from '@libs/calendar';
import { MissionRemindersService } from '@src/organisations/mission-reminders.service';
import { parisInstant, parisParts, parisTomorrow, scheduleLabel } from '@src/organisations/mission-schedule';
import { expectNoAxeViolations, launchBrowser, navigation, openTenantPage, uncaughtErrors } from './support/browser';
import { categoryId, createResident, ResidentFixture } from './support/factories';
import { SmtpSink } from './support/smtp-sink';
import { ListeningTestApp, startListeningTestApp } from './support/test-app';

const LYON = 'lyon';
const LYON_POINT = { lat: 45.7578, lng: 4.8351 };

/**
 * Lyon's organisations side in a real browser: a resident signs up to a mission and its
 * manager sees them; every page of the side passes axe's WCAG 2.1 A/AA rules.
 */
describe('organisations and volunteering on the site, in a real browser', () => {
  let t: ListeningTestApp;
  let browser: Browser;
  let sink: SmtpSink;
  let manager: ResidentFixture;
  let moderator: ResidentFixture;
  let organisationId: string;
  let projectId: string;
  let missionId: string;
  const opened: Page[] = [];

  const open = async (path: string, opts: Parameters<typeof openTenantPage>[4] = {}) => {
    const page = await openTenantPage(browser, t, LYON, path, opts);
    opened.push(page);
    return page;
  };
  const api = (method: 'POST' | 'GET', url: string, who: ResidentFixture, payload?: unknown) =>
    t.request({ method, url, host: 'lyon.localhost', session: who.session, payload });

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startListeningTestApp({ env: { WORKERS: 'on', SMTP_URL: sink.url, MAP_TILE_URL: '' } });
    browser = await launchBrowser();
    manager = await createResident(t.db, LYON, { displayName: 'Odile M.' });
    moderator = await createResident(t.db, LYON, { roles: ['resident', 'moderator'] });
    organisationId = (
      await api('POST', '/api/v1/organisations', manager, {
        name: 'Les Petits Frères du 3e',
        kind: 'association',
        description: 'Nous rendons visite aux personnes âgées isolées du quartier.',
      })
    ).json().id;
    await api('POST', `/api/v1/moderation/organisations/${organisationId}/decision`, moderator, {
      action: 'approve',
      reason: 'Association reconnue',
    });
    const project = await api('POST', '/api/v1/projects', manager, {
      organisationId,
      title: 'Visites de convivialité',
      description: 'Des visites régulières chez des aînés qui vivent seuls.',
      categoryId: await categoryId(t.db, LYON, 'conversation'),
      location: LYON_POINT,
      ongoing: true,
    });
    projectId = project.json().id;
    missionId = (
      await api('POST', `/api/v1/projects/${projectId}/missions`, manager, {
        title: 'Visite du mardi après-midi',
        when: 'Le mardi de 14 h à 16 h',
        volunteersNeeded: 2,
        skills: ['écoute'],
      })
    ).json().id;
  });
  afterEach(async () => {
    for (const page of opened.splice(0)) await page.close().catch(() => undefined);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await sink?.stop();
  });

  it(
    'lets a resident sign up to a mission from the project page, and shows them to the manager by first name and ' +
      'initial',
    async () => {
      const resident = await createResident(t.db, LYON, { displayName: 'Jules P.' });
      // The home page of a commune with this side shows its projects.
      const page = await open('/', { session: resident.session });
      const projects = page.getByRole('region', { name: 'Lyon solidaire : les projets' });
      await expect(projects.getByRole('link', { name: 'Visites de convivialité' }).count()).resolves.toBe(1);
      expect(await navigation(page, () => projects.getByRole('link', { name: 'Tous les projets' }).click())).toBe(200);
      await expect(page.getByRole('link', { name: 'Visites de convivialité' }).count()).resolves.toBe(1);
      expect(await navigation(page, () => page.getByRole('link', { name: 'Visites de convivialité' }).click())).toBe(
        200,
      );
      const mission = page.locator(`#mission-${missionId}`);
      await expect(mission.innerText()).resolves.toContain('2 places restantes sur 2');
      expect(await navigation(page, () => mission.getByRole('button', { name: /Je m'inscris/ }).click())).toBe(200);
      await expect(page.getByRole('status').first().innerText()).resolves.toContain('Vous êtes inscrit(e)');
      await expect(page.locator(`#mission-${missionId}`).innerText()).resolves.toContain('1 place restante sur 2');
      await expect(
        page
          .locator(`#mission-${missionId}`)
          .getByRole('button', { name: /Me désinscrire/ })
          .count(),
      ).resolves.toBe(1);
      expect(uncaughtErrors(page)).toEqual([]);

      const managerPage = await open(`/missions/${missionId}/benevoles`, { session: manager.session });
      const rows = await managerPage.locator('tbody tr').allInnerTexts();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toContain('Jules P.');
      expect(rows[0]).toContain('non partagée');
      expect(rows[0]).not.toContain(resident.email);
    },
  );

  it('lets the manager close sign-ups from the volunteers page; residents then see them closed', async () => {
    const closing = (
      await api('POST', `/api/v1/projects/${projectId}/missions`, manager, {
        title: 'Goûter du jeudi',
        when: 'Le jeudi à 16 h',
        volunteersNeeded: 4,
      })
    ).json().id as string;
    const managerPage = await open(`/missions/${closing}/benevoles`, { session: manager.session });
    expect(
      await navigation(managerPage, () => managerPage.getByRole('button', { name: 'Clore les inscriptions' }).click()),
    ).toBe(200);
    await expect(managerPage.getByRole('status').first().innerText()).resolves.toContain('sont closes');
    await expect(managerPage.getByRole('button', { name: 'Rouvrir les inscriptions' }).count()).resolves.toBe(1);

    const resident = await createResident(t.db, LYON);
    const page = await open(`/projets/${projectId}`, { session: resident.session });
    const card = page.locator(`#mission-${closing}`);
    await expect(card.innerText()).resolves.toContain('Inscriptions closes');
    await expect(card.getByRole('button', { name: /Je m'inscris/ }).count()).resolves.toBe(0);

    expect(
      await navigation(managerPage, () =>
        managerPage.getByRole('button', { name: 'Rouvrir les inscriptions' }).click(),
      ),
    ).toBe(200);
    await expect(managerPage.getByRole('status').first().innerText()).resolves.toContain('de nouveau ouvertes');
    await page.reload();
    await expect(
      page
        .locator(`#mission-${closing}`)
        .getByRole('button', { name: /Je m'inscris/ })
        .count(),
    ).resolves.toBe(1);
    // Only a manager may: a resident's form post is refused.
    expect(
      (
        await t.request({
          method: 'POST',
          url: `/missions/${closing}/cloture`,
          host: 'lyon.localhost',
          session: resident.session,
        })
      ).status,
    ).toBe(403);
  });

  it('lets the manager edit a project from its page, and close it, which takes it off the public pages', async () => {
    const created = await api('POST', '/api/v1/projects', manager, {
      organisationId,
      title: 'Courses pour les aînés',
      description: 'Des courses faites pour des aînés du quartier qui ne peuvent plus porter.',
      categoryId: await categoryId(t.db, LYON, 'conversation'),
      location: LYON_POINT,
      ongoing: true,
    });
    const id = created.json().id as string;
    const page = await open(`/projets/${id}`, { session: manager.session });
    expect(await navigation(page, () => page.getByRole('link', { name: 'Modifier le projet' }).click())).toBe(200);
    await expect(page.getByLabel('Titre').inputValue()).resolves.toBe('Courses pour les aînés');
    await page.getByLabel('Titre').fill('Co');
    expect(
      await navigation(page, () => page.getByRole('button', { name: 'Enregistrer les modifications' }).click()),
    ).toBe(422);
    await expect(page.getByRole('alert').first().innerText()).resolves.toContain("Le projet n'a pas été modifié");
    await expect(page.locator('#title-erreur').innerText()).resolves.toContain('titre trop court');
    await page.getByLabel('Titre').fill('Courses du samedi pour les aînés');
    expect(
      await navigation(page, () => page.getByRole('button', { name: 'Enregistrer les modifications' }).click()),
    ).toBe(200);
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Courses du samedi pour les aînés');
    await expect(page.getByRole('status').first().innerText()).resolves.toContain(
      'modifications du projet sont enregistrées',
    );
    expect((await t.request({ url: `/projets/${id}`, host: 'lyon.localhost' })).body).toContain(
      'Courses du samedi pour les aînés',
    );

    // Another resident may neither open the form nor post it.
    const resident = await createResident(t.db, LYON);
    expect(
      (await t.request({ url: `/projets/${id}/modifier`, host: 'lyon.localhost', session: resident.session })).status,
    ).toBe(404);
    expect(
      (
        await t.request({
          method: 'POST',
          url: `/projets/${id}/clore`,
          host: 'lyon.localhost',
          session: resident.session,
        })
      ).status,
    ).toBe(403);

    expect(await navigation(page, () => page.getByRole('link', { name: 'Modifier le projet' }).click())).toBe(200);
    expect(await navigation(page, () => page.getByRole('button', { name: 'Clore le projet' }).click())).toBe(200);
    await expect(page.getByRole('status').first().innerText()).resolves.toContain('Le projet est clos');
    expect((await t.request({ url: `/projets/${id}`, host: 'lyon.localhost' })).status).toBe(404);
    expect((await api('GET', `/api/v1/projects/${id}`, manager)).json()).toMatchObject({
      status: 'closed',
      public: false,
    });
  });

  it(
    'passes axe on every page of the organisations side, ' + 'for visitors, residents, managers and moderators',
    async () => {
      const resident = await createResident(t.db, LYON);
      const pending = (
        await api('POST', '/api/v1/organisations', resident, {
          name: 'Collectif en attente',
          kind: 'other',
          description: 'Un collectif qui attend sa relecture.',
        })
      ).json().id;
      await api('POST', `/api/v1/organisations/${organisationId}/messages`, resident, {
        message: 'Bonjour, je peux aider le jeudi.',
      });
      const pages: Array<[string, string | undefined]> = [
        ['/', undefined],
        ['/projets', undefined],
        [`/projets/${projectId}`, undefined],
        [`/projets/${projectId}`, resident.session],
        [`/projets/${projectId}`, manager.session],
        ['/organisations', undefined],
        [`/organisations/${organisationId}`, resident.session],
        ['/organisations/nouvelle', resident.session],
        [`/organisations/${organisationId}/gerer`, manager.session],
        [`/organisations/${organisationId}/projets/nouveau`, manager.session],
        [`/projets/${projectId}/missions/nouvelle`, manager.session],
        [`/projets/${projectId}/modifier`, manager.session],
        [`/missions/${missionId}/benevoles`, manager.session],
        ['/mes-organisations', resident.session],
        ['/mon-agenda', resident.session],
        ['/carte?kind=project', undefined],
        ['/moderation', moderator.session],
      ];
      // One tab per visitor, going from page to page (a tab per page costs a renderer process each).
      const tabs = new Map<string, Page>();
      for (const [path, session] of pages) {
        const key = session ?? 'visitor';
        let page = tabs.get(key);
        if (!page) tabs.set(key, (page = await open(path, { session })));
        else {
          const res = await page.goto(new URL(path.replace(/^\/+/, ''), t.baseUrl(LYON)).toString(), {
            waitUntil: 'load',
          });
          expect({ path, status: res?.status() }).toEqual({ path, status: 200 });
        }
        await expectNoAxeViolations(page, `lyon ${path}${session ? ' (signed in)' : ''}`);
      }
      const moderation = await open('/moderation', { session: moderator.session });
      await expect(moderation.getByRole('heading', { name: 'Collectif en attente' }).count()).resolves.toBe(1);
      expect(pending).toBeDefined();

      // A form sent with errors: summary and fields named, still accessible.
      const form = await open('/organisations/nouvelle', { session: resident.session });
      await form.getByLabel('Nom').fill('X');
      expect(await navigation(form, () => form.getByRole('button', { name: 'Envoyer pour relecture' }).click())).toBe(
        422,
      );
      await expect(form.getByRole('alert').innerText()).resolves.toContain("L'organisation n'a pas été enregistrée");
      await expectNoAxeViolations(form, 'lyon /organisations/nouvelle (errors)');
    },
    240_000,
  );

  it("lets a manager give the project an image through the page's form, checked by its bytes", async () => {
    const page = await open(`/projets/${projectId}`, { session: manager.session });
    await page
      .getByLabel('Image (PNG, JPEG ou WebP, 2 Mo au plus)')
      .setInputFiles({ name: 'affiche.txt', mimeType: 'image/png', buffer: Buffer.from('pas une image du tout') });
    expect(await navigation(page, () => page.getByRole('button', { name: "Enregistrer l'image" }).click())).toBe(422);
    await expect(page.getByRole('alert').innerText()).resolves.toContain('PNG, JPEG ou WebP attendu');
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
      'base64',
    );
    // The same PNG declaring 50,000 × 50,000 pixels (CRC kept right): refused before decoding, said in French.
    const giant = Buffer.from(png);
    giant.writeUInt32BE(50_000, 16);
    giant.writeUInt32BE(50_000, 20);
    giant.writeUInt32BE(crc32(giant.subarray(12, 29)), 29);
    await page
      .getByLabel('Image (PNG, JPEG ou WebP, 2 Mo au plus)')
      .setInputFiles({ name: 'affiche.png', mimeType: 'image/png', buffer: giant });
    expect(await navigation(page, () => page.getByRole('button', { name: "Enregistrer l'image" }).click())).toBe(422);
    await expect(page.getByRole('alert').innerText()).resolves.toContain('image trop grande (50000 × 50000 pixels');
    await page
      .getByLabel('Image (PNG, JPEG ou WebP, 2 Mo au plus)')
      .setInputFiles({ name: 'affiche.png', mimeType: 'image/png', buffer: png });
    expect(await navigation(page, () => page.getByRole('button', { name: "Enregistrer l'image" }).click())).toBe(200);
    await expect(page.getByRole('status').first().innerText()).resolves.toContain('image du projet est enregistrée');
    const image = page.getByRole('img', { name: 'Image du projet « Visites de convivialité »' });
    await expect(image.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth)).resolves.toBe(1);
  });

  describe('missions with a date, in volunteers’ calendars', () => {
    // One clock for the file's missions: tomorrow (Europe/Paris) stays tomorrow for the reminders.
    const now = new Date();
    const tomorrow = parisParts(parisTomorrow(now).from).day;
    const start = parisInstant(tomorrow, '10:00')!;
    const end = parisInstant(tomorrow, '12:30')!;

    /** A mission of the project tomorrow, 10 h to 12 h 30, its meeting place kept for volunteers; one volunteer. */
    const datedMission = async (title: string, volunteer: ResidentFixture) => {
      const id = (
        await api('POST', `/api/v1/projects/${projectId}/missions`, manager, {
          title,
          when: 'demain',
          startsAt: start.toISOString(),
          endsAt: end.toISOString(),
          meetingPlace: 'Salle Molière, 20 quai de Bondy',
          volunteersNeeded: 3,
        })
      ).json().id as string;
      expect((await api('POST', `/api/v1/missions/${id}/volunteers`, volunteer, {})).status).toBe(201);
      return id;
    };

    it(
      'lets a manager post a dated mission with its meeting place; once its places are taken, everyone reads ' +
        '« Complet » without a sign-up prompt, on the project and in the projects list',
      async () => {
        const form = await open(`/projets/${projectId}/missions/nouvelle`, { session: manager.session });
        await form.getByLabel('Ce que feront les bénévoles').fill('Distribution de colis de Noël');
        await form.getByLabel('Jour', { exact: true }).fill(tomorrow);
        await form.getByLabel('Heure de début').fill('09:00');
        await form.getByLabel('Heure de fin (facultatif)').fill('12:00');
        await form.getByLabel('Lieu de rendez-vous (facultatif)').fill('Devant la MJC, 12 rue Paul-Bert');
        await form.getByLabel('Nombre de bénévoles').fill('2');
        expect(await navigation(form, () => form.getByRole('button', { name: 'Publier la mission' }).click())).toBe(
          200,
        );
        const posted = form.locator('li[id^="mission-"]', { hasText: 'Distribution de colis de Noël' });
        const id = (await posted.getAttribute('id'))!.slice('mission-'.length);
        const when = scheduleLabel(parisInstant(tomorrow, '09:00')!, parisInstant(tomorrow, '12:00')!);
        expect(when).toMatch(/, de 9 h à 12 h$/);
        await expect(posted.innerText()).resolves.toContain(when);
        await expect(posted.innerText()).resolves.toContain('2 places restantes sur 2');

        await api('POST', `/api/v1/missions/${id}/volunteers`, await createResident(t.db, LYON), {});
        const last = await createResident(t.db, LYON, { displayName: 'Lina K.' });
        const page = await open(`/projets/${projectId}`, { session: last.session });
        const card = page.locator(`#mission-${id}`);
        await expect(card.innerText()).resolves.toContain('1 place restante sur 2');
        // Before signing up, only the neighbourhood: the place itself is for volunteers.
        await expect(card.innerText()).resolves.toContain('Lyon 2e, Lyon (lieu précis communiqué aux bénévoles');
        await expect(card.innerText()).resolves.not.toContain('Paul-Bert');
        expect(await navigation(page, () => card.getByRole('button', { name: /Je m'inscris/ }).click())).toBe(200);
        const mine = page.locator(`#mission-${id}`);
        await expect(mine.innerText()).resolves.toContain('Complet');
        await expect(mine.innerText()).resolves.toContain('Devant la MJC, 12 rue Paul-Bert');

        let list = page;
        for (const session of [(await createResident(t.db, LYON)).session, undefined]) {
          list = await open(`/projets/${projectId}`, { session });
          const full = list.locator(`#mission-${id}`);
          await expect(full.innerText()).resolves.toContain('Complet');
          await expect(full.getByRole('button', { name: /Je m'inscris/ }).count()).resolves.toBe(0);
          await expect(full.getByRole('link', { name: 'Connectez-vous' }).count()).resolves.toBe(0);
        }
        expect(await navigation(list, () => list.getByRole('link', { name: 'Retour aux projets' }).click())).toBe(200);
        const missions = list.getByRole('list', { name: 'Missions de « Visites de convivialité »' });
        await expect(missions.innerText()).resolves.toContain('Distribution de colis de Noël : Complet');
        expect(uncaughtErrors(page)).toEqual([]);
      },
    );

    it(
      'gives a volunteer the mission as an .ics file, and a private calendar feed that answers 404 once ' + 'deleted',
      async () => {
        const volunteer = await createResident(t.db, LYON, { displayName: 'Inès B.' });
        const id = await datedMission('Tri des dons de vêtements', volunteer);
        const page = await open('/mon-agenda', { session: volunteer.session });
        const [download] = await Promise.all([
          page.waitForEvent('download'),
          page.getByRole('link', { name: /Ajouter à mon agenda : « Tri des dons de vêtements »/ }).click(),
        ]);
        const file = readFileSync(await download.path(), 'utf8');
        const { events } = parseCalendar(file);
        expect(events).toEqual([
          expect.objectContaining({
            UID: `mission-${id}@lyon.localhost`,
            SUMMARY: 'Tri des dons de vêtements (Les Petits Frères du 3e)',
            DTSTART: utcDateTime(start),
            DTEND: utcDateTime(end),
            LOCATION: 'Salle Molière, 20 quai de Bondy, Lyon',
          }),
        ]);

        expect(
          await navigation(page, () => page.getByRole('button', { name: "Créer mon lien d'agenda" }).click()),
        ).toBe(200);
        await expect(page.getByRole('status').innerText()).resolves.toContain('Votre lien d’agenda est prêt');
        const feedPath = new URL(await page.getByLabel(/Adresse de mon agenda/).inputValue()).pathname;
        const feed = await t.request({ method: 'GET', url: feedPath, host: 'lyon.localhost' });
        expect(feed.status).toBe(200);
        expect(feed.headers['content-type']).toBe('text/calendar; charset=utf-8');
        expect(parseCalendar(feed.body).events.map((e) => e.UID)).toContain(`mission-${id}@lyon.localhost`);

        expect(
          await navigation(page, () => page.getByRole('button', { name: "Supprimer mon lien d'agenda" }).click()),
        ).toBe(200);
        await expect(page.getByRole('status').innerText()).resolves.toContain('ne fonctionne plus');
        expect((await t.request({ method: 'GET', url: feedPath, host: 'lyon.localhost' })).status).toBe(404);
      },
    );

    it('e-mails each volunteer once, the day before the mission, with when and where it is', async () => {
      const volunteer = await createResident(t.db, LYON, { displayName: 'Marc D.' });
      const id = await datedMission('Atelier de réparation de vélos', volunteer);
      const reminders = t.app.get(MissionRemindersService);
      expect(await reminders.sendDue(now)).toBeGreaterThanOrEqual(1);
      const mail = await sink.waitFor((m) => m.to.includes(volunteer.email) && m.subject.includes('vélos'));
      expect(mail.subject).toBe('Rappel : « Atelier de réparation de vélos » demain avec Les Petits Frères du 3e');
      expect(mail.text).toContain(`Quand : ${scheduleLabel(start, end)}`);
      expect(mail.text).toContain('Où : Salle Molière, 20 quai de Bondy');
      expect(mail.text).toContain(`/missions/${id}/agenda.ics`);
      // Once per volunteer and mission, however often the job runs.
      expect(await reminders.sendDue(now)).toBe(0);
    });
  });

  it('answers 404 on the organisations pages of a commune that has them off', async () => {
    const page = await openTenantPage(browser, t, 'meylan', '/projets', { status: 404 });
    opened.push(page);
    await expect(page.locator('h1').innerText()).resolves.toBeTruthy();
  });
});
