import { Module } from '@nestjs/common';
import { DormantCommunePage } from './dormant-commune.page';
import { TenantDirectory } from './tenant-directory.service';
import { TenantsController } from './tenants.controller';
import { TenantsRepository } from './tenants.repository';
import { TenantsService } from './tenants.service';

@Module({
  controllers: [TenantsController],
  providers: [TenantDirectory, TenantsRepository, TenantsService, DormantCommunePage],
  exports: [TenantDirectory, TenantsService, DormantCommunePage],
})
export class TenantsModule {}
