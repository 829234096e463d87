import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '..', '..');

/**
 * Files still calling a driver's `query()` (which answers `any`) and why. Everything else reads
 * rows through `rows<Row>()` / `firstRow<Row>()` / `execute()` (libs/db) or TypeORM's entity
 * methods, so every row that enters the program has a type the compiler checks.
 */
const ALLOWED: Record<string, string> = {
  'libs/db/database.ts': 'the one door: rows(), execute() and the batches are built on the driver',
  'src/tenants/tenant-directory.service.ts': 'LISTEN on a dedicated pg client, no rows',
  'libs/db/replica.ts': "the standby monitor's own two clients, rows typed by pg's query<Row>()",
  'src/tenants/tenants.repository.ts':
    "the directory's lookups on its own two connections, rows typed by pg's query<Row>()",
  'src/listings/listings-reorder.ts':
    "listings:reorder's superuser client beside pg_repack: a check typed by pg's query<Row>(), then VACUUM",
  'dev/oidc-provider/demo-identity.ts': "the demo's one UPDATE of the tenants' settings as the owner role, no rows",
};

function sources(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(join(root, dir), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('typed rows', () => {
  it('reads rows through typed helpers only: no raw query() answering any', () => {
    const offenders = ['src', 'libs', 'dev']
      .flatMap(sources)
      .filter((file) => !Object.keys(ALLOWED).some((a) => file === a || file.startsWith(`${a}/`)))
      .filter((file) => /\.query\s*[<(]/.test(readFileSync(join(root, file), 'utf8')))
      .map((file) => relative(root, join(root, file)));
    expect(offenders).toEqual([]);
  });
});
