import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const SRC = join(__dirname, '..');
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );

/** The shape of the alerts pipeline: one copy of the machinery, sources outside it, an outbox that asks them. */
describe('one alerts pipeline', () => {
  it('has no second copy of the machinery', () => {
    expect(existsSync(join(SRC, 'matching')) ? files(join(SRC, 'matching')) : []).toEqual([]);
    expect(files(SRC).filter((f) => /mission-matching|matching\.(service|repository|processor)/.test(f))).toEqual([]);
  });

  it('writes the alert policy defaults nowhere but the tenant file schema', () => {
    const literal = /\b(cap|dailyCap|digestHour)\s*:\s*\d+\s*,\s*(dailyCap|digestHour)\s*:/;
    expect(files(SRC).filter((f) => !f.endsWith('.spec.ts') && literal.test(readFileSync(f, 'utf8')))).toEqual([]);
  });

  it('knows no source in src/alerts, and the outbox reads no source table to decide whether a mail leaves', () => {
    const readsSources =
      /\b(FROM|JOIN|UPDATE)\s+(listings|missions|projects)\b|from '\.\.\/(listings|organisations|staff)\//;
    expect(
      files(join(SRC, 'alerts')).filter((f) => !f.endsWith('.spec.ts') && readsSources.test(readFileSync(f, 'utf8'))),
    ).toEqual([]);
    expect(
      files(join(SRC, 'notifications')).filter((f) => /\b(listings|missions)\b/.test(readFileSync(f, 'utf8'))),
    ).toEqual([]);
  });
});
