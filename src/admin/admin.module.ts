import { Module } from '@nestjs/common';
import { ModerationModule } from '@src/moderation/moderation.module';
import { TenantsModule } from '@src/tenants/tenants.module';
import { AdminController } from './admin.controller';
import { AdminRepository } from './admin.repository';
import { AdminService } from './admin.service';

@Module({
  imports: [TenantsModule, ModerationModule],
  controllers: [AdminController],
  providers: [AdminRepository, AdminService],
  exports: [AdminService],
})
export class AdminModule {}
