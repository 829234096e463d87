import { Module } from '@nestjs/common';
import { TenantDirectory } from './tenant-directory.service';
import { TenantsController } from './tenants.controller';
import { TenantsRepository } from './tenants.repository';
import { TenantsService } from './tenants.service';

@Module({
  controllers: [TenantsController],
  providers: [TenantDirectory, TenantsRepository, TenantsService],
  exports: [TenantDirectory, TenantsService],
})
export class TenantsModule {}
