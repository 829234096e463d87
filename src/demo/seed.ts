import type { DataSource } from 'typeorm';
import { AdminConfig, loadAdminConfig, orExit } from '../../libs/config';
import { createDataSource } from '../../libs/db';
import { hashPassword, passwordProblem } from '../accounts/passwords';
import { DEMO_PASSWORD, planDemo, staffAccounts, StaffAccount } from './demo-plan';
import { insertOrganisations, planOrganisations } from './demo-organisations';
import { DemoRepository, TenantCounts } from './demo.repository';

/**
 * `node dist/src/demo/seed.js`: fills every commune of the database with demo residents,
 * offers, requests and conversations, and prints the accounts to try the sites with.
 * Runs after `migrate` and `tenants:sync`, as the owner role. Idempotent: a commune whose
 * demo resident exists is left as it is, and every row has a fixed id (ON CONFLICT DO NOTHING).
 */

export interface TenantReport {
  slug: string;
  loaded: boolean;
  ms: number;
  counts: TenantCounts;
  accounts: StaffAccount[];
}

/** A state of the database the loader cannot work with; the message says what to run. */
export class NotReadyError extends Error {}

export async function seedDemo(ds: DataSource, now = new Date()): Promise<TenantReport[]> {
  const repo = new DemoRepository();
  const tenants = await ds.transaction(async (tx) => {
    const missing = await repo.missingTable(tx);
    if (missing) throw new NotReadyError(`the database is not migrated (no table ${missing}): run \`npm run migrate\` first`);
    return repo.tenants(tx);
  });
  if (!tenants.length) throw new NotReadyError('the database has no commune: run `npm run tenants:sync` first');

  // scrypt is slow on purpose: one hash, shared by every demo account.
  let passwordHash: Promise<string> | undefined;
  const reports: TenantReport[] = [];
  for (const tenant of tenants) {
    const started = Date.now();
    const report = await ds.transaction(async (tx) => {
      await repo.lockTenant(tx, tenant.id);
      const facts = await repo.facts(tx, tenant);
      if (!facts.categories.length || !facts.neighbourhoods.length)
        throw new NotReadyError(`${tenant.slug} has no ${facts.categories.length ? 'neighbourhood' : 'category'}: run \`npm run tenants:sync\` first`);
      const accounts = staffAccounts(facts);
      for (const a of accounts) {
        const problem = passwordProblem(DEMO_PASSWORD, { email: a.email, siteName: tenant.siteName });
        if (problem) throw new Error(`the demo password is refused for ${a.email}: ${problem}`);
      }
      const loaded = !(await repo.hasAccount(tx, tenant.id, accounts[0].email));
      const plan = loaded || (tenant.organisations && !(await repo.hasOrganisations(tx, tenant.id))) ? planDemo(facts, now) : undefined;
      if (loaded && plan) {
        passwordHash ??= hashPassword(DEMO_PASSWORD);
        await repo.insertAccounts(tx, tenant.id, await passwordHash, plan.accounts);
        await repo.insertListings(tx, tenant.id, plan.listings);
        await repo.insertConversations(tx, tenant.id, plan.conversations, plan.messages);
      }
      // Organisations, projects and missions where the tenant file turns them on; the demo resident manages the first one.
      if (plan && tenant.organisations) {
        const residents = [plan.accounts[0], ...plan.accounts.slice(accounts.length)];
        await insertOrganisations(tx, tenant.id, planOrganisations(facts, residents, now));
      }
      return { slug: tenant.slug, loaded, counts: await repo.counts(tx, tenant.id), accounts };
    });
    reports.push({ ...report, ms: Date.now() - started });
  }
  return reports;
}

export function formatReport(reports: TenantReport[], totalMs: number): string {
  const width = Math.max(...reports.map((r) => r.slug.length));
  const n = (v: number, w: number) => String(v).padStart(w);
  const lines = reports.map(
    ({ slug, loaded, ms, counts: c }) =>
      `demo: ${slug.padEnd(width)} ${n(c.residents, 5)} residents ${n(c.offers, 5)} offers ${n(c.requests, 4)} requests ${n(c.published, 5)} published ` +
      `${n(c.conversations, 3)} conversations ${n(c.messages, 4)} messages  ${loaded ? `loaded in ${(ms / 1000).toFixed(1)} s` : 'already loaded'}`,
  );
  lines.push(`demo: done in ${(totalMs / 1000).toFixed(1)} s`, '', `Comptes de démonstration (mot de passe : ${DEMO_PASSWORD})`);
  const labelWidth = Math.max(...reports.flatMap((r) => r.accounts.map((a) => a.label.length)));
  for (const r of reports) for (const a of r.accounts) lines.push(`  ${r.slug.padEnd(width)}  ${a.label.padEnd(labelWidth)}  ${a.email}`);
  return `${lines.join('\n')}\n`;
}

async function main(config: AdminConfig): Promise<void> {
  // The demo accounts share a published password: they must never reach a real commune's database.
  if (config.env === 'production') throw new NotReadyError('refusing to load demo accounts with a published password when NODE_ENV=production');
  const started = Date.now();
  const ds = createDataSource(config.databaseAdminUrl, { poolSize: 1, applicationName: 'entraide-demo-seed' });
  await ds.initialize();
  try {
    const reports = await seedDemo(ds);
    process.stdout.write(formatReport(reports, Date.now() - started));
  } finally {
    await ds.destroy();
  }
}

if (require.main === module) {
  main(orExit(() => loadAdminConfig())).catch((err: Error) => {
    process.stderr.write(`demo failed: ${err.message.split('\n')[0]}\n`);
    process.exit(1);
  });
}
