import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { DataSource } from 'typeorm';
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
import { openCommune } from './tenants/communes/communes-open';
import { reorderListings } from './listings/listings-reorder';
import { loadOutlines } from './tenants/communes/communes-outlines';
import { applyMergeProposal, dismissMergeProposal, listMergeProposals } from './tenants/communes/communes-merges';
import { listOpeningRequests, refuseOpeningRequest } from './tenants/communes/communes-requests';

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
  'communes:outlines': async (argv) => {
    const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
    if (positionals.length !== 1) throw new UsageError('usage: npm run cli -- communes:outlines FILE.geojson');
    const config = orExit(() => loadAdminConfig());
    const ds = createDataSource(config.databaseAdminUrl, {
      poolSize: 1,
      applicationName: 'entraide-communes-outlines',
    });
    await ds.initialize();
    try {
      const r = await loadOutlines(ds, positionals[0]);
      process.stdout.write(`communes:outlines: ${r.loaded} outlines read, ${r.changed} written\n`);
    } finally {
      await ds.destroy();
    }
  },
  'communes:open': async (argv) => {
    const usage =
      'usage: npm run cli -- communes:open INSEE (--admin EMAIL | --request ID) [--center LAT,LNG --radius METRES]';
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        admin: { type: 'string' },
        request: { type: 'string' },
        center: { type: 'string' },
        radius: { type: 'string' },
      },
    });
    const insee = positionals[0];
    if (positionals.length !== 1 || !/^\d[\dAB]\d{3}$/.test(insee)) throw new UsageError(usage);
    if (Boolean(values.admin) === Boolean(values.request)) throw new UsageError(usage);
    if (values.admin && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(values.admin)) throw new UsageError(usage);
    let centre: { lat: number; lng: number; radiusM: number } | undefined;
    if (values.center || values.radius) {
      const [lat, lng] = (values.center ?? '').split(',').map(Number);
      const radiusM = Number(values.radius);
      if (!(Math.abs(lat) <= 90 && Math.abs(lng) <= 180 && radiusM >= 100 && radiusM <= 50_000))
        throw new UsageError(`${usage}\n--center is LAT,LNG in degrees and --radius between 100 and 50000 metres`);
      centre = { lat, lng, radiusM };
    }
    const config = orExit(() => loadConfig());
    if (!config.databaseAdminUrl) throw new UsageError('communes:open needs DATABASE_ADMIN_URL');
    const ds = createDataSource(config.databaseAdminUrl, { poolSize: 1, applicationName: 'entraide-communes-open' });
    await ds.initialize();
    let opened;
    try {
      opened = await openCommune(ds, {
        insee,
        adminEmail: values.admin,
        requestId: values.request,
        baseDomain: config.baseDomain,
        centre,
      });
    } finally {
      await ds.destroy();
    }
    const app = await NestFactory.createApplicationContext(CliModule.forRoot(config), {
      logger: new PinoNestLogger(createLogger('warn', 'entraide-cli')),
    });
    try {
      const ref = app.get(TenantDirectory).bySlugOrUndefined(opened.slug);
      if (!ref) throw new Error(`${opened.slug} opened but not found in the directory`);
      await app.get(AccountsService).invite(ref, opened.adminEmail, 'admin', opened.name);
      process.stdout.write(
        `communes:open: ${insee} ${opened.name} is open at ${opened.host} (${opened.categories} categories, ` +
          `${opened.neighbourhoods} neighbourhoods); invitation (admin) e-mailed to ${opened.adminEmail}` +
          `${values.request ? ` (request ${values.request} accepted)` : ''}\n`,
      );
    } finally {
      await app.close();
    }
  },
  'communes:merges': async (argv) => {
    const usage = 'usage: npm run cli -- communes:merges [--all] | communes:merges (apply|dismiss) ID';
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { all: { type: 'boolean' } },
    });
    const [action, id] = positionals;
    if (action ? !['apply', 'dismiss'].includes(action) || positionals.length !== 2 : positionals.length)
      throw new UsageError(usage);
    await withAdminDataSource('entraide-communes-merges', async (ds) => {
      if (action === 'apply') {
        const r = await applyMergeProposal(ds, id);
        process.stdout.write(
          `communes:merges: ${id} applied: ${r.slug} is now the site of ${r.name}; ${r.retired} leads to it\n`,
        );
      } else if (action === 'dismiss') {
        const p = await dismissMergeProposal(ds, id);
        process.stdout.write(`communes:merges: ${id} dismissed (${p.formerCode} ${p.formerName} stays as it is)\n`);
      } else {
        const list = await listMergeProposals(ds, values.all);
        const lines = list.map(
          (p) =>
            `${p.id} ${p.status}: ${p.formerCode} ${p.formerName} (open, ${p.formerSlug ?? '?'}) → ` +
            `${p.intoCode} ${p.intoName} (${p.intoStatus ?? 'not imported'}) since ${p.createdAt.toISOString()}`,
        );
        process.stdout.write(
          lines.length ? `${lines.join('\n')}\n` : `communes:merges: no ${values.all ? '' : 'pending '}proposal\n`,
        );
      }
    });
  },
  'communes:requests': async (argv) => {
    const usage = 'usage: npm run cli -- communes:requests [--all] | communes:requests refuse ID';
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { all: { type: 'boolean' } },
    });
    const [action, id] = positionals;
    if (action ? action !== 'refuse' || positionals.length !== 2 : positionals.length) throw new UsageError(usage);
    await withAdminDataSource('entraide-communes-requests', async (ds) => {
      if (action === 'refuse') {
        if (!(await refuseOpeningRequest(ds, id))) throw new UsageError(`no pending opening request ${id}`);
        process.stdout.write(`communes:requests: ${id} refused\n`);
        return;
      }
      const list = await listOpeningRequests(ds, values.all);
      const lines = list.map(
        (r) =>
          `${r.id} ${r.status}: ${r.insee ?? '?'} ${r.commune}, ${r.givenName} ${r.usualName} <${r.email}>, ` +
          `SIRET ${r.siret}, since ${r.createdAt.toISOString()}`,
      );
      process.stdout.write(
        lines.length
          ? `${lines.join('\n')}\n(confirm with: communes:open INSEE --request ID)\n`
          : `communes:requests: no ${values.all ? '' : 'pending '}request\n`,
      );
    });
  },
  'listings:reorder': async (argv) => {
    const usage = 'usage: npm run cli -- listings:reorder [--wait-timeout SECONDS] [--deadline SECONDS]';
    let values: { 'wait-timeout'?: string; deadline?: string };
    try {
      ({ values } = parseArgs({
        args: argv,
        options: { 'wait-timeout': { type: 'string' }, deadline: { type: 'string' } },
      }));
    } catch (err) {
      throw new UsageError(`${(err as Error).message}\n${usage}`);
    }
    const seconds = (name: 'wait-timeout' | 'deadline', fallback: number) => {
      const raw = values[name];
      if (raw === undefined) return fallback;
      if (!/^[1-9]\d{0,5}$/.test(raw)) throw new UsageError(`--${name}: a whole number of seconds, 1 or more`);
      return Number(raw);
    };
    const waitTimeoutSec = seconds('wait-timeout', 10);
    const deadlineSec = seconds('deadline', 3600);
    const url = process.env.DATABASE_SUPERUSER_URL;
    if (!url)
      throw new UsageError(
        'listings:reorder needs DATABASE_SUPERUSER_URL: a superuser connection to the database (pg_repack)',
      );
    if (!URL.canParse(url) || !/^postgres(ql)?:\/\//.test(url))
      throw new UsageError('DATABASE_SUPERUSER_URL: a postgres:// URL');
    const { seconds: took } = await reorderListings(url, { waitTimeoutSec, deadlineSec });
    process.stdout.write(`listings:reorder: listings rewritten in search order in ${took.toFixed(1)} s\n`);
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

/** The owner's connection (DATABASE_ADMIN_URL) for one operator command. */
async function withAdminDataSource(name: string, fn: (ds: DataSource) => Promise<void>): Promise<void> {
  const config = orExit(() => loadAdminConfig());
  const ds = createDataSource(config.databaseAdminUrl, { poolSize: 1, applicationName: name });
  await ds.initialize();
  try {
    await fn(ds);
  } finally {
    await ds.destroy();
  }
}

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
