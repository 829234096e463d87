import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@libs/tenancy';

/** The reminder e-mail a volunteer got the day before a mission: one per volunteer and mission, ever. */
@Entity('mission_reminders')
export class MissionReminder {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: TenantId;

  @PrimaryColumn('uuid', { name: 'mission_id' })
  missionId!: string;

  @PrimaryColumn('uuid', { name: 'account_id' })
  accountId!: string;

  @Column('timestamptz', { name: 'sent_at' })
  sentAt!: Date;
}
