import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@libs/tenancy';

/** A mission alert of one recipient. */
@Entity('mission_notifications')
export class MissionNotification {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: TenantId;

  @PrimaryColumn('uuid', { name: 'mission_id' })
  missionId!: string;

  @PrimaryColumn('uuid', { name: 'recipient_id' })
  recipientId!: string;

  @Column('integer', { name: 'distance_m' })
  distanceM!: number;

  @Column('text', { name: 'delivery' })
  delivery!: 'immediate' | 'digest';

  @Column('text', { name: 'status' })
  status!: 'pending' | 'mailed' | 'skipped';

  @Column('uuid', { name: 'outbox_id', nullable: true })
  outboxId!: string | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'mailed_at', nullable: true })
  mailedAt!: Date | null;
}
