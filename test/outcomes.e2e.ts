import { OutcomesService } from '@src/outcomes/outcomes.service';
import { categoryId, createResident, publishListing, ResidentFixture } from './support/factories';
import { linkIn, SmtpSink } from './support/smtp-sink';
import { startTestApp, TestApp } from './support/test-app';

const HOME = { lat: 45.21137, lng: 5.78412 };
const DAY = 86_400_000;

describe('closing the loop: fulfilment, the one reminder, private feedback', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let outcomes: OutcomesService;
  let courses: string;
  let moderator: ResidentFixture;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({ env: { WORKERS: 'on', SMTP_URL: sink.url } });
    outcomes = t.app.get(OutcomesService);
    courses = await categoryId(t.db, 'meylan', 'courses');
    moderator = await createResident(t.db, 'meylan', { roles: ['resident', 'moderator'] });
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  const publish = async (author: ResidentFixture, title = 'Besoin de courses le jeudi') =>
    (
      await publishListing(t, author, {
        kind: 'request',
        categoryId: courses,
        title,
        description: 'Je ne peux plus porter mes sacs depuis le marché.',
        location: HOME,
      })
    ).id;
  const write = async (neighbour: ResidentFixture, listingId: string) => {
    const res = await t.request({
      method: 'POST',
      url: `/api/v1/listings/${listingId}/conversations`,
      session: neighbour.session,
      payload: { message: 'Bonjour, je peux vous aider jeudi matin.' },
    });
    expect(res.status).toBe(201);
    return res.json().conversationId as string;
  };
  /** A scenario: an author, a listing, a neighbour who wrote about it. */
  const scenario = async (title?: string) => {
    const author = await createResident(t.db, 'meylan');
    const helper = await createResident(t.db, 'meylan');
    const listingId = await publish(author, title);
    const conversationId = await write(helper, listingId);
    return { author, helper, listingId, conversationId };
  };
  const status = async (id: string) =>
    (await t.db.admin.query('SELECT status FROM listings WHERE id = $1', [id])).rows[0].status;
  const remindersTo = (email: string) =>
    sink.messages.filter((m) => m.to.includes(email) && m.subject.startsWith('Avez-vous trouvé de l'));
  const now = () => Date.now();

  describe('fulfilment', () => {
    it('takes the listing out of search and the map, and thanks the helper once', async () => {
      const { author, helper, listingId, conversationId } = await scenario();
      const res = await t.request({
        method: 'POST',
        url: `/api/v1/listings/${listingId}/fulfil`,
        session: author.session,
        payload: { conversationId },
      });
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject({
        id: listingId,
        status: 'fulfilled',
        helper: { displayName: helper.displayName },
      });
      const thanks = await sink.waitFor(
        (m) => m.to.includes(helper.email) && m.subject.includes('Merci pour votre aide'),
      );
      expect(thanks.text).toContain('Besoin de courses le jeudi');

      const search = (await t.request({ url: '/api/v1/listings?limit=100' })).json();
      expect(search.items.map((i: { id: string }) => i.id)).not.toContain(listingId);
      const map = (await t.request({ url: '/api/v1/listings.geojson?bbox=5.7,45.18,5.85,45.25' })).json();
      expect(map.features.map((f: { id: string }) => f.id)).not.toContain(listingId);
      expect((await t.request({ url: `/api/v1/listings/${listingId}` })).status).toBe(404);

      // Again: the same answer, and no second e-mail.
      const again = await t.request({
        method: 'POST',
        url: `/api/v1/listings/${listingId}/fulfil`,
        session: author.session,
        payload: { conversationId },
      });
      expect(again.json()).toMatchObject({ status: 'fulfilled' });
      await new Promise((r) => setTimeout(r, 300));
      expect(
        sink.messages.filter((m) => m.to.includes(helper.email) && m.subject.includes('Merci pour votre aide')),
      ).toHaveLength(1);
      const { rows } = await t.db.admin.query(`SELECT count(*)::int AS n FROM outbox_emails WHERE dedupe_key = $1`, [
        `thanks:${listingId}`,
      ]);
      expect(rows[0].n).toBe(1);
    });

    it('is the author’s to mark, and names only a conversation of this listing', async () => {
      const { author, helper, listingId } = await scenario();
      const other = await scenario('Une autre demande de courses');
      expect(
        (
          await t.request({
            method: 'POST',
            url: `/api/v1/listings/${listingId}/fulfil`,
            session: helper.session,
            payload: {},
          })
        ).status,
      ).toBe(403);
      const wrong = await t.request({
        method: 'POST',
        url: `/api/v1/listings/${listingId}/fulfil`,
        session: author.session,
        payload: { conversationId: other.conversationId },
      });
      expect(wrong.status).toBe(422);
      expect(wrong.json().errors).toEqual([{ field: 'conversationId', message: expect.any(String) }]);
      const bad = await t.request({
        method: 'POST',
        url: `/api/v1/listings/${listingId}/fulfil`,
        session: author.session,
        payload: { conversationId: 'pas-un-id' },
      });
      expect(bad.json().errors[0].field).toBe('conversationId');
      expect(await status(listingId)).toBe('published');
    });
  });

  describe('the reminder', () => {
    it('is sent exactly once, when due, through the outbox', async () => {
      const { author, listingId } = await scenario('Rappel attendu');
      const start = now();
      await outcomes.sendDueReminders(new Date(start + 6 * DAY));
      expect(
        (await t.db.admin.query('SELECT count(*)::int AS n FROM listing_reminders WHERE listing_id = $1', [listingId]))
          .rows[0].n,
      ).toBe(0);
      await outcomes.sendDueReminders(new Date(start + 7 * DAY + 60_000));
      await outcomes.sendDueReminders(new Date(start + 8 * DAY));
      await outcomes.sendDueReminders(new Date(start + 30 * DAY));
      const mail = await sink.waitFor(
        (m) => m.to.includes(author.email) && m.subject.startsWith('Avez-vous') && m.subject.includes('Rappel attendu'),
      );
      expect(mail.text).toContain("Avez-vous trouvé de l'aide ?");
      for (const answer of ['found', 'still_looking', 'not_needed'])
        expect(mail.text).toMatch(new RegExp(`/outcome/[\\w.-]+\\?answer=${answer}`));
      await new Promise((r) => setTimeout(r, 300));
      expect(remindersTo(author.email)).toHaveLength(1);
      expect(
        (
          await t.db.admin.query(`SELECT count(*)::int AS n FROM outbox_emails WHERE dedupe_key = $1`, [
            `reminder:${listingId}`,
          ])
        ).rows[0].n,
      ).toBe(1);
    });

    it('is never sent for a listing already fulfilled or closed', async () => {
      const fulfilled = await scenario('Déjà aidée');
      const closed = await scenario('Déjà close');
      await t.request({
        method: 'POST',
        url: `/api/v1/listings/${fulfilled.listingId}/fulfil`,
        session: fulfilled.author.session,
        payload: {},
      });
      await t.request({
        method: 'POST',
        url: `/api/v1/listings/${closed.listingId}/close`,
        session: closed.author.session,
      });
      await outcomes.sendDueReminders(new Date(now() + 8 * DAY));
      const { rows } = await t.db.admin.query(
        'SELECT count(*)::int AS n FROM listing_reminders WHERE listing_id = ANY ($1)',
        [[fulfilled.listingId, closed.listingId]],
      );
      expect(rows[0].n).toBe(0);
    });

    it('goes to the staff inbox for a relayed resident', async () => {
      const agent = await createResident(t.db, 'meylan', { roles: ['resident', 'moderator'] });
      const helper = await createResident(t.db, 'meylan');
      const r = (
        await t.request({
          method: 'POST',
          url: '/api/v1/staff/residents',
          session: agent.session,
          payload: { displayName: 'Rose Lambert', location: HOME, consent: { method: 'in_person' } },
        })
      ).json();
      const listing = (
        await t.request({
          method: 'POST',
          url: `/api/v1/staff/residents/${r.id}/listings`,
          session: agent.session,
          payload: {
            kind: 'request',
            categoryId: courses,
            title: 'Courses pour Rose',
            description: 'Un voisin pourrait-il faire ses courses le samedi ?',
            mode: 'in_person',
            location: HOME,
          },
        })
      ).json();
      await write(helper, listing.id);
      await outcomes.sendDueReminders(new Date(now() + 8 * DAY));
      const inbox = (await t.request({ url: '/api/v1/staff/inbox', session: agent.session })).json().items;
      expect(inbox.find((i: any) => i.kind === 'reminder' && i.listing.id === listing.id)).toMatchObject({
        state: 'to_call',
        resident: { id: r.id },
      });
      // The staff mark it fulfilled for her.
      expect(
        (
          await t.request({
            method: 'POST',
            url: `/api/v1/listings/${listing.id}/fulfil`,
            session: agent.session,
            payload: {},
          })
        ).json().status,
      ).toBe('fulfilled');
      const audit = await t.db.admin.query(
        `SELECT actor_id AS "actorId" FROM audit_log WHERE action = 'relayed.listing.fulfil' AND target_id = $1`,
        [listing.id],
      );
      expect(audit.rows).toEqual([{ actorId: agent.id }]);
    });

    it('asks to confirm on GET, acts once on POST, and is idempotent', async () => {
      const found = await scenario('Réponse trouvée');
      const looking = await scenario('Réponse je cherche');
      const notNeeded = await scenario('Réponse plus besoin');
      await outcomes.sendDueReminders(new Date(now() + 8 * DAY));
      const link = async (s: { author: ResidentFixture }, title: string, answer: string) => {
        const m = await sink.waitFor(
          (x) => x.to.includes(s.author.email) && x.subject.startsWith('Avez-vous') && x.subject.includes(title),
        );
        return `${new URL(linkIn(m, '/outcome/')).pathname}?answer=${answer}`;
      };
      const foundUrl = await link(found, 'Réponse trouvée', 'found');
      const page = await t.request({ url: foundUrl, headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      expect(page.body).toContain('Confirmer : j’ai trouvé de l’aide');
      expect(page.body).toContain(found.helper.displayName);
      expect(await status(found.listingId)).toBe('published');

      const path = foundUrl.replace(/\?.*$/, '');
      // A one-click POST, as a form would send it, without session or Origin.
      const send = (url: string, form: string) =>
        t.app.inject({
          method: 'POST',
          url,
          headers: {
            host: 'meylan.localhost',
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'text/html',
          },
          payload: form,
        });
      // It answers with a redirect (POST/Redirect/GET); the page it leads to, as a browser follows it.
      const post = async (url: string, form: string) => {
        const res = await send(url, form);
        expect(res.statusCode).toBe(303);
        return t.app.inject({
          method: 'GET',
          url: String(res.headers.location),
          headers: { host: 'meylan.localhost', accept: 'text/html' },
        });
      };
      const sent = await send(path, `answer=found&conversationId=${found.conversationId}`);
      expect([sent.statusCode, sent.headers.location]).toEqual([303, `${path}?fait=1`]);
      const first = await t.app.inject({
        method: 'GET',
        url: `${path}?fait=1`,
        headers: { host: 'meylan.localhost', accept: 'text/html' },
      });
      expect(first.statusCode).toBe(200);
      expect(first.body).toContain('Merci pour votre réponse');
      // Reloading that page answers nothing again.
      expect(
        (
          await t.app.inject({
            method: 'GET',
            url: `${path}?fait=1`,
            headers: { host: 'meylan.localhost', accept: 'text/html' },
          })
        ).body,
      ).toContain('Merci pour votre réponse');
      expect(await status(found.listingId)).toBe('fulfilled');
      await sink.waitFor((m) => m.to.includes(found.helper.email) && m.subject.includes('Merci pour votre aide'));
      const again = await post(path, 'answer=found');
      expect(again.body).toContain('Réponse déjà enregistrée');
      const other = await post(path, 'answer=not_needed');
      expect(other.body).toContain('Réponse déjà enregistrée');
      expect(await status(found.listingId)).toBe('fulfilled');

      const before = (await t.db.admin.query('SELECT expires_at FROM listings WHERE id = $1', [looking.listingId]))
        .rows[0].expires_at;
      const lookingPath = (await link(looking, 'Réponse je cherche', 'still_looking')).replace(/\?.*$/, '');
      expect((await post(lookingPath, 'answer=still_looking')).body).toContain('reste en ligne');
      const after = (
        await t.db.admin.query('SELECT status, expires_at FROM listings WHERE id = $1', [looking.listingId])
      ).rows[0];
      expect(after.status).toBe('published');
      expect(after.expires_at.getTime()).toBeGreaterThan(before.getTime());
      expect((await post(lookingPath, 'answer=still_looking')).body).toContain('Réponse déjà enregistrée');

      const notNeededPath = (await link(notNeeded, 'Réponse plus besoin', 'not_needed')).replace(/\?.*$/, '');
      expect((await post(notNeededPath, 'answer=not_needed')).statusCode).toBe(200);
      expect(await status(notNeeded.listingId)).toBe('closed');
      const answers = await t.db.admin.query(
        'SELECT listing_id AS id, answer FROM listing_reminders WHERE listing_id = ANY ($1) ORDER BY answer',
        [[found.listingId, looking.listingId, notNeeded.listingId]],
      );
      expect(answers.rows.map((r) => r.answer)).toEqual(['found', 'not_needed', 'still_looking']);
    });

    it('does nothing for a forged token or another listing’s', async () => {
      const a = await scenario('Jeton à détourner');
      const b = await scenario('Jeton voisin');
      await outcomes.sendDueReminders(new Date(now() + 8 * DAY));
      const m = await sink.waitFor(
        (x) =>
          x.to.includes(a.author.email) && x.subject.startsWith('Avez-vous') && x.subject.includes('Jeton à détourner'),
      );
      const token = new URL(linkIn(m, '/outcome/')).pathname.replace('/outcome/', '');
      const [, accountId, mac] = token.split('.');
      const forged = `${a.listingId}.${accountId}.${mac.slice(0, -2)}xx`;
      const swapped = `${b.listingId}.${accountId}.${mac}`;
      for (const bad of [forged, swapped, 'pas-un-jeton']) {
        const res = await t.app.inject({
          method: 'POST',
          url: `/outcome/${bad}`,
          headers: {
            host: 'meylan.localhost',
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'text/html',
          },
          payload: 'answer=not_needed',
        });
        expect(res.statusCode).toBe(404);
        expect(res.body).toContain('Lien invalide');
      }
      expect(await status(a.listingId)).toBe('published');
      expect(await status(b.listingId)).toBe('published');
      // Valid on Meylan, not on Grenoble.
      const foreign = await t.app.inject({
        method: 'POST',
        url: `/outcome/${token}`,
        headers: { host: 'grenoble.localhost', 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'answer=not_needed',
      });
      expect(foreign.statusCode).toBe(404);
      expect(await status(a.listingId)).toBe('published');
    });
  });

  describe('private feedback', () => {
    it('is given once per participant after fulfilment; a "no" waits in the moderation queue', async () => {
      const { author, helper, listingId, conversationId } = await scenario('Avis après aide');
      const stranger = await createResident(t.db, 'meylan');
      const give = (who: ResidentFixture, payload: unknown) =>
        t.request({ method: 'POST', url: `/api/v1/listings/${listingId}/feedback`, session: who.session, payload });
      expect((await give(author, { ok: true })).status).toBe(409);
      await t.request({
        method: 'POST',
        url: `/api/v1/listings/${listingId}/fulfil`,
        session: author.session,
        payload: { conversationId },
      });
      expect((await give(author, { ok: 'oui' })).json().errors[0].field).toBe('ok');
      expect((await give(author, { ok: true, comment: 'Très bien, merci !' })).status).toBe(201);
      expect((await give(author, { ok: true })).status).toBe(409);
      expect((await give(stranger, { ok: false })).status).toBe(404);
      const no = await give(helper, { ok: false, comment: 'La personne a voulu me payer, j’ai refusé.' });
      expect(no.status).toBe(201);

      const queue = (await t.request({ url: '/api/v1/moderation/queue?limit=100', session: moderator.session })).json()
        .items;
      const item = queue.find((i: any) => i.type === 'feedback' && i.comment.includes('voulu me payer'));
      expect(item).toMatchObject({ author: { id: helper.id }, listing: { title: 'Avis après aide' }, ok: false });
      expect(queue.some((i: any) => i.type === 'feedback' && i.comment === 'Très bien, merci !')).toBe(false);
      // Nobody else reads it: neither the author nor the public.
      expect((await t.request({ url: `/api/v1/listings/${listingId}`, session: author.session })).body).not.toContain(
        'voulu me payer',
      );

      const review = await t.request({
        method: 'POST',
        url: `/api/v1/moderation/feedback/${item.id}/review`,
        session: moderator.session,
        payload: { reason: 'Appel passé aux deux personnes' },
      });
      expect(review.status).toBe(200);
      const after = (await t.request({ url: '/api/v1/moderation/queue?limit=100', session: moderator.session })).json()
        .items;
      expect(after.some((i: any) => i.id === item.id)).toBe(false);
      expect(
        (
          await t.request({
            method: 'POST',
            url: `/api/v1/moderation/feedback/${item.id}/review`,
            session: moderator.session,
            payload: { reason: 'Deux fois' },
          })
        ).status,
      ).toBe(404);
      const log = await t.db.admin.query(
        `SELECT actor_id AS "actorId", reason FROM audit_log WHERE action = 'feedback.review' AND target_id = $1`,
        [item.id],
      );
      expect(log.rows).toEqual([{ actorId: moderator.id, reason: 'Appel passé aux deux personnes' }]);
    });
  });
});
