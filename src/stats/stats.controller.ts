import { Controller, Get, Header } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentTenant, TenantRef } from '@libs/tenancy';
import { StatsService } from './stats.service';

/** Open data: anyone may read and reuse these figures (docs/OPEN-DATA.md). */
@ApiTags('stats')
@Controller('api/v1')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get('stats')
  @Header('cache-control', 'public, max-age=300')
  figures(@CurrentTenant() tenant: TenantRef) {
    return this.stats.figures(tenant);
  }

  @Get('stats.csv')
  @Header('content-type', 'text/csv; charset=utf-8; header=present')
  @Header('content-disposition', 'attachment; filename="entraide-chiffres.csv"')
  @Header('cache-control', 'public, max-age=300')
  csv(@CurrentTenant() tenant: TenantRef) {
    return this.stats.csv(tenant);
  }
}
