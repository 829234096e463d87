import { createHmac, timingSafeEqual } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * One-click unsubscribe tokens: the recipient's id and an HMAC of (tenant, recipient) under
 * the session secret. Unguessable, bound to one recipient of one tenant, and nothing to store.
 */
export function unsubscribeToken(secret: string, tenantId: string, accountId: string): string {
  return `${accountId}.${mac(secret, tenantId, accountId)}`;
}

/** The account id a token stands for on this tenant, or undefined for a forged or foreign one. */
export function verifyUnsubscribeToken(secret: string, tenantId: string, token: string): string | undefined {
  const [accountId, given] = token.split('.');
  if (!accountId || !given || !UUID.test(accountId)) return undefined;
  const expected = Buffer.from(mac(secret, tenantId, accountId));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected) ? accountId : undefined;
}

/** The RFC 8058 headers of an alert e-mail, for the unsubscribe URL of its recipient. */
export function unsubscribeHeaders(unsubscribeUrl: string): Record<string, string> {
  return { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}

function mac(secret: string, tenantId: string, accountId: string): string {
  return createHmac('sha256', secret).update(`unsubscribe:${tenantId}:${accountId}`).digest('base64url').slice(0, 32);
}
