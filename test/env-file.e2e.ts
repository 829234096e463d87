import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNode } from './support/commands';
import { testEnv } from './support/test-app';
import { createTestDatabase, TestDatabase } from './support/test-db';

/**
 * After `npm run demo`, the commands of the README run by hand (no variable exported) read the
 * settings the demo wrote to .env; production reads its environment alone.
 */
describe('the development .env file', () => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'entraide-dotenv-'));
    const settings = { ...testEnv(db, { LOG_LEVEL: 'warn' }), NODE_ENV: 'development' };
    // The shape scripts/dev-env.sh writes: KEY='value' lines under a comment.
    const lines = Object.entries(settings).map(([k, v]) => `${k}='${v}'`);
    writeFileSync(join(dir, '.env'), `# Development settings used by npm run demo\n${lines.join('\n')}\n`);
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  });

  it('lets `npm run cli -- staff:invite` run with no variable set, from the settings in .env', async () => {
    const email = `agent.${Date.now()}@example.org`;
    const res = runNode(
      'dist/src/cli.js',
      ['staff:invite', '--tenant', 'meylan', '--email', email, '--role', 'moderator'],
      {},
      30_000,
      dir,
    );
    expect(res.stderr).toBe('');
    expect(res.stdout).toContain(`staff:invite: invitation (moderator) e-mailed to ${email} for meylan\n`);
    expect(res.code).toBe(0);
    const { rows } = await db.admin.query('SELECT count(*)::int AS n FROM outbox_emails WHERE recipient = $1', [email]);
    expect(rows[0].n).toBe(1);
  });

  it('lets migrate run from .env, while a variable set in the environment wins over the file', () => {
    expect(runNode('dist/libs/db/migrate.js', [], {}, 30_000, dir)).toMatchObject({
      code: 0,
      stdout: 'migrations: up to date\n',
    });
    const overridden = runNode(
      'dist/libs/db/migrate.js',
      [],
      { DATABASE_ADMIN_URL: 'postgres://entraide_owner:wrong@127.0.0.1:1/none' },
      30_000,
      dir,
    );
    expect(overridden.code).not.toBe(0);
    expect(overridden.stderr).toMatch(/^migrations failed: /);
  });

  it('is ignored with NODE_ENV=production: the command names the missing setting', () => {
    const res = runNode(
      'dist/src/cli.js',
      ['staff:invite', '--tenant', 'meylan', '--email', 'agent@example.org', '--role', 'moderator'],
      { NODE_ENV: 'production' },
      30_000,
      dir,
    );
    expect(res.code).not.toBe(0);
    expect(res.stderr).toBe('Invalid configuration: DATABASE_URL is missing\n');
    const migrate = runNode('dist/libs/db/migrate.js', [], { NODE_ENV: 'production' }, 30_000, dir);
    expect(migrate.stderr).toBe('Invalid configuration: DATABASE_ADMIN_URL is missing\n');
  });
});
