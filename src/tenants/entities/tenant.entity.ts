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

  /** 'open' serves its site; 'dormant' (imported, not opened) and 'merged' answer a short page. */
  @Column('text', { name: 'status' })
  status!: 'open' | 'dormant' | 'merged';

  @Column('text', { name: 'insee_code', nullable: true })
  inseeCode!: string | null;

  @Column('text', { name: 'siren', nullable: true })
  siren!: string | null;

  @Column('text', { name: 'postal_codes', array: true })
  postalCodes!: string[];

  @Column('integer', { name: 'population', nullable: true })
  population!: number | null;

  @Column('text', { name: 'former_codes', array: true })
  formerCodes!: string[];

  @Column('jsonb', { name: 'divisions' })
  divisions!: Array<{ code: string; name: string }>;

  @Column('uuid', { name: 'merged_into', nullable: true })
  mergedInto!: string | null;

  @Column('timestamptz', { name: 'opened_at', nullable: true })
  openedAt!: Date | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
