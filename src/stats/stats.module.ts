import { Module } from '@nestjs/common';
import { TenantsModule } from '@src/tenants/tenants.module';
import { StatsController } from './stats.controller';
import { StatsRepository } from './stats.repository';
import { StatsService } from './stats.service';

/** The public figures of each commune: offers, requests, "mises en relation", "entraides réalisées". */
@Module({
  imports: [TenantsModule],
  controllers: [StatsController],
  providers: [StatsRepository, StatsService],
  exports: [StatsService],
})
export class StatsModule {}
