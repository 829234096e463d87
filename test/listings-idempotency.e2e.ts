import { randomUUID } from 'node:crypto';
import { categoryId, createResident, ResidentFixture } from './support/factories';
import { matchingDone } from './support/matching';
import { SmtpSink } from './support/smtp-sink';
import { startTestApp, TestApp } from './support/test-app';

// A point inside Meylan's Buclos neighbourhood (tenants/meylan.yaml).
const BUCLOS = { lat: 45.2125, lng: 5.77715 };
const HOME = { lat: 45.1885, lng: 5.7245 };

/**
 * `Idempotency-Key` on POST /api/v1/listings (and the town hall's route for relayed residents):
 * a request sent again gets the first answer, and the neighbours one alert, not two.
 */
describe('publishing a listing with an Idempotency-Key', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let courses: string;
  let neighbour: ResidentFixture;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({ env: { WORKERS: 'on', SMTP_URL: sink.url } });
    courses = await categoryId(t.db, 'meylan', 'courses');
    // Alerted at once of any listing of courses within 1.5 km of Buclos.
    neighbour = await createResident(t.db, 'meylan', {
      displayName: 'Odile V.',
      location: BUCLOS,
      notify: { mode: 'immediate', radiusM: 1500, categoryIds: [courses] },
    });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  const body = (title = 'Besoin d’aide pour mes courses') => ({
    kind: 'request',
    categoryId: courses,
    title,
    description: 'Je ne peux plus porter de charges lourdes depuis mon opération.',
    mode: 'in_person',
    location: BUCLOS,
  });
  const post = (
    author: ResidentFixture,
    key: string | undefined,
    payload: Record<string, unknown>,
    url = '/api/v1/listings',
  ) =>
    t.request({
      method: 'POST',
      url,
      session: author.session,
      payload,
      headers: key === undefined ? {} : { 'idempotency-key': key },
    });
  const listingsOf = async (authorId: string) =>
    (await t.db.admin.query('SELECT id FROM listings WHERE author_id = $1 ORDER BY created_at', [authorId])).rows.map(
      (r) => r.id as string,
    );
  const alertsTo = async (recipientId: string, listingIds: string[]) =>
    (
      await t.db.admin.query(
        'SELECT listing_id FROM match_notifications WHERE recipient_id = $1 AND listing_id = ANY($2)',
        [recipientId, listingIds],
      )
    ).rows.length;

  it(
    'answers a request sent again with the same key with the same listing, status and body: one row, one alert ' +
      'e-mail',
    async () => {
      const author = await createResident(t.db, 'meylan', { displayName: 'Léa M.' });
      const key = randomUUID();
      const first = await post(author, key, body('Courses une seule fois, même envoyée deux fois'));
      expect(first.status).toBe(201);
      const id = first.json().id;
      await matchingDone(t.db, id);
      await sink.waitFor((m) => m.to.includes(neighbour.email) && m.text.includes('Courses une seule fois'), 15_000);

      const again = await post(author, key, body('Courses une seule fois, même envoyée deux fois'));
      expect(again.status).toBe(201);
      expect(again.body).toBe(first.body);
      expect(await listingsOf(author.id)).toEqual([id]);
      // One publication event, one alert for the neighbour, one e-mail in the outbox and on the wire.
      expect(
        (await t.db.admin.query('SELECT count(*)::int AS n FROM domain_events WHERE aggregate_id = $1', [id])).rows[0]
          .n,
      ).toBe(1);
      expect(await alertsTo(neighbour.id, [id])).toBe(1);
      const written = await t.db.admin.query(
        `SELECT count(*)::int AS n FROM outbox_emails WHERE recipient = $1 AND dedupe_key LIKE $2`,
        [neighbour.email, `match:${id}:%`],
      );
      expect(written.rows[0].n).toBe(1);
      expect(
        sink.messages.filter((m) => m.to.includes(neighbour.email) && m.text.includes('Courses une seule fois')),
      ).toHaveLength(1);
      // Kept in PostgreSQL beside the listing, so it holds when Redis is lost.
      const stored = await t.db.admin.query(
        'SELECT status, extract(epoch FROM expires_at - created_at)::int AS lifetime FROM idempotency_keys WHERE ' +
          'account_id = $1 AND key = $2',
        [author.id, key],
      );
      expect(stored.rows).toEqual([{ status: 201, lifetime: 24 * 3600 }]);
    },
  );

  it('publishes once when the same request arrives twice at the same moment', async () => {
    const author = await createResident(t.db, 'meylan');
    const key = randomUUID();
    const [a, b] = await Promise.all([
      post(author, key, body('Deux clics au même instant')),
      post(author, key, body('Deux clics au même instant')),
    ]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.json().id).toBe(b.json().id);
    expect(await listingsOf(author.id)).toEqual([a.json().id]);
  });

  it('publishes a second listing under another key, or without one', async () => {
    const author = await createResident(t.db, 'meylan');
    const one = await post(author, randomUUID(), body('Première demande de courses'));
    const two = await post(author, randomUUID(), body('Première demande de courses'));
    const three = await post(author, undefined, body('Première demande de courses'));
    expect([one.status, two.status, three.status]).toEqual([201, 201, 201]);
    expect(new Set([one.json().id, two.json().id, three.json().id]).size).toBe(3);
    expect(await listingsOf(author.id)).toHaveLength(3);
  });

  it('refuses a key reused for a different request with a 422 naming the header, and publishes nothing', async () => {
    const author = await createResident(t.db, 'meylan');
    const key = randomUUID();
    const first = await post(author, key, body('Une demande, une clé'));
    expect(first.status).toBe(201);
    const other = await post(author, key, body('Une autre demande, la même clé'));
    expect(other.status).toBe(422);
    expect(other.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(other.json().errors).toEqual([
      { field: 'Idempotency-Key', message: expect.stringContaining('nouvelle clé') },
    ]);
    expect(await listingsOf(author.id)).toEqual([first.json().id]);
  });

  it('keeps keys per author and per commune: another resident’s same key publishes their own listing', async () => {
    const key = randomUUID();
    const meylan = await createResident(t.db, 'meylan');
    const neighbourToo = await createResident(t.db, 'meylan');
    const grenoble = await createResident(t.db, 'grenoble');
    const mine = await post(meylan, key, body('La même clé chez deux voisins'));
    const theirs = await post(neighbourToo, key, body('La même clé chez deux voisins'));
    const courseGrenoble = await categoryId(t.db, 'grenoble', 'courses');
    const elsewhere = await t.request({
      method: 'POST',
      url: '/api/v1/listings',
      host: 'grenoble.localhost',
      session: grenoble.session,
      headers: { 'idempotency-key': key },
      payload: { ...body('La même clé chez deux voisins'), categoryId: courseGrenoble, location: HOME },
    });
    expect([mine.status, theirs.status, elsewhere.status]).toEqual([201, 201, 201]);
    expect(new Set([mine.json().id, theirs.json().id, elsewhere.json().id]).size).toBe(3);
  });

  it('forgets a key after 24 hours: the same request then publishes again', async () => {
    const author = await createResident(t.db, 'meylan');
    const key = randomUUID();
    const first = await post(author, key, body('Une clé qui expire'));
    await t.db.admin.query(
      `UPDATE idempotency_keys SET created_at = created_at - interval '25 hours', expires_at = expires_at - ` +
        `interval '25 hours' WHERE account_id = $1`,
      [author.id],
    );
    const later = await post(author, key, body('Une clé qui expire'));
    expect(later.status).toBe(201);
    expect(later.json().id).not.toBe(first.json().id);
    expect(await listingsOf(author.id)).toHaveLength(2);
    expect(
      (await t.db.admin.query('SELECT count(*)::int AS n FROM idempotency_keys WHERE account_id = $1', [author.id]))
        .rows[0].n,
    ).toBe(1);
  });

  it('answers a malformed key with a 400 naming the header', async () => {
    const author = await createResident(t.db, 'meylan');
    const bad = await post(author, 'x'.repeat(300), body('Clé trop longue'));
    expect(bad.status).toBe(400);
    expect(bad.json().errors).toEqual([{ field: 'Idempotency-Key', message: expect.any(String) }]);
    expect(await listingsOf(author.id)).toEqual([]);
  });

  it('honours the key on the town hall’s route for a relayed resident', async () => {
    const agent = await createResident(t.db, 'meylan', { roles: ['moderator'] });
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/staff/residents',
      session: agent.session,
      payload: { displayName: 'Jeanne Dupuis', location: BUCLOS, consent: { method: 'phone' } },
    });
    expect(created.status).toBe(201);
    const resident = created.json().id;
    const key = randomUUID();
    const url = `/api/v1/staff/residents/${resident}/listings`;
    const first = await post(agent, key, body('Courses pour Jeanne'), url);
    const again = await post(agent, key, body('Courses pour Jeanne'), url);
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.body).toBe(first.body);
    expect(await listingsOf(resident)).toEqual([first.json().id]);
    expect((await post(agent, key, body('Autre chose pour Jeanne'), url)).status).toBe(422);
  });

  it('documents the header in the OpenAPI document', async () => {
    const doc = (await t.request({ url: '/api/openapi.json' })).json();
    for (const path of ['/api/v1/listings', '/api/v1/staff/residents/{id}/listings']) {
      const params = doc.paths[path].post.parameters as Array<{ name: string; in: string }>;
      expect(params).toEqual(
        expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key', in: 'header' })]),
      );
    }
  });
});
