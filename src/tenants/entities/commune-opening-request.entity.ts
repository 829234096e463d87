import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@libs/tenancy';

/** A town-hall agent's request (ProConnect, src/commune-opening) to open their dormant commune's site. */
@Entity('commune_opening_requests')
export class CommuneOpeningRequest {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: TenantId;

  @PrimaryColumn('uuid', { name: 'id' })
  id!: string;

  @Column('text', { name: 'issuer' })
  issuer!: string;

  @Column('text', { name: 'subject' })
  subject!: string;

  @Column('text', { name: 'email' })
  email!: string;

  @Column('text', { name: 'given_name' })
  givenName!: string;

  @Column('text', { name: 'usual_name' })
  usualName!: string;

  @Column('text', { name: 'siret' })
  siret!: string;

  @Column('text', { name: 'status' })
  status!: 'pending' | 'accepted' | 'refused';

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'decided_at', nullable: true })
  decidedAt!: Date | null;
}
