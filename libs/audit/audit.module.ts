import { Module } from '@nestjs/common';
import { AuditRepository } from './audit.repository';

/** The append-only audit log, written by every module that acts on someone's behalf or decides on content. */
@Module({ providers: [AuditRepository], exports: [AuditRepository] })
export class AuditModule {}
