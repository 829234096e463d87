import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@libs/tenancy';

/** A volunteer's private calendar feed of their missions; its link is signed over `id`, deleting the row revokes it. */
@Entity('calendar_feeds')
export class CalendarFeed {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: TenantId;

  @PrimaryColumn('uuid', { name: 'account_id' })
  accountId!: string;

  @Column('uuid', { name: 'id' })
  id!: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;
}
