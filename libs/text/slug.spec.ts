import { slugify } from './slug';

describe('slugify', () => {
  it('keeps letters and digits without accents, one dash between words, none at the ends', () => {
    expect(slugify("L'Île-d'Yeu", 50)).toBe('l-ile-d-yeu');
    expect(slugify('  Bricolage & réparations !', 56)).toBe('bricolage-reparations');
    expect(slugify('Cœur de ville, Æ', 56)).toBe('coeur-de-ville-ae');
  });

  it('cuts at the length and drops a dash left at the cut', () => {
    expect(slugify('Saint-Martin-de-la-Grande-Rivière', 13)).toBe('saint-martin');
  });
});
