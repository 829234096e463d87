import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { LruCache } from '@libs/cache';
import { APP_CONFIG, AppConfig } from '@libs/config';
import { NotFoundError } from '@libs/errors';
import { CurrentTenant, TenantId, TenantRef } from '@libs/tenancy';
import { TenantsService } from '@src/tenants/tenants.service';
import { themeCss } from './theme';

// Copied next to the compiled code by `nest build` (nest-cli.json assets).
const OWN = join(__dirname, 'assets');
const LEAFLET = join(dirname(require.resolve('leaflet/package.json')), 'dist');
const CLUSTER = join(dirname(require.resolve('leaflet.markercluster/package.json')), 'dist');

const TYPES: Record<string, string> = {
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  png: 'image/png',
};

/** Every file the site serves, by URL path under /assets: its own, and Leaflet's from node_modules (no CDN). */
const FILES: Record<string, string> = {
  'site.css': join(OWN, 'site.css'),
  'site.js': join(OWN, 'site.js'),
  'leaflet-setup.js': join(OWN, 'leaflet-setup.js'),
  'map.js': join(OWN, 'map.js'),
  'location-picker.js': join(OWN, 'location-picker.js'),
  'near-me.js': join(OWN, 'near-me.js'),
  'vendor/leaflet/leaflet.js': join(LEAFLET, 'leaflet.js'),
  'vendor/leaflet/leaflet.css': join(LEAFLET, 'leaflet.css'),
  ...Object.fromEntries(
    ['layers.png', 'layers-2x.png', 'marker-icon.png', 'marker-icon-2x.png', 'marker-shadow.png'].map((f) => [
      `vendor/leaflet/images/${f}`,
      join(LEAFLET, 'images', f),
    ]),
  ),
  'vendor/markercluster/leaflet.markercluster.js': join(CLUSTER, 'leaflet.markercluster.js'),
  'vendor/markercluster/MarkerCluster.css': join(CLUSTER, 'MarkerCluster.css'),
  'vendor/markercluster/MarkerCluster.Default.css': join(CLUSTER, 'MarkerCluster.Default.css'),
};

interface Asset {
  type: string;
  body: Buffer;
  /** Text assets are also kept gzipped: Leaflet is 150 KB as is, 40 KB compressed. */
  gzip?: Buffer;
}

function load(file: string): Asset {
  const ext = file.slice(file.lastIndexOf('.') + 1);
  const body = readFileSync(file);
  return { type: TYPES[ext], body, gzip: ext === 'png' ? undefined : gzipSync(body, { level: 9 }) };
}

/** The site's stylesheet and scripts, Leaflet, and each tenant's colours as CSS custom properties. */
@ApiExcludeController()
@Controller('assets')
export class AssetsController {
  private readonly assets = new Map(Object.entries(FILES).map(([path, file]) => [path, load(file)]));
  /**
   * Each tenant's theme.css, built on its first request and kept while its settings' theme is the same object (a
   * directory reload replaces it); TENANT_CACHE_SIZE tenants at most.
   */
  private readonly themes: LruCache<TenantId, { theme: object; asset: Asset }>;

  constructor(
    private readonly tenants: TenantsService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.themes = new LruCache(config.tenantCacheSize);
  }

  /** How many tenants' theme.css are in memory. */
  get cachedThemes(): number {
    return this.themes.size;
  }

  @Get('theme.css')
  async theme(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const { theme } = (await this.tenants.get(ref)).settings;
    let cached = this.themes.get(ref.id);
    if (cached?.theme !== theme) {
      const body = Buffer.from(themeCss(theme));
      cached = { theme, asset: { type: TYPES.css, body, gzip: gzipSync(body) } };
      this.themes.set(ref.id, cached);
    }
    return send(req, reply, cached.asset);
  }

  @Get('vendor/:pkg/images/:file')
  image(
    @Param('pkg') pkg: string,
    @Param('file') file: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    return this.file(`vendor/${pkg}/images/${file}`, req, reply);
  }

  @Get('vendor/:pkg/:file')
  vendor(
    @Param('pkg') pkg: string,
    @Param('file') file: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    return this.file(`vendor/${pkg}/${file}`, req, reply);
  }

  @Get(':file')
  own(@Param('file') file: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.file(file, req, reply);
  }

  private file(path: string, req: FastifyRequest, reply: FastifyReply) {
    const asset = this.assets.get(path);
    if (!asset) throw new NotFoundError();
    return send(req, reply, asset);
  }
}

function send(req: FastifyRequest, reply: FastifyReply, asset: Asset) {
  reply
    .header('content-type', asset.type)
    .header('cache-control', 'public, max-age=300')
    .header('x-content-type-options', 'nosniff')
    .header('vary', 'accept-encoding');
  if (asset.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')))
    return reply.header('content-encoding', 'gzip').send(asset.gzip);
  return reply.send(asset.body);
}
