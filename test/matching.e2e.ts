import Redis from 'ioredis';
import { ForegroundWork } from '@libs/queue';
import { AlertsService } from '@src/alerts/alerts.service';
import { DeliveryPolicy } from '@src/notifications/delivery-policy';
import { OutboxSweeper } from '@src/notifications/outbox-sweeper';
import { categoryId, createResident, publishListing, ResidentFixture } from './support/factories';
import { matchingDone, north } from './support/matching';
import { linkIn, SmtpSink } from './support/smtp-sink';
import { TenantDirectory } from '@src/tenants/tenant-directory.service';
import { startTestApp, TestApp } from './support/test-app';

const BUCLOS = { lat: 45.2125, lng: 5.77715 };

describe('matching: e-mail the right neighbours', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let courses: string;
  let devoirs: string;
  let conversations: string;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({ env: { WORKERS: 'on', SMTP_URL: sink.url } });
    // Production waits a minute before the first retry; the behaviour is the same in milliseconds.
    const policy = t.app.get(DeliveryPolicy);
    policy.retryBaseMs = 200;
    policy.retryMaxMs = 1_000;
    // The tests below call the sweeper right after losing a job; its grace has a test of its own.
    policy.sweepGraceMs = 0;
    courses = await categoryId(t.db, 'meylan', 'courses');
    devoirs = await categoryId(t.db, 'meylan', 'aide-aux-devoirs');
    conversations = await categoryId(t.db, 'meylan', 'conversations-a-distance');
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  const publish = async (author: ResidentFixture, over: Record<string, unknown> = {}, host = 'meylan.localhost') =>
    (
      await publishListing(
        t,
        author,
        {
          kind: 'request',
          categoryId: courses,
          title: 'Besoin de courses cette semaine',
          description: 'Je ne peux pas porter de charges lourdes, merci !',
          location: BUCLOS,
          ...over,
        },
        host,
      )
    ).id;
  const alertOn = (cats: string[], radiusM = 1000, mode: 'immediate' | 'daily' = 'immediate') => ({
    mode,
    radiusM,
    categoryIds: cats,
  });
  const matched = (listingId: string) => matchingDone(t.db, listingId);
  const notified = async (listingId: string) =>
    (
      await t.db.admin.query(
        `SELECT recipient_id AS id, delivery, status FROM match_notifications WHERE listing_id = $1`,
        [listingId],
      )
    ).rows;

  it('e-mails a resident whose alert covers the listing, with one-click unsubscribe headers', async () => {
    const near = await createResident(t.db, 'meylan', { location: north(BUCLOS, 500), notify: alertOn([courses]) });
    const author = await createResident(t.db, 'meylan', { displayName: 'Jeanne P.' });
    const id = await publish(author);
    const mail = await sink.waitFor((m) => m.to.includes(near.email));
    expect(mail.subject).toContain('Jeanne P.');
    expect(mail.text).toContain('Besoin de courses cette semaine');
    expect(mail.text).toMatch(/à environ 500 m/);
    expect(mail.text).toContain(`/annonces/${id}`);
    expect(mail.headers['list-unsubscribe']).toMatch(/^<http:\/\/meylan\.localhost:\d+\/unsubscribe\/[\w-]+\.[\w-]+>$/);
    expect(mail.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    // The notification is written once, already mailed, and names its e-mail's row.
    const { rows } = await t.db.admin.query(
      `SELECT mn.status, mn.mailed_at IS NOT NULL AS dated, o.dedupe_key AS key
       FROM match_notifications mn JOIN outbox_emails o ON o.tenant_id = mn.tenant_id AND o.id = mn.outbox_id
       WHERE mn.listing_id = $1 AND mn.recipient_id = $2`,
      [id, near.id],
    );
    expect(rows).toEqual([{ status: 'mailed', dated: true, key: `match:${id}:${near.id}` }]);
    // "Modifier mes préférences" leads to the account page, where the alert is set.
    const preferences = new URL(linkIn(mail, '/mon-compte'));
    expect((await t.request({ url: preferences.pathname, session: near.session })).status).toBe(200);
  });

  it('respects the alert radius at its edges, the category, and the opt-out', async () => {
    const inside = await createResident(t.db, 'meylan', { location: north(BUCLOS, 970), notify: alertOn([devoirs]) });
    const outside = await createResident(t.db, 'meylan', { location: north(BUCLOS, 1030), notify: alertOn([devoirs]) });
    const otherCategory = await createResident(t.db, 'meylan', {
      location: north(BUCLOS, 100),
      notify: alertOn([conversations]),
    });
    const optedOut = await createResident(t.db, 'meylan', {
      location: north(BUCLOS, 100),
      notify: { mode: 'off', radiusM: 5000, categoryIds: [devoirs] },
    });
    const author = await createResident(t.db, 'meylan');
    const id = await publish(author, {
      categoryId: devoirs,
      title: 'Aide aux devoirs de français',
      description: 'Pour mon fils en sixième, une heure par semaine.',
    });
    await matched(id);
    expect((await notified(id)).map((n) => n.id)).toEqual([inside.id]);
    expect([outside.id, otherCategory.id, optedOut.id].some((x) => sink.messages.some((m) => m.to.includes(x)))).toBe(
      false,
    );
  });

  it(
    'matches counterparts: in person within the helper’s radius, ' + 'remote at any distance, never the author',
    async () => {
      const helperNear = await createResident(t.db, 'meylan');
      const helperFar = await createResident(t.db, 'meylan');
      const remoteHelper = await createResident(t.db, 'meylan');
      const offerNear = await publish(helperNear, {
        kind: 'offer',
        categoryId: courses,
        title: 'Je fais les courses le samedi',
        location: north(BUCLOS, 700),
        radiusM: 1000,
      });
      const offerFar = await publish(helperFar, {
        kind: 'offer',
        categoryId: courses,
        title: 'Courses au marché le mardi',
        location: north(BUCLOS, 1300),
        radiusM: 1000,
      });
      await publish(remoteHelper, {
        kind: 'offer',
        categoryId: conversations,
        title: 'Appels pour discuter',
        description: 'Je peux appeler une personne isolée chaque semaine.',
        mode: 'remote',
        location: north(BUCLOS, 1800),
      });
      for (const id of [offerNear, offerFar]) await matched(id);

      const asker = await createResident(t.db, 'meylan');
      const request = await publish(asker, { title: 'Besoin d’aide pour les courses', radiusM: 500 });
      await matched(request);
      const toRequest = (await notified(request)).map((n) => n.id);
      expect(toRequest).toContain(helperNear.id);
      expect(toRequest).not.toContain(helperFar.id);
      expect(toRequest).not.toContain(asker.id);

      const lonely = await createResident(t.db, 'meylan');
      const remoteRequest = await publish(lonely, {
        categoryId: conversations,
        title: 'Quelqu’un pour discuter',
        description: 'Je vis seule et j’aimerais parler un peu au téléphone.',
        mode: 'remote',
        location: BUCLOS,
      });
      await matched(remoteRequest);
      expect((await notified(remoteRequest)).map((n) => n.id)).toContain(remoteHelper.id);
      const mail = await sink.waitFor(
        (m) => m.to.includes(remoteHelper.email) && m.text.includes('Quelqu’un pour discuter'),
      );
      expect(mail.text).toContain('à distance');
    },
  );

  it('sends at most the daily cap immediately; the rest goes to one digest with the same headers', async () => {
    const busy = await createResident(t.db, 'meylan', {
      location: north(BUCLOS, 50),
      notify: alertOn([courses], 2000),
    });
    const author = await createResident(t.db, 'meylan');
    const ids: string[] = [];
    // One matching at a time, so that n°6 and n°7 are the ones past the cap (jobs run side by side otherwise).
    for (let i = 0; i < 7; i++) {
      ids.push(await publish(author, { title: `Courses pour la semaine n°${i + 1}` }));
      await matched(ids[i]);
    }
    const rows = (
      await t.db.admin.query(
        `SELECT delivery, count(*)::int AS n FROM match_notifications WHERE recipient_id = $1 GROUP BY delivery ` +
          `ORDER BY delivery`,
        [busy.id],
      )
    ).rows;
    expect(rows).toEqual([
      { delivery: 'digest', n: 2 },
      { delivery: 'immediate', n: 5 },
    ]);
    const alerts = t.app.get(AlertsService);
    const tenantId = await t.db.tenantId('meylan');
    // Tomorrow evening, past the 18:00 digest: a day the in-process worker's own digest run (it
    // claims today's once past 18:00 in Paris) cannot have taken.
    const evening = new Date(Date.now() + 86_400_000);
    evening.setUTCHours(20, 0, 0, 0);
    // A digest run is bulk work: while a request is being answered in this process, it writes nothing.
    const endRequest = t.app.get(ForegroundWork).begin();
    const run = alerts.sendDigest('listing', tenantId, evening);
    await new Promise((r) => setTimeout(r, 200));
    const requestEnded = new Date();
    endRequest();
    expect(await run).toBeGreaterThanOrEqual(1);
    expect(await alerts.sendDigest('listing', tenantId, evening)).toBe(0);
    const [row] = (
      await t.db.admin.query(
        `SELECT o.created_at, o.status FROM outbox_emails o JOIN match_notifications mn ON mn.outbox_id = o.id ` +
          `WHERE mn.recipient_id = $1 AND mn.delivery = 'digest'`,
        [busy.id],
      )
    ).rows as Array<{ created_at: Date }>;
    expect(row.created_at.getTime()).toBeGreaterThanOrEqual(requestEnded.getTime());
    const digest = await sink.waitFor((m) => m.to.includes(busy.email) && m.subject.startsWith('2 annonces'));
    expect(digest.text).toContain('Courses pour la semaine n°6');
    expect(digest.text).toContain('Courses pour la semaine n°7');
    expect(digest.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    const immediate = () =>
      sink.messages.filter((m) => m.to.includes(busy.email) && !m.subject.startsWith('2 annonces'));
    for (let i = 0; i < 100 && immediate().length < 5; i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 200));
    expect(immediate()).toHaveLength(5);
  });

  it(
    'unsubscribes in one click, without cookie or Origin, ' + 'idempotently; a forged or foreign token does nothing',
    async () => {
      const r = await createResident(t.db, 'meylan', { location: north(BUCLOS, 200), notify: alertOn([courses]) });
      const author = await createResident(t.db, 'meylan');
      await publish(author, { title: 'Courses de la semaine prochaine' });
      const mail = await sink.waitFor((m) => m.to.includes(r.email));
      const url = new URL(mail.headers['list-unsubscribe'].slice(1, -1));
      const page = await t.request({ url: url.pathname });
      expect(page.status).toBe(200);
      expect(page.body).toContain('<form method="post"');
      expect(
        (await t.db.admin.query('SELECT unsubscribed_at FROM accounts WHERE id = $1', [r.id])).rows[0].unsubscribed_at,
      ).toBeNull();

      const forged = `${r.id}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`;
      expect(
        (
          await t.request({
            method: 'POST',
            url: `/unsubscribe/${forged}`,
            payload: 'List-Unsubscribe=One-Click',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          })
        ).status,
      ).toBe(404);
      expect(
        (
          await t.request({
            method: 'POST',
            url: url.pathname,
            host: 'grenoble.localhost',
            payload: 'List-Unsubscribe=One-Click',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          })
        ).status,
      ).toBe(404);
      for (let i = 0; i < 2; i++) {
        const res = await t.request({
          method: 'POST',
          url: url.pathname,
          payload: 'List-Unsubscribe=One-Click',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
        expect(res.status).toBe(200);
      }
      expect(
        (await t.db.admin.query('SELECT unsubscribed_at FROM accounts WHERE id = $1', [r.id])).rows[0].unsubscribed_at,
      ).not.toBeNull();
      const next = await publish(author, { title: 'Encore des courses' });
      await matched(next);
      expect((await notified(next)).map((n) => n.id)).not.toContain(r.id);
    },
  );

  it('never notifies twice for one listing, even when it is published again', async () => {
    const r = await createResident(t.db, 'meylan', { location: north(BUCLOS, 300), notify: alertOn([devoirs]) });
    const author = await createResident(t.db, 'meylan');
    const id = await publish(author, {
      categoryId: devoirs,
      title: 'Aide aux devoirs de maths',
      description: 'Niveau quatrième, le mercredi après-midi.',
    });
    await matched(id);
    await t.db.admin.query(`UPDATE listings SET status = 'expired' WHERE id = $1`, [id]);
    expect(
      (await t.request({ method: 'POST', url: `/api/v1/listings/${id}/renew`, session: author.session })).status,
    ).toBe(200);
    await matched(id);
    const { rows } = await t.db.admin.query(`SELECT count(*)::int AS n FROM domain_events WHERE aggregate_id = $1`, [
      id,
    ]);
    expect(rows[0].n).toBe(2);
    await t.app.get(AlertsService).fanOut('listing', await t.db.tenantId('meylan'), id);
    expect((await notified(id)).filter((n) => n.id === r.id)).toHaveLength(1);
    await new Promise((r2) => setTimeout(r2, 300));
    expect(sink.messages.filter((m) => m.to.includes(r.email))).toHaveLength(1);
  });

  it(
    'writes no second e-mail when one with the same key exists already; ' + 'the notification then names none',
    async () => {
      const author = await createResident(t.db, 'meylan');
      const id = await publish(author, {
        categoryId: devoirs,
        title: 'Aide aux devoirs d’anglais',
        description: 'Niveau troisième, le samedi matin.',
      });
      await matched(id);
      // A resident who set an alert after the matching, and an e-mail about the listing already in their name.
      const late = await createResident(t.db, 'meylan', { location: north(BUCLOS, 200), notify: alertOn([devoirs]) });
      const tenantId = await t.db.tenantId('meylan');
      const key = `match:${id}:${late.id}`;
      await t.db.admin.query(
        `INSERT INTO outbox_emails (tenant_id, recipient, template, dedupe_key, status, sent_at) VALUES ($1, $2, ` +
          `'listing-match', $3, 'sent', now())`,
        [tenantId, late.email, key],
      );
      expect(await t.app.get(AlertsService).fanOut('listing', tenantId, id)).toEqual({
        found: 1,
        mailed: 0,
        digest: 0,
      });
      const { rows } = await t.db.admin.query(
        `SELECT status, outbox_id FROM match_notifications WHERE listing_id = $1 AND recipient_id = $2`,
        [id, late.id],
      );
      expect(rows).toEqual([{ status: 'mailed', outbox_id: null }]);
      const { rows: mails } = await t.db.admin.query(`SELECT status FROM outbox_emails WHERE dedupe_key = $1`, [key]);
      expect(mails).toEqual([{ status: 'sent' }]);
    },
  );

  it('does not send a match e-mail whose listing was closed before it left', async () => {
    const r = await createResident(t.db, 'meylan', { location: north(BUCLOS, 250), notify: alertOn([courses]) });
    const author = await createResident(t.db, 'meylan');
    // The mail server stays down until the e-mail is cancelled: an attempt claimed just before the close fails and
    // comes back after it (the check is made at each claim), rather than reaching a server restarted too early.
    await sink.stop();
    let status = '';
    try {
      const id = await publish(author, { title: 'Courses vite fermées' });
      await matched(id);
      expect(
        (await t.request({ method: 'POST', url: `/api/v1/listings/${id}/close`, session: author.session })).status,
      ).toBe(200);
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && status !== 'cancelled') {
        await t.app.get(OutboxSweeper).sweepNow();
        await new Promise((res) => setTimeout(res, 200));
        const { rows } = await t.db.admin.query(
          `SELECT o.status FROM match_notifications mn JOIN outbox_emails o ON o.tenant_id = mn.tenant_id AND o.id ` +
            `= mn.outbox_id WHERE mn.listing_id = $1 AND mn.recipient_id = $2`,
          [id, r.id],
        );
        status = rows[0]?.status;
      }
    } finally {
      await sink.restart();
    }
    expect(status).toBe('cancelled');
    expect(sink.messages.filter((m) => m.to.includes(r.email))).toEqual([]);
  });

  it(
    'keeps communes apart: ' + 'a Meylan listing never notifies a Grenoble resident 100 m away across the border',
    async () => {
      const { rows } = await t.db.admin.query(`
      WITH m AS (SELECT a.outline::geometry g FROM tenant_areas a JOIN tenants t ON t.id = a.tenant_id WHERE t.slug =
        'meylan'),
           gr AS (SELECT a.outline::geometry g FROM tenant_areas a JOIN tenants t ON t.id = a.tenant_id WHERE t.slug =
             'grenoble'),
           b AS (SELECT ST_PointOnSurface(ST_Intersection(ST_Boundary(m.g), ST_Boundary(gr.g))) p FROM m, gr),
           grid AS (SELECT ST_SetSRID(ST_MakePoint(ST_X(b.p) + dx * 0.0002, ST_Y(b.p) + dy * 0.0002), 4326) q FROM b,
             generate_series(-3, 3) dx, generate_series(-3, 3) dy)
      SELECT (SELECT json_build_object('lat', ST_Y(q), 'lng', ST_X(q)) FROM grid, m WHERE ST_Covers(m.g, q) AND NOT
        ST_Covers((SELECT g FROM gr), q) ORDER BY ST_Distance(q, (SELECT p FROM b)) LIMIT 1) AS meylan,
             (SELECT json_build_object('lat', ST_Y(q), 'lng', ST_X(q)) FROM grid, gr WHERE ST_Covers(gr.g, q) AND NOT
               ST_Covers((SELECT g FROM m), q) ORDER BY ST_Distance(q, (SELECT p FROM b)) LIMIT 1) AS grenoble`);
      const { meylan: inMeylan, grenoble: inGrenoble } = rows[0];
      const { rows: d } = await t.db.admin.query(
        `SELECT ST_Distance(ST_MakePoint($1, $2)::geography, ST_MakePoint($3, $4)::geography) AS m`,
        [inMeylan.lng, inMeylan.lat, inGrenoble.lng, inGrenoble.lat],
      );
      expect(d[0].m).toBeLessThan(100);
      const grenoblois = await createResident(t.db, 'grenoble', {
        location: inGrenoble,
        notify: alertOn([await categoryId(t.db, 'grenoble', 'courses')], 5000),
      });
      const author = await createResident(t.db, 'meylan');
      const id = await publish(author, { title: 'Courses tout près de Grenoble', location: inMeylan });
      await matched(id);
      const { rows: all } = await t.db.admin.query(
        `SELECT recipient_id FROM match_notifications WHERE recipient_id = $1`,
        [grenoblois.id],
      );
      expect(all).toEqual([]);
    },
  );

  it('delivers every e-mail of a 200-recipient fan-out exactly once after SMTP comes back', async () => {
    const residents = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        createResident(t.db, 'meylan', { location: north(BUCLOS, 10 + i * 3), notify: alertOn([conversations], 3000) }),
      ),
    );
    await t.db.admin.query(
      `UPDATE tenants SET settings = jsonb_set(settings, '{matching,cap}', '500') WHERE slug = 'meylan'`,
    );
    // As tenants:sync does after a change: the processes reload their tenants.
    await t.app.get(TenantDirectory).reload();
    const ids = new Set(residents.map((r) => r.id));
    await sink.stop();
    try {
      const author = await createResident(t.db, 'meylan');
      const id = await publish(author, {
        categoryId: conversations,
        title: 'Coup de fil du dimanche',
        description: 'J’appelle volontiers quelqu’un le dimanche après-midi.',
        mode: 'both',
        radiusM: 3000,
      });
      await matched(id);
      expect((await notified(id)).filter((n) => ids.has(n.id))).toHaveLength(200);
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await sink.restart();
    }
    await t.app.get(OutboxSweeper).sweepNow();
    const emails = new Set(residents.map((r) => r.email));
    const deadline = Date.now() + 30_000;
    while (
      Date.now() < deadline &&
      sink.messages.filter((m) => m.subject.includes('Coup de fil du dimanche') && emails.has(m.to[0])).length < 200
    ) {
      await t.app.get(OutboxSweeper).sweepNow();
      await new Promise((r) => setTimeout(r, 300));
    }
    const got = sink.messages
      .filter((m) => m.subject.includes('Coup de fil du dimanche'))
      .map((m) => m.to[0])
      .filter((e) => emails.has(e));
    expect(got).toHaveLength(200);
    expect(new Set(got).size).toBe(200);
  });

  it('completes a fan-out from PostgreSQL when Redis loses its jobs', async () => {
    const prefix = t.config.queuePrefix;
    const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      const r = await createResident(t.db, 'meylan', { location: north(BUCLOS, 120), notify: alertOn([courses]) });
      const author = await createResident(t.db, 'meylan');
      // The publication's matching job is lost before any worker takes it.
      const id = await publish(author, { title: 'Courses pour la fête des voisins' });
      const keys: string[] = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      await t.db.admin.query(
        `UPDATE domain_events SET created_at = now() - interval '1 minute' WHERE aggregate_id = $1 AND ` +
          `dispatched_at IS NULL`,
        [id],
      );
      await t.app.get(AlertsService).requeueUndispatched();
      await matched(id);
      await t.app.get(OutboxSweeper).sweepNow();
      await sink.waitFor((m) => m.to.includes(r.email) && m.text.includes('Courses pour la fête des voisins'));
    } finally {
      redis.disconnect();
    }
  });
});
