import 'reflect-metadata';
import { resolve } from 'node:path';
import { loadAdminConfig, orExit } from '../libs/config';
import { createDataSource } from '../libs/db';
import { loadTenantCatalogue, TenantFileError } from './tenants/tenant-files';
import { syncTenants } from './tenants/tenants-sync';

/** Operator commands: `npm run cli -- <command> [options]`. */
const commands: Record<string, (args: string[]) => Promise<void>> = {
  'tenants:sync': async () => {
    const config = orExit(() => loadAdminConfig());
    const catalogue = loadTenantCatalogue(resolve(config.tenantsDir));
    const ds = createDataSource(config.databaseAdminUrl, { poolSize: 1, applicationName: 'entraide-tenants-sync' });
    await ds.initialize();
    try {
      const report = await syncTenants(ds, catalogue);
      process.stdout.write(
        report.changes ? `tenants: ${report.changes} rows changed (${report.tenants.join(', ')})\n` : `tenants: up to date (${report.tenants.join(', ')})\n`,
      );
    } finally {
      await ds.destroy();
    }
  },
};

async function main(argv: string[]): Promise<void> {
  const [name, ...args] = argv;
  const command = name ? commands[name] : undefined;
  if (!command) {
    process.stderr.write(`usage: npm run cli -- <${Object.keys(commands).join('|')}> [options]\n`);
    process.exit(2);
  }
  await command(args);
}

main(process.argv.slice(2)).catch((err: Error) => {
  const line = err instanceof TenantFileError ? err.message : `${err.message}`;
  process.stderr.write(`${process.argv[2]} failed: ${line}\n`);
  process.exit(1);
});
