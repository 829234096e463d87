import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '@libs/config';
import { ForbiddenError, UnauthenticatedError } from '@libs/errors';
import { AccountsService } from './accounts.service';
import { AUTH_REQUIREMENT, AuthRequirement } from './auth.decorators';
import { sessionCookieName } from './session-cookie';

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The one authentication layer: resolves the session cookie on this tenant only, refuses a
 * cross-origin state change, and enforces @Authenticated / @Roles on the route.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly accounts: AccountsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const ctx = req.ctx;
    const tenant = ctx?.tenant;
    const token = req.cookies?.[sessionCookieName(this.config)];
    if (tenant && token && token.length <= 100) ctx.principal = await this.accounts.authenticate(tenant, token);

    if (UNSAFE_METHODS.has(req.method)) {
      const origin = req.headers.origin;
      const expected = `${this.config.publicScheme}://${String(req.headers.host ?? '').toLowerCase()}`;
      // With a session, the Origin is required; without one, a foreign Origin still cannot act (login CSRF).
      if ((ctx?.principal && origin !== expected) || (origin !== undefined && origin !== expected)) {
        throw new ForbiddenError('Requête refusée : elle ne provient pas de ce site.');
      }
    }

    const required = this.reflector.getAllAndOverride<AuthRequirement | undefined>(AUTH_REQUIREMENT, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!required) return true;
    if (!ctx?.principal) throw new UnauthenticatedError('Veuillez vous connecter.');
    if (required.roles !== 'any' && !required.roles.some((r) => ctx.principal!.roles.includes(r))) {
      throw new ForbiddenError("Vous n'avez pas accès à cette action.");
    }
    return true;
  }
}
