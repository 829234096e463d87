import { createHmac, timingSafeEqual } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Links that act without a session (unsubscribe, a reminder's answers): the ids they stand
 * for, then an HMAC of (purpose, tenant, ids) under the server's secret. Unguessable, bound
 * to one purpose of one tenant, and nothing to store.
 */
export function signIds(secret: string, purpose: string, tenantId: string, ids: string[]): string {
  return [...ids, mac(secret, purpose, tenantId, ids)].join('.');
}

/** The ids a token stands for, or undefined for a forged, foreign or malformed one. */
export function verifySignedIds(
  secret: string,
  purpose: string,
  tenantId: string,
  token: string,
  count: number,
): string[] | undefined {
  const parts = token.split('.');
  if (parts.length !== count + 1) return undefined;
  const ids = parts.slice(0, count);
  if (!ids.every((id) => UUID.test(id))) return undefined;
  const expected = Buffer.from(mac(secret, purpose, tenantId, ids));
  const actual = Buffer.from(parts[count]);
  return actual.length === expected.length && timingSafeEqual(actual, expected) ? ids : undefined;
}

function mac(secret: string, purpose: string, tenantId: string, ids: string[]): string {
  return createHmac('sha256', secret)
    .update(`${purpose}:${tenantId}:${ids.join(':')}`)
    .digest('base64url')
    .slice(0, 32);
}
