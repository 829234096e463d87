import {
  applyDecorators,
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  Injectable,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ForbiddenError } from '@libs/errors';
import { STAFF_ROLES } from '@src/accounts/roles';
import type { Principal } from '@libs/tenancy';
import type { Role } from '@src/accounts/roles';

const PAGE_ACCESS = 'entraide:page-access';

/**
 * Where the sign-in page sends back to: a path where `:name` is the route's parameter, or a
 * function of the request. By default this page for a GET, the home page after a form.
 */
export type ReturnPath = string | ((req: FastifyRequest) => string);

interface PageAccess {
  roles?: readonly Role[];
  refusal?: string;
  back?: ReturnPath;
}

/** Nobody is signed in on a page that needs someone: the site's error filter sends to the sign-in page. */
export class SignInRequired extends Error {
  constructor(readonly back: string) {
    super('sign-in required');
  }
}

/** The page needs a signed-in account of this tenant; anyone else goes to the sign-in page and comes back. */
export const SignedInPage = (back?: ReturnPath) =>
  applyDecorators(SetMetadata(PAGE_ACCESS, { back } satisfies PageAccess), UseGuards(PageGuard));

/** The page needs one of `roles`: signed-out people go to the sign-in page, anyone else gets the French 403 page. */
export const PageRoles = (roles: readonly Role[], refusal: string, back?: ReturnPath) =>
  applyDecorators(SetMetadata(PAGE_ACCESS, { roles, refusal, back } satisfies PageAccess), UseGuards(PageGuard));

/** A page of the commune's moderators (moderators and administrators). */
export const ModeratorPage = () =>
  PageRoles(STAFF_ROLES, 'Cette page est réservée à l’équipe de modération de la commune.');

/** The signed-in person of a page guarded by @SignedInPage or @PageRoles. */
export const Me = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<FastifyRequest>().ctx.principal;
  if (!principal) throw new Error('@Me() on a page without @SignedInPage or @PageRoles');
  return principal;
});

/** Runs after the global AuthGuard, which has read the session into `req.ctx.principal`. */
@Injectable()
export class PageGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const access = this.reflector.getAllAndOverride<PageAccess | undefined>(PAGE_ACCESS, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!access) return true;
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const principal = req.ctx.principal;
    if (!principal) throw new SignInRequired(returnPath(req, access.back));
    if (access.roles && !principal.roles.some((r) => access.roles!.includes(r)))
      throw new ForbiddenError(access.refusal ?? "Vous n'avez pas accès à cette page.");
    return true;
  }
}

function returnPath(req: FastifyRequest, back: ReturnPath | undefined): string {
  if (typeof back === 'function') return back(req);
  if (back === undefined) return req.method === 'GET' ? req.url : '/';
  const params = (req.params ?? {}) as Record<string, string>;
  return back.replace(/:(\w+)/g, (_, name: string) => params[name] ?? '');
}
