import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@libs/tenancy';

/** A tenant's daily digest, claimed once per day. */
@Entity('digest_runs')
export class DigestRun {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: TenantId;

  @PrimaryColumn('date', { name: 'day' })
  day!: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;
}
