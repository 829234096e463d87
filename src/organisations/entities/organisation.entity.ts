import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@libs/tenancy';

/** An association, social centre, business or institution of the commune. */
@Entity('organisations')
export class Organisation {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: TenantId;

  @PrimaryColumn('uuid')
  id!: string;

  @Column('text', { name: 'name' })
  name!: string;

  @Column('text', { name: 'kind' })
  kind!: 'association' | 'social_centre' | 'business' | 'institution' | 'other';

  @Column('text', { name: 'description' })
  description!: string;

  @Column('uuid', { name: 'neighbourhood_id', nullable: true })
  neighbourhoodId!: string | null;

  @Column('text', { name: 'website', nullable: true })
  website!: string | null;

  @Column('text', { name: 'status' })
  status!: 'pending_review' | 'published' | 'rejected' | 'removed';

  @Column('uuid', { name: 'created_by' })
  createdBy!: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
