import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@libs/tenancy';

/** A resident blocked another: the blocked one can no longer write to them. */
@Entity('account_blocks')
export class AccountBlock {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: TenantId;

  @PrimaryColumn('uuid', { name: 'blocker_id' })
  blockerId!: string;

  @PrimaryColumn('uuid', { name: 'blocked_id' })
  blockedId!: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;
}
