/**
 * `L'Île-d'Yeu` → `l-ile-d-yeu`, « Bricolage & réparations » → `bricolage-reparations`: letters and
 * digits without accents, lower case, runs of anything else as one dash, at most `maxLength`
 * characters and no dash at either end (a DNS label, a URL segment).
 */
export function slugify(text: string, maxLength: number): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/œ/g, 'oe')
    .replace(/æ/g, 'ae')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, maxLength)
    .replace(/-+$/, '');
}
