import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@libs/tenancy';

/** A publication seam: written with the change it announces, consumed by the alerts. */
@Entity('domain_events')
export class DomainEvent {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: TenantId;

  @PrimaryColumn('uuid')
  id!: string;

  @Column('text', { name: 'type' })
  type!: string;

  @Column('uuid', { name: 'aggregate_id' })
  aggregateId!: string;

  @Column('jsonb', { name: 'payload' })
  payload!: Record<string, unknown>;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'dispatched_at', nullable: true })
  dispatchedAt!: Date | null;
}
