import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Client, Pool } from 'pg';
import { LruCache } from '@libs/cache';
import { APP_CONFIG, AppConfig } from '@libs/config';
import { Database, rows } from '@libs/db';
import { parseTenantId, TenantId, TenantRef } from '@libs/tenancy';
import { TENANTS_CHANGED_CHANNEL } from './tenants-sync';
import { TenantRow, TenantsRepository } from './tenants.repository';

/** A label of `<slug>.<BASE_DOMAIN>` that may name a tenant (the slug check of tenants); anything else is not read. */
const SLUG = /^[a-z0-9-]{1,63}$/;

/** What the directory holds, for tests and the benchmark: each figure is bounded as its comment says. */
export interface DirectoryStats {
  /** Open tenants' hosts (what routing needs): one entry per open tenant. */
  openTenants: number;
  /** Tenants' rows (settings) loaded on first use: at most TENANT_CACHE_SIZE. */
  cachedRows: number;
  /** `<slug>.<BASE_DOMAIN>` hosts of no open tenant, looked up (dormant, merged, unknown): ≤ TENANT_CACHE_SIZE. */
  cachedClosedHosts: number;
}

/**
 * Host → tenant, in memory for open tenants only: their domains and slugs, loaded at boot and reloaded when
 * `tenants:sync` or `communes:open` notifies a change (PostgreSQL LISTEN), with a periodic reload in case a
 * notification was missed. That is all start-up reads, whatever the number of dormant communes.
 * A host is one map lookup: a listed domain, or `<slug>.<BASE_DOMAIN>` split (never searched).
 *
 * Everything else per tenant is loaded on first use and kept in bounded caches (TENANT_CACHE_SIZE, least recently
 * used dropped), on two connections of the directory's own: a tenant's row (settings, federation), which the request
 * hook loads before the handlers run so that code inside a transaction reads it from memory; and a dormant or merged
 * commune's host (tens of thousands of them, communes:import), remembered found or not. `all()`, what sweepers walk,
 * is open tenants only. A reload reads again the rows it holds (never more than the cache's size) and forgets the
 * closed hosts.
 */
@Injectable()
export class TenantDirectory implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(TenantDirectory.name);
  private byHost = new Map<string, TenantRef>();
  private bySlug = new Map<string, TenantRef & { hosts: string[] }>();
  private readonly rows: LruCache<TenantId, TenantRow>;
  /** Slug → the closed commune, or null for a slug that is no tenant's. */
  private readonly closedBySlug: LruCache<string, TenantRef | null>;
  private readonly loading = new Map<string, Promise<unknown>>();
  /** Bumped by each reload, so a lookup begun before it does not store what it read. */
  private generation = 0;
  private readonly lookups: Pool;
  private listener?: Client;
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly db: Database,
    private readonly repo: TenantsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.rows = new LruCache(config.tenantCacheSize);
    this.closedBySlug = new LruCache(config.tenantCacheSize);
    this.lookups = new Pool({
      connectionString: config.databaseUrl,
      max: 2,
      idleTimeoutMillis: 30_000,
      allowExitOnIdle: true,
      application_name: 'entraide-tenant-directory',
    });
    this.lookups.on('error', (e) => this.logger.warn(`tenant lookup connection lost: ${e.message}`));
  }

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
    await this.lookups.end().catch(() => undefined);
  }

  /** The open tenant serving `host` (a Host header, port ignored), or undefined: never a default. */
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
  async dormant(hostHeader: string | undefined): Promise<TenantRef | undefined> {
    if (!hostHeader) return undefined;
    const slug = this.slugOfBaseHost(normaliseHost(hostHeader));
    if (slug === undefined || !SLUG.test(slug)) return undefined;
    if (this.closedBySlug.has(slug)) return this.closedBySlug.get(slug) ?? undefined;
    const found = await this.once(`closed:${slug}`, (generation) =>
      this.repo.closedTenant(this.lookups, slug).then((ref) => {
        if (generation === this.generation) this.closedBySlug.set(slug, ref ?? null);
        return ref;
      }),
    );
    return found as TenantRef | undefined;
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

  /**
   * The tenant's row if it is in memory: always for the tenant of the request being served (the request hook loads
   * it), else load() it.
   */
  row(tenantId: TenantId): TenantRow | undefined {
    return this.rows.get(tenantId);
  }

  /** The open tenant's row, from memory or read once (concurrent callers share the read); undefined if not open. */
  async load(tenantId: TenantId): Promise<TenantRow | undefined> {
    const cached = this.rows.get(tenantId);
    if (cached) return cached;
    const found = await this.once(`row:${tenantId}`, (generation) =>
      this.repo.openTenant(this.lookups, tenantId).then((row) => {
        if (row && generation === this.generation) this.rows.set(tenantId, row);
        return row;
      }),
    );
    return found as TenantRow | undefined;
  }

  /** One read per key at a time: a burst of requests for a tenant not in memory reads it once. */
  private once(key: string, read: (generation: number) => Promise<unknown>): Promise<unknown> {
    let pending = this.loading.get(key);
    if (!pending) {
      pending = read(this.generation).finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }

  all(): Array<TenantRef & { hosts: string[] }> {
    return [...this.bySlug.values()];
  }

  stats(): DirectoryStats {
    return { openTenants: this.bySlug.size, cachedRows: this.rows.size, cachedClosedHosts: this.closedBySlug.size };
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

  /** Open tenants' hosts only (dormant communes have no domain row), and the rows in memory read again. */
  async reload(): Promise<void> {
    const held = this.rows.keys();
    const domains = await this.db.withoutTenant((tx) =>
      rows<{ domain: string; tenantId: string; slug: string }>(
        tx,
        'SELECT domain, tenant_id AS "tenantId", slug FROM app_tenant_directory() ORDER BY slug, is_primary DESC, ' +
          'domain',
      ),
    );
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
    const fresh = new Map((held.length ? await this.repo.openTenants(this.lookups, held) : []).map((r) => [r.id, r]));
    // From here to the end, nothing awaits: a request sees the old state or the new one, never a row missing between.
    this.generation++;
    this.byHost = byHost;
    this.bySlug = bySlug;
    for (const id of held) {
      const row = fresh.get(id);
      if (row) this.rows.set(id, row);
      else this.rows.delete(id);
    }
    this.closedBySlug.clear();
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
