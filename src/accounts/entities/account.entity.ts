import { Column, Entity, PrimaryColumn, type Point } from 'typeorm';
import type { TenantId } from '@libs/tenancy';

/** A resident or staff account of one tenant. */
@Entity('accounts')
export class Account {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: TenantId;

  @PrimaryColumn('uuid')
  id!: string;

  @Column('text', { name: 'email', nullable: true })
  email!: string | null;

  @Column('timestamptz', { name: 'email_verified_at', nullable: true })
  emailVerifiedAt!: Date | null;

  @Column('text', { name: 'password_hash', nullable: true })
  passwordHash!: string | null;

  @Column('text', { name: 'display_name' })
  displayName!: string;

  @Column('text', { name: 'roles', array: true })
  roles!: Array<'resident' | 'moderator' | 'admin' | 'federation_admin'>;

  @Column('geography', { name: 'location', spatialFeatureType: 'Point', srid: 4326, nullable: true })
  location!: Point | null;

  @Column('text', { name: 'notify_mode' })
  notifyMode!: 'immediate' | 'daily' | 'off';

  @Column('integer', { name: 'notify_radius_m' })
  notifyRadiusM!: number;

  @Column('uuid', { name: 'notify_category_ids', array: true })
  notifyCategoryIds!: string[];

  /** The kinds of listing an alert is for: offers, requests or both. */
  @Column('text', { name: 'notify_kinds', array: true })
  notifyKinds!: Array<'offer' | 'request'>;

  @Column('timestamptz', { name: 'terms_accepted_at', nullable: true })
  termsAcceptedAt!: Date | null;

  @Column('timestamptz', { name: 'last_login_at', nullable: true })
  lastLoginAt!: Date | null;

  @Column('timestamptz', { name: 'deleted_at', nullable: true })
  deletedAt!: Date | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;

  @Column('timestamptz', { name: 'unsubscribed_at', nullable: true })
  unsubscribedAt!: Date | null;

  @Column('timestamptz', { name: 'banned_at', nullable: true })
  bannedAt!: Date | null;

  @Column('text', { name: 'ban_reason', nullable: true })
  banReason!: string | null;

  @Column('boolean', { name: 'relayed' })
  relayed!: boolean;
}
