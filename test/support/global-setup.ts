import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { pgUrl, TEST_PG } from './env';
import { cloneDatabase, dropDatabase, withMaintenance } from './pg-admin';

const root = join(__dirname, '..', '..');

/**
 * Once per run: copy the pristine test database (extensions only), apply the migrations
 * and sync the tenant files with the real commands, and leave it as the template every
 * test file clones its own database from.
 */
export default async function globalSetup(): Promise<void> {
  if (!existsSync(join(root, 'dist', 'libs', 'db', 'migrate.js'))) {
    execFileSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
  }
  const template = `entraide_tpl_${process.pid}`;
  await withMaintenance(async (c) => {
    await dropLeftovers(c);
    await cloneDatabase(c, template, TEST_PG.pristine);
  });
  const env = {
    ...process.env,
    DATABASE_ADMIN_URL: pgUrl('owner', template),
    TENANTS_DIR: join(root, 'tenants'),
    NODE_ENV: 'test',
  };
  execFileSync('node', ['dist/libs/db/migrate.js'], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync('node', ['dist/src/cli.js', 'tenants:sync'], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
  process.env.ENTRAIDE_TEST_TEMPLATE = template;
}

/** Databases of runs that were killed before their teardown. */
async function dropLeftovers(c: Client): Promise<void> {
  const { rows } = await c.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname ~ '^entraide_(tpl|t)_[0-9]+' AND NOT datistemplate`,
  );
  for (const { datname } of rows) {
    const pid = Number(datname.split('_')[2]);
    if (!processAlive(pid)) await dropDatabase(c, datname);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
