import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { newToken } from '@src/accounts/tokens';
import { categoryId, createResident, publishListing, ResidentFixture } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

/**
 * Hostile input on every route of the OpenAPI document: whatever the body, ids and query
 * string, and whoever asks, the answer is never a 5xx (and an API refusal is problem+json).
 * The seed is fixed so a failure is reproduced by running the file again; the runs per route
 * are bounded to keep the file within about a minute (FUZZ_RUNS=500 for a longer hunt).
 */
const SEED = 20261206;
const RUNS_PER_ROUTE = Number(process.env.FUZZ_RUNS ?? 40);

const LYON = 'lyon.localhost';
const ORIGIN = `http://${LYON}`;
const LYON_POINT = { lat: 45.7578, lng: 4.8351 };

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type Schema = {
  type?: string;
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  $ref?: string;
  allOf?: Schema[];
  nullable?: boolean;
  example?: unknown;
};
interface Parameter {
  name: string;
  in: 'query' | 'path' | 'header';
  required?: boolean;
  schema?: Schema;
}
interface Operation {
  method: Method;
  path: string;
  parameters: Parameter[];
  body?: Schema;
}
/** `owner`: the author of the listing and manager of the organisation, project and mission whose ids are used. */
type Role = 'anonymous' | 'resident' | 'owner' | 'moderator' | 'admin' | 'federation_admin';

/**
 * Strings that have broken servers: NUL, lone surrogates, dates Date.parse accepts and PostgreSQL refuses, injections,
 * sizes.
 */
const HOSTILE_TEXT = [
  'ab\u0000cd',
  '\u0000',
  '\ud800',
  'a\udfffb',
  'x 1',
  '2026-02-30T00:00:00Z',
  '0000-01-01',
  '0000-01-01T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  '9999-12-31T23:59:59-23:59',
  '2026-12-05T24:00:00+01:00',
  "' OR 1=1 --",
  '"; DROP TABLE listings; --',
  '<script>alert(1)</script>',
  '{{constructor.constructor("return process")()}}',
  '../../../etc/passwd',
  '__proto__',
  '\u202e\u200b\ufeff',
  '𝕍𝕠𝕚𝕤𝕚𝕟',
  '',
  ' ',
  'null',
  'NaN',
  '-1',
  '1e309',
  '9'.repeat(400),
  'é'.repeat(5000),
  '%00',
  '\\u0000',
];
/** Already percent-encoded query and path values, including bytes that are not UTF-8. */
const HOSTILE_ENCODED = [
  'ab%00cd',
  '%00',
  '%FF',
  '%C0%AF',
  '%ED%A0%80',
  '%',
  '%zz',
  '%E2%80%AE',
  'a%20b%2C%2C',
  '..%2F..%2F',
  '-180,-90,180,90',
  '1,2,3',
  'NaN,NaN,NaN,NaN',
  '1e308,1e308,-1e308,-1e308',
  '0,0,0,0',
  '91,181',
  '-0',
  '0x10',
  '1.5',
  '100000000000000000000',
];
const HOSTILE_NUMBERS = [0, -1, -0, 0.5, 1e308, -1e308, 2 ** 53 + 1, 5e-324, 99999999999, 181, -91];

