import { categoryId, createResident, publishListing, ResidentFixture } from './support/factories';
import { SmtpSink } from './support/smtp-sink';
import { startTestApp, TestApp } from './support/test-app';
import { connectAsApp } from './support/test-db';

const MEYLAN_POINT = { lat: 45.2125, lng: 5.77715 };
const SEYSSINS_POINT = { lat: 45.167, lng: 5.68338 };
const GRENOBLE_POINT = { lat: 45.1975, lng: 5.72575 };

describe('moderation and administration', () => {
  let t: TestApp;
  let sink: SmtpSink;
  const staff: Record<string, ResidentFixture> = {};

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({ env: { WORKERS: 'on', SMTP_URL: sink.url } });
    for (const slug of ['meylan', 'seyssins', 'grenoble', 'metropole', 'lyon']) {
      staff[`${slug}:resident`] = await createResident(t.db, slug);
      staff[`${slug}:moderator`] = await createResident(t.db, slug, {
        roles: ['resident', 'moderator'],
        displayName: `Modo ${slug[0].toUpperCase()}.`,
      });
      staff[`${slug}:admin`] = await createResident(t.db, slug, { roles: ['resident', 'admin'] });
    }
    staff['metropole:federation_admin'] = await createResident(t.db, 'metropole', {
      roles: ['resident', 'federation_admin'],
    });
    staff['lyon:federation_admin'] = await createResident(t.db, 'lyon', { roles: ['resident', 'federation_admin'] });
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  const post = (who: ResidentFixture | undefined, host: string, url: string, payload: unknown) =>
    t.request({ method: 'POST', url, host, session: who?.session, payload });
  const publish = (who: ResidentFixture, host: string, payload: Record<string, unknown>) =>
    publishListing(t, who, { kind: 'offer', description: 'Une description suffisamment longue.', ...payload }, host);

  describe('automatic rules', () => {
    it('holds a paid offer with its reason and lets a free one through', async () => {
      const author = await createResident(t.db, 'meylan');
      const cat = await categoryId(t.db, 'meylan', 'aide-aux-devoirs');
      const paid = await publish(author, 'meylan.localhost', {
        categoryId: cat,
        title: 'Cours de maths',
        description: "Cours de maths 15€ de l'heure, niveau lycée.",
        location: MEYLAN_POINT,
      });
      expect(paid).toMatchObject({ status: 'pending_review', holdReasons: ['paid'] });
      expect((await t.request({ url: `/api/v1/listings/${paid.id}` })).status).toBe(404);
      const free = await publish(author, 'meylan.localhost', {
        categoryId: cat,
        title: 'Aide aux devoirs',
        description: 'Gratuit, pas besoin de me payer : j’aime transmettre.',
        location: MEYLAN_POINT,
      });
      expect(free.status).toBe('published');
      const queue = (
        await t.request({ url: '/api/v1/moderation/queue?limit=100', session: staff['meylan:moderator'].session })
      ).json();
      expect(queue.items.find((i: { id: string }) => i.id === paid.id)).toMatchObject({
        type: 'listing',
        why: { rules: ['paid'] },
      });
    });

    it('holds a message carrying a phone number until a moderator approves it', async () => {
      const author = await createResident(t.db, 'meylan');
      const neighbour = await createResident(t.db, 'meylan');
      const l = await publish(author, 'meylan.localhost', {
        categoryId: await categoryId(t.db, 'meylan', 'courses'),
        title: 'Courses du vendredi',
        location: MEYLAN_POINT,
      });
      const started = await post(neighbour, 'meylan.localhost', `/api/v1/listings/${l.id}/conversations`, {
        message: 'Appelez-moi au 06 12 34 56 78 !',
      });
      expect(started.status).toBe(201);
      const { conversationId, message } = started.json();
      expect(message).toMatchObject({ status: 'held', holdReasons: ['contact_phone'] });
      const seenByAuthor = (
        await t.request({ url: `/api/v1/conversations/${conversationId}`, session: author.session })
      ).json();
      expect(seenByAuthor.messages).toEqual([]);
      const seenBySender = (
        await t.request({ url: `/api/v1/conversations/${conversationId}`, session: neighbour.session })
      ).json();
      expect(seenBySender.messages.map((m: { status: string }) => m.status)).toEqual(['held']);
      const queue = (
        await t.request({ url: '/api/v1/moderation/queue?limit=100', session: staff['meylan:moderator'].session })
      ).json();
      expect(queue.items.find((i: { id: string }) => i.id === message.id)).toMatchObject({
        type: 'message',
        body: 'Appelez-moi au 06 12 34 56 78 !',
        why: { rules: ['contact_phone'] },
      });
      await new Promise((r) => setTimeout(r, 200));
      expect(sink.messages.filter((m) => m.to.includes(author.email))).toEqual([]);
      const approve = await post(
        staff['meylan:moderator'],
        'meylan.localhost',
        `/api/v1/moderation/messages/${message.id}/decision`,
        { action: 'approve', reason: 'Numéro de la mairie, autorisé' },
      );
      expect(approve.json()).toEqual({ id: message.id, status: 'visible' });
      await sink.waitFor((m) => m.to.includes(author.email) && m.text.includes('Courses du vendredi'));
      expect(
        (await t.request({ url: `/api/v1/conversations/${conversationId}`, session: author.session })).json().messages,
      ).toHaveLength(1);
      expect(
        (
          await post(
            staff['meylan:moderator'],
            'meylan.localhost',
            `/api/v1/moderation/messages/${message.id}/decision`,
            { action: 'remove', reason: 'Non' },
          )
        ).status,
      ).toBe(409);
    });
  });

  describe('decisions', () => {
    it(
      'lists a held listing with why, ' + 'and a rejection e-mails the author the reason; a second decision is 409',
      async () => {
        const author = await createResident(t.db, 'seyssins', { displayName: 'Paul S.' });
        const l = await publish(author, 'seyssins.localhost', {
          categoryId: await categoryId(t.db, 'seyssins', 'courses'),
          title: 'Courses contre un café',
          location: SEYSSINS_POINT,
        });
        expect(l.status).toBe('pending_review');
        const moderator = staff['seyssins:moderator'];
        const queue = (
          await t.request({ url: '/api/v1/moderation/queue', host: 'seyssins.localhost', session: moderator.session })
        ).json();
        const item = queue.items.find((i: { id: string }) => i.id === l.id);
        expect(item).toMatchObject({
          type: 'listing',
          status: 'pending_review',
          why: { rules: ['pre_moderation'], reports: { count: 0 } },
          author: { displayName: 'Paul S.' },
        });

        expect(
          (
            await post(moderator, 'seyssins.localhost', `/api/v1/moderation/listings/${l.id}/decision`, {
              action: 'reject',
            })
          ).json().errors,
        ).toEqual([{ field: 'reason', message: expect.any(String) }]);
        const decided = await post(moderator, 'seyssins.localhost', `/api/v1/moderation/listings/${l.id}/decision`, {
          action: 'reject',
          reason: 'Une aide doit être gratuite.',
        });
        expect(decided.status).toBe(200);
        expect(decided.json()).toEqual({ id: l.id, status: 'rejected' });
        const mail = await sink.waitFor(
          (m) => m.to.includes(author.email) && m.subject.includes('Courses contre un café'),
        );
        expect(mail.subject).toContain('refusée');
        expect(mail.text).toContain('Une aide doit être gratuite.');
        expect(
          (
            await post(moderator, 'seyssins.localhost', `/api/v1/moderation/listings/${l.id}/decision`, {
              action: 'approve',
              reason: 'Finalement oui',
            })
          ).status,
        ).toBe(409);
      },
    );

    it('approval publishes the listing and records its publication event (matching follows)', async () => {
      const author = await createResident(t.db, 'seyssins');
      const l = await publish(author, 'seyssins.localhost', {
        categoryId: await categoryId(t.db, 'seyssins', 'courses'),
        title: 'Courses du mercredi',
        location: SEYSSINS_POINT,
      });
      const res = await post(
        staff['seyssins:moderator'],
        'seyssins.localhost',
        `/api/v1/moderation/listings/${l.id}/decision`,
        { action: 'approve', reason: 'Conforme' },
      );
      expect(res.json().status).toBe('published');
      expect((await t.request({ url: `/api/v1/listings/${l.id}`, host: 'seyssins.localhost' })).status).toBe(200);
      const { rows } = await t.db.admin.query(`SELECT payload FROM domain_events WHERE aggregate_id = $1`, [l.id]);
      expect(rows).toEqual([{ payload: { listingId: l.id, version: 2 } }]);
    });

    it('shows report-hidden listings with their report counts', async () => {
      const author = await createResident(t.db, 'meylan');
      const l = await publish(author, 'meylan.localhost', {
        categoryId: await categoryId(t.db, 'meylan', 'courses'),
        title: 'Courses signalées',
        location: MEYLAN_POINT,
      });
      for (let i = 0; i < 3; i++) {
        const r = await createResident(t.db, 'meylan');
        expect(
          (await post(r, 'meylan.localhost', `/api/v1/listings/${l.id}/reports`, { reason: i ? 'paid' : 'spam' }))
            .status,
        ).toBe(201);
      }
      const queue = (
        await t.request({ url: '/api/v1/moderation/queue?limit=100', session: staff['meylan:moderator'].session })
      ).json();
      expect(queue.items.find((i: { id: string }) => i.id === l.id)).toMatchObject({
        status: 'hidden',
        why: { rules: ['reports'], reports: { count: 3, reasons: { paid: 2, spam: 1 } } },
      });
    });

    it('does not let a Meylan moderator see or decide a Grenoble listing, even by id', async () => {
      const author = await createResident(t.db, 'grenoble');
      const l = await publish(author, 'grenoble.localhost', {
        categoryId: await categoryId(t.db, 'grenoble', 'courses'),
        title: 'Courses à Grenoble',
        location: GRENOBLE_POINT,
      });
      const res = await post(
        staff['meylan:moderator'],
        'meylan.localhost',
        `/api/v1/moderation/listings/${l.id}/decision`,
        { action: 'remove', reason: 'Essai' },
      );
      expect(res.status).toBe(404);
      const queue = (
        await t.request({ url: '/api/v1/moderation/queue?limit=100', session: staff['meylan:moderator'].session })
      ).json();
      expect(queue.items.map((i: { id: string }) => i.id)).not.toContain(l.id);
      expect(
        (
          await post(staff['meylan:moderator'], 'meylan.localhost', `/api/v1/moderation/users/${author.id}/ban`, {
            reason: 'Essai',
          })
        ).status,
      ).toBe(404);
    });

    it('a ban revokes sessions, hides content, refuses login and tells the person; unban restores login', async () => {
      const target = await createResident(t.db, 'meylan', { email: `banni.${Date.now()}@exemple.fr` });
      const l = await publish(target, 'meylan.localhost', {
        categoryId: await categoryId(t.db, 'meylan', 'courses'),
        title: 'Annonce bientôt masquée',
        location: MEYLAN_POINT,
      });
      const res = await post(staff['meylan:admin'], 'meylan.localhost', `/api/v1/moderation/users/${target.id}/ban`, {
        reason: 'Offres payantes répétées',
      });
      expect(res.status).toBe(200);
      expect((await t.request({ url: '/api/v1/me', session: target.session })).status).toBe(401);
      expect((await t.request({ url: `/api/v1/listings/${l.id}` })).status).toBe(404);
      const login = await t.request({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: target.email, password: 'un voisin bien verifie' },
      });
      expect(login.status).toBe(403);
      await sink.waitFor((m) => m.to.includes(target.email) && m.subject.includes('suspendu'));
      expect(
        (
          await post(staff['meylan:admin'], 'meylan.localhost', `/api/v1/moderation/users/${target.id}/ban`, {
            reason: 'Encore',
          })
        ).status,
      ).toBe(409);
      expect(
        (
          await post(staff['meylan:admin'], 'meylan.localhost', `/api/v1/moderation/users/${target.id}/unban`, {
            reason: 'Engagement pris',
          })
        ).status,
      ).toBe(200);
      expect(
        (
          await t.request({
            method: 'POST',
            url: '/api/v1/auth/login',
            payload: { email: target.email, password: 'un voisin bien verifie' },
          })
        ).status,
      ).toBe(200);
    });

    it('writes every decision to the audit log, newest first, which the application role cannot alter', async () => {
      const log = (await t.request({ url: '/api/v1/moderation/audit', session: staff['meylan:admin'].session })).json();
      expect(log.items.length).toBeGreaterThanOrEqual(2);
      expect(log.items[0]).toMatchObject({
        action: 'account.unban',
        reason: 'Engagement pris',
        who: { role: 'admin' },
        target: { type: 'account' },
      });
      expect(new Date(log.items[0].at) >= new Date(log.items[1].at)).toBe(true);
      const app = await connectAsApp(t.db);
      try {
        await app.query('BEGIN');
        await app.query("SELECT set_config('app.tenant_id', $1, true)", [await t.db.tenantId('meylan')]);
        expect((await app.query('SELECT count(*)::int AS n FROM audit_log')).rows[0].n).toBeGreaterThan(0);
        await expect(app.query(`UPDATE audit_log SET reason = 'effacé'`)).rejects.toThrow(/permission denied/);
        await app.query('ROLLBACK');
        await app.query('BEGIN');
        await app.query("SELECT set_config('app.tenant_id', $1, true)", [await t.db.tenantId('meylan')]);
        await expect(app.query('DELETE FROM audit_log')).rejects.toThrow(/permission denied/);
      } finally {
        await app.query('ROLLBACK');
        await app.end();
      }
      await expect(t.db.admin.query(`UPDATE audit_log SET reason = 'effacé'`)).rejects.toThrow(/append-only/);
    });
  });

  describe('administration', () => {
    it(
      'lets the Métropole’s federation admin add, rename and archive a catalogue category; archived ones vanish ' +
        'for new listings',
      async () => {
        const fed = staff['metropole:federation_admin'];
        const created = await post(fed, 'metropole.localhost', '/api/v1/admin/categories', {
          slug: 'jardinage',
          name: 'Jardinage',
          remote: false,
        });
        expect(created.status).toBe(201);
        const id = created.json().id;
        expect(
          (await post(fed, 'metropole.localhost', '/api/v1/admin/categories', { slug: 'jardinage', name: 'Encore' }))
            .status,
        ).toBe(409);
        const renamed = await t.request({
          method: 'PATCH',
          url: `/api/v1/admin/categories/${id}`,
          host: 'metropole.localhost',
          session: fed.session,
          payload: { name: 'Jardinage et potager' },
        });
        expect(renamed.json()).toMatchObject({ name: 'Jardinage et potager', archived: false });
        const meylanCats = (
          await t.request({
            url: '/api/v1/admin/tenants/meylan/categories',
            host: 'metropole.localhost',
            session: fed.session,
          })
        ).json();
        const items = [
          ...meylanCats.map((c: any) => ({ categoryId: c.categoryId, enabled: c.enabled, position: c.position })),
          { categoryId: id, enabled: true, position: 99 },
        ];
        const set = await t.request({
          method: 'PUT',
          url: '/api/v1/admin/tenants/meylan/categories',
          host: 'metropole.localhost',
          session: fed.session,
          payload: items,
        });
        expect(set.status).toBe(200);
        expect((await t.request({ url: '/api/v1/categories' })).json().map((c: { slug: string }) => c.slug)).toContain(
          'jardinage',
        );
        // The listings page's filters come from a catalogue held in memory: an edit shows there at once.
        const filters = async () => (await t.request({ url: '/annonces', host: 'meylan.localhost' })).body;
        expect(await filters()).toContain('Jardinage et potager');
        await t.request({
          method: 'PATCH',
          url: `/api/v1/admin/categories/${id}`,
          host: 'metropole.localhost',
          session: fed.session,
          payload: { name: 'Potager partagé' },
        });
        expect(await filters()).toContain('Potager partagé');
        expect(await filters()).not.toContain('Jardinage et potager');
        await t.request({
          method: 'PATCH',
          url: `/api/v1/admin/categories/${id}`,
          host: 'metropole.localhost',
          session: fed.session,
          payload: { archived: true },
        });
        expect(
          (await t.request({ url: '/api/v1/categories' })).json().map((c: { slug: string }) => c.slug),
        ).not.toContain('jardinage');
        expect(await filters()).not.toContain('Potager partagé');
        const author = await createResident(t.db, 'meylan');
        const res = await post(author, 'meylan.localhost', '/api/v1/listings', {
          kind: 'offer',
          mode: 'in_person',
          categoryId: id,
          title: 'Tailler les haies',
          description: 'Je taille vos haies au printemps.',
          location: MEYLAN_POINT,
        });
        expect(res.json().errors).toEqual([{ field: 'categoryId', message: expect.any(String) }]);
      },
    );

    it('lets a commune admin choose and order its categories, naming a bad entry', async () => {
      const admin = staff['meylan:admin'];
      const current = (await t.request({ url: '/api/v1/admin/tenant/categories', session: admin.session })).json();
      const reversed = current
        .filter((c: any) => !c.archived)
        .reverse()
        .map((c: any, i: number) => ({ categoryId: c.categoryId, enabled: true, position: i }));
      const res = await t.request({
        method: 'PUT',
        url: '/api/v1/admin/tenant/categories',
        session: admin.session,
        payload: reversed,
      });
      expect(res.status).toBe(200);
      expect((await t.request({ url: '/api/v1/categories' })).json().map((c: { id: string }) => c.id)).toEqual(
        reversed.map((r: any) => r.categoryId),
      );
      const lyonCat = await categoryId(t.db, 'lyon', 'covoiturage');
      const bad = await t.request({
        method: 'PUT',
        url: '/api/v1/admin/tenant/categories',
        session: admin.session,
        payload: [{ categoryId: lyonCat, enabled: true, position: 0 }],
      });
      expect(bad.status).toBe(422);
      expect(bad.json().errors).toEqual([{ field: '0.categoryId', message: expect.any(String) }]);
      const malformed = await t.request({
        method: 'PUT',
        url: '/api/v1/admin/tenant/categories',
        session: admin.session,
        payload: [{ categoryId: 'x', enabled: 'oui', position: 0 }],
      });
      expect(malformed.json().errors.map((e: { field: string }) => e.field)).toEqual(['0.categoryId', '0.enabled']);
    });

    it('refuses a federation admin of Lyon any commune of Grenoble’s Métropole (404)', async () => {
      expect(
        (
          await t.request({
            url: '/api/v1/admin/tenants/meylan/categories',
            host: 'lyon.localhost',
            session: staff['lyon:federation_admin'].session,
          })
        ).status,
      ).toBe(404);
    });

    it('gives statistics per day, category and neighbourhood, and per commune to the federation admin', async () => {
      const s = (await t.request({ url: '/api/v1/admin/stats', session: staff['meylan:admin'].session })).json();
      expect(s.byDay).toHaveLength(30);
      expect(s.byDay[29]).toMatchObject({
        offers: expect.any(Number),
        requests: expect.any(Number),
        newResidents: expect.any(Number),
        matchesMailed: expect.any(Number),
        conversationsStarted: expect.any(Number),
        moderationDecisions: expect.any(Number),
      });
      expect(s.byDay.reduce((n: number, d: any) => n + d.offers, 0)).toBeGreaterThan(0);
      expect(s.byCategory.length).toBeGreaterThan(0);
      expect(s.communes).toBeUndefined();
      const fed = (
        await t.request({
          url: '/api/v1/admin/stats',
          host: 'metropole.localhost',
          session: staff['metropole:federation_admin'].session,
        })
      ).json();
      expect(fed.communes.map((c: { tenant: string }) => c.tenant).sort()).toEqual([
        'grenoble',
        'metropole',
        'meylan',
        'seyssins',
      ]);
      const bad = await t.request({
        url: '/api/v1/admin/stats?from=2026-12-01&to=2026-11-01',
        session: staff['meylan:admin'].session,
      });
      expect(bad.json().errors).toEqual([{ field: 'from', message: expect.any(String) }]);
    });
  });

  describe('permission matrix', () => {
    type Persona = 'anonymous' | 'resident' | 'moderator' | 'admin' | 'federation_admin' | 'other_staff';
    const PERSONAS: Persona[] = ['anonymous', 'resident', 'moderator', 'admin', 'federation_admin', 'other_staff'];
    const ID = '00000000-0000-4000-8000-000000000000';
    // Every moderation and administration route, on the host it is meant for, with the status
    // each persona gets. Authorised writes send an invalid body, so they answer 422 after the guard.
    const MATRIX: Array<{
      method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
      path: string;
      host: string;
      expect: Record<Persona, number>;
    }> = [
      {
        method: 'GET',
        path: '/api/v1/moderation/queue',
        host: 'meylan',
        expect: { anonymous: 401, resident: 403, moderator: 200, admin: 200, federation_admin: 401, other_staff: 401 },
      },
      {
        method: 'POST',
        path: `/api/v1/moderation/listings/${ID}/decision`,
        host: 'meylan',
        expect: { anonymous: 401, resident: 403, moderator: 422, admin: 422, federation_admin: 401, other_staff: 401 },
      },
      {
        method: 'POST',
        path: `/api/v1/moderation/messages/${ID}/decision`,
        host: 'meylan',
        expect: { anonymous: 401, resident: 403, moderator: 422, admin: 422, federation_admin: 401, other_staff: 401 },
      },
      {
        method: 'POST',
        path: `/api/v1/moderation/users/${ID}/ban`,
        host: 'meylan',
        expect: { anonymous: 401, resident: 403, moderator: 422, admin: 422, federation_admin: 401, other_staff: 401 },
      },
      {
        method: 'POST',
        path: `/api/v1/moderation/users/${ID}/unban`,
        host: 'meylan',
        expect: { anonymous: 401, resident: 403, moderator: 422, admin: 422, federation_admin: 401, other_staff: 401 },
      },
      {
        method: 'POST',
        path: `/api/v1/moderation/feedback/${ID}/review`,
        host: 'meylan',
        expect: { anonymous: 401, resident: 403, moderator: 422, admin: 422, federation_admin: 401, other_staff: 401 },
      },
      // The town-hall team's routes: relayed residents and the staff inbox (an unknown id is 404 after the guard).
      {
        method: 'GET',
        path: '/api/v1/staff/residents',
        host: 'meylan',
        expect: { anonymous: 401, resident: 403, moderator: 200, admin: 200, federation_admin: 401, other_staff: 401 },
      },
      {
        method: 'POST',
        path: '/api/v1/staff/residents',
        host: 'meylan',
        expect: { anonymous: 401, resident: 403, moderator: 422, admin: 422, federation_admin: 401, other_staff: 401 },
      },
      {
        method: 'GET',
        path: `/api/v1/staff/residents/${ID}`,
        host: 'meylan',
        expect: { anonymous: 401, resident: 403, moderator: 404, admin: 404, federation_admin: 401, other_staff: 401 },
      },
      {
        method: 'PATCH',
        path: `/api/v1/staff/residents/${ID}`,
        host: 'meylan',
        expect: { anonymous: 401, resident: 403, moderator: 422, admin: 422, federation_admin: 401, other_staff: 401 },
      },
      {
        method: 'DELETE',
        path: `/api/v1/staff/residents/${ID}`,
        host: 'meylan',
        expect: { anonymous: 401, resident: 403, moderator: 404, admin: 404, federation_admin: 401, other_staff: 401 },
      },
      {
        method: 'GET',
        path: `/api/v1/staff/residents/${ID}/export`,
        host: 'meylan',
        expect: { anonymous: 401, resident: 403, moderator: 404, admin: 404, federation_admin: 401, other_staff: 401 },
      },
      {
        method: 'POST',
        path: `/api/v1/staff/residents/${ID}/listings`,
        host: 'meylan',
        expect: { anonymous: 401, resident: 403, moderator: 422, admin: 422, federation_admin: 401, other_staff: 401 },
      },
      {
        method: 'GET',
        path: '/api/v1/staff/inbox',
        host: 'meylan',
        expect: { anonymous: 401, resident: 403, moderator: 200, admin: 200, federation_admin: 401, other_staff: 401 },
      },
      {
        method: 'POST',
        path: `/api/v1/staff/inbox/${ID}/called-back`,
        host: 'meylan',
        expect: { anonymous: 401, resident: 403, moderator: 404, admin: 404, federation_admin: 401, other_staff: 401 },
      },
      {
        method: 'GET',
        path: '/api/v1/staff/inbox',
        host: 'metropole',
        expect: { anonymous: 401, resident: 403, moderator: 200, admin: 200, federation_admin: 200, other_staff: 401 },
      },
      // Organisations and projects: on Lyon, which has them; on Meylan, which has them off (404 after the role check).
      {
        method: 'POST',
        path: `/api/v1/moderation/organisations/${ID}/decision`,
        host: 'lyon',
        expect: { anonymous: 401, resident: 403, moderator: 422, admin: 422, federation_admin: 401, other_staff: 422 },
      },
      {
        method: 'POST',
        path: `/api/v1/moderation/projects/${ID}/decision`,
        host: 'lyon',
        expect: { anonymous: 401, resident: 403, moderator: 422, admin: 422, federation_admin: 401, other_staff: 422 },
      },
      {
        method: 'POST',
        path: `/api/v1/moderation/organisations/${ID}/decision`,
        host: 'meylan',
        expect: { anonymous: 401, resident: 403, moderator: 404, admin: 404, federation_admin: 401, other_staff: 401 },
      },
      {
        method: 'GET',
        path: '/api/v1/moderation/audit',
        host: 'meylan',
        expect: { anonymous: 401, resident: 403, moderator: 200, admin: 200, federation_admin: 401, other_staff: 401 },
      },
      {
        method: 'GET',
        path: '/api/v1/moderation/queue',
        host: 'metropole',
        expect: { anonymous: 401, resident: 403, moderator: 200, admin: 200, federation_admin: 200, other_staff: 401 },
      },
      {
        method: 'GET',
        path: '/api/v1/admin/categories',
        host: 'metropole',
        expect: { anonymous: 401, resident: 403, moderator: 403, admin: 403, federation_admin: 200, other_staff: 401 },
      },
      {
        method: 'POST',
        path: '/api/v1/admin/categories',
        host: 'metropole',
        expect: { anonymous: 401, resident: 403, moderator: 403, admin: 403, federation_admin: 422, other_staff: 401 },
      },
      {
        method: 'PATCH',
        path: `/api/v1/admin/categories/${ID}`,
        host: 'metropole',
        expect: { anonymous: 401, resident: 403, moderator: 403, admin: 403, federation_admin: 422, other_staff: 401 },
      },
      {
        method: 'GET',
        path: '/api/v1/admin/categories',
        host: 'meylan',
        expect: { anonymous: 401, resident: 403, moderator: 403, admin: 403, federation_admin: 401, other_staff: 401 },
      },
      {
        method: 'GET',
        path: '/api/v1/admin/tenant/categories',
        host: 'meylan',
        expect: { anonymous: 401, resident: 403, moderator: 403, admin: 200, federation_admin: 401, other_staff: 401 },
      },
      {
        method: 'PUT',
        path: '/api/v1/admin/tenant/categories',
        host: 'meylan',
        expect: { anonymous: 401, resident: 403, moderator: 403, admin: 422, federation_admin: 401, other_staff: 401 },
      },
      {
        method: 'GET',
        path: '/api/v1/admin/tenants/meylan/categories',
        host: 'metropole',
        expect: { anonymous: 401, resident: 403, moderator: 403, admin: 403, federation_admin: 200, other_staff: 401 },
      },
      {
        method: 'PUT',
        path: '/api/v1/admin/tenants/meylan/categories',
        host: 'metropole',
        expect: { anonymous: 401, resident: 403, moderator: 403, admin: 403, federation_admin: 422, other_staff: 401 },
      },
      {
        method: 'GET',
        path: '/api/v1/admin/stats',
        host: 'meylan',
        expect: { anonymous: 401, resident: 403, moderator: 403, admin: 200, federation_admin: 401, other_staff: 401 },
      },
      {
        method: 'GET',
        path: '/api/v1/admin/stats',
        host: 'metropole',
        expect: { anonymous: 401, resident: 403, moderator: 403, admin: 200, federation_admin: 200, other_staff: 401 },
      },
    ];

    const sessionOf = (persona: Persona, host: string): string | undefined => {
      if (persona === 'anonymous') return undefined;
      // Staff of another tenant and federation present their own (Lyon) cookie here.
      if (persona === 'other_staff') return staff['lyon:federation_admin'].session;
      if (persona === 'federation_admin') return staff['metropole:federation_admin'].session;
      return staff[`${host}:${persona}`].session;
    };

    it('shows the queue dashboard to the federation admin on the home site only', async () => {
      const get = (host: string, session?: string) =>
        t.request({ url: '/admin/queues', host: `${host}.localhost`, session });
      expect((await get('metropole')).status).toBe(401);
      expect((await get('metropole', staff['metropole:admin'].session)).status).toBe(403);
      expect((await get('meylan', staff['meylan:admin'].session)).status).toBe(403);
      expect((await get('meylan', staff['metropole:federation_admin'].session)).status).toBe(401);
      const ok = await get('metropole', staff['metropole:federation_admin'].session);
      expect(ok.status).toBe(200);
      expect(ok.headers['content-type']).toMatch(/text\/html/);
      const api = await t.request({
        url: '/admin/queues/api/queues',
        host: 'metropole.localhost',
        session: staff['metropole:federation_admin'].session,
      });
      expect(api.status).toBe(200);
      expect(
        api
          .json()
          .queues.map((q: { name: string }) => q.name)
          .sort(),
      ).toEqual(['mail', 'mail-bulk', 'matching']);
      expect(
        (
          await t.request({
            url: '/admin/queues/api/queues',
            host: 'metropole.localhost',
            session: staff['metropole:resident'].session,
          })
        ).status,
      ).toBe(403);
    });

    it('covers every moderation, administration and staff route of the API', async () => {
      const doc = (await t.request({ url: '/api/openapi.json' })).json();
      const routes = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
        .filter(([path]) => /^\/api\/v1\/(moderation|admin|staff)\//.test(path))
        .flatMap(([path, ops]) =>
          Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{[^}]+\}/g, ':param')}`),
        );
      const covered = new Set(
        MATRIX.map(
          (r) => `${r.method} ${r.path.replace(ID, ':param').replace('/tenants/meylan/', '/tenants/:param/')}`,
        ),
      );
      expect(routes.filter((r) => !covered.has(r))).toEqual([]);
    });

    it.each(
      MATRIX.flatMap((row) =>
        PERSONAS.map((persona) => [row.method, row.path, row.host, persona, row.expect[persona]] as const),
      ),
    )('%s %s on %s as %s → %i', async (method, path, host, persona, status) => {
      const res = await t.request({
        method,
        url: path,
        host: `${host}.localhost`,
        session: sessionOf(persona, host),
        payload: method === 'GET' || method === 'DELETE' ? undefined : method === 'PATCH' ? { slug: 'NON VALIDE' } : {},
      });
      expect(res.status).toBe(status);
    });
  });
});
