import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A commune's site (platform table, no RLS); written by tenants:sync from tenants/<slug>.yaml. */
@Entity('tenants')
export class Tenant {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text', { name: 'slug' })
  slug!: string;

  @Column('uuid', { name: 'federation_id' })
  federationId!: string;

  @Column('text', { name: 'name' })
  name!: string;

  @Column('text', { name: 'site_name' })
  siteName!: string;

  @Column('jsonb', { name: 'settings' })
  settings!: Record<string, unknown>;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
