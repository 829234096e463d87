import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@libs/tenancy';

/** An agent signed in through a staff provider, waiting for an administrator to grant the role. */
@Entity('staff_requests')
export class StaffRequest {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: TenantId;

  @PrimaryColumn('uuid', { name: 'id' })
  id!: string;

  @Column('uuid', { name: 'account_id' })
  accountId!: string;

  @Column('text', { name: 'provider' })
  provider!: string;

  @Column('text', { name: 'role' })
  role!: 'moderator' | 'admin';

  @Column('jsonb', { name: 'evidence' })
  evidence!: Record<string, string>;

  @Column('text', { name: 'status' })
  status!: 'pending' | 'approved' | 'refused';

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'decided_at', nullable: true })
  decidedAt!: Date | null;

  @Column('uuid', { name: 'decided_by', nullable: true })
  decidedBy!: string | null;
}
