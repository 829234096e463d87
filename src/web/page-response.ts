import type { FastifyReply } from 'fastify';
import type { TenantRef } from '@libs/tenancy';

/** Where map tiles may come from, besides this site (set once at boot from MAP_TILE_URL). */
let tileOrigin = '';
export function allowTileOrigin(url: string | undefined): void {
  // https://{s}.tile.example.org/{z}/{x}/{y}.png → https://*.tile.example.org
  const origin = /^https?:\/\/[^/]+/.exec(url ?? '')?.[0] ?? '';
  tileOrigin = origin.replace('{s}', '*');
}

/** Other origins a tenant's forms lead to: its identity providers (sign-in and sign-out redirect there). */
let formOrigins: (tenant: TenantRef) => string[] = () => [];
export function allowFormOrigins(fn: (tenant: TenantRef) => string[]): void {
  formOrigins = fn;
}

/**
 * The security headers of every page: a Content-Security-Policy with no inline script or
 * style (the theme comes from /assets/theme.css), no framing, no foreign form targets.
 * `inlineStyles` is for the API's Swagger UI only, whose HTML carries <style> blocks and
 * style attributes; its scripts are files of this site all the same.
 */
export function pageSecurityHeaders(reply: FastifyReply, opts: { inlineStyles?: boolean } = {}): void {
  reply
    .header(
      'content-security-policy',
      [
        "default-src 'self'",
        "script-src 'self'",
        opts.inlineStyles ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'",
        `img-src 'self' data:${tileOrigin ? ` ${tileOrigin}` : ''}`,
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        ["form-action 'self'", ...(reply.request.ctx?.tenant ? formOrigins(reply.request.ctx.tenant) : [])].join(' '),
        "frame-ancestors 'none'",
      ].join('; '),
    )
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'same-origin')
    .header('permissions-policy', 'camera=(), microphone=(), payment=(), geolocation=(self)')
    .header('cross-origin-opener-policy', 'same-origin');
}

export function sendPage(reply: FastifyReply, html: string, status = 200): FastifyReply {
  pageSecurityHeaders(reply);
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(html);
}
