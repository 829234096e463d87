import { Column, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@libs/tenancy';

/**
 * The columns a resident's report has, whatever it reports (a listing, a message); each entity
 * adds the keys of what is reported and of who reports it. TypeORM gives a subclass its parent's columns.
 */
export abstract class ReportColumns {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: TenantId;

  @Column('text', { name: 'reason' })
  reason!: 'paid' | 'inappropriate' | 'spam' | 'scam' | 'other';

  @Column('text', { name: 'comment' })
  comment!: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;
}
