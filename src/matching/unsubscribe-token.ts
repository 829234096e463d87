import { signIds, verifySignedIds } from '../../libs/signing';

/** One-click unsubscribe tokens: bound to one recipient of one tenant (see libs/signing). */
export function unsubscribeToken(secret: string, tenantId: string, accountId: string): string {
  return signIds(secret, 'unsubscribe', tenantId, [accountId]);
}

/** The account id a token stands for on this tenant, or undefined for a forged or foreign one. */
export function verifyUnsubscribeToken(secret: string, tenantId: string, token: string): string | undefined {
  return verifySignedIds(secret, 'unsubscribe', tenantId, token, 1)?.[0];
}
