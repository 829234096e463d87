import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { APP_CONFIG, AppConfig } from '@libs/config';
import { NotFoundError } from '@libs/errors';
import { CurrentTenant, TenantRef } from '@libs/tenancy';
import { TenantsService } from './tenants.service';

@ApiTags('tenant')
@Controller()
export class TenantsController {
  constructor(
    private readonly tenants: TenantsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('api/v1/tenant')
  @ApiOkResponse({
    description: 'The commune site serving this host: names, federation, theme, map and public counters',
  })
  async tenant(@CurrentTenant() ref: TenantRef) {
    const [t, stats] = await Promise.all([this.tenants.get(ref), this.tenants.stats(ref)]);
    const s = t.settings;
    return {
      slug: t.slug,
      name: t.name,
      siteName: t.siteName,
      federation: { slug: t.federation.slug, name: t.federation.name },
      theme: {
        primary: s.theme.primary,
        primaryContrast: s.theme.primaryContrast,
        accent: s.theme.accent,
        logoUrl: s.theme.logo ? '/assets/logo' : null,
      },
      map: { center: s.map.center, zoom: s.map.zoom, tileUrl: this.config.mapTileUrl },
      moderation: { mode: s.moderation.mode },
      organisations: s.organisations,
      stats,
    };
  }

  @Get('api/v1/categories')
  @Header('cache-control', 'public, max-age=60')
  @ApiOkResponse({ description: "The tenant's active categories, in the tenant's order" })
  async categories(@CurrentTenant() ref: TenantRef) {
    const rows = await this.tenants.categories(ref);
    return rows.map((c) => ({
      id: c.id,
      slug: c.slug,
      name: c.name,
      description: c.description,
      icon: c.icon,
      remote: c.remote,
    }));
  }

  @Get('api/v1/neighbourhoods')
  @Header('cache-control', 'public, max-age=60')
  @ApiOkResponse({ description: "The tenant's neighbourhoods" })
  neighbourhoods(@CurrentTenant() ref: TenantRef) {
    return this.tenants.neighbourhoods(ref);
  }

  @Get('api/v1/neighbourhoods.geojson')
  @Header('content-type', 'application/geo+json; charset=utf-8')
  @Header('cache-control', 'public, max-age=300')
  @ApiOkResponse({ description: 'Neighbourhood outlines as a GeoJSON FeatureCollection (approximate)' })
  neighbourhoodsGeoJson(@CurrentTenant() ref: TenantRef) {
    return this.tenants.neighbourhoodsGeoJson(ref);
  }

  @Get('assets/logo')
  async logo(@CurrentTenant() ref: TenantRef, @Res() reply: FastifyReply) {
    const t = await this.tenants.get(ref);
    const file = t.settings.theme.logo;
    if (!file) throw new NotFoundError("Ce site n'a pas de logo.");
    const type = file.endsWith('.svg') ? 'image/svg+xml' : 'image/png';
    return reply
      .header('content-type', type)
      .header('cache-control', 'public, max-age=3600')
      .send(createReadStream(join(this.config.tenantsDir, t.slug, file)));
  }
}
