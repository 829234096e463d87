import { suppress } from '@src/stats/stats.service';
import { categoryId, createResident } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

/**
 * The public figures against a scenario written straight to the database in a past month
 * (September 2026, Paris time), so that nothing else the tests create falls in it.
 */
describe('public figures: /api/v1/stats and its CSV', () => {
  let t: TestApp;
  let meylan: string;
  let grenoble: string;

  beforeAll(async () => {
    t = await startTestApp();
    meylan = await t.db.tenantId('meylan');
    grenoble = await t.db.tenantId('grenoble');
    const courses = await categoryId(t.db, 'meylan', 'courses');
    const devoirs = await categoryId(t.db, 'meylan', 'aide-aux-devoirs');
    const author = await createResident(t.db, 'meylan');
    const neighbour = await createResident(t.db, 'meylan');
    const gAuthor = await createResident(t.db, 'grenoble');
    const gCourses = await categoryId(t.db, 'grenoble', 'courses');
    /**
     * `n` published listings of a kind in a category, created at `at`; `fulfilled` of them fulfilled at `fulfilledAt`,
     * `talked` with a conversation.
     */
    const seed = async (
      tenantId: string,
      authorId: string,
      category: string,
      kind: string,
      n: number,
      at: string,
      opts: { fulfilled?: number; talked?: number; fulfilledAt?: string; status?: string } = {},
    ) => {
      const { rows } = await t.db.admin.query(
        `INSERT INTO listings (tenant_id, author_id, kind, category_id, title, description, mode, location,
          public_location, radius_m, status, created_at, published_at, fulfilled_at)
         SELECT $1, $2, $3, $4, 'Annonce de ' || $3 || ' ' || g, 'Une annonce pour les chiffres publics.', 'in_person',
                ST_PointOnSurface(ta.outline::geometry)::geography,
                  ST_PointOnSurface(ta.outline::geometry)::geography, 1000,
                CASE WHEN g <= $7 THEN 'fulfilled' ELSE $9 END, $6::timestamptz, $6::timestamptz, CASE WHEN g <= $7
                  THEN $8::timestamptz END
         FROM generate_series(1, $5) g, tenant_areas ta WHERE ta.tenant_id = $1 RETURNING id`,
        [
          tenantId,
          authorId,
          kind,
          category,
          n,
          at,
          opts.fulfilled ?? 0,
          opts.fulfilledAt ?? at,
          opts.status ?? 'published',
        ],
      );
      for (const r of rows.slice(0, opts.talked ?? 0)) {
        await t.db.admin.query(
          `INSERT INTO conversations (tenant_id, listing_id, author_id, starter_id, created_at) VALUES ($1, $2, ` +
            `$3, $4, $5)`,
          [tenantId, r.id, authorId, neighbour.id, at],
        );
      }
    };
    // Meylan, September 2026: courses 7 offers (5 fulfilled, 6 talked), 3 requests; homework 12 requests.
    await seed(meylan, author.id, courses, 'offer', 7, '2026-09-10T10:00:00+02:00', { fulfilled: 5, talked: 6 });
    await seed(meylan, author.id, courses, 'request', 3, '2026-09-12T10:00:00+02:00');
    await seed(meylan, author.id, devoirs, 'request', 12, '2026-09-20T10:00:00+02:00', { status: 'expired' });
    // 30 September 23:30 in Paris is still September there (21:30 UTC).
    await seed(meylan, author.id, devoirs, 'offer', 5, '2026-09-30T23:30:00+02:00');
    // Grenoble, September 2026: 9 courses offers.
    await seed(grenoble, gAuthor.id, gCourses, 'offer', 9, '2026-09-15T10:00:00+02:00');
  });
  afterAll(() => t.close());

  const september = (items: any[]) => items.filter((i) => i.month === '2026-09');

  it(
    'counts offers, requests, ' + 'conversations and fulfilled help per month and category, suppressing cells under 5',
    async () => {
      const res = await t.request({ url: '/api/v1/stats' });
      expect(res.status).toBe(200);
      const f = res.json();
      expect(f).toMatchObject({ site: 'meylan', suppressedBelow: 5 });
      expect(september(f.items)).toEqual([
        {
          month: '2026-09',
          category: { slug: 'aide-aux-devoirs', name: expect.any(String) },
          offers: 5,
          requests: 12,
          conversations: 0,
          fulfilled: 0,
        },
        // 3 requests: suppressed (null), as is nothing else.
        {
          month: '2026-09',
          category: { slug: 'courses', name: expect.any(String) },
          offers: 7,
          requests: null,
          conversations: 6,
          fulfilled: 5,
        },
      ]);
      expect(f.communes).toBeUndefined();
      expect([0, 1, 4, 5, 12].map(suppress)).toEqual([0, null, null, 5, 12]);
    },
  );

  it('serves the same figures as CSV with a header, parseable as RFC 4180', async () => {
    const res = await t.request({ url: '/api/v1/stats.csv' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8; header=present');
    const lines = res.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'commune,mois,categorie,categorie_libelle,offres,demandes,mises_en_relation,entraides_realisees',
    );
    const rows = lines.slice(1).map((l) => parseCsvLine(l));
    expect(rows.every((r) => r.length === 8)).toBe(true);
    const courses = rows.find((r) => r[1] === '2026-09' && r[2] === 'courses')!;
    expect(courses).toEqual(['meylan', '2026-09', 'courses', expect.any(String), '7', '', '6', '5']);
  });

  it('adds a breakdown per commune on the federation’s home site', async () => {
    const f = (await t.request({ url: '/api/v1/stats', host: 'metropole.localhost' })).json();
    expect(f.federation).toMatchObject({ slug: expect.any(String) });
    expect(f.communes.map((c: { slug: string }) => c.slug).sort()).toEqual([
      'grenoble',
      'metropole',
      'meylan',
      'seyssins',
    ]);
    const g = f.communes.find((c: { slug: string }) => c.slug === 'grenoble');
    expect(september(g.items)).toEqual([
      {
        month: '2026-09',
        category: { slug: 'courses', name: expect.any(String) },
        offers: 9,
        requests: 0,
        conversations: 0,
        fulfilled: 0,
      },
    ]);
    const csv = (await t.request({ url: '/api/v1/stats.csv', host: 'metropole.localhost' })).body;
    expect(csv).toContain('\r\ngrenoble,2026-09,courses,');
    expect(csv).toContain('\r\nmeylan,2026-09,courses,');
    // Lyon is alone in its federation: its own figures, no breakdown.
    expect((await t.request({ url: '/api/v1/stats', host: 'lyon.localhost' })).json().communes).toBeUndefined();
  });

  it('shows them on the "Chiffres" page, as a chart with the table beside it', async () => {
    const res = await t.request({ url: '/chiffres', headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.body).toContain('<svg');
    expect(res.body).toMatch(/role="img"/);
    expect(res.body).toContain('<caption>septembre 2026</caption>');
    expect(res.body).toContain('moins de 5');
  });

  it('names each month’s table after its commune on the federation’s page: no two regions share a name', async () => {
    const res = await t.request({ url: '/chiffres', host: 'metropole.localhost', headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    const regions = [...res.body.matchAll(/role="region" aria-label="([^"]+)"/g)].map((m) => m[1]);
    // Grenoble and Meylan both have September: one table each, told apart by the commune.
    expect(regions).toEqual(expect.arrayContaining(['septembre 2026, Grenoble', 'septembre 2026, Meylan']));
    expect(new Set(regions).size).toBe(regions.length);
  });
});

/** One RFC 4180 line (no line breaks inside fields in this data). */
function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}
