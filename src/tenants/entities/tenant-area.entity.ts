import { Column, Entity, PrimaryColumn, type MultiPolygon } from 'typeorm';
import type { TenantId } from '@libs/tenancy';

/** The commune's outline. */
@Entity('tenant_areas')
export class TenantArea {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: TenantId;

  @Column('geography', { name: 'outline', spatialFeatureType: 'MultiPolygon', srid: 4326 })
  outline!: MultiPolygon;

  @Column('text', { name: 'note' })
  note!: string;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
