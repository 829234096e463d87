import type { DataSource } from 'typeorm';
import { AdminConfig, loadAdminConfig, orExit } from '@libs/config';
import { createDataSource } from '@libs/db';
import { hashPassword, passwordProblem } from '@src/accounts/passwords';
import { DEMO_PASSWORD, planDemo, staffAccounts, StaffAccount } from './demo-plan';
import { demoId } from './random';
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
    if (missing)
      throw new NotReadyError(`the database is not migrated (no table ${missing}): run \`npm run migrate\` first`);
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
        throw new NotReadyError(
          `${tenant.slug} has no ${facts.categories.length ? 'neighbourhood' : 'category'}: run \`npm run ` +
            `tenants:sync\` first`,
        );
      const accounts = staffAccounts(facts);
      for (const a of accounts) {
        const problem = passwordProblem(DEMO_PASSWORD, { email: a.email, siteName: tenant.siteName });
        if (problem) throw new Error(`the demo password is refused for ${a.email}: ${problem}`);
      }
      const loaded = !(await repo.hasAccount(tx, tenant.id, accounts[0].email));
      const plan =
        loaded || (tenant.organisations && !(await repo.hasOrganisations(tx, tenant.id)))
          ? planDemo(facts, now)
          : undefined;
      if (loaded && plan) {
        passwordHash ??= hashPassword(DEMO_PASSWORD);
        await repo.insertAccounts(tx, tenant.id, await passwordHash, plan.accounts);
        await repo.insertListings(tx, tenant.id, plan.listings);
        await repo.insertConversations(tx, tenant.id, plan.conversations, plan.messages);
        await repo.fulfilPastHelps(tx, tenant.id, now);
        const moderator = accounts.find((a) => a.roles.includes('moderator'))!;
        const neighbour = plan.accounts.find((a) => a.roles.length === 1 && a.id !== accounts[0].id)!;
        await repo.insertRelayedResidents(
          tx,
          tenant.id,
          moderator.id,
          relayedResidents(tenant.slug, neighbour.id),
          (facts.categories.find((c) => !c.remote) ?? facts.categories[0]).id,
          now,
        );
      }
      // Organisations, projects and missions where the tenant file turns them on; the demo resident manages the first
      // one.
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

/** Two residents without internet per commune, relayed by its town hall (fixed ids, so loading twice is harmless). */
function relayedResidents(slug: string, neighbourId: string) {
  const person = (
    key: string,
    displayName: string,
    phone: string,
    title: string,
    description: string,
    message: string,
  ) => ({
    id: demoId(`${slug}:relayed:${key}`),
    listingId: demoId(`${slug}:relayed:${key}:listing`),
    conversationId: demoId(`${slug}:relayed:${key}:conversation`),
    messageId: demoId(`${slug}:relayed:${key}:message`),
    displayName,
    phone,
    title,
    description,
    neighbourId,
    message,
  });
  return [
    person(
      '1',
      'Germaine V.',
      '0476000101',
      'Un coup de main pour mes courses du jeudi',
      'Je ne peux plus porter mes sacs depuis le marché. Une petite liste chaque jeudi matin.',
      'Bonjour, je fais mes courses le jeudi, je peux prendre les vôtres au passage.',
    ),
    person(
      '2',
      'Marcel B.',
      '0476000102',
      'Quelqu’un pour discuter au téléphone',
      'Je vis seul depuis l’hiver et j’aimerais parler un peu, une fois par semaine.',
      'Bonjour Marcel, je serais content de vous appeler le dimanche après-midi.',
    ),
  ];
}

export function formatReport(reports: TenantReport[], totalMs: number): string {
  const width = Math.max(...reports.map((r) => r.slug.length));
  const n = (v: number, w: number) => String(v).padStart(w);
  const lines = reports.map(
    ({ slug, loaded, ms, counts: c }) =>
      `demo: ${slug.padEnd(width)} ${n(c.residents, 5)} residents ${n(c.offers, 5)} offers ${n(c.requests, 4)} ` +
      `requests ${n(c.published, 5)} published ` +
      `${n(c.conversations, 3)} conversations ${n(c.messages, 4)} messages ${n(c.fulfilled, 3)} fulfilled ` +
      `${n(c.relayed, 1)} relayed  ${loaded ? `loaded in ${(ms / 1000).toFixed(1)} s` : 'already loaded'}`,
  );
  lines.push(
    `demo: done in ${(totalMs / 1000).toFixed(1)} s`,
    '',
    `Comptes de démonstration (mot de passe : ${DEMO_PASSWORD})`,
  );
  const labelWidth = Math.max(...reports.flatMap((r) => r.accounts.map((a) => a.label.length)));
  for (const r of reports)
    for (const a of r.accounts) lines.push(`  ${r.slug.padEnd(width)}  ${a.label.padEnd(labelWidth)}  ${a.email}`);
  return `${lines.join('\n')}\n`;
}

async function main(config: AdminConfig): Promise<void> {
  // The demo accounts share a published password: they must never reach a real commune's database.
  if (config.env === 'production')
    throw new NotReadyError('refusing to load demo accounts with a published password when NODE_ENV=production');
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
