import { categoryId, createResident, ResidentFixture } from './support/factories';
import { connectAsApp } from './support/test-db';
import { matchingDone, north } from './support/matching';
import { SmtpSink } from './support/smtp-sink';
import { startTestApp, TestApp } from './support/test-app';

/** Meylan's town hall, and a home 300 m from it (private: it must never leave the staff's pages). */
const HOME = { lat: 45.21137, lng: 5.78412 };
const PHONE = '04 76 41 59 12';
const PHONE_DIGITS = '0476415912';

describe('residents without internet, relayed by the town hall', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let courses: string;
  let agent: ResidentFixture;
  let admin: ResidentFixture;
  let neighbour: ResidentFixture;
  let grenobleAgent: ResidentFixture;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({ env: { WORKERS: 'on', SMTP_URL: sink.url } });
    courses = await categoryId(t.db, 'meylan', 'courses');
    agent = await createResident(t.db, 'meylan', { roles: ['resident', 'moderator'], displayName: 'Agent A.' });
    admin = await createResident(t.db, 'meylan', { roles: ['resident', 'admin'], displayName: 'Admin M.' });
    neighbour = await createResident(t.db, 'meylan', { displayName: 'Paul V.' });
    grenobleAgent = await createResident(t.db, 'grenoble', { roles: ['resident', 'moderator'] });
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  const register = async (over: Record<string, unknown> = {}, session = agent.session) => {
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/staff/residents',
      session,
      payload: {
        displayName: 'Jeanne Dupuis',
        phone: PHONE,
        location: HOME,
        consent: { method: 'phone', note: 'Appel du 23 novembre, accord pour publier en son nom' },
        ...over,
      },
    });
    expect(res.status).toBe(201);
    return res.json();
  };
  const postFor = async (residentId: string, over: Record<string, unknown> = {}) => {
    const res = await t.request({
      method: 'POST',
      url: `/api/v1/staff/residents/${residentId}/listings`,
      session: agent.session,
      payload: {
        kind: 'request',
        categoryId: courses,
        title: 'Courses du jeudi',
        description: 'Je ne peux plus porter mes courses depuis le marché, un voisin pourrait-il m’aider ?',
        mode: 'in_person',
        location: HOME,
        ...over,
      },
    });
    expect(res.status).toBe(201);
    return res.json();
  };
  const matched = (listingId: string) => matchingDone(t.db, listingId);
  const inbox = async () =>
    (await t.request({ url: '/api/v1/staff/inbox', session: agent.session })).json().items as any[];

  it('registers a relayed resident with her consent: public name only, no e-mail, no password', async () => {
    const r = await register();
    expect(r).toMatchObject({
      displayName: 'Jeanne D.',
      phone: PHONE,
      location: HOME,
      consent: { method: 'phone', agent: { id: agent.id, displayName: 'Agent A.' } },
    });
    const { rows } = await t.db.admin.query('SELECT email, password_hash, relayed, roles FROM accounts WHERE id = $1', [
      r.id,
    ]);
    expect(rows[0]).toEqual({ email: null, password_hash: null, relayed: true, roles: ['resident'] });
    const list = (await t.request({ url: '/api/v1/staff/residents', session: admin.session })).json();
    expect(list.items.map((i: { id: string }) => i.id)).toContain(r.id);
  });

  it('names the field of bad input, in French', async () => {
    const bad = await t.request({
      method: 'POST',
      url: '/api/v1/staff/residents',
      session: agent.session,
      payload: {
        displayName: 'Jeanne Dupuis',
        phone: 'appelez-moi',
        location: { lat: 45.1885, lng: 5.7245 },
        consent: { method: 'pigeon' },
      },
    });
    expect(bad.status).toBe(422);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    const fields = bad
      .json()
      .errors.map((e: { field: string }) => e.field)
      .sort();
    expect(fields).toEqual(['consent.method', 'phone']);
    const outside = await t.request({
      method: 'POST',
      url: '/api/v1/staff/residents',
      session: agent.session,
      payload: { displayName: 'Jeanne Dupuis', location: { lat: 45.1885, lng: 5.7245 }, consent: { method: 'paper' } },
    });
    expect(outside.status).toBe(422);
    expect(outside.json().errors).toEqual([
      { field: 'location', message: expect.stringContaining('en dehors de la commune') },
    ]);
  });

  it(
    'carries a neighbour’s message to the staff inbox and the agent’s answer back to the neighbour, never ' +
      'showing her phone or home',
    async () => {
      const r = await register();
      const listing = await postFor(r.id);
      expect(listing.status).toBe('published');

      // What the public and a resident see: her public name and the mention, nothing private.
      const publicBodies: string[] = [];
      const pub = await t.request({ url: `/api/v1/listings/${listing.id}` });
      expect(pub.json()).toMatchObject({ author: { displayName: 'Jeanne D.' }, relayed: true });
      publicBodies.push(
        pub.body,
        (await t.request({ url: `/api/v1/listings/${listing.id}`, session: neighbour.session })).body,
      );
      publicBodies.push((await t.request({ url: '/api/v1/listings?limit=100' })).body);
      const near = await t.request({ url: `/api/v1/listings?near=${HOME.lat},${HOME.lng}&limit=100` });
      // The name and the mention as search sends them, from the listing's own columns (migration 1732300035000).
      expect(near.json().items.find((i: { id: string }) => i.id === listing.id)).toMatchObject({
        author: { displayName: 'Jeanne D.' },
        relayed: true,
      });
      publicBodies.push(near.body);
      publicBodies.push((await t.request({ url: '/api/v1/listings.geojson?bbox=5.7,45.18,5.85,45.25' })).body);
      publicBodies.push((await t.request({ url: `/annonces/${listing.id}`, headers: { accept: 'text/html' } })).body);

      const start = await t.request({
        method: 'POST',
        url: `/api/v1/listings/${listing.id}/conversations`,
        session: neighbour.session,
        payload: { message: 'Bonjour, je passe au marché le jeudi, je peux vous aider.' },
      });
      expect(start.status).toBe(201);
      const conversationId = start.json().conversationId;
      publicBodies.push(
        (await t.request({ url: `/api/v1/conversations/${conversationId}`, session: neighbour.session })).body,
      );
      publicBodies.push((await t.request({ url: '/api/v1/conversations', session: neighbour.session })).body);
      publicBodies.push((await t.request({ url: '/api/v1/me/export', session: neighbour.session })).body);

      const item = (await inbox()).find((i) => i.conversation?.id === conversationId);
      expect(item).toMatchObject({
        kind: 'message',
        state: 'to_call',
        resident: { id: r.id, displayName: 'Jeanne D.', phone: PHONE },
        conversation: { with: { displayName: 'Paul V.' }, lastMessage: expect.stringContaining('je passe au marché') },
      });

      // Any agent of Meylan reads the thread and answers for her.
      const thread = await t.request({ url: `/api/v1/conversations/${conversationId}`, session: admin.session });
      expect(thread.status).toBe(200);
      expect(thread.json()).toMatchObject({
        onBehalfOf: { id: r.id, displayName: 'Jeanne D.' },
        messages: [{ mine: false, author: { displayName: 'Paul V.' } }],
      });
      const answer = await t.request({
        method: 'POST',
        url: `/api/v1/conversations/${conversationId}/messages`,
        session: agent.session,
        payload: { body: 'Merci beaucoup ! Madame D. vous attend jeudi à 10 h devant la mairie.' },
      });
      expect(answer.status).toBe(201);
      const mail = await sink.waitFor((m) => m.to.includes(neighbour.email) && m.text.includes('vous attend jeudi'));
      expect(mail.text).toContain('Jeanne D. (par l’équipe de la mairie)');
      const seen = (
        await t.request({ url: `/api/v1/conversations/${conversationId}`, session: neighbour.session })
      ).json();
      expect(seen.messages[1]).toMatchObject({
        mine: false,
        author: { displayName: 'Jeanne D. (par l’équipe de la mairie)' },
      });

      const called = await t.request({
        method: 'POST',
        url: `/api/v1/staff/inbox/${item.id}/called-back`,
        session: agent.session,
      });
      expect(called.status).toBe(200);
      expect((await inbox()).find((i) => i.id === item.id)).toMatchObject({
        state: 'called',
        calledBack: { by: 'Agent A.' },
      });
      // A new message from the neighbour puts it back on the list to call.
      await t.request({
        method: 'POST',
        url: `/api/v1/conversations/${conversationId}/messages`,
        session: neighbour.session,
        payload: { body: 'Parfait, à jeudi !' },
      });
      expect((await inbox()).find((i) => i.id === item.id)).toMatchObject({
        state: 'to_call',
        conversation: { lastMessage: 'Parfait, à jeudi !' },
      });

      for (const body of publicBodies) {
        expect(body).not.toContain(PHONE);
        expect(body).not.toContain(PHONE_DIGITS);
        expect(body).not.toContain(String(HOME.lat));
        expect(body).not.toContain(String(HOME.lng));
      }
    },
  );

  it('puts a neighbour’s matching offer nearby in the staff inbox, "à rappeler"', async () => {
    const r = await register({ displayName: 'Odette Martin' });
    const request = await postFor(r.id, { title: 'Courses du mardi' });
    await matched(request.id);
    const offer = await t.request({
      method: 'POST',
      url: '/api/v1/listings',
      session: neighbour.session,
      payload: {
        kind: 'offer',
        categoryId: courses,
        title: 'Je fais vos courses',
        description: 'Je vais au supermarché deux fois par semaine.',
        mode: 'in_person',
        location: north(HOME, 400),
        radiusM: 1000,
      },
    });
    expect(offer.status).toBe(201);
    await matched(offer.json().id);
    const item = (await inbox()).find((i) => i.kind === 'match' && i.listing.id === request.id);
    expect(item).toMatchObject({
      state: 'to_call',
      resident: { displayName: 'Odette M.' },
      matchedListing: { id: offer.json().id, title: 'Je fais vos courses', authorName: 'Paul V.' },
    });
  });

  it(
    'lets a staff member edit, close and renew a relayed listing, and writes every on-behalf action to the audit ' +
      'log',
    async () => {
      const r = await register({ displayName: 'Marcel Petit' });
      const listing = await postFor(r.id);
      const edit = await t.request({
        method: 'PATCH',
        url: `/api/v1/listings/${listing.id}`,
        session: admin.session,
        payload: { title: 'Courses du vendredi' },
      });
      expect(edit.status).toBe(200);
      expect(
        (
          await t.request({
            method: 'PATCH',
            url: `/api/v1/staff/residents/${r.id}`,
            session: agent.session,
            payload: { phone: null, displayName: 'Marcelle Petit' },
          })
        ).json().phone,
      ).toBeNull();
      // The name the staff corrected is the one search sends with her listing (kept on it: migration 1732300035000).
      const near = await t.request({ url: `/api/v1/listings?near=${HOME.lat},${HOME.lng}&limit=100` });
      expect(near.json().items.find((i: { id: string }) => i.id === listing.id)).toMatchObject({
        author: { displayName: 'Marcelle P.' },
        relayed: true,
      });
      expect(
        (await t.request({ method: 'POST', url: `/api/v1/listings/${listing.id}/renew`, session: agent.session }))
          .status,
      ).toBe(200);
      expect(
        (await t.request({ method: 'POST', url: `/api/v1/listings/${listing.id}/close`, session: agent.session }))
          .status,
      ).toBe(200);
      // A resident is no agent: another resident's listing stays out of reach.
      expect(
        (
          await t.request({
            method: 'PATCH',
            url: `/api/v1/listings/${listing.id}`,
            session: neighbour.session,
            payload: { title: 'Détournée' },
          })
        ).status,
      ).toBe(403);
      expect((await t.request({ url: `/api/v1/staff/residents/${r.id}/export`, session: agent.session })).status).toBe(
        200,
      );

      const { rows } = await t.db.admin.query(
        `SELECT action, actor_id AS "actorId", data->>'resident' AS resident FROM audit_log WHERE data->>'resident' ` +
          `= $1 ORDER BY at, action`,
        [r.id],
      );
      expect(rows.map((x) => x.action).sort()).toEqual(
        [
          'relayed.listing.close',
          'relayed.listing.create',
          'relayed.listing.edit',
          'relayed.listing.renew',
          'relayed.resident.create',
          'relayed.resident.edit',
          'relayed.resident.export',
        ].sort(),
      );
      expect(rows.find((x) => x.action === 'relayed.listing.edit').actorId).toBe(admin.id);
      expect(rows.every((x) => [agent.id, admin.id].includes(x.actorId))).toBe(true);
      // The log keeps no personal data of hers.
      const raw = (await t.db.admin.query(`SELECT data::text FROM audit_log WHERE data->>'resident' = $1`, [r.id])).rows
        .map((x) => x.data)
        .join(' ');
      expect(raw).not.toMatch(/Marcel|0476|45\.21/);

      const app = await connectAsApp(t.db);
      try {
        await app.query(`SELECT set_config('app.tenant_id', $1, false)`, [await t.db.tenantId('meylan')]);
        await expect(
          app.query(`UPDATE audit_log SET reason = 'effacé' WHERE data->>'resident' = $1`, [r.id]),
        ).rejects.toThrow(/permission denied/);
        await expect(app.query(`DELETE FROM audit_log WHERE data->>'resident' = $1`, [r.id])).rejects.toThrow(
          /permission denied/,
        );
      } finally {
        await app.end();
      }
    },
  );

  it('answers 403 to a resident and 404 to another commune’s agent, even by id', async () => {
    const r = await register({ displayName: 'Lucie Bernard' });
    for (const [method, url] of [
      ['GET', '/api/v1/staff/residents'],
      ['GET', `/api/v1/staff/residents/${r.id}`],
      ['GET', `/api/v1/staff/residents/${r.id}/export`],
      ['GET', '/api/v1/staff/inbox'],
      ['DELETE', `/api/v1/staff/residents/${r.id}`],
    ] as const) {
      expect((await t.request({ method, url, session: neighbour.session })).status).toBe(403);
    }
    // Grenoble's agent, on Grenoble's site, asks for Meylan's resident.
    for (const [method, url] of [
      ['GET', `/api/v1/staff/residents/${r.id}`],
      ['GET', `/api/v1/staff/residents/${r.id}/export`],
      ['PATCH', `/api/v1/staff/residents/${r.id}`],
      ['DELETE', `/api/v1/staff/residents/${r.id}`],
      ['POST', `/api/v1/staff/residents/${r.id}/listings`],
    ] as const) {
      const payload =
        method === 'PATCH'
          ? { phone: '0600000000' }
          : method === 'POST'
            ? {
                kind: 'request',
                categoryId: courses,
                title: 'Détournée ici',
                description: 'Une annonce qui ne doit pas exister.',
                mode: 'remote',
                location: { lat: 45.1885, lng: 5.7245 },
              }
            : undefined;
      const res = await t.request({ method, url, host: 'grenoble.localhost', session: grenobleAgent.session, payload });
      expect([url, res.status]).toEqual([url, 404]);
    }
    expect(
      (await t.request({ url: '/api/v1/staff/residents', host: 'grenoble.localhost', session: grenobleAgent.session }))
        .json()
        .items.map((i: { id: string }) => i.id),
    ).not.toContain(r.id);
    expect((await t.request({ url: `/api/v1/staff/residents/${r.id}`, session: agent.session })).status).toBe(200);
  });

  it('exports everything held on her, and erases her: no row keeps her name, phone or home', async () => {
    // 1.5 km from the other homes of this file (public points included), so a point near hers can only be hers.
    const home = north(HOME, 1500);
    const r = await register({ displayName: 'Simone Garnier', phone: '06 11 22 33 44', location: home });
    const listing = await postFor(r.id, {
      title: 'Compagnie pour Simone',
      description: 'Simone Garnier aimerait parler au téléphone avec un voisin.',
      location: home,
    });
    const start = await t.request({
      method: 'POST',
      url: `/api/v1/listings/${listing.id}/conversations`,
      session: neighbour.session,
      payload: { message: 'Bonjour Simone, je serais ravi de vous appeler.' },
    });
    const conversationId = start.json().conversationId;
    await t.request({
      method: 'POST',
      url: `/api/v1/conversations/${conversationId}/messages`,
      session: agent.session,
      payload: { body: 'Simone Garnier vous remercie, elle attend votre appel.' },
    });
    await sink.waitFor((m) => m.to.includes(neighbour.email) && m.text.includes('attend votre appel'));

    const exported = (
      await t.request({ url: `/api/v1/staff/residents/${r.id}/export`, session: agent.session })
    ).json();
    expect(exported.account).toMatchObject({ displayName: 'Simone G.', location: home });
    expect(exported.relayed).toMatchObject({ phone: '0611223344', consentMethod: 'phone' });
    expect(exported.listings.map((l: { id: string }) => l.id)).toEqual([listing.id]);
    expect(exported.conversations.messages.map((m: { body: string }) => m.body)).toEqual([
      'Simone Garnier vous remercie, elle attend votre appel.',
    ]);

    // The listing's public point was public all along and may stay: it is 100 m or more from her home, never near it.
    const { rows: publicPoint } = await t.db.admin.query(
      `SELECT ST_Distance(public_location, ST_SetSRID(ST_MakePoint($3, $2), 4326)::geography) AS d FROM listings ` +
        `WHERE id = $1`,
      [listing.id, home.lat, home.lng],
    );
    expect(publicPoint[0].d).toBeGreaterThanOrEqual(100);
    expect(
      (await t.request({ method: 'DELETE', url: `/api/v1/staff/residents/${r.id}`, session: agent.session })).status,
    ).toBe(204);
    expect((await t.request({ url: `/api/v1/staff/residents/${r.id}`, session: agent.session })).status).toBe(404);
    expect((await t.request({ url: `/api/v1/listings/${listing.id}` })).status).toBe(404);

    // Every text column of every table (her public name, her surname, her phone), and every point within 100 m of her
    // home.
    const { rows: columns } = await t.db.admin.query(
      `SELECT table_name, column_name, udt_name FROM information_schema.columns WHERE table_schema = 'public' AND ` +
        `udt_name IN ('text', 'jsonb', 'geography', '_text')`,
    );
    const hits: string[] = [];
    for (const c of columns) {
      const col = `"${c.column_name}"`;
      const [where, params] =
        c.udt_name === 'geography'
          ? [
              `GeometryType(${col}::geometry) = 'POINT' AND ST_DWithin(${col}, ` +
                `ST_SetSRID(ST_MakePoint($2::float8, $1::float8), 4326)::geography, 100)`,
              [home.lat, home.lng],
            ]
          : [`${col}::text ~* $1`, ['Simone G\\.|Garnier|0611223344|06 11 22 33 44']];
      const { rows } = await t.db.admin.query(
        `SELECT count(*)::int AS n FROM "${c.table_name}" WHERE ${where}`,
        params,
      );
      if (rows[0].n > 0) hits.push(`${c.table_name}.${c.column_name}`);
    }
    expect(hits).toEqual([]);
    const audit = await t.db.admin.query(
      `SELECT action FROM audit_log WHERE data->>'resident' = $1 AND action = 'relayed.resident.erase'`,
      [r.id],
    );
    expect(audit.rows).toHaveLength(1);
  });
});
