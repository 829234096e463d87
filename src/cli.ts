import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadAdminConfig, loadConfig, loadDevelopmentEnvFile, orExit } from '@libs/config';
import { createDataSource } from '@libs/db';
import { createLogger, PinoNestLogger } from '@libs/logging';
import { AccountsService } from './accounts/accounts.service';
import { CliModule } from './cli.module';
import { TenantsService } from './tenants/tenants.service';
import { TenantDirectory } from './tenants/tenant-directory.service';
import { loadTenantCatalogue, TenantFileError } from './tenants/tenant-files';
import { syncTenants } from './tenants/tenants-sync';
import { CommuneDataError, loadCommuneData } from './tenants/communes/commune-data';
import { importCommunes } from './tenants/communes/communes-import';

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
        report.changes
          ? `tenants: ${report.changes} rows changed (${report.tenants.join(', ')})\n`
          : `tenants: up to date (${report.tenants.join(', ')})\n`,
      );
    } finally {
      await ds.destroy();
    }
  },
  'communes:import': async (argv) => {
    const { values } = parseArgs({ args: argv, options: { from: { type: 'string' } } });
    const config = orExit(() => loadAdminConfig());
    const started = Date.now();
    const data = loadCommuneData(values.from && resolve(values.from));
    const catalogue = loadTenantCatalogue(resolve(config.tenantsDir));
    const ds = createDataSource(config.databaseAdminUrl, { poolSize: 1, applicationName: 'entraide-communes-import' });
    await ds.initialize();
    try {
      const r = await importCommunes(ds, data, catalogue);
      const lines = [
        `communes: ${r.communes} current communes, ${r.created} tenants created, ${r.updated} updated; ` +
          `federations: ${r.federationsCreated} created, ${r.federationsUpdated} updated ` +
          `(${((Date.now() - started) / 1000).toFixed(1)} s)`,
        ...r.renamed.map((x) => `renamed: ${x}`),
        ...r.mergesApplied.map((x) => `merged (dormant, applied): ${x}`),
        ...r.mergesProposed.map((x) => `proposed (open, not applied): ${x}`),
        ...r.vanished.map((x) => `no longer in the code (kept): ${x}`),
        ...r.notSynced.map((x) => `linked by a tenant file not synced yet (run tenants:sync): ${x}`),
      ];
      process.stdout.write(lines.join('\n') + '\n');
    } finally {
      await ds.destroy();
    }
  },
  'staff:invite': async (argv) => {
    const usage =
      'usage: npm run cli -- staff:invite (--tenant SLUG | --federation SLUG) --email E --role moderator|admin';
    const { values } = parseArgs({
      args: argv,
      options: {
        tenant: { type: 'string' },
        federation: { type: 'string' },
        email: { type: 'string' },
        role: { type: 'string' },
      },
    });
    if (
      !values.email ||
      !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(values.email) ||
      Boolean(values.tenant) === Boolean(values.federation)
    )
      throw new UsageError(usage);
    if (values.tenant && values.role !== 'moderator' && values.role !== 'admin') throw new UsageError(usage);
    if (values.federation && values.role && values.role !== 'admin')
      throw new UsageError('--federation invites an inter-commune administrator: --role admin (or no --role)');
    const config = orExit(() => loadConfig());
    const app = await NestFactory.createApplicationContext(CliModule.forRoot(config), {
      logger: new PinoNestLogger(createLogger('warn', 'entraide-cli')),
    });
    try {
      const directory = app.get(TenantDirectory);
      const tenants = app.get(TenantsService);
      let tenantSlug = values.tenant;
      let scopeName: string;
      if (values.federation) {
        const home = await tenants.federationHome(values.federation);
        if (!home) throw new UsageError(`unknown federation ${values.federation}`);
        tenantSlug = home.homeTenantSlug;
        scopeName = home.name;
      }
      const ref = directory.bySlugOrUndefined(tenantSlug!);
      if (!ref) throw new UsageError(`unknown tenant ${tenantSlug}`);
      scopeName ??= (await tenants.get(ref)).name;
      const role = values.federation ? 'federation_admin' : (values.role as 'moderator' | 'admin');
      await app.get(AccountsService).invite(ref, values.email, role, scopeName);
      process.stdout.write(`staff:invite: invitation (${role}) e-mailed to ${values.email} for ${ref.slug}\n`);
    } finally {
      await app.close();
    }
  },
};

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  // In development, the settings `npm run demo` used (its .env), so the commands reach the demo's database.
  loadDevelopmentEnvFile();
  const [name, ...args] = argv;
  const command = name ? commands[name] : undefined;
  if (!command) {
    process.stderr.write(`usage: npm run cli -- <${Object.keys(commands).join('|')}> [options]\n`);
    process.exit(2);
  }
  await command(args);
}

main(process.argv.slice(2)).catch((err: Error) => {
  const line =
    err instanceof TenantFileError || err instanceof UsageError || err instanceof CommuneDataError
      ? err.message
      : `${err.message}`;
  process.stderr.write(`${process.argv[2]} failed: ${line}\n`);
  process.exit(err instanceof UsageError ? 2 : 1);
});
