import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@libs/tenancy';

/** A listing alert of one recipient. */
@Entity('match_notifications')
export class MatchNotification {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: TenantId;

  @PrimaryColumn('uuid', { name: 'listing_id' })
  listingId!: string;

  @PrimaryColumn('uuid', { name: 'recipient_id' })
  recipientId!: string;

  @Column('text', { name: 'reason' })
  reason!: 'counterpart' | 'alert';

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
