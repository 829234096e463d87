import { join } from 'node:path';
import { loadTenantCatalogue } from '@src/tenants/tenant-files';
import { PUBLIC_POINT_MIN_M } from '@libs/geo';
import { DEMO_EMAIL_DOMAIN, planDemo, TenantFacts } from './demo-plan';
import { contains } from './sampling';

/** Tenant facts as the loader reads them from the database, built here from the tenant files. */
function facts(slug: string): TenantFacts {
  const catalogue = loadTenantCatalogue(join(__dirname, '..', '..', 'tenants'));
  const t = catalogue.tenants.find((x) => x.slug === slug)!;
  const federation = catalogue.federations.find((f) => f.slug === t.federation)!;
  return {
    id: `tenant-${slug}`,
    slug,
    categories: t.categories.map((c) => ({
      id: `category-${c}`,
      slug: c,
      remote: federation.categories.find((fc) => fc.slug === c)!.remote,
    })),
    neighbourhoods: t.neighbourhoods.map((n) => ({
      id: `hood-${n.slug}`,
      slug: n.slug,
      name: n.name,
      outline: [[n.polygon]],
    })),
    outline: [[t.area]],
    homeOf: catalogue.federations.filter((f) => f.homeTenant === slug).map((f) => ({ slug: f.slug, name: f.name })),
  };
}

describe('demo plan', () => {
  const now = new Date('2026-03-02T10:00:00Z');
  const seyssins = facts('seyssins');
  const plan = planDemo(seyssins, now);

  it('gives the same rows for the same commune on every run', () => {
    expect(planDemo(facts('seyssins'), now)).toEqual(plan);
  });

  it('has a published offer for every (neighbourhood, category) pair and a published request in each of both', () => {
    const published = plan.listings.filter((l) => l.status === 'published');
    for (const n of seyssins.neighbourhoods)
      for (const c of seyssins.categories)
        expect(
          published.some((l) => l.kind === 'offer' && l.neighbourhoodSlug === n.slug && l.categoryId === c.id),
        ).toBe(true);
    for (const n of seyssins.neighbourhoods)
      expect(published.some((l) => l.kind === 'request' && l.neighbourhoodSlug === n.slug)).toBe(true);
    for (const c of seyssins.categories)
      expect(published.some((l) => l.kind === 'request' && l.categoryId === c.id)).toBe(true);
  });

  it(
    'draws each point inside its neighbourhood, puts the public one 100 m away or more inside the commune, and ' +
      'gives remote help no radius',
    () => {
      const metres = (a: { lat: number; lng: number }, b: { lat: number; lng: number }) =>
        Math.hypot((b.lat - a.lat) * 111_195, (b.lng - a.lng) * 111_195 * Math.cos((a.lat * Math.PI) / 180));
      for (const l of plan.listings) {
        expect(contains(seyssins.neighbourhoods.find((n) => n.slug === l.neighbourhoodSlug)!.outline, l.location)).toBe(
          true,
        );
        expect(metres(l.location, l.publicLocation)).toBeGreaterThanOrEqual(PUBLIC_POINT_MIN_M);
        expect(contains(seyssins.outline!, l.publicLocation)).toBe(true);
        expect(l.radiusM === null).toBe(l.mode === 'remote');
        if (l.radiusM !== null) expect(l.radiusM).toBeGreaterThanOrEqual(500);
        expect(
          seyssins.categories.find((c) => c.id === l.categoryId)!.remote ? l.mode !== 'in_person' : l.mode !== 'remote',
        ).toBe(true);
        expect(l.title).not.toMatch(/[{}]/);
        expect(l.description).not.toMatch(/[{}]/);
      }
    },
  );

  it('names residents "Prénom I." and gives them addresses on the reserved demo domain only', () => {
    for (const a of plan.accounts) {
      expect(a.displayName).toMatch(/^\p{Lu}[\p{L}-]+ \p{Lu}\.$/u);
      expect(a.email.endsWith(`${DEMO_EMAIL_DOMAIN}`)).toBe(true);
    }
    expect(new Set(plan.accounts.map((a) => a.email)).size).toBe(plan.accounts.length);
  });
});
