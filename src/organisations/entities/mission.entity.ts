import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@libs/tenancy';

/** A volunteering mission of a project. */
@Entity('missions')
export class Mission {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: TenantId;

  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'project_id' })
  projectId!: string;

  @Column('text', { name: 'title' })
  title!: string;

  @Column('text', { name: 'description' })
  description!: string;

  @Column('text', { name: 'when_text' })
  whenText!: string;

  @Column('timestamptz', { name: 'starts_at', nullable: true })
  startsAt!: Date | null;

  @Column('timestamptz', { name: 'ends_at', nullable: true })
  endsAt!: Date | null;

  /** Where volunteers meet; public only when `meetingPlacePublic`, else told to volunteers and managers. */
  @Column('text', { name: 'meeting_place', nullable: true })
  meetingPlace!: string | null;

  @Column('boolean', { name: 'meeting_place_public' })
  meetingPlacePublic!: boolean;

  @Column('integer', { name: 'volunteers_needed' })
  volunteersNeeded!: number;

  @Column('integer', { name: 'volunteer_count' })
  volunteerCount!: number;

  @Column('text', { name: 'skills', array: true })
  skills!: string[];

  @Column('text', { name: 'status' })
  status!: 'open' | 'closed';

  @Column('uuid', { name: 'created_by' })
  createdBy!: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;
}
