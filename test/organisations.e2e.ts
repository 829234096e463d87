import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { categoryId, createResident, ResidentFixture } from './support/factories';
import { SmtpSink } from './support/smtp-sink';
import { startTestApp, TestApp } from './support/test-app';

const LYON = 'lyon.localhost';
const LYON_POINT = { lat: 45.7578, lng: 4.8351 };
/** A real 1 × 1 PNG: uploads are decoded, so a PNG signature alone is not enough. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

/** The same PNG whose header declares `width` × `height` pixels (with a correct chunk CRC). */
function pngDeclaring(width: number, height: number): Buffer {
  const forged = Buffer.from(PNG);
  forged.writeUInt32BE(width, 16);
  forged.writeUInt32BE(height, 20);
  forged.writeUInt32BE(crc32(forged.subarray(12, 29)), 29);
  return forged;
}

describe('organisations, projects, missions and volunteers', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let moderator: ResidentFixture;
  let cuisine: string;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({ env: { WORKERS: 'on', SMTP_URL: sink.url } });
    moderator = await createResident(t.db, 'lyon', { roles: ['resident', 'moderator'], displayName: 'Modo L.' });
    cuisine = await categoryId(t.db, 'lyon', 'cuisine');
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  /** The image as the request body, byte for byte. */
  const putImage = async (projectId: string, who: ResidentFixture, body: Buffer, type = 'image/png') => {
    const res = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/projects/${projectId}/image`,
      headers: {
        host: LYON,
        origin: `http://${LYON}`,
        cookie: `entraide_session=${who.session}`,
        'content-type': type,
      },
      payload: body,
    });
    return { status: res.statusCode, headers: res.headers, json: () => JSON.parse(res.body) };
  };

  const call = (
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    who?: ResidentFixture,
    payload?: unknown,
    host = LYON,
  ) => t.request({ method, url, host, session: who?.session, payload });

  /** A published organisation (approved by the moderator) managed by `manager`. */
  async function approvedOrganisation(manager: ResidentFixture, name = 'Les Jardins du Rhône') {
    const created = await call('POST', '/api/v1/organisations', manager, {
      name,
      kind: 'association',
      description: 'Une association de jardins partagés du quartier.',
    });
    expect(created.status).toBe(201);
    const decided = await call('POST', `/api/v1/moderation/organisations/${created.json().id}/decision`, moderator, {
      action: 'approve',
      reason: 'Association connue de la mairie',
    });
    expect(decided.status).toBe(200);
    return created.json().id as string;
  }

  async function publishedProject(
    manager: ResidentFixture,
    organisationId: string,
    title = 'Potager partagé de la Guillotière',
  ) {
    const res = await call('POST', '/api/v1/projects', manager, {
      organisationId,
      title,
      description: 'Un potager ouvert à tous les voisins, le samedi matin.',
      categoryId: cuisine,
      location: LYON_POINT,
      ongoing: true,
    });
    expect(res.status).toBe(201);
    expect(res.json().status).toBe('published');
    return res.json().id as string;
  }

  it('keeps a new organisation out of public view until a moderator approves it, and logs the decision', async () => {
    const manager = await createResident(t.db, 'lyon');
    const created = await call('POST', '/api/v1/organisations', manager, {
      name: 'Centre social Pentes',
      kind: 'social_centre',
      description: 'Le centre social des Pentes de la Croix-Rousse.',
      website: 'https://pentes.example.org',
    });
    expect(created.status).toBe(201);
    const id = created.json().id;
    expect(created.json()).toMatchObject({
      status: 'pending_review',
      manager: true,
      managers: [{ id: manager.id, role: 'owner' }],
    });

    expect((await call('GET', `/api/v1/organisations/${id}`)).status).toBe(404);
    expect((await call('GET', '/api/v1/organisations')).json().items.map((o: any) => o.id)).not.toContain(id);
    const queue = await call('GET', '/api/v1/moderation/queue', moderator);
    expect(queue.json().items).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'organisation', id, title: 'Centre social Pentes' })]),
    );

    const decided = await call('POST', `/api/v1/moderation/organisations/${id}/decision`, moderator, {
      action: 'approve',
      reason: 'Centre social de la ville',
    });
    expect(decided.json()).toEqual({ id, status: 'published' });
    const shown = await call('GET', `/api/v1/organisations/${id}`);
    expect(shown.status).toBe(200);
    expect(shown.json()).toMatchObject({
      name: 'Centre social Pentes',
      kind: 'social_centre',
      website: 'https://pentes.example.org',
    });
    expect(shown.json()).not.toHaveProperty('managers');
    expect((await call('GET', '/api/v1/organisations')).json().items.map((o: any) => o.id)).toContain(id);
    const mail = await sink.waitFor((m) => m.to.includes(manager.email) && m.subject.includes('Centre social Pentes'));
    expect(mail.text).toContain('publiée');
    const audit = await call('GET', '/api/v1/moderation/audit', moderator);
    expect(audit.json().items[0]).toMatchObject({
      action: 'organisation.approve',
      target: { type: 'organisation', id },
      reason: 'Centre social de la ville',
    });

    const again = await call('POST', `/api/v1/moderation/organisations/${id}/decision`, moderator, {
      action: 'reject',
      reason: 'Trop tard',
    });
    expect(again.status).toBe(409);
  });

  it('refuses a rejected organisation to its public and answers bad input with the field named', async () => {
    const manager = await createResident(t.db, 'lyon');
    const bad = await call('POST', '/api/v1/organisations', manager, {
      name: 'X',
      kind: 'club',
      description: 'court',
      website: 'pas un site',
    });
    expect(bad.status).toBe(422);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(
      bad
        .json()
        .errors.map((e: any) => e.field)
        .sort(),
    ).toEqual(['description', 'kind', 'name', 'website']);
    const created = await call('POST', '/api/v1/organisations', manager, {
      name: 'Vente de miel',
      kind: 'business',
      description: 'Nous vendons du miel au marché.',
    });
    const id = created.json().id;
    expect(
      (
        await call('POST', `/api/v1/moderation/organisations/${id}/decision`, moderator, {
          action: 'reject',
          reason: 'Activité commerciale',
        })
      ).status,
    ).toBe(200);
    expect((await call('GET', `/api/v1/organisations/${id}`)).status).toBe(404);
    const project = await call('POST', '/api/v1/projects', manager, {
      organisationId: id,
      title: 'Un projet refusé',
      description: 'Ce projet ne doit pas être créé.',
      categoryId: cuisine,
      location: LYON_POINT,
      ongoing: true,
    });
    expect(project.status).toBe(409);
  });

  it('turns the whole side off where the tenant file does: 404 on every route', async () => {
    const meylan = await createResident(t.db, 'meylan');
    for (const [method, url] of [
      ['GET', '/api/v1/organisations'],
      ['GET', '/api/v1/projects'],
      ['POST', '/api/v1/organisations'],
      ['POST', '/api/v1/missions/00000000-0000-4000-8000-000000000000/volunteers'],
    ] as const) {
      const res = await call(
        method,
        url,
        meylan,
        method === 'POST'
          ? { name: 'Asso', kind: 'association', description: 'Une association de Meylan.' }
          : undefined,
        'meylan.localhost',
      );
      expect({ url, status: res.status }).toEqual({ url, status: 404 });
    }
  });

  it(
    'shows a project of an approved organisation in search, ' + 'with its public point only, and filters kind=project',
    async () => {
      const manager = await createResident(t.db, 'lyon');
      const organisationId = await approvedOrganisation(manager, 'Cuisine solidaire');
      const id = await publishedProject(manager, organisationId, 'Repas partagés du jeudi');
      const list = await call('GET', '/api/v1/projects?category=cuisine');
      const item = list.json().items.find((p: any) => p.id === id);
      expect(item).toMatchObject({
        kind: 'project',
        title: 'Repas partagés du jeudi',
        organisation: { name: 'Cuisine solidaire' },
        ongoing: true,
      });
      const { rows: measured } = await t.db.admin.query(
        `SELECT ST_Distance(location, public_location) AS d FROM projects WHERE id = $1`,
        [id],
      );
      expect(measured[0].d).toBeGreaterThanOrEqual(100);
      expect(JSON.stringify(list.json())).not.toContain('"location"');
      const near = await call('GET', `/api/v1/projects?near=${LYON_POINT.lat},${LYON_POINT.lng}&radius=1000`);
      // Measured from the public point: 100 m from the place or more, and not beyond the cell's surroundings.
      expect(near.json().items.find((p: any) => p.id === id).distanceM).toBeGreaterThanOrEqual(100);
      expect(near.json().items.find((p: any) => p.id === id).distanceM).toBeLessThanOrEqual(500);
      const asListings = await call('GET', '/api/v1/listings?kind=project');
      expect(asListings.status).toBe(200);
      expect(asListings.json().items.map((p: any) => p.id)).toContain(id);
      const map = await call('GET', '/api/v1/listings.geojson?bbox=4.7,45.6,5.0,45.9&kind=project');
      expect(map.json().features.map((f: any) => f.properties)).toEqual(
        expect.arrayContaining([expect.objectContaining({ id, kind: 'project' })]),
      );
      const tenant = await call('GET', '/api/v1/tenant');
      expect(tenant.json().stats.projects).toBeGreaterThanOrEqual(1);
      const admin = await createResident(t.db, 'lyon', { roles: ['resident', 'admin'] });
      const stats = (await call('GET', '/api/v1/admin/stats', admin)).json();
      const sum = (k: string) => stats.byDay.reduce((n: number, d: any) => n + d[k], 0);
      expect({ organisations: sum('organisations') > 0, projects: sum('projects') > 0 }).toEqual({
        organisations: true,
        projects: true,
      });
      expect(stats.byDay[29]).toMatchObject({ missions: expect.any(Number), volunteerSignUps: expect.any(Number) });
      const badKind = await call('GET', '/api/v1/listings?kind=project', undefined, undefined, 'meylan.localhost');
      expect(badKind.status).toBe(422);
      expect(badKind.json().errors[0].field).toBe('kind');
    },
  );

  it("lets a manager of one organisation neither edit another's project nor add missions to it", async () => {
    const alice = await createResident(t.db, 'lyon');
    const bob = await createResident(t.db, 'lyon');
    const projectId = await publishedProject(alice, await approvedOrganisation(alice, 'Association Alice'));
    const bobsOrganisation = await approvedOrganisation(bob, 'Association Bob');
    expect((await call('PATCH', `/api/v1/projects/${projectId}`, bob, { title: 'Projet détourné' })).status).toBe(403);
    expect(
      (
        await call('POST', `/api/v1/projects/${projectId}/missions`, bob, {
          title: 'Mission pirate',
          when: 'Demain',
          volunteersNeeded: 3,
        })
      ).status,
    ).toBe(403);
    expect((await putImage(projectId, bob, PNG)).status).toBe(403);
    const stolen = await call('POST', '/api/v1/projects', bob, {
      organisationId: (await call('GET', `/api/v1/projects/${projectId}`)).json().organisation.id,
      title: 'Un projet au nom des autres',
      description: 'Bob publie pour Alice sans son accord.',
      categoryId: cuisine,
      location: LYON_POINT,
      ongoing: true,
    });
    expect(stolen.status).toBe(403);
    expect((await call('GET', `/api/v1/projects/${projectId}`)).json().title).toBe('Potager partagé de la Guillotière');
    // A co-manager invited by Alice may edit.
    const organisationId = (await call('GET', `/api/v1/projects/${projectId}`)).json().organisation.id;
    expect(
      (await call('POST', `/api/v1/organisations/${organisationId}/managers`, alice, { email: bob.email })).status,
    ).toBe(202);
    expect(
      (await call('PATCH', `/api/v1/projects/${projectId}`, bob, { title: 'Potager partagé, saison 2' })).status,
    ).toBe(200);
    expect(bobsOrganisation).toBeDefined();
  });

  it('stores a project image checked by its bytes and size', async () => {
    const manager = await createResident(t.db, 'lyon');
    const projectId = await publishedProject(manager, await approvedOrganisation(manager, 'Photo club'));
    const put = (body: Buffer, type: string) => putImage(projectId, manager, body, type);
    const gif = await put(Buffer.from('GIF89a0000000000'), 'image/png');
    expect(gif.status).toBe(422);
    expect(gif.json().errors[0].field).toBe('image');
    const huge = await put(Buffer.concat([PNG, Buffer.alloc(2 * 1024 * 1024)]), 'image/png');
    expect(huge.status).toBe(413);
    expect(huge.headers['content-type']).toContain('application/problem+json');
    const ok = await put(PNG, 'image/png');
    expect(ok.status).toBe(200);
    expect(ok.json().imageUrl).toBe(`/api/v1/projects/${projectId}/image`);
    const image = await t.request({ url: ok.json().imageUrl, host: LYON });
    expect(image.status).toBe(200);
    expect(image.headers['content-type']).toBe('image/png');
  });

  it(
    'stores the image re-encoded: nothing appended after it, ' + 'no EXIF position, no 50,000 × 50,000 pixels',
    async () => {
      const manager = await createResident(t.db, 'lyon');
      const projectId = await publishedProject(manager, await approvedOrganisation(manager, 'Atelier photo'));
      const stored = async () => {
        const res = await t.app.inject({
          method: 'GET',
          url: `/api/v1/projects/${projectId}/image`,
          headers: { host: LYON },
        });
        expect(res.statusCode).toBe(200);
        return res.rawPayload;
      };

      const appended = await putImage(
        projectId,
        manager,
        Buffer.concat([PNG, Buffer.from('<script>alert(1)</script>')]),
      );
      expect(appended.status).toBe(200);
      const png = await stored();
      expect(png.includes('<script>')).toBe(false);
      expect(await sharp(png).metadata()).toMatchObject({ format: 'png', width: 1, height: 1 });

      const gps = {
        GPSLatitudeRef: 'N',
        GPSLatitude: '45/1 45/1 28/1',
        GPSLongitudeRef: 'E',
        GPSLongitude: '4/1 50/1 6/1',
      };
      const photo = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#2a6' } })
        .jpeg()
        .withExif({ IFD0: { Artist: 'Camille' }, IFD3: gps })
        .toBuffer();
      expect((await sharp(photo).metadata()).exif).toBeDefined();
      expect((await putImage(projectId, manager, photo, 'image/jpeg')).status).toBe(200);
      const jpeg = await stored();
      const meta = await sharp(jpeg).metadata();
      expect(meta).toMatchObject({ format: 'jpeg', width: 64, height: 48 });
      expect(meta.exif).toBeUndefined();
      expect(jpeg.includes('Camille')).toBe(false);

      const giant = await putImage(projectId, manager, pngDeclaring(50_000, 50_000));
      expect(giant.status).toBe(422);
      expect(giant.headers['content-type']).toContain('application/problem+json');
      expect(giant.json().errors).toEqual([
        { field: 'image', message: 'image trop grande (50000 × 50000 pixels ; 40 millions de pixels au plus)' },
      ]);
      const broken = await putImage(
        projectId,
        manager,
        Buffer.concat([PNG.subarray(0, 8), Buffer.from('pas la suite attendue')]),
      );
      expect(broken.status).toBe(422);
      expect(broken.json().errors[0].field).toBe('image');
      // The refused uploads left the last good image in place.
      expect((await sharp(await stored()).metadata()).format).toBe('jpeg');
    },
  );

  it(
    'signs volunteers up until the mission is full, lets them withdraw, and shows managers first name and ' +
      'initial only',
    async () => {
      const manager = await createResident(t.db, 'lyon');
      const projectId = await publishedProject(manager, await approvedOrganisation(manager, 'Banque alimentaire'));
      const mission = await call('POST', `/api/v1/projects/${projectId}/missions`, manager, {
        title: 'Tri des colis',
        when: 'Samedi 9 h – 12 h',
        volunteersNeeded: 2,
        skills: ['port de charges'],
      });
      expect(mission.status).toBe(201);
      const missionId = mission.json().id;
      const [ana, ben, chloe] = [
        await createResident(t.db, 'lyon', { displayName: 'Ana B.' }),
        await createResident(t.db, 'lyon', { displayName: 'Ben C.' }),
        await createResident(t.db, 'lyon'),
      ];

      expect((await call('POST', `/api/v1/missions/${missionId}/volunteers`, ana, {})).json()).toMatchObject({
        signedUp: true,
        placesLeft: 1,
      });
      expect((await call('POST', `/api/v1/missions/${missionId}/volunteers`, ana, {})).json()).toMatchObject({
        placesLeft: 1,
      });
      expect(
        (await call('POST', `/api/v1/missions/${missionId}/volunteers`, ben, { shareContact: true })).json(),
      ).toMatchObject({ full: true, placesLeft: 0 });
      const refused = await call('POST', `/api/v1/missions/${missionId}/volunteers`, chloe, {});
      expect(refused.status).toBe(409);
      expect(refused.json().detail).toContain('complète');

      const volunteers = await call('GET', `/api/v1/missions/${missionId}/volunteers`, manager);
      expect(volunteers.json().items).toEqual([
        { id: ana.id, displayName: 'Ana B.', since: expect.any(String) },
        { id: ben.id, displayName: 'Ben C.', since: expect.any(String), email: ben.email },
      ]);
      expect((await call('GET', `/api/v1/missions/${missionId}/volunteers`, ana)).status).toBe(403);

      const sent = await call('POST', `/api/v1/missions/${missionId}/messages`, manager, {
        message: 'Rendez-vous devant la salle des fêtes.',
      });
      expect(sent.json()).toEqual({ sent: 2 });
      const mail = await sink.waitFor((m) => m.to.includes(ana.email) && m.text.includes('salle des fêtes'));
      expect(mail.text).not.toContain(manager.email);

      expect((await call('DELETE', `/api/v1/missions/${missionId}/volunteers/me`, ana)).json()).toMatchObject({
        signedUp: false,
        placesLeft: 1,
      });
      expect((await call('POST', `/api/v1/missions/${missionId}/volunteers`, chloe, {})).status).toBe(201);
    },
  );

  it('lets a manager close and reopen sign-ups; closing cancels the alert e-mails not yet sent', async () => {
    const manager = await createResident(t.db, 'lyon');
    const projectId = await publishedProject(
      manager,
      await approvedOrganisation(manager, 'Les Restos du quartier'),
      'Repas partagés de la Croix-Rousse',
    );
    const follower = await createResident(t.db, 'lyon', {
      notify: { mode: 'immediate', radiusM: 2000, categoryIds: [cuisine] },
      location: { lat: 45.7585, lng: 4.836 },
    });
    const missionId = (
      await call('POST', `/api/v1/projects/${projectId}/missions`, manager, {
        title: 'Service du dimanche midi',
        when: 'Dimanche 11 h – 14 h',
        volunteersNeeded: 3,
      })
    ).json().id;
    const lyon = await t.db.tenantId('lyon');
    // The follower's alert e-mail, held back as if SMTP had refused it and it waited for its retry.
    const alertRow = async () =>
      (
        await t.db.admin.query(
          `SELECT o.id, o.status FROM mission_notifications mn JOIN outbox_emails o ON o.tenant_id = mn.tenant_id ` +
            `AND o.id = mn.outbox_id WHERE mn.mission_id = $1 AND mn.recipient_id = $2`,
          [missionId, follower.id],
        )
      ).rows[0];
    for (let i = 0; i < 100 && !(await alertRow()); i++) await new Promise((r) => setTimeout(r, 100));
    const { id: outboxId } = await alertRow();
    await t.db.admin.query(
      `UPDATE outbox_emails SET status = 'pending', next_attempt_at = now() + interval '1 hour' WHERE tenant_id = ` +
        `$1 AND id = $2`,
      [lyon, outboxId],
    );

    const stranger = await createResident(t.db, 'lyon');
    expect((await call('POST', `/api/v1/missions/${missionId}/close`, stranger)).status).toBe(403);
    expect((await call('POST', `/api/v1/missions/${missionId}/close`)).status).toBe(401);
    const closed = await call('POST', `/api/v1/missions/${missionId}/close`, manager);
    expect(closed.status).toBe(200);
    expect(closed.json()).toMatchObject({ id: missionId, status: 'closed', closed: true });
    expect((await call('POST', `/api/v1/missions/${missionId}/close`, manager)).status).toBe(200);
    expect(await alertRow()).toEqual({ id: outboxId, status: 'cancelled' });

    const refused = await call('POST', `/api/v1/missions/${missionId}/volunteers`, stranger, {});
    expect(refused.status).toBe(409);
    expect(refused.json().detail).toContain("n'accepte plus d'inscriptions");
    expect((await call('GET', `/api/v1/projects/${projectId}`)).json().missions).toEqual([
      expect.objectContaining({ id: missionId, status: 'closed' }),
    ]);

    expect((await call('POST', `/api/v1/missions/${missionId}/reopen`, manager)).json()).toMatchObject({
      status: 'open',
      closed: false,
    });
    expect((await call('POST', `/api/v1/missions/${missionId}/volunteers`, stranger, {})).status).toBe(201);
    // Reopening sends nothing again: the cancelled alert stays cancelled.
    expect(await alertRow()).toEqual({ id: outboxId, status: 'cancelled' });
    expect((await call('POST', '/api/v1/missions/not-a-uuid/close', manager)).status).toBe(404);
    // The alert test below counts who hears of its missions, in the same place and category.
    await t.db.admin.query(`UPDATE accounts SET notify_mode = 'off' WHERE id = $1`, [follower.id]);
  });

  it(
    "exports a volunteer's sign-ups and messages, and gives their place back when they delete their " + 'account',
    async () => {
      const manager = await createResident(t.db, 'lyon');
      const organisationId = await approvedOrganisation(manager, 'Ludothèque');
      const projectId = await publishedProject(manager, organisationId);
      const missionId = (
        await call('POST', `/api/v1/projects/${projectId}/missions`, manager, {
          title: 'Animer une soirée jeux',
          when: 'Vendredi soir',
          volunteersNeeded: 1,
        })
      ).json().id;
      const volunteer = await createResident(t.db, 'lyon');
      expect((await call('POST', `/api/v1/missions/${missionId}/volunteers`, volunteer, {})).status).toBe(201);
      expect(
        (
          await call('POST', `/api/v1/organisations/${organisationId}/messages`, volunteer, {
            message: 'Je viendrai avec mes jeux.',
          })
        ).status,
      ).toBe(201);
      const exported = (await call('GET', '/api/v1/me/export', volunteer)).json();
      expect(exported.organisations).toMatchObject({
        volunteering: [{ mission: 'Animer une soirée jeux', status: 'active' }],
        messages: [{ body: 'Je viendrai avec mes jeux.' }],
      });
      expect((await call('DELETE', '/api/v1/me', volunteer)).status).toBe(204);
      expect((await call('GET', `/api/v1/missions/${missionId}`)).json()).toMatchObject({
        volunteerCount: 0,
        full: false,
      });
      expect(
        (await call('GET', `/api/v1/organisations/${organisationId}/messages`, manager)).json().items[0].body,
      ).toBe('Message supprimé.');
    },
  );

  it('gives the last place to exactly one of many concurrent sign-ups', async () => {
    const manager = await createResident(t.db, 'lyon');
    const projectId = await publishedProject(manager, await approvedOrganisation(manager, 'Course des voisins'));
    const missionId = (
      await call('POST', `/api/v1/projects/${projectId}/missions`, manager, {
        title: 'Signaleur au carrefour',
        when: 'Dimanche matin',
        volunteersNeeded: 3,
      })
    ).json().id;
    const early = [await createResident(t.db, 'lyon'), await createResident(t.db, 'lyon')];
    for (const v of early)
      expect((await call('POST', `/api/v1/missions/${missionId}/volunteers`, v, {})).status).toBe(201);
    const racers = await Promise.all(Array.from({ length: 8 }, () => createResident(t.db, 'lyon')));
    const results = await Promise.all(
      racers.map((v) => call('POST', `/api/v1/missions/${missionId}/volunteers`, v, {})),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    const { rows } = await t.db.admin.query(
      `SELECT volunteer_count, (SELECT count(*)::int FROM mission_volunteers WHERE mission_id = $1 AND status = ` +
        `'active') AS active FROM missions WHERE id = $1`,
      [missionId],
    );
    expect(rows[0]).toEqual({ volunteer_count: 3, active: 3 });
  });

  it('lets a resident write to an organisation and a manager answer, without showing addresses', async () => {
    const manager = await createResident(t.db, 'lyon');
    const resident = await createResident(t.db, 'lyon', { displayName: 'Inès D.' });
    const organisationId = await approvedOrganisation(manager, 'Maison des jeunes');
    expect(
      (
        await call('POST', `/api/v1/organisations/${organisationId}/messages`, resident, {
          message: 'Bonjour, je voudrais aider le mercredi.',
        })
      ).status,
    ).toBe(201);
    const toManager = await sink.waitFor((m) => m.to.includes(manager.email) && m.text.includes('le mercredi'));
    expect(toManager.text).toContain('Inès D.');
    expect(toManager.text).not.toContain(resident.email);
    const inbox = await call('GET', `/api/v1/organisations/${organisationId}/messages`, manager);
    expect(inbox.json().items[0]).toMatchObject({
      senderName: 'Inès D.',
      body: 'Bonjour, je voudrais aider le mercredi.',
    });
    expect((await call('GET', `/api/v1/organisations/${organisationId}/messages`, resident)).status).toBe(403);
    const reply = await call('POST', `/api/v1/organisations/${organisationId}/replies`, manager, {
      messageId: inbox.json().items[0].id,
      message: 'Avec plaisir, passez nous voir.',
    });
    expect(reply.status).toBe(201);
    const toResident = await sink.waitFor((m) => m.to.includes(resident.email) && m.text.includes('passez nous voir'));
    expect(toResident.text).not.toContain(manager.email);
  });

  it('holds a project that mentions a price for the moderator, and publishes it on approval', async () => {
    const manager = await createResident(t.db, 'lyon');
    const organisationId = await approvedOrganisation(manager, 'Atelier vélo');
    const res = await call('POST', '/api/v1/projects', manager, {
      organisationId,
      title: 'Réparation de vélos',
      description: 'Réparation de vélos pour 20 euros la séance.',
      categoryId: cuisine,
      location: LYON_POINT,
      startsOn: '2026-12-01',
      endsOn: '2027-01-31',
    });
    expect(res.status).toBe(201);
    expect(res.json()).toMatchObject({
      status: 'pending_review',
      holdReasons: ['paid'],
      startsOn: '2026-12-01',
      ongoing: false,
    });
    const id = res.json().id;
    expect((await call('GET', `/api/v1/projects/${id}`)).status).toBe(404);
    const queue = await call('GET', '/api/v1/moderation/queue?limit=100', moderator);
    expect(queue.json().items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'project', id, why: { rules: ['paid'], reports: { count: 0, reasons: {} } } }),
      ]),
    );
    expect(
      (
        await call('POST', `/api/v1/moderation/projects/${id}/decision`, moderator, {
          action: 'approve',
          reason: 'Participation aux pièces seulement',
        })
      ).status,
    ).toBe(200);
    expect((await call('GET', `/api/v1/projects/${id}`)).status).toBe(200);
    const dates = await call('POST', '/api/v1/projects', manager, {
      organisationId,
      title: 'Sans date du tout',
      description: 'Un projet sans date ni continuité.',
      categoryId: cuisine,
      location: LYON_POINT,
    });
    expect(dates.status).toBe(422);
    expect(dates.json().errors[0].field).toBe('startsOn');
  });

  it(
    'e-mails residents whose alerts cover a mission once, ' + 'with one-click unsubscribe, under the shared daily cap',
    async () => {
      const manager = await createResident(t.db, 'lyon', {
        notify: { mode: 'immediate', radiusM: 5000, categoryIds: [cuisine] },
        location: LYON_POINT,
      });
      const near = await createResident(t.db, 'lyon', {
        notify: { mode: 'immediate', radiusM: 2000, categoryIds: [cuisine] },
        location: { lat: 45.7585, lng: 4.836 },
      });
      const far = await createResident(t.db, 'lyon', {
        notify: { mode: 'immediate', radiusM: 500, categoryIds: [cuisine] },
        location: { lat: 45.78, lng: 4.85 },
      });
      const daily = await createResident(t.db, 'lyon', {
        notify: { mode: 'daily', radiusM: 2000, categoryIds: [cuisine] },
        location: { lat: 45.7572, lng: 4.8345 },
      });
      const projectId = await publishedProject(
        manager,
        await approvedOrganisation(manager, 'Épicerie solidaire'),
        'Épicerie solidaire du 7e',
      );
      const missionIds: string[] = [];
      for (let i = 1; i <= 6; i++) {
        const res = await call('POST', `/api/v1/projects/${projectId}/missions`, manager, {
          title: `Accueil à l'épicerie n° ${i}`,
          when: 'Mardi soir',
          volunteersNeeded: 2,
        });
        expect(res.status).toBe(201);
        missionIds.push(res.json().id);
      }
      const first = await sink.waitFor(
        (m) => m.to.includes(near.email) && m.subject.includes("Accueil à l'épicerie n° 1"),
      );
      expect(first.subject).toContain('Épicerie solidaire');
      expect(first.headers['list-unsubscribe']).toMatch(
        /^<http:\/\/lyon\.localhost(:\d+)?\/unsubscribe\/[\w-]+\.[\w-]+>$/,
      );
      expect(first.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
      const settled = async () =>
        (
          await t.db.admin.query(
            `SELECT count(*)::int AS n FROM domain_events WHERE type = 'MissionPublished' AND aggregate_id = ` +
              `ANY($1) AND dispatched_at IS NOT NULL`,
            [missionIds],
          )
        ).rows[0].n;
      for (let i = 0; i < 100 && (await settled()) < 6; i++) await new Promise((r) => setTimeout(r, 100));
      const { rows } = await t.db.admin.query(
        `SELECT delivery, status, count(*)::int AS n FROM mission_notifications WHERE recipient_id = $1 AND ` +
          `mission_id = ANY($2) GROUP BY 1, 2 ORDER BY 1`,
        [near.id, missionIds],
      );
      // Five e-mails a day at most (the default cap); the sixth mission waits for the digest.
      expect(rows).toEqual([
        { delivery: 'digest', status: 'pending', n: 1 },
        { delivery: 'immediate', status: 'mailed', n: 5 },
      ]);
      const notified = await t.db.admin.query(
        `SELECT DISTINCT recipient_id FROM mission_notifications WHERE mission_id = ANY($1)`,
        [missionIds],
      );
      expect(notified.rows.map((r) => r.recipient_id).sort()).toEqual([near.id, daily.id].sort());
      expect(far.id).toBeDefined();
      expect(sink.messages.filter((m) => m.to.includes(daily.email))).toEqual([]);
      // Running a mission's matching again sends nothing more.
      const { AlertsService } = await import('@src/alerts/alerts.service');
      const alerts = t.app.get(AlertsService);
      const lyon = await t.db.tenantId('lyon');
      expect(await alerts.fanOut('mission', lyon, missionIds[0])).toEqual({ found: 0, mailed: 0, digest: 0 });
      await new Promise((r) => setTimeout(r, 300));
      expect(
        sink.messages.filter((m) => m.to.includes(near.email) && m.subject.includes("Accueil à l'épicerie n° 1")),
      ).toHaveLength(1);

      // The daily digest, after the tenant's hour (18 h by default), gathers what waited: once a day.
      expect(await alerts.sendDigest('mission', lyon, new Date('2026-11-24T15:00:00+01:00'))).toBe(0);
      expect(await alerts.sendDigest('mission', lyon, new Date('2026-11-24T19:00:00+01:00'))).toBe(2);
      expect(await alerts.sendDigest('mission', lyon, new Date('2026-11-24T20:00:00+01:00'))).toBe(0);
      const digest = await sink.waitFor((m) => m.to.includes(daily.email));
      expect(digest.subject).toBe('6 missions de bénévolat près de chez vous sur Voisins solidaires');
      expect(digest.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
      // Missions are matched side by side: whichever came sixth for this resident waited for the digest.
      const { rows: waited } = await t.db.admin.query(
        `SELECT m.title FROM mission_notifications mn JOIN missions m ON m.id = mn.mission_id WHERE mn.recipient_id ` +
          `= $1 AND mn.delivery = 'digest'`,
        [near.id],
      );
      expect(
        (await sink.waitFor((m) => m.to.includes(near.email) && m.subject.startsWith('1 mission '))).text,
      ).toContain(waited[0].title);
      const pending = await t.db.admin.query(
        `SELECT count(*)::int AS n FROM mission_notifications WHERE mission_id = ANY($1) AND status <> 'mailed'`,
        [missionIds],
      );
      expect(pending.rows[0].n).toBe(0);
    },
  );
});
