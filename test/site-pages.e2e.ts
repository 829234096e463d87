import { categoryId, createResident, FACTORY_PASSWORD, ResidentFixture } from './support/factories';
import { linkIn, SmtpSink } from './support/smtp-sink';
import { startTestApp, TestApp } from './support/test-app';

const BUCLOS = { lat: 45.2125, lng: 5.77715 };
const HTML = { accept: 'text/html,application/xhtml+xml' };
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

/**
 * The communes' server-rendered pages, over HTTP as a browser without JavaScript uses them:
 * branding, listings, forms with errors tied to their fields, security headers, French errors.
 */
describe('the site pages', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let author: ResidentFixture;
  let listingId: string;

  const page = (url: string, opts: { host?: string; session?: string } = {}) =>
    t.request({ url, headers: HTML, ...opts });
  const submit = (
    url: string,
    fields: Record<string, string>,
    opts: { host?: string; session?: string; origin?: string | null } = {},
  ) => {
    const host = opts.host ?? 'meylan.localhost';
    return t.request({
      method: 'POST',
      url,
      host,
      session: opts.session,
      origin: opts.origin === undefined ? `http://${host}` : opts.origin,
      headers: { ...HTML, 'content-type': 'application/x-www-form-urlencoded' },
      payload: form(fields),
    });
  };
  /** A form's answer is a 303 to `location` (POST/Redirect/GET); the page it leads to, as the browser would get it. */
  const redirected = async (
    res: Awaited<ReturnType<typeof submit>>,
    location: string | RegExp,
    opts: { session?: string } = {},
  ) => {
    expect(res.status).toBe(303);
    if (typeof location === 'string') expect(res.headers.location).toBe(location);
    else expect(String(res.headers.location)).toMatch(location);
    const next = await page(String(res.headers.location), opts);
    expect(next.status).toBe(200);
    return next;
  };

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({ env: { WORKERS: 'on', SMTP_URL: sink.url } });
    author = await createResident(t.db, 'meylan', { displayName: 'Camille R.', location: BUCLOS });
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/listings',
      session: author.session,
      payload: {
        kind: 'offer',
        categoryId: await categoryId(t.db, 'meylan', 'courses'),
        title: '<script>alert(1)</script> Courses du samedi',
        description: 'Je vais au marché chaque samedi matin, je peux prendre vos courses au passage.',
        mode: 'in_person',
        location: BUCLOS,
      },
    });
    expect(created.status).toBe(201);
    listingId = created.json().id;
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  it.each([
    ['meylan', 'Entraidons-nous', 'Meylan'],
    ['grenoble', 'Voisins Voisines', 'Grenoble'],
    ['seyssins', "Réseau d'entraide", 'Seyssins'],
    ['lyon', 'Voisins solidaires', 'Lyon'],
  ])('serves %s its own branded home page in French', async (slug, siteName, commune) => {
    const res = await page('/', { host: `${slug}.localhost` });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('<html lang="fr">');
    expect(res.body).toContain(`<title>Accueil – ${siteName.replace("'", '&#x27;')}</title>`);
    expect(res.body).toContain(`L'entraide entre voisins à ${commune}`);
    expect(res.body).toContain('Je propose mon aide');
    expect(res.body).toContain("J'ai besoin d'aide");
    const theme = await t.request({ url: '/assets/theme.css', host: `${slug}.localhost` });
    expect(theme.headers['content-type']).toMatch(/^text\/css/);
    expect(theme.body).toMatch(/--primary: #[0-9a-f]{6};/i);
  });

  it("shows Meylan's listing on Meylan's pages, escaped, and never on Grenoble's", async () => {
    const home = await page('/');
    expect(home.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt; Courses du samedi');
    expect(home.body).not.toContain('<script>alert(1)</script>');
    const browse = await page('/annonces?kind=offer&category=courses');
    expect(browse.status).toBe(200);
    expect(browse.body).toContain(`href="/annonces/${listingId}"`);
    expect(browse.body).toContain('Camille R.');
    const grenoble = await page('/annonces', { host: 'grenoble.localhost' });
    expect(grenoble.body).not.toContain(listingId);
    const detail = await page(`/annonces/${listingId}`, { host: 'grenoble.localhost' });
    expect(detail.status).toBe(404);
    expect(detail.headers['content-type']).toMatch(/^text\/html/);
    expect(detail.body).toContain('Page introuvable');
    expect(detail.body).toContain('Voisins Voisines');
  });

  it('sends the security headers: a CSP without inline scripts or styles, no framing', async () => {
    const res = await page('/annonces');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).not.toMatch(/<script>(?!<\/script>)|<style>|style="/);
  });

  it(
    'sorts by distance "près de chez moi" for a signed-in resident with a location, ' + 'and tells the others how',
    async () => {
      const near = await createResident(t.db, 'meylan', { location: { lat: 45.2135, lng: 5.7775 } });
      const res = await page('/annonces?pres=1', { session: near.session });
      expect(res.status).toBe(200);
      expect(res.body).toContain('id="f-pres" name="pres" value="1" checked');
      expect(res.body).toMatch(/Buclos · à (moins de 100|\d00) m ·/);
      const nowhere = await createResident(t.db, 'meylan');
      const told = await page('/annonces?pres=1', { session: nowhere.session });
      expect(told.status).toBe(422);
      expect(told.body).toContain('indiquez votre quartier dans « Mon compte »');
      expect((await page(`/annonces/${listingId}`, { session: author.session })).body).toContain("C'est votre annonce");
    },
  );

  it('names the offending filter field on the listings page', async () => {
    const res = await page('/annonces?q=x');
    expect(res.status).toBe(422);
    expect(res.body).toContain('aria-invalid="true" aria-describedby="f-q-erreur"');
    expect(res.body).toMatch(/id="f-q-erreur"><span class="visually-hidden">Erreur : <\/span>recherche trop courte/);
  });

  it('keeps problem+json for the API and answers unknown pages with a French page', async () => {
    const api = await t.request({ url: '/api/v1/listings/not-a-listing', headers: HTML });
    expect(api.headers['content-type']).toMatch(/application\/problem\+json/);
    const missing = await page('/nulle-part');
    expect(missing.status).toBe(404);
    expect(missing.body).toContain('Page introuvable');
  });

  it('signs up through the form, confirms the address from the e-mail, signs in and contacts a neighbour', async () => {
    const email = `lea.${Date.now()}@exemple.fr`;
    const bad = await submit('/inscription', { displayName: 'Léa M.', email, password: 'court' });
    expect(bad.status).toBe(422);
    expect(bad.body).toContain('id="password-erreur"');
    expect(bad.body).toContain('id="acceptTerms-erreur"');
    expect(bad.body).toContain(`value="${email}"`);
    expect(bad.body).not.toContain('value="court"');

    const ok = await redirected(
      await submit('/inscription', {
        displayName: 'Léa M.',
        email,
        password: 'un mot de passe solide',
        acceptTerms: 'true',
      }),
      '/inscription?envoye=1',
    );
    expect(ok.body).toContain('Vérifiez votre boîte e-mail');
    const mail = await sink.waitFor((m) => m.to.includes(email));
    const link = new URL(linkIn(mail, '/compte/verification'));
    const confirm = await page(`${link.pathname}${link.search}`);
    expect(confirm.body).toContain('Confirmer mon adresse');
    const verified = await redirected(
      await submit('/compte/verification', { token: link.searchParams.get('token')! }),
      '/compte/verification?fait=1',
    );
    expect(verified.body).toContain('Votre adresse est confirmée');

    const wrong = await submit('/connexion', { email, password: 'pas le bon mot de passe', retour: '/' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toContain('role="alert"');
    const login = await submit('/connexion', {
      email,
      password: 'un mot de passe solide',
      retour: `/annonces/${listingId}`,
    });
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe(`/annonces/${listingId}`);
    const session = login.cookies.find((c) => c.name === 'entraide_session')!.value;

    const signedIn = await page(`/annonces/${listingId}`, { session });
    expect(signedIn.body).toContain('Léa M.');
    expect(signedIn.body).toContain(`action="/annonces/${listingId}/contact"`);
    const empty = await submit(`/annonces/${listingId}/contact`, { message: '   ' }, { session });
    expect(empty.status).toBe(422);
    expect(empty.body).toContain('id="message-erreur"');
    const sent = await submit(
      `/annonces/${listingId}/contact`,
      { message: 'Bonjour, je veux bien pour samedi !' },
      { session },
    );
    expect(sent.status).toBe(303);
    expect(sent.headers.location).toMatch(new RegExp(`^/annonces/${listingId}\\?envoye=[0-9a-f-]{36}$`));
    const { rows } = await t.db.admin.query(
      'SELECT body FROM messages m JOIN conversations c ON c.tenant_id = m.tenant_id AND c.id = m.conversation_id ' +
        'WHERE c.listing_id = $1',
      [listingId],
    );
    expect(rows.map((r) => r.body)).toContain('Bonjour, je veux bien pour samedi !');

    const foreign = await submit(
      `/annonces/${listingId}/contact`,
      { message: 'Depuis un autre site' },
      { session, origin: 'http://evil.example' },
    );
    expect(foreign.status).toBe(403);
    const out = await submit('/deconnexion', {}, { session });
    expect(out.status).toBe(303);
    expect((await t.request({ url: '/api/v1/me', session })).status).toBe(401);
  });

  it('shows the map page with Leaflet from the site itself and the same listings as a list', async () => {
    const res = await page('/carte?category=courses');
    expect(res.status).toBe(200);
    expect(res.body).toContain('id="carte"');
    expect(res.body).toContain('data-category="courses"');
    expect(res.body).toContain('<script src="/assets/vendor/leaflet/leaflet.js" defer></script>');
    expect(res.body).toContain(`href="/annonces/${listingId}"`);
    const leaflet = await t.request({
      url: '/assets/vendor/leaflet/leaflet.js',
      headers: { 'accept-encoding': 'gzip, br' },
    });
    expect(leaflet.status).toBe(200);
    expect(leaflet.headers['content-encoding']).toBe('gzip');
    expect(Number(leaflet.headers['content-length'])).toBeLessThan(60_000);
    expect((await t.request({ url: '/assets/vendor/leaflet/../../package.json' })).status).toBe(404);
    expect((await t.request({ url: '/assets/vendor/leaflet/images/marker-icon.png' })).headers['content-type']).toBe(
      'image/png',
    );
  });

  it(
    'publishes an offer from the form, placed in the chosen neighbourhood, ' + 'and holds a paid one with its reason',
    async () => {
      const anonymous = await page('/annonces/nouvelle?kind=request');
      expect(anonymous.status).toBe(303);
      expect(anonymous.headers.location).toBe(
        `/connexion?retour=${encodeURIComponent('/annonces/nouvelle?kind=request')}`,
      );
      const writer = await createResident(t.db, 'meylan');
      const blank = await page('/annonces/nouvelle?kind=request', { session: writer.session });
      expect(blank.body).toContain('value="request" checked');
      expect(blank.body).toContain('<option value="buclos">Buclos</option>');
      const courses = await categoryId(t.db, 'meylan', 'courses');
      const fields = {
        kind: 'offer',
        categoryId: courses,
        title: 'Je porte vos courses',
        description: 'Le mardi et le vendredi, je passe au marché.',
        mode: 'in_person',
      };

      const nowhere = await submit('/annonces/nouvelle', fields, { session: writer.session });
      expect(nowhere.status).toBe(422);
      expect(nowhere.body).toContain('id="location-erreur"');
      expect(nowhere.body).toContain('value="Je porte vos courses"');

      const published = await redirected(
        await submit('/annonces/nouvelle', { ...fields, neighbourhood: 'buclos' }, { session: writer.session }),
        /^\/annonces\/[0-9a-f-]{36}\/publiee$/,
        { session: writer.session },
      );
      expect(published.body).toContain('Votre annonce est publiée');
      const { rows } = await t.db.admin.query(
        `SELECT l.status, n.slug FROM listings l JOIN neighbourhoods n ON n.tenant_id = l.tenant_id AND
        ST_Covers(n.outline, l.location)
       WHERE l.author_id = $1 AND l.title = 'Je porte vos courses'`,
        [writer.id],
      );
      expect(rows).toEqual([{ status: 'published', slug: 'buclos' }]);

      const paid = await redirected(
        await submit(
          '/annonces/nouvelle',
          { ...fields, title: "Cours de maths 15€ de l'heure", neighbourhood: 'buclos' },
          { session: writer.session },
        ),
        /^\/annonces\/[0-9a-f-]{36}\/publiee$/,
        { session: writer.session },
      );
      expect(paid.body).toContain('Votre annonce attend une relecture');
      expect(paid.body).toContain('prix ou une rémunération');
    },
  );

  it("lists a resident's listings and lets them close one; answers a conversation from its page", async () => {
    expect((await page('/mes-annonces')).headers.location).toBe(
      `/connexion?retour=${encodeURIComponent('/mes-annonces')}`,
    );
    const mine = await page('/mes-annonces', { session: author.session });
    expect(mine.body).toContain('Courses du samedi');
    expect(mine.body).toContain('En ligne');

    const neighbour = await createResident(t.db, 'meylan', { displayName: 'Yanis B.' });
    expect(
      (await submit(`/annonces/${listingId}/contact`, { message: 'Bonjour Camille !' }, { session: neighbour.session }))
        .status,
    ).toBe(303);
    const inbox = await page('/conversations', { session: author.session });
    const threadPath = /href="(\/conversations\/[0-9a-f-]{36})"/.exec(inbox.body)?.[1];
    expect(inbox.body).toContain('avec Yanis B.');
    const thread = await page(threadPath!, { session: author.session });
    expect(thread.body).toContain('Bonjour Camille !');
    const answered = await submit(threadPath!, { body: 'Avec plaisir, à samedi.' }, { session: author.session });
    expect(answered.headers.location).toBe(`${threadPath}?envoye=1`);
    expect((await page(threadPath!, { session: neighbour.session })).body).toContain('Avec plaisir, à samedi.');
    // Someone outside the conversation finds nothing there.
    expect((await page(threadPath!, { session: (await createResident(t.db, 'meylan')).session })).status).toBe(404);

    const reporter = await createResident(t.db, 'meylan');
    const reported = await submit(
      `/annonces/${listingId}/signaler`,
      { reason: 'paid', comment: 'Il demande de l’argent.' },
      { session: reporter.session },
    );
    expect(reported.headers.location).toBe(`/annonces/${listingId}?signale=1`);
    expect((await page(reported.headers.location as string, { session: reporter.session })).body).toContain(
      'votre signalement est transmis',
    );
    expect(
      (
        await t.db.admin.query('SELECT reason FROM listing_reports WHERE listing_id = $1 AND reporter_id = $2', [
          listingId,
          reporter.id,
        ])
      ).rows,
    ).toEqual([{ reason: 'paid' }]);

    const edit = await page(`/mes-annonces/${listingId}/modifier`, { session: author.session });
    expect(edit.body).toContain('Modifier mon annonce');
    expect(edit.body).toContain(`action="/mes-annonces/${listingId}/modifier"`);
    expect((await page(`/mes-annonces/${listingId}/modifier`, { session: neighbour.session })).status).toBe(404);
    const courses = await categoryId(t.db, 'meylan', 'courses');
    const tooShort = await submit(
      `/mes-annonces/${listingId}/modifier`,
      { categoryId: courses, title: 'Oh', description: 'Je vais au marché chaque samedi matin.', mode: 'in_person' },
      { session: author.session },
    );
    expect(tooShort.status).toBe(422);
    expect(tooShort.body).toContain('id="title-erreur"');
    const edited = await submit(
      `/mes-annonces/${listingId}/modifier`,
      {
        categoryId: courses,
        title: 'Courses du samedi matin',
        description: 'Je vais au marché chaque samedi matin.',
        mode: 'both',
      },
      { session: author.session },
    );
    expect(edited.headers.location).toBe('/mes-annonces?fait=modifiee');
    expect((await t.db.admin.query('SELECT title, mode FROM listings WHERE id = $1', [listingId])).rows[0]).toEqual({
      title: 'Courses du samedi matin',
      mode: 'both',
    });

    const closed = await submit(`/mes-annonces/${listingId}/clore`, {}, { session: author.session });
    expect(closed.headers.location).toBe('/mes-annonces?fait=close');
    expect((await page('/mes-annonces?fait=close', { session: author.session })).body).toMatch(/Close<\/strong>/);
    expect((await page(`/annonces/${listingId}`)).status).toBe(404);
  });

  it(
    'lets a moderator reject a held listing with a reason; ' + 'the author sees it refused and is told by e-mail',
    async () => {
      const writer = await createResident(t.db, 'meylan', { displayName: 'Hugo P.' });
      const fields = {
        kind: 'offer',
        categoryId: await categoryId(t.db, 'meylan', 'aide-aux-devoirs'),
        title: "Cours de maths 15€ de l'heure",
        description: 'Collège et lycée, le mercredi après-midi.',
        mode: 'in_person',
        neighbourhood: 'buclos',
      };
      expect((await submit('/annonces/nouvelle', fields, { session: writer.session })).status).toBe(303);

      expect((await page('/moderation', { session: writer.session })).status).toBe(403);
      const moderator = await createResident(t.db, 'meylan', { roles: ['moderator'] });
      const queue = await page('/moderation', { session: moderator.session });
      expect(queue.body).toContain('Cours de maths 15€ de l&#x27;heure');
      expect(queue.body).toContain('prix ou rémunération');
      const id = (await t.db.admin.query('SELECT id FROM listings WHERE author_id = $1', [writer.id])).rows[0].id;
      const noReason = await submit(
        `/moderation/annonces/${id}`,
        { action: 'reject', reason: '' },
        { session: moderator.session },
      );
      expect(noReason.status).toBe(422);
      expect(noReason.body).toContain('motif');
      const decided = await submit(
        `/moderation/annonces/${id}`,
        { action: 'reject', reason: 'Les cours payants ne sont pas acceptés.' },
        { session: moderator.session },
      );
      expect(decided.headers.location).toBe('/moderation?fait=decision');
      expect((await page('/mes-annonces', { session: writer.session })).body).toContain('Refusée');
      const mail = await sink.waitFor((m) => m.to.includes(writer.email));
      expect(mail.text).toContain('Les cours payants ne sont pas acceptés.');
      const journal = await page('/moderation/journal', { session: moderator.session });
      expect(journal.body).toContain('Annonce refusée');
      expect(journal.body).toContain('Les cours payants ne sont pas acceptés.');
      expect((await page('/moderation/journal', { session: writer.session })).status).toBe(403);
    },
  );

  it(
    'saves the profile, the private neighbourhood and the alert preferences from "Mon compte", then deletes the ' +
      'account',
    async () => {
      const me = await createResident(t.db, 'meylan', { displayName: 'Inès K.' });
      const account = await page('/mon-compte', { session: me.session });
      expect(account.status).toBe(200);
      expect(account.body).toContain('value="Inès K."');
      const courses = await categoryId(t.db, 'meylan', 'courses');
      const divers = await categoryId(t.db, 'meylan', 'divers');
      const fields = form({ displayName: 'Inès L.', neighbourhood: 'buclos', mode: 'immediate', radiusM: '2000' });
      const body = `${fields}&categoryIds=${courses}&categoryIds=${divers}`;
      const saved = await t.request({
        method: 'POST',
        url: '/mon-compte',
        session: me.session,
        headers: { ...HTML, 'content-type': 'application/x-www-form-urlencoded' },
        payload: body,
      });
      expect(saved.headers.location).toBe('/mon-compte?fait=enregistre');
      const { rows } = await t.db.admin.query(
        `SELECT a.display_name, a.notify_mode, a.notify_radius_m, cardinality(a.notify_category_ids) AS n, n.slug AS
          hood
       FROM accounts a LEFT JOIN neighbourhoods n ON n.tenant_id = a.tenant_id AND ST_Covers(n.outline, a.location)
         WHERE a.id = $1`,
        [me.id],
      );
      expect(rows[0]).toEqual({
        display_name: 'Inès L.',
        notify_mode: 'immediate',
        notify_radius_m: 2000,
        n: 2,
        hood: 'buclos',
      });
      const shown = await page('/mon-compte?fait=enregistre', { session: me.session });
      expect(shown.body).toContain('Vos préférences sont enregistrées.');
      expect(shown.body).toContain(`value="${courses}" checked`);

      const tooShort = await submit(
        '/mon-compte',
        { displayName: 'I', mode: 'off', radiusM: '1000' },
        { session: me.session },
      );
      expect(tooShort.status).toBe(422);
      expect(tooShort.body).toContain('id="displayName-erreur"');

      const unconfirmed = await submit('/mon-compte/supprimer', {}, { session: me.session });
      expect(unconfirmed.status).toBe(422);
      expect(unconfirmed.body).toContain('id="confirm-erreur"');
      const deleted = await redirected(
        await submit('/mon-compte/supprimer', { confirm: 'oui' }, { session: me.session }),
        '/compte/supprime',
      );
      expect(deleted.body).toContain('Votre compte est supprimé');
      const gone = await t.db.admin.query('SELECT email, display_name FROM accounts WHERE id = $1', [me.id]);
      expect(gone.rows[0]?.email ?? null).toBeNull();
    },
  );

  it('resets a forgotten password through the e-mailed link', async () => {
    const forgetful = await createResident(t.db, 'meylan');
    const asked = await redirected(
      await submit('/mot-de-passe-oublie', { email: forgetful.email }),
      '/mot-de-passe-oublie?envoye=1',
    );
    expect(asked.body).toContain('Vérifiez votre boîte e-mail');
    const mail = await sink.waitFor(
      (m) => m.to.includes(forgetful.email) && m.text.includes('/compte/nouveau-mot-de-passe'),
    );
    const link = new URL(linkIn(mail, '/compte/nouveau-mot-de-passe'));
    const form = await page(`${link.pathname}${link.search}`);
    expect(form.body).toContain(`value="${link.searchParams.get('token')}"`);
    const weak = await submit('/compte/nouveau-mot-de-passe', {
      token: link.searchParams.get('token')!,
      password: 'court',
    });
    expect(weak.status).toBe(422);
    expect(weak.body).toContain('id="password-erreur"');
    const done = await redirected(
      await submit('/compte/nouveau-mot-de-passe', {
        token: link.searchParams.get('token')!,
        password: 'mon nouveau mot de passe',
      }),
      '/compte/nouveau-mot-de-passe?fait=1',
    );
    expect(done.body).toContain('Votre mot de passe est changé');
    expect((await submit('/connexion', { email: forgetful.email, password: 'mon nouveau mot de passe' })).status).toBe(
      303,
    );
    const reused = await submit('/compte/nouveau-mot-de-passe', {
      token: link.searchParams.get('token')!,
      password: 'encore un autre mot de passe',
    });
    expect(reused.body).toContain('Ce lien ne fonctionne plus');
  });

  it.each([
    ['/mentions-legales', 'Mairie de Meylan'],
    ['/conditions-utilisation', "L'entraide est gratuite"],
    ['/donnees-personnelles', 'dpo@meylan.example'],
  ])('serves the legal page %s from the tenant file', async (url, text) => {
    const res = await page(url);
    expect(res.status).toBe(200);
    expect(res.body).toContain(text);
  });

  it('answers a forged unsubscribe link with a branded French page', async () => {
    const res = await page('/unsubscribe/not.a-token');
    expect(res.status).toBe(404);
    expect(res.body).toContain('Lien de désinscription invalide');
    expect(res.body).toContain('href="/assets/theme.css"');
  });

  it(
    "shows administrators the commune's activity as a chart and a table, and saves the categories' choice and " +
      'order',
    async () => {
      const resident = await createResident(t.db, 'meylan');
      expect((await page('/administration', { session: resident.session })).status).toBe(403);
      const admin = await createResident(t.db, 'meylan', { roles: ['admin'] });
      const overview = await page('/administration', { session: admin.session });
      expect(overview.status).toBe(200);
      expect(overview.body).toContain('<svg class="chart"');
      expect(overview.body).toContain('role="img" aria-labelledby="activite-titre activite-desc"');
      expect(overview.body).toMatch(/<rect class="bar-offer"/);
      expect(overview.body).toContain('<caption>Annonces publiées par jour</caption>');

      const { rows } = await t.db.admin.query(
        `SELECT tc.category_id AS id, c.slug FROM tenant_categories tc JOIN categories c ON c.id = tc.category_id
       WHERE tc.tenant_id = $1 ORDER BY tc.position`,
        [await t.db.tenantId('meylan')],
      );
      const reversed = [...rows].reverse();
      const payload = reversed
        .map((r, i) => `categoryId=${r.id}&position=${i}${r.slug === 'divers' ? '' : `&enabled=${r.id}`}`)
        .join('&');
      const saved = await t.request({
        method: 'POST',
        url: '/administration/categories',
        session: admin.session,
        headers: { ...HTML, 'content-type': 'application/x-www-form-urlencoded' },
        payload,
      });
      expect(saved.headers.location).toBe('/administration?fait=categories');
      const home = await page('/');
      const order = [...home.body.matchAll(/href="\/annonces\?category=([a-z-]+)"/g)].map((m) => m[1]);
      expect(order).toEqual(reversed.map((r) => r.slug).filter((s) => s !== 'divers'));
    },
  );

  it('invites a moderator from the administration page; the invitation link makes the account', async () => {
    const admin = await createResident(t.db, 'meylan', { roles: ['admin'] });
    const email = `moderation.${Date.now()}@exemple.fr`;
    const bad = await submit(
      '/administration/equipe',
      { email: 'pas-une-adresse', role: 'moderator' },
      { session: admin.session },
    );
    expect(bad.status).toBe(422);
    expect(bad.body).toContain('id="invite-email-erreur"');
    const sent = await submit('/administration/equipe', { email, role: 'moderator' }, { session: admin.session });
    expect(sent.headers.location).toBe('/administration?fait=invitation');
    expect((await page('/administration', { session: admin.session })).body).toMatch(
      new RegExp(`${email.replace(/\./g, '\\.')}</td><td class="text">modération \\(invitation envoyée\\)`),
    );
    const mail = await sink.waitFor((m) => m.to.includes(email));
    const link = new URL(linkIn(mail, '/invitation'));
    expect((await page(`${link.pathname}${link.search}`)).body).toContain("Rejoindre l'équipe");
    const joined = await submit('/invitation', {
      token: link.searchParams.get('token')!,
      displayName: 'Nadia M.',
      password: 'une phrase de passe solide',
    });
    expect(joined.status).toBe(303);
    expect(joined.headers.location).toBe('/moderation');
    const session = joined.cookies.find((c) => c.name === 'entraide_session')!.value;
    expect((await page('/moderation', { session })).status).toBe(200);
  });

  it("lets the federation's administrator add a category to the shared catalogue", async () => {
    const fed = await createResident(t.db, 'metropole', { roles: ['federation_admin'] });
    const overview = await page('/administration', { host: 'metropole.localhost', session: fed.session });
    expect(overview.body).toContain("Catalogue de l'intercommunalité");
    const added = await submit(
      '/administration/catalogue',
      { name: 'Jardinage', slug: 'jardinage', description: 'Un coup de main au jardin.' },
      { host: 'metropole.localhost', session: fed.session },
    );
    expect(added.headers.location).toBe('/administration?fait=catalogue');
    const again = await submit(
      '/administration/catalogue',
      { name: 'Jardinage', slug: 'jardinage' },
      { host: 'metropole.localhost', session: fed.session },
    );
    expect(again.status).toBe(409);
    expect(again.body).toContain('id="cat-name-erreur"');
    expect(again.body).toContain('le catalogue a déjà la catégorie « Jardinage »');
    const meylanAdmin = await createResident(t.db, 'meylan', { roles: ['admin'] });
    expect((await page('/administration', { session: meylanAdmin.session })).body).not.toContain('Catalogue de l');
  });

  it('sends a signed-in visitor back only to a page of this site', async () => {
    const res = await submit('/connexion', {
      email: author.email,
      password: FACTORY_PASSWORD,
      retour: '//evil.example/x',
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
  });
  it(
    'marks a help found from "Mes annonces", thanks the helper, ' + 'and takes the participants’ private feedback',
    async () => {
      const asker = await createResident(t.db, 'meylan', { displayName: 'Nadia F.' });
      const helper = await createResident(t.db, 'meylan', { displayName: 'Bruno C.' });
      const created = await t.request({
        method: 'POST',
        url: '/api/v1/listings',
        session: asker.session,
        payload: {
          kind: 'request',
          categoryId: await categoryId(t.db, 'meylan', 'courses'),
          title: 'Monter mes courses au 4e',
          description: 'Pas d’ascenseur et un genou fragile.',
          mode: 'in_person',
          location: BUCLOS,
        },
      });
      const id = created.json().id;
      const talk = (
        await t.request({
          method: 'POST',
          url: `/api/v1/listings/${id}/conversations`,
          session: helper.session,
          payload: { message: 'Je peux passer mardi.' },
        })
      ).json();
      const question = await page(`/mes-annonces/${id}/aide-trouvee`, { session: asker.session });
      expect(question.body).toContain('Bruno C.');
      expect((await page(`/mes-annonces/${id}/aide-trouvee`, { session: helper.session })).status).toBe(403);
      const done = await submit(
        `/mes-annonces/${id}/aide-trouvee`,
        { conversationId: talk.conversationId },
        { session: asker.session },
      );
      expect([done.status, done.headers.location]).toEqual([303, '/mes-annonces?fait=aidee']);
      await sink.waitFor((m) => m.to.includes(helper.email) && m.subject.includes('Merci pour votre aide'));
      expect((await page('/mes-annonces', { session: asker.session })).body).toContain(`href="/entraides/${id}/avis"`);

      const empty = await submit(`/entraides/${id}/avis`, {}, { session: helper.session });
      expect(empty.status).toBe(422);
      expect(empty.body).toContain('id="ok-erreur"');
      expect(
        (
          await submit(
            `/entraides/${id}/avis`,
            { ok: 'non', comment: 'Personne au rendez-vous.' },
            { session: helper.session },
          )
        ).status,
      ).toBe(303);
      const twice = await page(`/entraides/${id}/avis`, { session: helper.session });
      expect(twice.body).toContain('une seule fois');
      const { rows } = await t.db.admin.query('SELECT ok, comment FROM listing_feedback WHERE listing_id = $1', [id]);
      expect(rows).toEqual([{ ok: false, comment: 'Personne au rendez-vous.' }]);
    },
  );

  it('lets the town hall edit a relayed resident’s listing, and erase her only once the box is ticked', async () => {
    const agent = await createResident(t.db, 'meylan', { roles: ['resident', 'admin'] });
    const r = (
      await t.request({
        method: 'POST',
        url: '/api/v1/staff/residents',
        session: agent.session,
        payload: { displayName: 'Paulette Morel', location: BUCLOS, consent: { method: 'phone' } },
      })
    ).json();
    const listing = (
      await t.request({
        method: 'POST',
        url: `/api/v1/staff/residents/${r.id}/listings`,
        session: agent.session,
        payload: {
          kind: 'request',
          categoryId: await categoryId(t.db, 'meylan', 'courses'),
          title: 'Courses de Paulette',
          description: 'Du pain et des fruits le vendredi.',
          mode: 'in_person',
          location: BUCLOS,
        },
      })
    ).json();
    expect((await page(`/equipe/residents/${r.id}`, { session: agent.session })).body).toContain(
      `href="/mes-annonces/${listing.id}/modifier"`,
    );
    const edited = await submit(
      `/mes-annonces/${listing.id}/modifier`,
      {
        categoryId: await categoryId(t.db, 'meylan', 'courses'),
        title: 'Courses du vendredi',
        description: 'Du pain et des fruits le vendredi.',
        mode: 'in_person',
      },
      { session: agent.session },
    );
    expect([edited.status, edited.headers.location]).toEqual([303, '/equipe/residents?fait=modifie']);
    const refused = await submit(`/equipe/residents/${r.id}/effacer`, {}, { session: agent.session });
    expect(refused.status).toBe(422);
    expect(refused.body).toContain('cochez la case pour confirmer');
    const erased = await submit(`/equipe/residents/${r.id}/effacer`, { confirm: 'oui' }, { session: agent.session });
    expect([erased.status, erased.headers.location]).toEqual([303, '/equipe/residents?fait=efface']);
    expect((await page(`/equipe/residents/${r.id}`, { session: agent.session })).status).toBe(404);
    expect((await page('/equipe/residents', { session: agent.session })).body).not.toContain('Paulette');
  });
});
