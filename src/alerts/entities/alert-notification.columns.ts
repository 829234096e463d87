import { Column, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@libs/tenancy';

/**
 * The columns every alert source's notification table has (one row per item and recipient);
 * each entity adds the id of its item. TypeORM gives a subclass its parent's columns.
 */
export abstract class AlertNotificationColumns {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: TenantId;

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
