import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '@libs/config';
import { SESSION_TTL_SEC } from './accounts.service';

/** With https the `__Host-` prefix makes browsers refuse the cookie unless Secure, Path=/ and host-only. */
export const sessionCookieName = (config: AppConfig) =>
  config.publicScheme === 'https' ? '__Host-entraide_session' : 'entraide_session';

const cookieOptions = (config: AppConfig) =>
  ({ httpOnly: true, sameSite: 'lax', secure: config.publicScheme === 'https', path: '/' }) as const;

export function setSessionCookie(reply: FastifyReply, config: AppConfig, token: string): void {
  reply.setCookie(sessionCookieName(config), token, { ...cookieOptions(config), maxAge: SESSION_TTL_SEC });
}

export function clearSessionCookie(reply: FastifyReply, config: AppConfig): void {
  reply.clearCookie(sessionCookieName(config), cookieOptions(config));
}

/** The browser's description of itself, as a session records it (empty when it sends none). */
export const userAgentOf = (req: FastifyRequest): string => String(req.headers['user-agent'] ?? '');