/** Percent-encodes a JS string as UTF-8 bytes (a lone surrogate becomes U+FFFD, as any client would send it). */
const encode = (s: string) =>
  [...Buffer.from(s, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');

const nested = (depth: number, leaf: unknown, wrap: (inner: unknown) => unknown) => {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = wrap(v);
  return v;
};
/**
 * Raw JSON text 2,000 arrays or 5,000 objects deep (built as text: JSON.stringify of such a value is fine, but cheaper
 * this way).
 */
const deepArrays = (n: number) => '['.repeat(n) + ']'.repeat(n);
const deepObjects = (n: number, key = 'a') => `{"${key}":`.repeat(n) + '1' + '}'.repeat(n);

/**
 * Dates and times at the calendar's edges: 30 February, year 0 or 10000, hour 24, offsets past ±15:59 (PostgreSQL's
 * limit).
 */
const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');
const dateLike = fc
  .record({
    y: fc.constantFrom(0, 1, 1969, 2026, 9999, 10000),
    m: fc.constantFrom(0, 1, 2, 12, 13),
    d: fc.constantFrom(0, 1, 28, 29, 30, 31, 32),
    h: fc.constantFrom(0, 23, 24),
    off: fc.constantFrom(0, 1, -1, 15, -15, 16, -23),
    form: fc.constantFrom('date', 'iso', 'pg'),
  })
  .map(({ y, m, d, h, off, form }) => {
    const date = `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
    if (form === 'date') return date;
    const zone = off === 0 ? 'Z' : `${off < 0 ? '-' : '+'}${pad(off)}:59`;
    return `${date}${form === 'iso' ? 'T' : ' '}${pad(h)}:00:00${zone}`;
  });

const hostileString = fc.oneof(
  { weight: 2, arbitrary: dateLike },
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_TEXT) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 300 }) },
);
const hostileScalar = fc.oneof(
  hostileString,
  fc.constantFrom<unknown>(...HOSTILE_NUMBERS, true, false, null),
  fc.double(),
  fc.integer(),
);
const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: hostileScalar },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      nested(40, 1, (v) => [v]),
      nested(40, 1, (v) => ({ a: v })),
      { __proto__: { admin: true } },
      { constructor: { prototype: { x: 1 } } },
      [],
    ),
  },
);

describe('every route of the OpenAPI document under hostile input', () => {
  let t: TestApp;
  let operations: Operation[];
  let schemas: Record<string, Schema>;
  let ids: string[];
  const sessions: Partial<Record<Role, () => Promise<ResidentFixture>>> = {};

  beforeAll(async () => {
    t = await startTestApp();
    const doc = (await t.request({ url: '/api/openapi.json', host: LYON })).json();
    schemas = doc.components.schemas;
    operations = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        method: method.toUpperCase() as Method,
        path,
        parameters: (op.parameters ?? []) as Parameter[],
        body: op.requestBody ? (Object.values(op.requestBody.content)[0] as { schema: Schema }).schema : undefined,
      })),
    );

    // Real ids of this tenant, so hostile bodies reach the services and not only the 404s.
    const author = await createResident(t.db, 'lyon', { displayName: 'Auteur F.' });
    const cuisine = await categoryId(t.db, 'lyon', 'cuisine');
    const listing = await publishListing(
      t,
      author,
      {
        kind: 'offer',
        categoryId: cuisine,
        title: 'Cours de cuisine lyonnaise',
        description: 'Je montre comment faire des quenelles maison.',
        location: LYON_POINT,
      },
      LYON,
    );
    const asker = await createResident(t.db, 'lyon', { displayName: 'Voisine F.' });
    const conversation = await t.request({
      method: 'POST',
      url: `/api/v1/listings/${listing.id}/conversations`,
      host: LYON,
      session: asker.session,
      payload: { message: 'Bonjour, je suis intéressée.' },
    });
    const organisation = await t.request({
      method: 'POST',
      url: '/api/v1/organisations',
      host: LYON,
      session: author.session,
      payload: {
        name: 'Les Bouchons Solidaires',
        kind: 'association',
        description: 'Une association de cuisine entre voisins.',
      },
    });
    const moderator = await createResident(t.db, 'lyon', { roles: ['resident', 'moderator'] });
    await t.request({
      method: 'POST',
      url: `/api/v1/moderation/organisations/${organisation.json().id}/decision`,
      host: LYON,
      session: moderator.session,
      payload: { action: 'approve', reason: 'Association connue' },
    });
    const project = await t.request({
      method: 'POST',
      url: '/api/v1/projects',
      host: LYON,
      session: author.session,
      payload: {
        organisationId: organisation.json().id,
        title: 'Repas de quartier',
        description: 'Un repas partagé chaque mois sur la place.',
        categoryId: cuisine,
        location: LYON_POINT,
        ongoing: true,
      },
    });
    const mission = await t.request({
      method: 'POST',
      url: `/api/v1/projects/${project.json().id}/missions`,
      host: LYON,
      session: author.session,
      payload: { title: 'Installer les tables', when: 'Samedi matin', volunteersNeeded: 3 },
    });
    ids = [
      listing.id,
      conversation.json().conversationId,
      organisation.json().id,
      project.json().id,
      mission.json().id,
      author.id,
      cuisine,
      randomUUID(),
    ];
    expect(ids.every((id) => /^[0-9a-f-]{36}$/.test(id))).toBe(true);

    // The owner gets a fresh session per route, unbanned: a moderation route may have banned them.
    sessions.owner = async () => {
      await t.db.admin.query(`UPDATE accounts SET banned_at = NULL, ban_reason = NULL WHERE id = $1`, [author.id]);
      const { token, hash } = newToken();
      await t.db.admin.query(
        `INSERT INTO sessions (tenant_id, account_id, token_hash, expires_at) VALUES ($1, $2, $3, now() + ` +
          `interval '1 day')`,
        [author.tenantId, author.id, hash],
      );
      return { ...author, session: token };
    };
    // A fresh principal per route: a route that logs out, erases or bans must not spoil the next one.
    const make = (roles: string[]) => () => createResident(t.db, 'lyon', { roles });
    sessions.resident = make(['resident']);
    sessions.moderator = make(['resident', 'moderator']);
    sessions.admin = make(['resident', 'admin']);
    sessions.federation_admin = make(['resident', 'federation_admin']);
  });
  afterAll(() => t.close());

  const resolve = (s: Schema | undefined): Schema => {
    if (!s) return {};
    if (s.$ref) return resolve(schemas[s.$ref.split('/').pop()!]);
    if (s.allOf?.length) return { ...resolve(s.allOf[0]), nullable: s.nullable };
    return s;
  };

  /** A value that follows the schema; unless `clean`, with hostile values mixed in at every level. */
  function valueFor(raw: Schema | undefined, depth = 0, clean = false): fc.Arbitrary<unknown> {
    const s = resolve(raw);
    let fitting: fc.Arbitrary<unknown>;
    if (s.enum) fitting = fc.constantFrom(...s.enum);
    else if (s.type === 'string')
      fitting = fc.oneof(
        fc.constantFrom(
          ...(s.example !== undefined ? [s.example] : []),
          ...ids,
          'Bonjour les voisins',
          'Un coup de main pour le jardin partagé',
          'contact@exemple.fr',
          'https://exemple.fr',
          '2026-12-01',
          '2026-12-05T09:00:00+01:00',
          '06 12 34 56 78',
        ),
        fc.string({ maxLength: 60 }),
        dateLike,
      );
    else if (s.type === 'number')
      fitting = fc.oneof(
        fc.integer({ min: -1000, max: 30000 }),
        fc.double({ min: -200, max: 200, noNaN: true }),
        fc.constantFrom(LYON_POINT.lat, LYON_POINT.lng, 1, 5, 100, 1000),
      );
    else if (s.type === 'boolean') fitting = fc.boolean();
    else if (s.type === 'array') fitting = fc.array(valueFor(s.items, depth + 1, clean), { maxLength: 4 });
    else if (s.properties && depth < 4) {
      const shape = Object.fromEntries(
        Object.entries(s.properties).map(([k, v]) => [k, valueFor(v, depth + 1, clean)]),
      );
      fitting = fc.record(shape, { requiredKeys: (s.required ?? []).filter((k) => k in shape) });
    } else fitting = fc.jsonValue({ maxDepth: 2 });
    if (clean) return fitting;
    return fc.oneof({ weight: 4, arbitrary: fitting }, { weight: 1, arbitrary: depth > 3 ? hostileScalar : anyJson });
  }

  /** An already-encoded query or path value. */
  const encodedValue = (s: Schema | undefined, pathParam: boolean) =>
    fc.oneof(
      { weight: 3, arbitrary: valueFor(s).map((v) => encode(typeof v === 'string' ? v : (JSON.stringify(v) ?? ''))) },
      {
        weight: pathParam ? 4 : 1,
        arbitrary: fc.constantFrom(
          ...(pathParam ? ids : ['1', '20', 'offer', 'cuisine', '45.75,4.83', '4.8,45.7,4.9,45.8']),
        ),
      },
      { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_ENCODED) },
      { weight: 1, arbitrary: hostileString.map(encode) },
    );

  /** Query names every list route understands, sent to routes that document none. */
  const COMMON_QUERY = ['cursor', 'limit', 'from', 'to', 'q', 'kind', 'category'];

  function requestFor(op: Operation) {
    const pathParams = op.parameters.filter((p) => p.in === 'path');
    const queryParams = op.parameters.filter((p) => p.in === 'query');
    const queryNames = queryParams.length
      ? queryParams
      : COMMON_QUERY.map((name) => ({ name, in: 'query' as const, schema: { type: 'string' } }));
    const takesBody = op.method !== 'GET' && op.method !== 'DELETE';
    return fc.record({
      // The owner's account is what the other routes' ids hang on: it is not erased.
      role: fc.constantFrom<Role>(
        ...(op.method === 'DELETE' && op.path === '/api/v1/me' ? [] : ['owner' as const]),
        'anonymous',
        'resident',
        'moderator',
        'admin',
        'federation_admin',
      ),
      path: fc.tuple(...pathParams.map((p) => encodedValue(p.schema, true))),
      query: fc
        .array(fc.constantFrom(...queryNames), { maxLength: 5 })
        .chain((picked) =>
          fc.tuple(
            ...picked.map((p) => encodedValue(p.schema, false).map((v) => `${encodeURIComponent(p.name)}=${v}`)),
          ),
        ),
      body: takesBody
        ? fc.oneof(
            {
              weight: 3,
              arbitrary: (op.body ? valueFor(op.body, 0, true) : anyJson).map((v) => JSON.stringify(v) ?? 'null'),
            },
            { weight: 4, arbitrary: (op.body ? valueFor(op.body) : anyJson).map((v) => JSON.stringify(v) ?? 'null') },
            {
              weight: 1,
              arbitrary: fc.constantFrom(
                deepArrays(2000),
                deepObjects(5000),
                deepObjects(50, 'title'),
                '{"a":',
                '',
                'null',
                '\u0000',
                '{"__proto__":{"roles":["admin"]}}',
              ),
            },
          )
        : fc.constant(undefined),
      idempotencyKey: fc.option(
        fc.constantFrom('cle-essai-1', 'a'.repeat(300), 'é', ' ', '', '"entre guillemets"', randomUUID()),
        { freq: 3 },
      ),
      contentType: fc.oneof(
        { weight: 8, arbitrary: fc.constant('application/json') },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            'application/json; charset=utf-8',
            'application/merge-patch+json',
            'application/vnd.api+json',
            'text/plain',
            'application/x-www-form-urlencoded',
            'image/png',
            'multipart/form-data; boundary=x',
          ),
        },
      ),
    });
  }

  it(
    'answers hostile bodies, ids and query strings on every route, by every role, without a 5xx',
    async () => {
      expect(operations.length).toBeGreaterThan(60);
      const failures: string[] = [];
      for (const [index, op] of operations.entries()) {
        const principals: Partial<Record<Role, ResidentFixture>> = {};
        for (const role of ['resident', 'owner', 'moderator', 'admin', 'federation_admin'] as const)
          principals[role] = await sessions[role]!();
        const result = await fc.check(
          fc.asyncProperty(requestFor(op), async (r) => {
            let i = 0;
            const url =
              op.path.replace(/\{[^}]+\}/g, () => r.path[i++]) + (r.query.length ? `?${r.query.join('&')}` : '');
            const headers: Record<string, string> = {
              host: LYON,
              origin: ORIGIN,
              'x-forwarded-for': `10.9.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`,
            };
            const who = r.role === 'anonymous' ? undefined : principals[r.role];
            if (who) headers.cookie = `entraide_session=${who.session}`;
            if (r.body !== undefined) headers['content-type'] = r.contentType;
            if (r.idempotencyKey !== null) headers['idempotency-key'] = r.idempotencyKey;
            const res = await t.app.inject({ method: op.method, url, headers, payload: r.body });
            const refused =
              res.statusCode >= 500 ||
              (res.statusCode >= 400 &&
                url.startsWith('/api/') &&
                !String(res.headers['content-type']).startsWith('application/problem+json'));
            if (refused)
              throw new Error(
                `${op.method} ${url.slice(0, 300)} as ${r.role} (${r.contentType}) body ` +
                  `${String(r.body).slice(0, 300)} → ${res.statusCode} ${res.body.slice(0, 300)}`,
              );
          }),
          { seed: SEED + index, numRuns: RUNS_PER_ROUTE, endOnFailure: true },
        );
        if (result.failed)
          failures.push((result.errorInstance as Error | undefined)?.message ?? JSON.stringify(result.counterexample));
      }
      expect(failures).toEqual([]);
      // About 20 s alone at 40 runs per route; room for a loaded machine and for longer hunts.
    },
    180_000 * Math.max(1, RUNS_PER_ROUTE / 40),
  );
});

describe('the hostile inputs seen from outside, answered 4xx naming the field', () => {
  let t: TestApp;
  let resident: ResidentFixture;
  let listingId: string;
  let conversationId: string;
  beforeAll(async () => {
    t = await startTestApp();
    resident = await createResident(t.db, 'lyon');
    const author = await createResident(t.db, 'lyon');
    const listing = await publishListing(
      t,
      author,
      {
        kind: 'request',
        categoryId: await categoryId(t.db, 'lyon', 'cuisine'),
        title: 'Aide pour un repas de fête',
        description: 'Je cherche quelqu’un pour m’aider à cuisiner samedi.',
        location: LYON_POINT,
      },
      LYON,
    );
    listingId = listing.id;
    const conversation = await t.request({
      method: 'POST',
      url: `/api/v1/listings/${listingId}/conversations`,
      host: LYON,
      session: resident.session,
      payload: { message: 'Je peux vous aider samedi.' },
    });
    conversationId = conversation.json().conversationId;
  });
  afterAll(() => t.close());

  const raw = (method: 'POST' | 'PATCH', url: string, body: string, contentType = 'application/json') =>
    t.app.inject({
      method,
      url,
      headers: {
        host: LYON,
        origin: ORIGIN,
        cookie: `entraide_session=${resident.session}`,
        'content-type': contentType,
      },
      payload: body,
    });
  const fields = (body: string) => (JSON.parse(body).errors as Array<{ field: string }>).map((e) => e.field);

  it(
    'refuses JSON nested 2,000 arrays or 5,000 objects deep with a 400 naming the body, ' + 'on every JSON route',
    async () => {
      for (const [method, url] of [
        ['POST', '/api/v1/listings'],
        ['PATCH', '/api/v1/me'],
        ['POST', `/api/v1/conversations/${conversationId}/messages`],
        ['POST', '/api/v1/auth/login'],
      ] as const) {
        for (const body of [deepArrays(2000), deepObjects(5000), `{"body":${deepArrays(2000)}}`]) {
          const res = await raw(method, url, body);
          expect({ url, status: res.statusCode, type: res.headers['content-type'] }).toEqual({
            url,
            status: 400,
            type: 'application/problem+json; charset=utf-8',
          });
          expect(JSON.parse(res.body).detail).toBe('Le corps de la requête est trop imbriqué.');
          expect(JSON.parse(res.body).errors).toEqual([
            { field: 'body', message: 'données trop imbriquées (32 niveaux au plus)' },
          ]);
        }
      }
      // 32 levels remain a plain validation matter: the DTO names the field.
      const shallow = await raw(
        'POST',
        `/api/v1/conversations/${conversationId}/messages`,
        JSON.stringify({ body: nested(30, 'x', (v) => [v]) }),
      );
      expect(shallow.statusCode).toBe(422);
      expect(fields(shallow.body)).toEqual(['body']);
    },
  );

  it(
    'covers the JSON media types with a suffix and parameters the same way (refused or capped, ' + 'never a 500)',
    async () => {
      for (const type of [
        'application/json; charset=utf-8',
        'application/merge-patch+json',
        'application/vnd.api+json',
        'application/problem+json',
      ]) {
        const res = await raw('POST', '/api/v1/listings', deepArrays(2000), type);
        expect({ type, status: res.statusCode }).toEqual({
          type,
          status: type.startsWith('application/json') ? 400 : 415,
        });
        expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      }
    },
  );

  it('refuses a search cursor whose date Date.parse accepts but is not a timestamp, naming cursor', async () => {
    const cursors = [
      { o: 'recent', t: 'x 1', id: randomUUID() },
      { o: 'recent', t: '2026-02-30 10:00:00+00', id: randomUUID() },
      { o: 'recent', t: '2026-12-01T10:00:00Z', id: 'pas-un-uuid' },
      { o: 'distance', d: '12', id: randomUUID() },
    ].map((c) => Buffer.from(JSON.stringify(c)).toString('base64url'));
    for (const path of ['/api/v1/listings', '/api/v1/projects', '/api/v1/organisations', '/api/v1/moderation/audit']) {
      for (const cursor of cursors) {
        const res = await t.request({ url: `${path}?cursor=${cursor}`, host: LYON, session: resident.session });
        if (path.includes('moderation')) {
          expect(res.status).toBe(403);
          continue;
        }
        expect({ path, status: res.status }).toEqual({ path, status: 422 });
        expect(fields(res.body)).toEqual(['cursor']);
      }
    }
    // A real cursor still pages.
    const first = await t.request({ url: '/api/v1/listings?limit=1', host: LYON });
    const next = first.json().nextCursor;
    if (next)
      expect((await t.request({ url: `/api/v1/listings?limit=1&cursor=${next}`, host: LYON })).status).toBe(200);
  });

  it(
    'refuses a NUL byte in q with a 400 naming q, ' + 'as problem+json for the API and as a French page for the site',
    async () => {
      const api = await t.request({ url: '/api/v1/listings?q=ab%00cd', host: LYON });
      expect(api.status).toBe(400);
      expect(api.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(api.json().errors).toEqual([{ field: 'q', message: 'caractère nul (U+0000) non accepté' }]);
      expect((await t.request({ url: '/api/v1/projects?q=ab%00cd', host: LYON })).status).toBe(400);

      const page = await t.request({ url: '/annonces?q=ab%00cd', host: LYON, headers: { accept: 'text/html' } });
      expect(page.status).toBe(400);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.body).toContain('Demande incorrecte');
      expect(page.body).toContain('La requête contient des caractères non acceptés.');
      expect(page.body).toContain('<html lang="fr"');
    },
  );

  it('answers a NUL byte in a site form with the French 400 page, and sends nothing', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/annonces/${listingId}/contact`,
      headers: {
        host: LYON,
        origin: ORIGIN,
        accept: 'text/html',
        cookie: `entraide_session=${resident.session}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: 'message=Bonjour%00voisin',
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('Demande incorrecte');
    const thread = await t.request({
      url: `/api/v1/conversations/${conversationId}`,
      host: LYON,
      session: resident.session,
    });
    expect(thread.json().messages).toHaveLength(1);
  });

  it(
    'refuses a NUL byte or a lone surrogate in a message with a 400 naming the field, ' + 'and stores nothing',
    async () => {
      for (const text of ['ab\\u0000cd', '\\ud800', 'fin\\udfff']) {
        const first = await raw('POST', `/api/v1/listings/${listingId}/conversations`, `{"message":"${text}"}`);
        expect({ text, status: first.statusCode }).toEqual({ text, status: 400 });
        expect(fields(first.body)).toEqual(['message']);
        const reply = await raw('POST', `/api/v1/conversations/${conversationId}/messages`, `{"body":"${text}"}`);
        expect({ text, status: reply.statusCode }).toEqual({ text, status: 400 });
        expect(fields(reply.body)).toEqual(['body']);
        const nestedField = await raw(
          'PATCH',
          '/api/v1/me',
          `{"displayName":"Marie","location":{"lat":"${text}","lng":4.8}}`,
        );
        expect(fields(nestedField.body)).toEqual(['location.lat']);
      }
      const thread = await t.request({
        url: `/api/v1/conversations/${conversationId}`,
        host: LYON,
        session: resident.session,
      });
      expect(thread.json().messages).toHaveLength(1);
    },
  );

  it('refuses dates PostgreSQL cannot store (30 February, an offset past ±15:59) naming the field', async () => {
    const admin = await createResident(t.db, 'lyon', { roles: ['resident', 'admin'] });
    const stats = await t.request({ url: '/api/v1/admin/stats?from=2026-02-30', host: LYON, session: admin.session });
    expect(stats.status).toBe(422);
    expect(fields(stats.body)).toEqual(['from']);
    expect(
      (
        await t.request({
          url: '/api/v1/admin/stats?from=2026-11-01&to=2026-11-30',
          host: LYON,
          session: admin.session,
        })
      ).status,
    ).toBe(200);

    const manager = await createResident(t.db, 'lyon');
    const moderator = await createResident(t.db, 'lyon', { roles: ['resident', 'moderator'] });
    const organisation = await t.request({
      method: 'POST',
      url: '/api/v1/organisations',
      host: LYON,
      session: manager.session,
      payload: {
        name: 'Les Voisins du Rhône',
        kind: 'association',
        description: 'Une association de voisins des quais.',
      },
    });
    await t.request({
      method: 'POST',
      url: `/api/v1/moderation/organisations/${organisation.json().id}/decision`,
      host: LYON,
      session: moderator.session,
      payload: { action: 'approve', reason: 'Association connue' },
    });
    const project = await t.request({
      method: 'POST',
      url: '/api/v1/projects',
      host: LYON,
      session: manager.session,
      payload: {
        organisationId: organisation.json().id,
        title: 'Nettoyage des berges',
        description: 'Ramasser les déchets le long du Rhône.',
        categoryId: await categoryId(t.db, 'lyon', 'cuisine'),
        location: LYON_POINT,
        ongoing: true,
      },
    });
    const mission = (startsAt: string) =>
      t.request({
        method: 'POST',
        url: `/api/v1/projects/${project.json().id}/missions`,
        host: LYON,
        session: manager.session,
        payload: { title: 'Porter les sacs', when: 'Samedi matin', volunteersNeeded: 2, startsAt },
      });
    for (const startsAt of ['9999-12-31T23:59:59-23:59', '2026-12-05T09:00:00+16:00', '2026-02-30T09:00:00+01:00']) {
      const res = await mission(startsAt);
      expect({ startsAt, status: res.status }).toEqual({ startsAt, status: 422 });
      expect(fields(res.body)).toEqual(['startsAt']);
    }
    expect((await mission('2026-12-05T09:00:00+01:00')).status).toBe(201);
  });

  it('answers a whole-world bbox with the commune’s points, and a box elsewhere with none', async () => {
    const world = await t.request({ url: '/api/v1/listings.geojson?bbox=-180,-90,180,90', host: LYON });
    expect(world.status).toBe(200);
    expect(world.json().type).toBe('FeatureCollection');
    expect(world.json().features.map((f: { id: string }) => f.id)).toContain(listingId);
    for (const kind of ['offer', 'request', 'project'])
      expect(
        (await t.request({ url: `/api/v1/listings.geojson?bbox=-180,-90,180,90&kind=${kind}`, host: LYON })).status,
      ).toBe(200);
    const elsewhere = await t.request({ url: '/api/v1/listings.geojson?bbox=100,10,101,11', host: LYON });
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.json().features).toEqual([]);
    const backwards = await t.request({ url: '/api/v1/listings.geojson?bbox=5,45,4,46', host: LYON });
    expect(backwards.status).toBe(422);
    expect(fields(backwards.body)).toEqual(['bbox']);
  });

  it("answers hostile query strings on the site's search pages with a page, never a 500", async () => {
    const moderator = await createResident(t.db, 'lyon', { roles: ['resident', 'moderator'] });
    const names = ['q', 'kind', 'category', 'neighbourhood', 'near', 'radius', 'cursor', 'apres', 'limit'];
    const value = fc.oneof(
      fc.constantFrom(...HOSTILE_ENCODED, 'offer', 'project', 'cuisine', '45.75,4.83', '500'),
      hostileString.map(encode),
      dateLike.map(encode),
    );
    for (const [index, path] of [
      '/',
      '/annonces',
      '/carte',
      '/projets',
      '/organisations',
      '/moderation/journal',
      `/annonces/${listingId}`,
    ].entries()) {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.constantFrom(...names), value), { maxLength: 4 }),
          fc.boolean(),
          async (pairs, signedIn) => {
            const url = `${path}?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`;
            const headers: Record<string, string> = { host: LYON, accept: 'text/html' };
            if (signedIn) headers.cookie = `entraide_session=${moderator.session}`;
            const res = await t.app.inject({ method: 'GET', url, headers });
            if (res.statusCode >= 500) throw new Error(`GET ${url} → ${res.statusCode}`);
          },
        ),
        { seed: SEED + 1000 + index, numRuns: 30, endOnFailure: true },
      );
    }
  });

  it('answers a path that does not decode with a problem naming the path', async () => {
    for (const url of ['/api/v1/listings/%zz', '/api/v1/listings/%C0%AF', `/api/v1/listings/${'9'.repeat(300)}`]) {
      const res = await t.app.inject({ method: 'GET', url, headers: { host: LYON } });
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
      expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(fields(res.body)).toEqual(['path']);
    }
  });
});
