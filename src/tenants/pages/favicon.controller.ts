import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { join } from 'node:path';
import { APP_CONFIG, AppConfig } from '@libs/config';
import { CurrentTenant, TenantRef } from '@libs/tenancy';
import { TenantsService } from '../tenants.service';
import { faviconOf } from './favicon';

/** Icons kept at once; a commune's is made on its first request (most of 35,000 never get one). */
const CACHE_SIZE = 256;

/** Each commune's /favicon.ico, made from its logo and colours. */
@ApiExcludeController()
@Controller()
export class FaviconController {
  private readonly cache = new Map<string, Promise<Buffer>>();

  constructor(
    private readonly tenants: TenantsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('favicon.ico')
  async favicon(@CurrentTenant() ref: TenantRef, @Res() reply: FastifyReply) {
    const t = await this.tenants.get(ref);
    const { logo, primary, primaryContrast } = t.settings.theme;
    // The key follows the tenant file: a new logo or colour makes a new icon.
    const key = `${t.slug}:${logo ?? ''}:${primary}:${primaryContrast}`;
    let icon = this.cache.get(key);
    if (!icon) {
      icon = faviconOf(logo ? join(this.config.tenantsDir, t.slug, logo) : undefined, { primary, primaryContrast });
      icon.catch(() => this.cache.delete(key));
      if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, icon);
    }
    return reply
      .header('content-type', 'image/x-icon')
      .header('cache-control', 'public, max-age=86400')
      .header('x-content-type-options', 'nosniff')
      .send(await icon);
  }
}
