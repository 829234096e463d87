import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@libs/tenancy';

/** An entry of the append-only audit log. */
@Entity('audit_log')
export class AuditLogEntry {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: TenantId;

  @PrimaryColumn('uuid')
  id!: string;

  @Column('timestamptz', { name: 'at' })
  at!: Date;

  @Column('uuid', { name: 'actor_id', nullable: true })
  actorId!: string | null;

  @Column('text', { name: 'actor_role' })
  actorRole!: string;

  @Column('text', { name: 'action' })
  action!: string;

  @Column('text', { name: 'target_type' })
  targetType!: string;

  @Column('uuid', { name: 'target_id', nullable: true })
  targetId!: string | null;

  @Column('text', { name: 'reason' })
  reason!: string;

  @Column('jsonb', { name: 'data' })
  data!: Record<string, unknown>;
}
