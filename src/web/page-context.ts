import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '@libs/config';
import { Principal, TenantRef } from '@libs/tenancy';
import type { AccountRow } from '@src/accounts/accounts.service';
import { AccountsService } from '@src/accounts/accounts.service';
import { ACCESSIBILITY_STATUS_LABEL, phoneHref } from '@src/tenants/tenant-file.schema';
import { TenantsService } from '@src/tenants/tenants.service';
import { PageContext } from './page-renderer';

/** What every page shows around its content: the tenant, who is signed in, the footer's links. */
@Injectable()
export class PageContexts {
  private readonly accountReads = new WeakMap<FastifyRequest, Promise<AccountRow>>();
  /** Counts the signed-in person's unread messages for the header (the conversations' pages register it). */
  private unreadMessages?: (ref: TenantRef, principal: Principal) => Promise<number>;

  constructor(
    private readonly tenants: TenantsService,
    private readonly accounts: AccountsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The signed-in person's account, read once per request however many parts of the page need it. */
  account(ref: TenantRef, req: FastifyRequest): Promise<AccountRow | undefined> {
    const principal = req.ctx.principal;
    if (!principal) return Promise.resolve(undefined);
    let read = this.accountReads.get(req);
    if (!read) this.accountReads.set(req, (read = this.accounts.me(ref, principal)));
    return read;
  }

  registerUnreadMessages(count: (ref: TenantRef, principal: Principal) => Promise<number>): void {
    this.unreadMessages = count;
  }

  async of(ref: TenantRef, req: FastifyRequest, title: string, current?: string): Promise<PageContext> {
    const principal = req.ctx.principal;
    const [t, me, unread] = await Promise.all([
      this.tenants.get(ref),
      this.account(ref, req).catch(() => undefined),
      principal && this.unreadMessages ? this.unreadMessages(ref, principal).catch(() => 0) : 0,
    ]);
    return {
      title,
      current,
      tenant: {
        slug: t.slug,
        name: t.name,
        siteName: t.siteName,
        hasLogo: Boolean(t.settings.theme.logo),
        contact: t.settings.contact,
        phone: t.settings.contact.phone
          ? { label: t.settings.contact.phone, href: phoneHref(t.settings.contact.phone) }
          : undefined,
        accessibility: ACCESSIBILITY_STATUS_LABEL[t.settings.accessibility?.status ?? 'none'],
        organisations: t.settings.organisations?.enabled
          ? { siteName: t.settings.organisations.siteName ?? t.siteName }
          : undefined,
      },
      user:
        me && principal
          ? {
              displayName: me.displayName,
              roles: principal.roles,
              staff: principal.roles.some((r) => r !== 'resident'),
              admin: principal.roles.some((r) => r === 'admin' || r === 'federation_admin'),
              unread,
            }
          : undefined,
      // The development inbox (dev/, /dev/mail) runs in this process: link it from the footer.
      devMail: Boolean(this.config.sentMailPage),
    };
  }

  /**
   * The place a form chose: the point placed on the map (hidden lat/lng fields), else a point
   * inside the chosen neighbourhood, else undefined.
   */
  async chosenPoint(
    ref: TenantRef,
    fields: { lat?: string; lng?: string; neighbourhood?: string },
  ): Promise<{ lat: number; lng: number } | undefined> {
    if (fields.lat && fields.lng) return { lat: Number(fields.lat), lng: Number(fields.lng) };
    if (!fields.neighbourhood) return undefined;
    return (await this.tenants.neighbourhoods(ref)).find((n) => n.slug === fields.neighbourhood)?.centre;
  }

  /** A map's start (the tenant file's) with the configured tiles; an empty MAP_TILE_URL means no tiles. */
  map(map: { center: { lat: number; lng: number }; zoom: number }) {
    const tileUrl = this.config.mapTileUrl;
    return {
      ...map,
      tileUrl,
      attribution: tileUrl.includes('openstreetmap') ? '© les contributeurs d’OpenStreetMap' : '',
    };
  }
}
