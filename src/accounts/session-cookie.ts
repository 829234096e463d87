import type { FastifyReply } from 'fastify';
import type { AppConfig } from '@libs/config';
import { SESSION_TTL_SEC } from './accounts.service';

/** With https the `__Host-` prefix makes browsers refuse the cookie unless Secure, Path=/ and host-only. */
export const sessionCookieName = (config: AppConfig) =>
  config.publicScheme === 'https' ? '__Host-entraide_session' : 'entraide_session';

export function setSessionCookie(reply: FastifyReply, config: AppConfig, token: string): void {
  reply.setCookie(sessionCookieName(config), token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: config.publicScheme === 'https',
    path: '/',
    maxAge: SESSION_TTL_SEC,
  });
}

export function clearSessionCookie(reply: FastifyReply, config: AppConfig): void {
  reply.clearCookie(sessionCookieName(config), {
    httpOnly: true,
    sameSite: 'lax',
    secure: config.publicScheme === 'https',
    path: '/',
  });
}
