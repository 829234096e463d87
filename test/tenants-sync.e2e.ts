import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { ROOT, runNode } from './support/commands';
import { startTestApp, TestApp } from './support/test-app';

/** Every row the sync may touch, with its timestamps, so "no change" means no write at all. */
async function snapshot(t: TestApp): Promise<string> {
  const tables = [
    'federations',
    'tenants',
    'categories',
    'tenant_domains',
    'tenant_categories',
    'tenant_areas',
    'neighbourhoods',
    'typeorm_migrations',
  ];
  const parts: string[] = [];
  for (const table of tables) {
    const { rows } = await t.db.admin.query(
      `SELECT coalesce(json_agg(x ORDER BY x::text), '[]')::text AS j FROM ${table} x`,
    );
    parts.push(`${table}:${rows[0].j}`);
  }
  return parts.join('\n');
}

describe('migrate and tenants:sync', () => {
  let t: TestApp;
  let dir: string;
  const adminEnv = () => ({ DATABASE_ADMIN_URL: t.db.adminUrl, TENANTS_DIR: dir });
  const edit = (file: string, change: (text: string) => string) =>
    writeFileSync(join(dir, file), change(readFileSync(join(dir, file), 'utf8')));

  beforeAll(async () => {
    t = await startTestApp();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'entraide-tenants-'));
    cpSync(join(ROOT, 'tenants'), dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  afterAll(() => t.close());

  it('changes nothing when migrate and tenants:sync run again', async () => {
    const before = await snapshot(t);
    const migrate = runNode('dist/libs/db/migrate.js', [], adminEnv());
    expect(migrate).toMatchObject({ code: 0, stdout: 'migrations: up to date\n' });
    const sync = runNode('dist/src/cli.js', ['tenants:sync'], adminEnv());
    expect(sync.code).toBe(0);
    expect(sync.stdout).toMatch(/^tenants: up to date/);
    expect(await snapshot(t)).toBe(before);
  });

  it('rejects a malformed file with one line naming the file and the field, and writes nothing', async () => {
    const before = await snapshot(t);
    edit('grenoble.yaml', (s) => s.replace(/^siteName: .*$/m, 'siteName: "Un autre nom"'));
    edit('meylan.yaml', (s) => s.replace(/primary: "#[0-9a-fA-F]{6}"/, 'primary: "bleu"'));
    const res = runNode('dist/src/cli.js', ['tenants:sync'], adminEnv());
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/meylan\.yaml: theme\.primary: /);
    expect(await snapshot(t)).toBe(before);
  });

  it('rolls back every tenant when a later file fails its geometry check', async () => {
    const before = await snapshot(t);
    // grenoble is applied before meylan; meylan's first neighbourhood is moved out of its commune.
    edit('grenoble.yaml', (s) => s.replace(/^siteName: .*$/m, 'siteName: "Un autre nom"'));
    edit('meylan.yaml', (s) => {
      const doc = parseYaml(s);
      doc.neighbourhoods[0].polygon = [
        [4.8, 45.7],
        [4.81, 45.7],
        [4.81, 45.71],
        [4.8, 45.7],
      ];
      return stringifyYaml(doc);
    });
    const res = runNode('dist/src/cli.js', ['tenants:sync'], adminEnv());
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/meylan\.yaml: neighbourhoods\.0/);
    expect(await snapshot(t)).toBe(before);
  });

  it('applies a change, and the running API serves a new domain without a restart', async () => {
    edit('meylan.yaml', (s) =>
      s
        .replace(/^domains: \[(.*)\]$/m, 'domains: [$1, nouveau-meylan.localhost]')
        .replace(/^siteName: .*$/m, 'siteName: "Entraide à Meylan"'),
    );
    expect((await t.request({ url: '/api/v1/tenant', host: 'nouveau-meylan.localhost' })).status).toBe(404);
    const res = runNode('dist/src/cli.js', ['tenants:sync'], adminEnv());
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^tenants: \d+ rows changed/);
    let status = 404;
    for (let i = 0; i < 50 && status === 404; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await t.request({ url: '/api/v1/tenant', host: 'nouveau-meylan.localhost' })).status;
    }
    expect(status).toBe(200);
    expect((await t.request({ url: '/api/v1/tenant', host: 'nouveau-meylan.localhost' })).json().siteName).toBe(
      'Entraide à Meylan',
    );
  });

  it('refuses a domain claimed by two tenants', () => {
    edit('seyssins.yaml', (s) => s.replace(/^domains: \[(.*)\]$/m, 'domains: [$1, meylan.localhost]'));
    const res = runNode('dist/src/cli.js', ['tenants:sync'], adminEnv());
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/seyssins\.yaml: domains\.\d+: "meylan\.localhost" already belongs to meylan/);
  });
});
