import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@libs/config';
import { CalendarEvent, renderCalendar } from '@libs/calendar';
import { Database } from '@libs/db';
import { NotFoundError } from '@libs/errors';
import { signIds, verifySignedIds } from '@libs/signing';
import type { Principal, TenantRef } from '@libs/tenancy';
import { TenantDirectory } from '@src/tenants/tenant-directory.service';
import { TenantsService } from '@src/tenants/tenants.service';
import { assertOrganisationsEnabled } from './organisations-access';
import { OrganisationsRepository, SignUpRow } from './organisations.repository';
import { ProjectsService } from './projects.service';

const PURPOSE = 'calendar';
/** A feed shows the missions of the last 30 days and all those to come. */
const FEED_PAST_MS = 30 * 24 * 3600_000;

/**
 * Missions in volunteers' calendars: one mission's .ics, and each volunteer's private feed of
 * their sign-ups. The feed's link is signed over (account, feed id) with the server's secret,
 * so the database alone cannot forge one; renewing or revoking the feed forgets the id.
 */
@Injectable()
export class MissionCalendarService {
  constructor(
    private readonly db: Database,
    private readonly repo: OrganisationsRepository,
    private readonly projects: ProjectsService,
    private readonly tenants: TenantsService,
    private readonly directory: TenantDirectory,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** One dated mission's .ics, as the reader may see it (meeting place included for its volunteers and managers). */
  async missionIcs(tenant: TenantRef, missionId: string, principal?: Principal): Promise<string> {
    const m = await this.projects.mission(tenant, missionId, principal);
    if (!m.startsAt) throw new NotFoundError('Cette mission a une date flexible : elle ne va pas dans un agenda.');
    const project = await this.projects.get(tenant, m.projectId, principal);
    const t = await this.tenants.get(tenant);
    return renderCalendar({
      prodId: this.prodId(t.siteName),
      stamp: new Date(),
      events: [
        this.event(tenant, {
          id: m.id,
          title: m.title,
          startsAt: m.startsAt,
          endsAt: m.endsAt,
          place: m.meetingPlace,
          neighbourhood: project.neighbourhood?.name ?? null,
          organisationName: project.organisation.name,
          projectId: project.id,
          town: t.name,
        }),
      ],
    });
  }

  /** The account's feed link, if it has one. */
  async feedUrl(tenant: TenantRef, principal: Principal): Promise<string | undefined> {
    await assertOrganisationsEnabled(this.tenants, tenant);
    const id = await this.db.withTenant(tenant.id, (tx) => this.repo.feedId(tx, principal.accountId));
    return id ? this.url(tenant, principal.accountId, id) : undefined;
  }

  /** A new feed link; the previous one stops working. */
  async renewFeed(tenant: TenantRef, principal: Principal): Promise<string> {
    await assertOrganisationsEnabled(this.tenants, tenant);
    const id = await this.db.withTenant(tenant.id, (tx) => this.repo.renewFeed(tx, principal.accountId));
    return this.url(tenant, principal.accountId, id);
  }

  async revokeFeed(tenant: TenantRef, principal: Principal): Promise<void> {
    await assertOrganisationsEnabled(this.tenants, tenant);
    await this.db.withTenant(tenant.id, (tx) => this.repo.deleteFeed(tx, principal.accountId));
  }

  /** The feed behind a token, or undefined for a forged, foreign, renewed or revoked one. */
  async feedIcs(tenant: TenantRef, token: string): Promise<string | undefined> {
    await assertOrganisationsEnabled(this.tenants, tenant);
    const ids =
      token.length <= 200 ? verifySignedIds(this.config.sessionSecret, PURPOSE, tenant.id, token, 2) : undefined;
    if (!ids) return undefined;
    const [accountId, feedId] = ids;
    const signUps = await this.db.withTenant(tenant.id, async (tx) =>
      (await this.repo.feedId(tx, accountId)) === feedId ? this.repo.signUpsOf(tx, accountId) : undefined,
    );
    if (!signUps) return undefined;
    const t = await this.tenants.get(tenant);
    const since = Date.now() - FEED_PAST_MS;
    return renderCalendar({
      prodId: this.prodId(t.siteName),
      name: `Mes missions – ${t.settings.organisations?.siteName ?? t.siteName}`,
      stamp: new Date(),
      events: signUps
        .filter((s): s is SignUpRow & { startsAt: Date } => s.projectPublic && s.startsAt !== null)
        .filter((s) => (s.endsAt ?? s.startsAt).getTime() >= since)
        .map((s) =>
          this.event(tenant, {
            id: s.id,
            title: s.title,
            startsAt: s.startsAt,
            endsAt: s.endsAt,
            // The feed is the volunteer's own: they may know where to meet.
            place: s.meetingPlace,
            neighbourhood: s.neighbourhood,
            organisationName: s.organisationName,
            projectId: s.projectId,
            town: t.name,
          }),
        ),
    });
  }

  private event(
    tenant: TenantRef,
    m: {
      id: string;
      title: string;
      startsAt: Date;
      endsAt: Date | null;
      place: string | null;
      neighbourhood: string | null;
      organisationName: string;
      projectId: string;
      town: string;
    },
  ): CalendarEvent {
    const origin = this.directory.origin(tenant.slug);
    const url = `${origin}/projets/${m.projectId}#mission-${m.id}`;
    const area = m.neighbourhood ? `${m.neighbourhood}, ${m.town}` : m.town;
    return {
      uid: `mission-${m.id}@${new URL(origin).hostname}`,
      start: m.startsAt,
      end: m.endsAt,
      summary: `${m.title} (${m.organisationName})`,
      description:
        `Mission bénévole proposée par ${m.organisationName}.` +
        (m.place ? '' : '\nLe lieu précis est communiqué aux bénévoles inscrits.') +
        `\n${url}`,
      location: m.place ? `${m.place}, ${m.town}` : area,
      url,
    };
  }

  private prodId(siteName: string): string {
    return `-//Entraide//${siteName.replace(/[/\r\n]/g, ' ')}//FR`;
  }

  private url(tenant: TenantRef, accountId: string, feedId: string): string {
    const token = signIds(this.config.sessionSecret, PURPOSE, tenant.id, [accountId, feedId]);
    return `${this.directory.origin(tenant.slug)}/agenda/${token}.ics`;
  }
}
