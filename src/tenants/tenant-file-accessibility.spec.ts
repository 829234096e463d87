import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTenantCatalogue } from './tenant-files';
import { phoneHref } from './tenant-file.schema';

/** The tenant files' accessibility statement, town-hall phone and host: defaults, and errors naming file and field. */
describe('tenant files: accessibility, phone and host', () => {
  let dir: string;
  const edit = (file: string, change: (text: string) => string) =>
    writeFileSync(join(dir, file), change(readFileSync(join(dir, file), 'utf8')));
  const load = () => loadTenantCatalogue(dir);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'entraide-tenant-files-'));
    cpSync(join(__dirname, '..', '..', 'tenants'), dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the statement, the phone and the host, and defaults a file without them to « non conforme »', () => {
    const bySlug = new Map(load().tenants.map((t) => [t.slug, t]));
    expect(bySlug.get('lyon')).toMatchObject({
      contact: { phone: '04 99 00 10 30' },
      accessibility: { status: 'partial', auditDate: '2026-11-30', rate: 87.5 },
      host: { name: 'Hébergeur Exemple SAS' },
    });
    edit('grenoble.yaml', (s) => s.replace(/^accessibility:[\s\S]*?(?=^organisations:)/m, ''));
    expect(load().tenants.find((t) => t.slug === 'grenoble')?.accessibility).toEqual({
      status: 'none',
      nonCompliances: [],
    });
    expect(phoneHref('04 99 00 10 30')).toBe('tel:+33499001030');
  });

  it.each([
    [
      'a phone that is not French',
      (s: string) => s.replace('phone: "04 99 00 10 30"', 'phone: "555-1234"'),
      'contact.phone',
    ],
    [
      'a conformance claim without its audit date',
      (s: string) => s.replace(/^ {2}auditDate: .*\n/m, ''),
      'accessibility.auditDate',
    ],
    [
      'an audit on a day that does not exist',
      (s: string) => s.replace('"2026-11-30"', '"2026-02-30"'),
      'accessibility.auditDate',
    ],
    ['an unknown level', (s: string) => s.replace('status: partial', 'status: presque'), 'accessibility.status'],
    ['a host without an address', (s: string) => s.replace(/, address: "[^"]*"/, ''), 'host.address'],
  ])('refuses %s, naming the file and the field', (_what, change, field) => {
    edit('lyon.yaml', change);
    expect(load).toThrow(new RegExp(`lyon\\.yaml: ${field.replace('.', '\\.')}: `));
  });
});
