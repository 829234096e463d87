import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../libs/config';
import { Database } from '../../libs/db';
import { JobName, JobQueue } from '../../libs/queue';
import { MatchingRepository } from '../matching/matching.repository';
import { parisDayAndHour, startOfParisDay } from '../matching/paris-time';
import { alertLinks } from '../matching/unsubscribe-token';
import { distanceLabel } from '../matching/distance-label';
import { OutboxService } from '../notifications/outbox.service';
import { TenantDirectory } from '../tenants/tenant-directory.service';
import { TenantsService } from '../tenants/tenants.service';
import { findMissionRecipients } from './mission-matching.sql';
import { OrganisationsRepository } from './organisations.repository';

export const missionJobId = (missionId: string) => `match-mission-${missionId}`;

/**
 * Alert e-mails for a public mission, through the listings' pipeline: residents whose alerts
 * cover the project's category and place, one notification per (mission, recipient) ever
 * (mission_notifications' key), the tenant's cap per fan-out and its daily cap per recipient
 * shared with listing matches, outbox rows first with the same List-Unsubscribe headers.
 * Residents on the daily digest, or past the daily cap, are recorded as `digest` and get
 * the day's missions in one e-mail after the tenant's digest hour (sendMissionDigest).
 */
@Injectable()
export class MissionMatchingService {
  private readonly logger = new Logger(MissionMatchingService.name);

