import { ListingsExpiryProcessor } from '@src/listings/listings-worker.module';
import { TenantsService } from '@src/tenants/tenants.service';
import { categoryId, createResident, ResidentFixture } from './support/factories';
import { linkIn, SmtpSink } from './support/smtp-sink';
import { startTestApp, TestApp } from './support/test-app';

// Points inside Meylan's neighbourhoods (tenants/meylan.yaml).
const BUCLOS = { lat: 45.2125, lng: 5.77715 };
const BEALIERES = { lat: 45.2125, lng: 5.81408 };
const GRENOBLE_CENTRE = { lat: 45.1975, lng: 5.72575 };

describe('listings: publish, search, map, contact, report', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let author: ResidentFixture;
  let courses: string;
  let bricolage: string;

  const post = (who: ResidentFixture, payload: Record<string, unknown>, host = 'meylan.localhost') =>
    t.request({ method: 'POST', url: '/api/v1/listings', host, session: who.session, payload });
  const listing = (over: Record<string, unknown> = {}) => ({
    kind: 'offer',
    categoryId: courses,
    title: 'Je fais vos courses le samedi',
    description: 'Je vais au marché chaque samedi matin, je peux prendre vos courses au passage.',
    mode: 'in_person',
    location: BUCLOS,
    ...over,
  });
  const search = async (query: string, host = 'meylan.localhost') => {
    const res = await t.request({ url: `/api/v1/listings?${query}`, host });
    expect(res.status).toBe(200);
    return res.json<{ items: Array<Record<string, any>>; nextCursor: string | null }>();
  };

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({ env: { WORKERS: 'on', SMTP_URL: sink.url } });
    author = await createResident(t.db, 'meylan', { displayName: 'Marie D.' });
    courses = await categoryId(t.db, 'meylan', 'courses');
    bricolage = await categoryId(t.db, 'grenoble', 'bricolage');
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  it('publishes an offer and finds it by category, neighbourhood and nearest first', async () => {
    const res = await post(author, listing());
    expect(res.status).toBe(201);
    const created = res.json();
    expect(created).toMatchObject({
      status: 'published',
      kind: 'offer',
      neighbourhood: { slug: 'buclos' },
      author: { displayName: 'Marie D.' },
      radiusM: 2000,
    });
    const far = (
      await post(author, listing({ title: 'Courses au supermarché de Béalières', location: BEALIERES }))
    ).json();

    expect((await search('category=courses')).items.map((i) => i.id)).toEqual(
      expect.arrayContaining([created.id, far.id]),
    );
    expect((await search(`category=${courses}&neighbourhood=buclos`)).items.map((i) => i.id)).toEqual([created.id]);
    const near = await search(`category=courses&near=${BEALIERES.lat},${BEALIERES.lng}&radius=5000`);
    expect(near.items.map((i) => i.id).slice(0, 2)).toEqual([far.id, created.id]);
    expect(near.items[0].distanceM % 100).toBe(0);
    expect(near.items[0].distanceM).toBeLessThanOrEqual(near.items[1].distanceM);
    expect((await search(`near=${BEALIERES.lat},${BEALIERES.lng}&radius=500`)).items.map((i) => i.id)).toEqual([
      far.id,
    ]);
  });

  it(
    'finds French text without accents or exact forms ("devoir" finds "devoirs", ' + '"bricolage" finds "Bricolage")',
    async () => {
      const g = await createResident(t.db, 'grenoble');
      const devoirs = (
        await post(
          g,
          listing({
            categoryId: await categoryId(t.db, 'grenoble', 'aide-aux-devoirs'),
            title: 'Aide aux devoirs de mathématiques',
            description: 'Étudiante, j’aide les collégiens pour leurs devoirs.',
            location: GRENOBLE_CENTRE,
          }),
          'grenoble.localhost',
        )
      ).json();
      const brico = (
        await post(
          g,
          listing({
            categoryId: bricolage,
            title: 'Bricolage : petites réparations',
            description: 'Je répare une étagère, un robinet qui fuit, une porte qui grince.',
            location: GRENOBLE_CENTRE,
          }),
          'grenoble.localhost',
        )
      ).json();
      expect((await search('q=devoir', 'grenoble.localhost')).items.map((i) => i.id)).toContain(devoirs.id);
      expect((await search('q=mathematiques', 'grenoble.localhost')).items.map((i) => i.id)).toContain(devoirs.id);
      expect((await search('q=bricolage', 'grenoble.localhost')).items.map((i) => i.id)).toEqual([brico.id]);
      expect((await search('q=reparer', 'grenoble.localhost')).items.map((i) => i.id)).toContain(brico.id);
      expect((await search('q=bricolag', 'grenoble.localhost')).items.map((i) => i.id)).toContain(brico.id);
    },
  );

  it('shows a listing in every search shape exactly as on its own (timestamps and escaped text included)', async () => {
    // Search items are JSON written by PostgreSQL (hitJson), a listing on its own by JSON.stringify: text that JSON
    // escapes (quotes, backslash, line breaks) and characters beyond Latin-1 must come out the same from both.
    const created = (
      await post(
        author,
        listing({
          title: 'Courses de brioches « le dimanche » — l’"atelier" \\ 🥐',
          description: 'Première ligne\nSeconde ligne, avec "guillemets", \\ et\ttabulation.',
          location: BEALIERES,
        }),
      )
    ).json();
    expect(created.title).toBe('Courses de brioches « le dimanche » — l’"atelier" \\ 🥐');
    const own = (await t.request({ url: `/api/v1/listings/${created.id}`, host: 'meylan.localhost' })).json();
    expect(own.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const at = `${BEALIERES.lat},${BEALIERES.lng}`;
    const shapes = {
      recent: 'category=courses',
      words: 'q=brioches',
      near: `category=courses&near=${at}&radius=3000`,
      'near, words': `q=brioches&near=${at}`,
      'near, neighbourhood': `near=${at}&neighbourhood=${created.neighbourhood.id}`,
    };
    const raw = await t.request({ url: `/api/v1/listings?${shapes.near}`, host: 'meylan.localhost' });
    expect(raw.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(Number(raw.headers['content-length'])).toBe(Buffer.byteLength(raw.body));
    for (const [shape, query] of Object.entries(shapes)) {
      const item = (await search(query)).items.find((i) => i.id === created.id);
      const { distanceM, ...rest } = item ?? {};
      expect({ shape, item: rest }).toEqual({ shape, item: own });
      expect({ shape, near: distanceM !== undefined }).toEqual({ shape, near: query.includes('near=') });
    }
  });

  it('names a listing whose category the commune no longer offers, in every search shape', async () => {
    const divers = await categoryId(t.db, 'meylan', 'divers');
    const created = (
      await post(author, listing({ categoryId: divers, title: 'Prêt de tréteaux pour la fête', location: BEALIERES }))
    ).json();
    const tenants = t.app.get(TenantsService);
    // The commune stops offering the category; the listing stays published. The search's catalogue in memory no
    // longer names it: its name is read from the database, in the search's own read.
    await t.db.admin.query('UPDATE tenant_categories SET enabled = false WHERE tenant_id = $1 AND category_id = $2', [
      author.tenantId,
      divers,
    ]);
    tenants.catalogueChanged();
    try {
      const at = `${BEALIERES.lat},${BEALIERES.lng}`;
      for (const query of ['limit=50', 'q=treteaux', `near=${at}&radius=3000`, `q=treteaux&near=${at}`]) {
        const item = (await search(query)).items.find((i) => i.id === created.id);
        expect({ query, category: item?.category }).toEqual({
          query,
          category: { id: divers, slug: 'divers', name: created.category.name },
        });
      }
    } finally {
      await t.db.admin.query('UPDATE tenant_categories SET enabled = true WHERE tenant_id = $1 AND category_id = $2', [
        author.tenantId,
        divers,
      ]);
      tenants.catalogueChanged();
    }
  });

  it('pages with a cursor that neither repeats nor skips, in every order', async () => {
    const r = await createResident(t.db, 'meylan');
    for (let i = 0; i < 23; i++) {
      const p = { lat: 45.195 + (i % 5) * 0.004, lng: 5.77 + Math.floor(i / 5) * 0.005 };
      expect(
        (
          await post(
            r,
            listing({
              kind: 'request',
              title: `Besoin de jardinage numéro ${i}`,
              description: 'Besoin d’un coup de main pour tailler la haie du jardin.',
              location: p,
            }),
          )
        ).status,
      ).toBe(201);
    }
    for (const query of ['kind=request', `kind=request&near=${BUCLOS.lat},${BUCLOS.lng}`, 'kind=request&q=jardinage']) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await search(`${query}&limit=5${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor && pages < 20);
      expect({ query, count: seen.length, unique: new Set(seen).size }).toEqual({ query, count: 23, unique: 23 });
    }
  });

  it("never shows another commune's listing, even by id", async () => {
    const g = await createResident(t.db, 'grenoble');
    const other = (
      await post(
        g,
        listing({ categoryId: bricolage, title: 'Bricolage à Grenoble', location: GRENOBLE_CENTRE }),
        'grenoble.localhost',
      )
    ).json();
    expect((await t.request({ url: `/api/v1/listings/${other.id}` })).status).toBe(404);
    expect((await t.request({ url: `/api/v1/listings/${other.id}`, host: 'grenoble.localhost' })).status).toBe(200);
    const meylanIds = (await search('limit=100')).items.map((i) => i.id);
    expect(meylanIds).not.toContain(other.id);
    const report = await t.request({
      method: 'POST',
      url: `/api/v1/listings/${other.id}/reports`,
      session: author.session,
      payload: { reason: 'spam' },
    });
    expect(report.status).toBe(404);
  });

  it('never puts the exact location or an e-mail address in a listing response', async () => {
    const exact = { lat: 45.2131234, lng: 5.7797654 };
    const res = await post(author, listing({ title: 'Courses pour une voisine', location: exact }));
    const id = res.json().id;
    const bodies = [
      res.body,
      (await t.request({ url: `/api/v1/listings/${id}` })).body,
      (await t.request({ url: `/api/v1/listings/${id}`, session: author.session })).body,
      (await t.request({ url: '/api/v1/listings?limit=100' })).body,
      (await t.request({ url: `/api/v1/listings?near=${exact.lat},${exact.lng}` })).body,
      (await t.request({ url: '/api/v1/listings.geojson?bbox=5.7,45.1,5.9,45.3' })).body,
      (await t.request({ url: '/api/v1/me/listings', session: author.session })).body,
    ];
    // The public point is near enough to place the listing on the map, never nearer than 100 m (below); one of its
    // coordinates may still begin with the exact point's digits by chance (a public point due east of the exact one),
    // so its own figures are taken out before looking for the exact point's.
    const pub = JSON.parse(bodies[1]).publicLocation as { lat: number; lng: number };
    for (const body of bodies) {
      const others = body.split(String(pub.lat)).join('').split(String(pub.lng)).join('');
      expect(others).not.toContain('45.213123');
      expect(others).not.toContain('5.779765');
      expect(body).not.toMatch(/[\w.+-]+@[\w-]+\.[\w.]+/);
    }
    const { rows } = await t.db.admin.query(
      `SELECT ST_Distance(ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography, ST_SetSRID(ST_MakePoint($3, $4), ` +
        `4326)::geography) AS d`,
      [pub.lng, pub.lat, exact.lng, exact.lat],
    );
    expect(rows[0].d).toBeGreaterThanOrEqual(100);
    expect(rows[0].d).toBeLessThan(500);
  });

  it('answers bad input with 4xx naming the field', async () => {
    const field = async (url: string) => {
      const res = await t.request({ url });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      return res.json().errors?.map((e: { field: string }) => e.field);
    };
    expect(await field('/api/v1/listings?near=abc')).toEqual(['near']);
    expect(await field('/api/v1/listings?near=95,5.7')).toEqual(['near']);
    expect(await field('/api/v1/listings?near=45.2,5.7&radius=-5')).toEqual(['radius']);
    expect(await field('/api/v1/listings?radius=500')).toEqual(['radius']);
    expect(await field('/api/v1/listings?limit=500')).toEqual(['limit']);
    expect(await field('/api/v1/listings?limit=abc')).toEqual(['limit']);
    expect(await field('/api/v1/listings?cursor=bm9wZQ')).toEqual(['cursor']);
    expect(await field('/api/v1/listings?category=inconnue')).toEqual(['category']);
    expect(await field('/api/v1/listings?category=covoiturage')).toEqual(['category']);
    expect(await field('/api/v1/listings?neighbourhood=nulle-part')).toEqual(['neighbourhood']);
    expect(await field('/api/v1/listings?kind=gift')).toEqual(['kind']);
    expect(await field('/api/v1/listings.geojson?bbox=1,2,3')).toEqual(['bbox']);
    expect(await field('/api/v1/listings.geojson?bbox=5.9,45.1,5.7,45.3')).toEqual(['bbox']);

    const bad = async (over: Record<string, unknown>) => {
      const res = await post(author, listing(over));
      expect(res.status).toBe(422);
      return res.json().errors.map((e: { field: string }) => e.field);
    };
    expect(await bad({ location: { lat: 45.764, lng: 4.836 } })).toEqual(['location']);
    expect(await bad({ location: { lat: 91, lng: 5.7 } })).toEqual(['location.lat']);
    expect(await bad({ categoryId: '00000000-0000-4000-8000-000000000000' })).toEqual(['categoryId']);
    expect(await bad({ categoryId: bricolage })).toEqual(['categoryId']);
    expect(await bad({ title: 'x'.repeat(5000) })).toEqual(['title']);
    expect(await bad({ description: 'court' })).toEqual(['description']);
    expect(await bad({ mode: 'remote', radiusM: 500 })).toEqual(['radiusM']);
    expect(await bad({ radiusM: 10 })).toEqual(['radiusM']);
    expect(await bad({ kind: 'don' })).toEqual(['kind']);
    expect(await bad({ availability: { weekdays: ['funday'] } })).toEqual(['availability.weekdays']);
    expect((await t.request({ url: '/api/v1/listings/pas-un-id' })).status).toBe(404);
  });

  it('lets only verified residents publish, and only the author edit, close and renew', async () => {
    const unverified = await createResident(t.db, 'meylan', { verified: false });
    expect((await post(unverified, listing())).status).toBe(403);
    expect((await t.request({ method: 'POST', url: '/api/v1/listings', payload: listing() })).status).toBe(401);
    const mine = (await post(author, listing({ title: 'Courses du jeudi' }))).json();
    const stranger = await createResident(t.db, 'meylan');
    expect(
      (
        await t.request({
          method: 'PATCH',
          url: `/api/v1/listings/${mine.id}`,
          session: stranger.session,
          payload: { title: 'Piraté !' },
        })
      ).status,
    ).toBe(403);
    const edited = await t.request({
      method: 'PATCH',
      url: `/api/v1/listings/${mine.id}`,
      session: author.session,
      payload: { title: 'Courses du jeudi matin', mode: 'remote' },
    });
    expect(edited.status).toBe(200);
    expect(edited.json()).toMatchObject({ title: 'Courses du jeudi matin', mode: 'remote', radiusM: null });
    expect(
      (await t.request({ method: 'POST', url: `/api/v1/listings/${mine.id}/renew`, session: author.session })).status,
    ).toBe(200);
    expect(
      (await t.request({ method: 'POST', url: `/api/v1/listings/${mine.id}/close`, session: author.session })).json()
        .status,
    ).toBe('closed');
    expect((await t.request({ url: `/api/v1/listings/${mine.id}` })).status).toBe(404);
    expect((await search('limit=100')).items.map((i) => i.id)).not.toContain(mine.id);
    expect(
      (await t.request({ method: 'POST', url: `/api/v1/listings/${mine.id}/close`, session: author.session })).status,
    ).toBe(409);
  });

  it('holds everything for review on a pre-moderated site (Seyssins)', async () => {
    const s = await createResident(t.db, 'seyssins');
    const res = await post(
      s,
      listing({ categoryId: await categoryId(t.db, 'seyssins', 'courses'), location: { lat: 45.167, lng: 5.68338 } }),
      'seyssins.localhost',
    );
    expect(res.status).toBe(201);
    expect(res.json()).toMatchObject({ status: 'pending_review', holdReasons: ['pre_moderation'] });
    expect((await search('limit=100', 'seyssins.localhost')).items).toEqual([]);
    const { rows } = await t.db.admin.query(`SELECT count(*)::int AS n FROM domain_events WHERE aggregate_id = $1`, [
      res.json().id,
    ]);
    expect(rows[0].n).toBe(0);
  });

  it('records a ListingPublished event in the publishing transaction', async () => {
    const id = (await post(author, listing({ title: 'Courses et petit café' }))).json().id;
    const { rows } = await t.db.admin.query(`SELECT type, payload FROM domain_events WHERE aggregate_id = $1`, [id]);
    expect(rows).toEqual([{ type: 'ListingPublished', payload: { listingId: id, version: 1 } }]);
  });

  it('serves the map as GeoJSON, capped with a flag', async () => {
    const res = await t.request({ url: '/api/v1/listings.geojson?bbox=5.74,45.18,5.84,45.24&kind=offer' });
    expect(res.status).toBe(200);
    const fc = res.json();
    expect(fc).toMatchObject({ type: 'FeatureCollection', capped: false });
    expect(fc.features.length).toBeGreaterThan(0);
    expect(fc.features.every((f: any) => f.properties.kind === 'offer' && f.geometry.type === 'Point')).toBe(true);
  });

  it('lets a neighbour write to the author through the platform; a third resident cannot read it', async () => {
    const offer = (await post(author, listing({ title: 'Courses au marché de Meylan' }))).json();
    const neighbour = await createResident(t.db, 'meylan', { displayName: 'Paul R.' });
    const started = await t.request({
      method: 'POST',
      url: `/api/v1/listings/${offer.id}/conversations`,
      session: neighbour.session,
      payload: { message: 'Bonjour, je veux bien un peu d’aide samedi !' },
    });
    expect(started.status).toBe(201);
    const { conversationId } = started.json();

    const mail = await sink.waitFor(
      (m) => m.to.includes(author.email) && m.text.includes('Courses au marché de Meylan'),
    );
    expect(mail.text).toContain('Paul R.');
    expect(mail.text).not.toContain(neighbour.email);
    expect(linkIn(mail, `/conversations/${conversationId}`)).toBeDefined();

    const third = await createResident(t.db, 'meylan');
    expect((await t.request({ url: `/api/v1/conversations/${conversationId}`, session: third.session })).status).toBe(
      404,
    );
    expect(
      (
        await t.request({
          method: 'POST',
          url: `/api/v1/conversations/${conversationId}/messages`,
          session: third.session,
          payload: { body: 'Je m’incruste' },
        })
      ).status,
    ).toBe(404);

    const reply = await t.request({
      method: 'POST',
      url: `/api/v1/conversations/${conversationId}/messages`,
      session: author.session,
      payload: { body: 'Avec plaisir, à samedi !' },
    });
    expect(reply.status).toBe(201);
    await sink.waitFor((m) => m.to.includes(neighbour.email) && m.text.includes('Avec plaisir'));
    const thread = (
      await t.request({ url: `/api/v1/conversations/${conversationId}`, session: neighbour.session })
    ).json();
    expect(thread.messages.map((m: { body: string }) => m.body)).toEqual([
      'Bonjour, je veux bien un peu d’aide samedi !',
      'Avec plaisir, à samedi !',
    ]);
    expect(JSON.stringify(thread)).not.toContain(author.email);
    const list = (await t.request({ url: '/api/v1/conversations', session: author.session })).json();
    expect(list.items.map((c: { id: string }) => c.id)).toContain(conversationId);
  });

  it('hides a listing once the tenant’s threshold of reports is reached; one report per reporter', async () => {
    const target = (await post(author, listing({ title: 'Courses douteuses, à voir' }))).json();
    const reporters = await Promise.all([0, 1, 2].map(() => createResident(t.db, 'meylan')));
    const first = await t.request({
      method: 'POST',
      url: `/api/v1/listings/${target.id}/reports`,
      session: reporters[0].session,
      payload: { reason: 'paid', comment: 'Demande de l’argent' },
    });
    expect(first.status).toBe(201);
    expect(
      (
        await t.request({
          method: 'POST',
          url: `/api/v1/listings/${target.id}/reports`,
          session: reporters[0].session,
          payload: { reason: 'paid' },
        })
      ).status,
    ).toBe(409);
    expect(
      (
        await t.request({
          method: 'POST',
          url: `/api/v1/listings/${target.id}/reports`,
          session: reporters[1].session,
          payload: { reason: 'invalide' },
        })
      ).status,
    ).toBe(422);
    await t.request({
      method: 'POST',
      url: `/api/v1/listings/${target.id}/reports`,
      session: reporters[1].session,
      payload: { reason: 'scam' },
    });
    expect((await t.request({ url: `/api/v1/listings/${target.id}` })).status).toBe(200);
    await t.request({
      method: 'POST',
      url: `/api/v1/listings/${target.id}/reports`,
      session: reporters[2].session,
      payload: { reason: 'paid' },
    });
    expect((await t.request({ url: `/api/v1/listings/${target.id}` })).status).toBe(404);
    expect((await t.request({ url: `/api/v1/listings/${target.id}`, session: author.session })).json()).toMatchObject({
      status: 'hidden',
      holdReasons: ['reports'],
    });
  });

  it('expires listings past their date through the scheduled job, and the author can renew them', async () => {
    const l = (await post(author, listing({ title: 'Courses bientôt expirées' }))).json();
    await t.db.admin.query(`UPDATE listings SET expires_at = now() - interval '1 minute' WHERE id = $1`, [l.id]);
    expect(await t.app.get(ListingsExpiryProcessor).expire()).toBeGreaterThanOrEqual(1);
    expect((await t.request({ url: `/api/v1/listings/${l.id}`, session: author.session })).json().status).toBe(
      'expired',
    );
    expect((await search('limit=100')).items.map((i) => i.id)).not.toContain(l.id);
    const renewed = await t.request({ method: 'POST', url: `/api/v1/listings/${l.id}/renew`, session: author.session });
    expect(renewed.json().status).toBe('published');
    expect(new Date(renewed.json().expiresAt).getTime()).toBeGreaterThan(Date.now() + 59 * 86400_000);
  });

  it('counts public offers and requests on the tenant', async () => {
    const stats = (await t.request({ url: '/api/v1/tenant' })).json().stats;
    expect(stats.offers).toBeGreaterThan(0);
    expect(stats.requests).toBeGreaterThan(0);
  });
});

describe('publishing under a saturated connection pool', () => {
  it(
    'never waits for a second pooled connection inside a transaction: 12 concurrent publications on a pool of 2 ' +
      'all finish',
    async () => {
      const small = await startTestApp({ env: { DB_POOL_SIZE: '2' } });
      try {
        const courses = await categoryId(small.db, 'meylan', 'courses');
        const authors = await Promise.all(Array.from({ length: 12 }, () => createResident(small.db, 'meylan')));
        const results = await Promise.all(
          authors.map((a, i) =>
            small.request({
              method: 'POST',
              url: '/api/v1/listings',
              session: a.session,
              payload: {
                kind: 'offer',
                categoryId: courses,
                title: `Courses en lot ${i}`,
                description: 'Je fais vos courses le samedi matin.',
                mode: 'in_person',
                location: BUCLOS,
              },
            }),
          ),
        );
        expect(results.map((r) => r.status)).toEqual(authors.map(() => 201));
      } finally {
        await small.close();
      }
    },
    30_000,
  );
});
