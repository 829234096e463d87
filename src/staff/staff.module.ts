import { Module } from '@nestjs/common';
import { AccountsModule } from '@src/accounts/accounts.module';
import { AuditModule } from '@src/audit/audit.module';
import { ListingsModule } from '@src/listings/listings.module';
import { RelayedResidentsRepository } from './relayed-residents.repository';
import { RelayedResidentsService } from './relayed-residents.service';
import { StaffController } from './staff.controller';
import { StaffInboxModule } from './staff-inbox.module';

/** Residents without internet, relayed by the town hall, and the inbox the team calls them back from. */
@Module({
  imports: [AccountsModule, ListingsModule, AuditModule, StaffInboxModule],
  controllers: [StaffController],
  providers: [RelayedResidentsRepository, RelayedResidentsService],
  exports: [RelayedResidentsService],
})
export class StaffModule {}