  constructor(
    private readonly db: Database,
    private readonly repo: OrganisationsRepository,
    private readonly matching: MatchingRepository,
    private readonly outbox: OutboxService,
    private readonly tenants: TenantsService,
    private readonly directory: TenantDirectory,
    private readonly queue: JobQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async enqueue(tenantId: string, missionIds: string[]): Promise<void> {
    await this.queue.addBulk(missionIds.map((missionId) => ({ name: JobName.MatchMission, payload: { tenantId, missionId }, jobId: missionJobId(missionId) })));
  }

  /** Safe to run twice: what is done is skipped (one notification per recipient and mission, one e-mail per dedupe key). */
  async matchMission(tenantId: string, missionId: string, now = new Date()): Promise<{ found: number; mailed: number }> {
    const t = this.directory.all().find((x) => x.id === tenantId);
    if (!t) throw new Error(`unknown tenant ${tenantId}`);
    const tenant = { id: t.id, slug: t.slug };
    const settings = (await this.tenants.get(tenant)).settings.matching ?? { cap: 50, dailyCap: 5, digestHour: 18 };
    const origin = this.directory.origin(tenant.slug);
    const { ids, found } = await this.db.withTenant(tenantId, async (tx) => {
      const mission = await this.repo.missionForAlert(tx, tenantId, missionId);
      if (!mission) return { ids: [], found: 0 };
      await tx.query('SET LOCAL jit = off');
      const candidates = await findMissionRecipients(tx, tenantId, missionId, settings.cap);
      if (!candidates.length) return { ids: [], found: 0 };
      const recipientIds = candidates.map((c) => c.recipientId);
      await this.matching.lockRecipients(tx, tenantId, recipientIds);
      const counts = await this.matching.immediateCountsSince(tx, tenantId, recipientIds, startOfParisDay(now));
      const plan = candidates.map((c) => ({ ...c, delivery: (c.notifyMode !== 'daily' && (counts.get(c.recipientId) ?? 0) < settings.dailyCap ? 'immediate' : 'digest') as 'immediate' | 'digest' }));
      const fresh = await this.repo.insertMissionNotifications(tx, tenantId, missionId, plan);
      const toMail = plan.filter((c) => fresh.has(c.recipientId) && c.delivery === 'immediate');
      const key = (recipientId: string) => `mission:${missionId}:${recipientId}`;
      const outboxIds = await this.outbox.addMany(
        tx,
        tenantId,
        toMail.map((c) => {
          const { headers, ...links } = alertLinks(this.config.sessionSecret, origin, tenantId, c.recipientId);
          return {
            tenantId,
            to: c.email,
            template: 'mission-match' as const,
            data: {
              displayName: c.displayName,
              title: mission.title,
              description: mission.description.length > 400 ? `${mission.description.slice(0, 397)}…` : mission.description,
              when: mission.when,
              volunteersNeeded: mission.volunteersNeeded,
              projectTitle: mission.projectTitle,
              organisationName: mission.organisationName,
              category: mission.category,
              neighbourhood: mission.neighbourhood,
              distance: distanceLabel(c.distanceM),
              missionUrl: `${origin}/projets/${mission.projectId}#mission-${missionId}`,
              ...links,
            },
            dedupeKey: key(c.recipientId),
            headers,
          };
        }),
      );
      const mailed = toMail.map((c) => ({ recipientId: c.recipientId, outboxId: outboxIds.get(key(c.recipientId)) }));
      await this.repo.markMissionNotificationsMailed(tx, tenantId, missionId, mailed);
      return { ids: mailed.map((m) => m.outboxId), found: fresh.size };
    });
    await this.outbox.dispatch(tenantId, ids);
    return { found, mailed: ids.filter(Boolean).length };
  }

  /**
   * Once a Paris day, at or after the tenant's digest hour: one e-mail per resident with the
   * missions waiting for their digest. The outbox's dedupe key (recipient, day) makes it once;
   * alerts found after that day's e-mail wait for the next day's.
   */
  async sendMissionDigest(tenantId: string, now = new Date()): Promise<number> {
    const t = this.directory.all().find((x) => x.id === tenantId);
    if (!t) throw new Error(`unknown tenant ${tenantId}`);
    const settings = (await this.tenants.get(t)).settings.matching ?? { cap: 50, dailyCap: 5, digestHour: 18 };
    const { day, hour } = parisDayAndHour(now);
    if (hour < settings.digestHour) return 0;
    const origin = this.directory.origin(t.slug);
    const ids = await this.db.withTenant(tenantId, async (tx) => {
      const items = await this.repo.pendingMissionDigest(tx, tenantId);
      const byRecipient = new Map<string, typeof items>();
      for (const i of items) byRecipient.set(i.recipientId, [...(byRecipient.get(i.recipientId) ?? []), i]);
      const out: string[] = [];
      for (const [recipientId, list] of byRecipient) {
        const { headers, ...links } = alertLinks(this.config.sessionSecret, origin, tenantId, recipientId);
        const outboxId = await this.outbox.add(tx, {
          tenantId,
          to: list[0].email,
          template: 'mission-digest',
          data: {
            displayName: list[0].displayName,
            day,
            count: list.length,
            items: list.map((i) => ({ title: i.title, organisationName: i.organisationName, when: i.when, category: i.category, neighbourhood: i.neighbourhood, url: `${origin}/projets/${i.projectId}#mission-${i.missionId}` })),
            ...links,
          },
          dedupeKey: `mission-digest:${recipientId}:${day}`,
          headers,
        });
        if (!outboxId) continue;
        await this.repo.markMissionDigestMailed(tx, tenantId, recipientId, list.map((i) => i.missionId), outboxId);
        out.push(outboxId);
      }
      return out;
    });
    await this.outbox.dispatch(tenantId, ids);
    return ids.length;
  }

  /** Every tenant whose file turns organisations on. */
  async sendDueMissionDigests(now = new Date()): Promise<void> {
    for (const t of this.directory.all()) {
      if ((await this.tenants.get(t)).settings.organisations?.enabled) await this.sendMissionDigest(t.id, now);
    }
  }

  async markDispatched(tenantId: string, missionId: string): Promise<void> {
    await this.db.withTenant(tenantId, (tx) => this.repo.markMissionDispatched(tx, tenantId, missionId));
  }

  /** Re-queues missions made public more than `graceMs` ago whose alerts have not been sent. */
  async requeueUndispatched(graceMs = 15_000): Promise<number> {
    let requeued = 0;
    for (const t of this.directory.all()) {
      const due = await this.db.withTenant(t.id, (tx) => this.repo.undispatchedMissions(tx, t.id, graceMs / 1000));
      if (!due.length) continue;
      await this.enqueue(t.id, due.map((d) => d.missionId));
      requeued += due.length;
    }
    if (requeued) this.logger.log(`mission matching sweep: ${requeued} mission(s) queued again`);
    return requeued;
  }
}
