import { Injectable } from '@nestjs/common';
import { Database } from '@libs/db';
import type { TenantId } from '@libs/tenancy';
import { OutboxService } from '@src/notifications/outbox.service';
import { TenantDirectory } from '@src/tenants/tenant-directory.service';
import { parisTomorrow, scheduleLabel } from './mission-schedule';
import { DueMissionReminder, OrganisationsRepository } from './organisations.repository';

const SWEEP_LIMIT = 500;

/**
 * The e-mail a volunteer gets the day before a mission (Europe/Paris days), once per volunteer
 * and mission: the `mission_reminders` key decides, so a job run twice sends nothing twice.
 * Only the tenants with reminders due are visited (an owner function names them).
 */
@Injectable()
export class MissionRemindersService {
  constructor(
    private readonly db: Database,
    private readonly repo: OrganisationsRepository,
    private readonly outbox: OutboxService,
    private readonly directory: TenantDirectory,
  ) {}

  /** Queues the reminders of the missions starting on the Paris day after `now`'s; `now` is the clock. */
  async sendDue(now = new Date()): Promise<number> {
    const { from, to } = parisTomorrow(now);
    const tenantIds = await this.db.withoutTenant((tx) => this.repo.reminderTenants(tx, from, to));
    let sent = 0;
    for (const id of tenantIds) {
      const tenant = this.directory.all().find((t) => t.id === id);
      if (tenant) sent += await this.sendFor(tenant, from, to, now);
    }
    return sent;
  }

  private async sendFor(tenant: { id: TenantId; slug: string }, from: Date, to: Date, now: Date): Promise<number> {
    const origin = this.directory.origin(tenant.slug);
    const ids = await this.db.withTenant(tenant.id, async (tx) => {
      const out: Array<string | undefined> = [];
      for (const d of await this.repo.dueReminders(tx, from, to, SWEEP_LIMIT)) {
        if (!(await this.repo.recordReminder(tx, d.missionId, d.accountId, now))) continue;
        out.push(await this.outbox.add(tx, this.email(tenant.id, origin, d)));
      }
      return out;
    });
    await this.outbox.dispatch(tenant.id, ids);
    return ids.length;
  }

  private email(tenantId: TenantId, origin: string, d: DueMissionReminder) {
    return {
      tenantId,
      to: d.email,
      template: 'mission-reminder' as const,
      data: {
        displayName: d.displayName,
        title: d.title,
        organisationName: d.organisationName,
        schedule: scheduleLabel(d.startsAt, d.endsAt),
        place: d.meetingPlace ?? '',
        neighbourhood: d.neighbourhood ?? '',
        missionUrl: `${origin}/projets/${d.projectId}#mission-${d.missionId}`,
        calendarUrl: `${origin}/missions/${d.missionId}/agenda.ics`,
      },
      dedupeKey: `mission-reminder:${d.missionId}:${d.accountId}`,
    };
  }
}
