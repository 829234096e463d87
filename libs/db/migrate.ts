import { join } from 'node:path';
import { loadAdminConfig, loadDevelopmentEnvFile, orExit } from '@libs/config';
import { createDataSource } from './database';

/** Applies pending migrations as the owner role; running it twice is harmless. */
export async function migrate(adminUrl: string, log: (line: string) => void = () => undefined): Promise<string[]> {
  const ds = createDataSource(adminUrl, {
    poolSize: 1,
    migrations: [join(__dirname, '..', '..', 'migrations', '[0-9]*.js')],
    applicationName: 'entraide-migrate',
  });
  await ds.initialize();
  try {
    const applied = await ds.runMigrations({ transaction: 'each' });
    for (const m of applied) log(`applied ${m.name}`);
    return applied.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}

if (require.main === module) {
  loadDevelopmentEnvFile();
  const config = orExit(() => loadAdminConfig());
  migrate(config.databaseAdminUrl, (l) => process.stdout.write(`${l}\n`))
    .then((applied) => {
      process.stdout.write(applied.length ? `migrations: ${applied.length} applied\n` : 'migrations: up to date\n');
    })
    .catch((err: Error) => {
      process.stderr.write(`migrations failed: ${err.message}\n`);
      process.exit(1);
    });
}
