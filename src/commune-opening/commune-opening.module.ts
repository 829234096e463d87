import { Module } from '@nestjs/common';
import { AuditModule } from '@src/audit/audit.module';
import { CommuneOpeningController } from './commune-opening.controller';
import { CommuneOpeningRepository } from './commune-opening.repository';
import { CommuneOpeningService } from './commune-opening.service';

/** A town-hall agent asks, through ProConnect, for their dormant commune's site; the operator confirms it. */
@Module({
  imports: [AuditModule],
  controllers: [CommuneOpeningController],
  providers: [CommuneOpeningRepository, CommuneOpeningService],
})
export class CommuneOpeningModule {}
