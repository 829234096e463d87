import type { FastifyReply, FastifyRequest } from 'fastify';
import { problem, ProblemException } from '../../libs/http';
import type { Principal } from '../../libs/tenancy';

/**
 * The signed-in person, or undefined after sending to the sign-in page, which sends back to
 * `back` (by default this page for a GET, the home page after a form).
 */
export function signedIn(req: FastifyRequest, reply: FastifyReply, back = req.method === 'GET' ? req.url : '/'): Principal | undefined {
  const principal = req.ctx.principal;
  if (!principal) reply.redirect(`/connexion?retour=${encodeURIComponent(back)}`, 303);
  return principal;
}

/** The signed-in person if they hold one of `roles`; anyone else signed in gets the French 403 page. */
export function withRole(req: FastifyRequest, reply: FastifyReply, roles: ReadonlySet<string>, refusal: string, back?: string): Principal | undefined {
  const principal = signedIn(req, reply, back);
  if (principal && !principal.roles.some((r) => roles.has(r))) throw new ProblemException(problem(403, refusal));
  return principal;
}
