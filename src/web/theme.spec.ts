import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { contrast, darkenFor, textOn, themeVariables } from './theme';

const TENANTS = join(__dirname, '..', '..', 'tenants');
const themes = readdirSync(TENANTS)
  .filter((f) => f.endsWith('.yaml') && !f.startsWith('_'))
  .map((f) => parse(readFileSync(join(TENANTS, f), 'utf8')))
  .filter((t) => t.theme)
  .map((t) => [t.slug as string, t.theme] as const);

describe('theme colours', () => {
  it('computes the WCAG contrast ratio', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
  });

  it('darkens a light colour until it reads on white, and keeps a dark one', () => {
    expect(contrast(darkenFor('#ffcc00', 4.5), '#ffffff')).toBeGreaterThanOrEqual(4.5);
    expect(darkenFor('#1f5d8c', 4.5)).toBe('#1f5d8c');
    expect(textOn('#ffcc00')).toBe('#1e1e1e');
    expect(textOn('#1f5d8c')).toBe('#ffffff');
  });

  it.each(themes)('gives %s text pairs of at least 4.5:1 and a focus ring of at least 3:1', (_slug, theme) => {
    const v = themeVariables(theme);
    expect(contrast(v['--primary'], v['--on-primary'])).toBeGreaterThanOrEqual(4.5);
    expect(contrast(v['--accent'], v['--on-accent'])).toBeGreaterThanOrEqual(4.5);
    expect(contrast(v['--link'], '#ffffff')).toBeGreaterThanOrEqual(4.5);
    expect(contrast(v['--link'], '#f3f3f3')).toBeGreaterThanOrEqual(4.5);
    expect(contrast(v['--focus'], '#ffffff')).toBeGreaterThanOrEqual(3);
  });

  it('covers every tenant file', () => {
    expect(themes.map(([slug]) => slug).sort()).toEqual(['grenoble', 'lyon', 'metropole', 'meylan', 'seyssins']);
  });
});
