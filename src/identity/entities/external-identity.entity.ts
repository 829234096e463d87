import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@libs/tenancy';

/** An account's person at an OpenID provider: (issuer, sub) within a tenant. */
@Entity('external_identities')
export class ExternalIdentity {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: TenantId;

  @PrimaryColumn('text', { name: 'issuer' })
  issuer!: string;

  @PrimaryColumn('text', { name: 'subject' })
  subject!: string;

  @Column('uuid', { name: 'account_id' })
  accountId!: string;

  /** The provider's id in the tenant file. */
  @Column('text', { name: 'provider' })
  provider!: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'last_used_at' })
  lastUsedAt!: Date;
}
