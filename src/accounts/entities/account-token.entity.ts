import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@libs/tenancy';

/** A single-use token: address verification, password reset, staff invitation. */
@Entity('account_tokens')
export class AccountToken {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: TenantId;

  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'account_id' })
  accountId!: string;

  @Column('text', { name: 'purpose' })
  purpose!: 'verify' | 'reset' | 'invite';

  @Column('bytea', { name: 'token_hash' })
  tokenHash!: Buffer;

  @Column('jsonb', { name: 'data' })
  data!: Record<string, unknown>;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt!: Date;

  @Column('timestamptz', { name: 'used_at', nullable: true })
  usedAt!: Date | null;
}
