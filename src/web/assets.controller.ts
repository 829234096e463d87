import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CurrentTenant, TenantRef } from '../../libs/tenancy';
import { TenantsService } from '../tenants/tenants.service';
import { themeCss } from './theme';

// Copied next to the compiled code by `nest build` (nest-cli.json assets).
const ASSETS = join(__dirname, 'assets');
const read = (file: string) => readFileSync(join(ASSETS, file), 'utf8');

/** The site's own stylesheet and script, and each tenant's colours as CSS custom properties. */
@ApiExcludeController()
@Controller('assets')
export class AssetsController {
  private readonly files = { css: read('site.css'), js: read('site.js') };

  constructor(private readonly tenants: TenantsService) {}

  @Get('site.css')
  css(@Res() reply: FastifyReply) {
    return asset(reply, 'text/css; charset=utf-8', this.files.css);
  }

  @Get('site.js')
  js(@Res() reply: FastifyReply) {
    return asset(reply, 'text/javascript; charset=utf-8', this.files.js);
  }

  @Get('theme.css')
  async theme(@CurrentTenant() ref: TenantRef, @Res() reply: FastifyReply) {
    const t = await this.tenants.get(ref);
    return asset(reply, 'text/css; charset=utf-8', themeCss(t.settings.theme));
  }
}

function asset(reply: FastifyReply, type: string, body: string) {
  return reply.header('content-type', type).header('cache-control', 'public, max-age=300').header('x-content-type-options', 'nosniff').send(body);
}
