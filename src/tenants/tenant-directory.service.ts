import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Client } from 'pg';
import { APP_CONFIG, AppConfig } from '@libs/config';
import { Database, rows } from '@libs/db';
import { parseTenantId, TenantId, TenantRef } from '@libs/tenancy';
import { TENANTS_CHANGED_CHANNEL } from './tenants-sync';
import { TenantRow, TenantsRepository } from './tenants.repository';

/**
 * Host → tenant, and each open tenant's row (names, settings, federation), in memory. Loaded at
 * boot and reloaded when `tenants:sync` notifies a change (PostgreSQL LISTEN), with a periodic
 * reload in case a notification was missed. Keeping the rows here also means code inside a
 * transaction can read a tenant's settings without taking a second pooled connection (which,
 * with every connection held that way under load, would wait forever).
 * Dormant communes (tens of thousands, communes:import) are only a slug → id entry: their host
 * answers a short page and nothing else reads them, so `all()` (what sweepers walk) is open
 * tenants only. A host is a map lookup either way: `<slug>.<BASE_DOMAIN>` is split, not searched.
 */
@Injectable()
export class TenantDirectory implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(TenantDirectory.name);
  private byHost = new Map<string, TenantRef>();
  private bySlug = new Map<string, TenantRef & { hosts: string[] }>();
  private rows = new Map<TenantId, TenantRow>();
  private dormantBySlug = new Map<string, TenantRef>();
  private listener?: Client;
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly db: Database,
    private readonly repo: TenantsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.reload();
    await this.listen();
    this.timer = setInterval(
      () => void this.reload().catch((e: Error) => this.logger.warn(`tenant reload failed: ${e.message}`)),
      60_000,
    );
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.listener?.end().catch(() => undefined);
  }

  /** The tenant serving `host` (a Host header, port ignored), or undefined: never a default. */
  resolve(hostHeader: string | undefined): TenantRef | undefined {
    if (!hostHeader) return undefined;
    const host = normaliseHost(hostHeader);
    const listed = this.byHost.get(host);
    if (listed) return listed;
    const slug = this.slugOfBaseHost(host);
    const open = slug === undefined ? undefined : this.bySlug.get(slug);
    return open && { id: open.id, slug: open.slug };
  }

  /** The dormant (or merged) commune whose `<slug>.<BASE_DOMAIN>` host this is, or undefined. */
  dormant(hostHeader: string | undefined): TenantRef | undefined {
    if (!hostHeader) return undefined;
    const slug = this.slugOfBaseHost(normaliseHost(hostHeader));
    return slug === undefined ? undefined : this.dormantBySlug.get(slug);
  }

  private slugOfBaseHost(host: string): string | undefined {
    const suffix = `.${this.config.baseDomain}`;
    if (!host.endsWith(suffix)) return undefined;
    const label = host.slice(0, -suffix.length);
    return label.includes('.') ? undefined : label;
  }

  bySlugOrUndefined(slug: string): (TenantRef & { hosts: string[] }) | undefined {
    return this.bySlug.get(slug);
  }

  /** The tenant's row as of the last reload, or undefined for a tenant not loaded yet. */
  row(tenantId: TenantId): TenantRow | undefined {
    return this.rows.get(tenantId);
  }

  all(): Array<TenantRef & { hosts: string[] }> {
    return [...this.bySlug.values()];
  }

  /**
   * The origin links in e-mails and pages point to: the tenant's primary (production) domain,
   * or its `.localhost` domain with the port outside production.
   */
  origin(slug: string): string {
    const t = this.bySlug.get(slug);
    if (!t) throw new Error(`unknown tenant ${slug}`);
    if (this.config.env === 'production') return `${this.config.publicScheme}://${t.hosts[0]}`;
    const local = t.hosts.find((h) => h.endsWith('.localhost')) ?? t.hosts[0];
    return `${this.config.publicScheme}://${local}:${this.config.port}`;
  }

  async reload(): Promise<void> {
    const domains = await this.db.withoutTenant((tx) =>
      rows<{ domain: string; tenantId: string; slug: string }>(
        tx,
        'SELECT domain, tenant_id AS "tenantId", slug FROM app_tenant_directory() ORDER BY slug, is_primary DESC, ' +
          'domain',
      ),
    );
    const tenantRows = new Map((await this.repo.allTenants()).map((t) => [t.id, t]));
    const dormant = await this.repo.closedTenants();
    const byHost = new Map<string, TenantRef>();
    const bySlug = new Map<string, TenantRef & { hosts: string[] }>();
    for (const r of domains) {
      // Where tenant ids enter the program for requests: parsed once, typed from here on.
      const id = parseTenantId(r.tenantId);
      const ref = bySlug.get(r.slug) ?? { id, slug: r.slug, hosts: [] };
      ref.hosts.push(r.domain);
      bySlug.set(r.slug, ref);
      byHost.set(r.domain, { id, slug: r.slug });
    }
    this.dormantBySlug = new Map(dormant.map((t) => [t.slug, t]));
    this.byHost = byHost;
    this.bySlug = bySlug;
    this.rows = tenantRows;
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    // A session of its own, so on the primary itself: a pooler in transaction mode would hand the LISTEN's
    // server connection to other clients and deliver nothing here (DATABASE_DIRECT_URL).
    const client = new Client({
      connectionString: this.config.databaseDirectUrl,
      application_name: 'entraide-tenant-listener',
    });
    client.on(
      'notification',
      () => void this.reload().catch((e: Error) => this.logger.warn(`tenant reload failed: ${e.message}`)),
    );
    client.on('error', (e) => {
      this.logger.warn(`tenant listener lost: ${e.message}`);
      this.listener = undefined;
      setTimeout(() => void this.listen().catch(() => undefined), 5_000).unref();
    });
    await client.connect();
    await client.query(`LISTEN ${TENANTS_CHANGED_CHANNEL}`);
    this.listener = client;
  }
}

/** `Meylan.localhost:3000` → `meylan.localhost`; `[::1]:3000` → `::1`. */
export function normaliseHost(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']'));
  const colon = h.lastIndexOf(':');
  return (colon > -1 ? h.slice(0, colon) : h).replace(/\.$/, '');
}
