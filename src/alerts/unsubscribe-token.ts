import { signIds, verifySignedIds } from '@libs/signing';

/** One-click unsubscribe tokens: bound to one recipient of one tenant (see libs/signing). */
export function unsubscribeToken(secret: string, tenantId: string, accountId: string): string {
  return signIds(secret, 'unsubscribe', tenantId, [accountId]);
}

/** The account id a token stands for on this tenant, or undefined for a forged or foreign one. */
export function verifyUnsubscribeToken(secret: string, tenantId: string, token: string): string | undefined {
  return verifySignedIds(secret, 'unsubscribe', tenantId, token, 1)?.[0];
}

/** The RFC 8058 headers of an alert e-mail, for the unsubscribe URL of its recipient. */
export function unsubscribeHeaders(unsubscribeUrl: string): Record<string, string> {
  return { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}

/**
 * The links every alert e-mail carries (listing matches, mission alerts, their digests): the
 * recipient's one-click unsubscribe URL, the page where alerts are set, and the RFC 8058 headers.
 */
export function alertLinks(secret: string, origin: string, tenantId: string, accountId: string) {
  const unsubscribeUrl = `${origin}/unsubscribe/${unsubscribeToken(secret, tenantId, accountId)}`;
  return { unsubscribeUrl, preferencesUrl: `${origin}/mon-compte`, headers: unsubscribeHeaders(unsubscribeUrl) };
}
