import { createPrivateKey, KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** The key that signs outgoing mail (DKIM, RFC 6376): `d=domain`, `s=selector`. */
export interface DkimKey {
  domain: string;
  selector: string;
  /** A KeyObject, not the PEM: it prints and serialises as `{}`, so the key never lands in a log. */
  privateKey: KeyObject;
}

// A DNS name of labels (letters, digits, inner hyphens), as DKIM's d= and s= tags take them.
const label = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const dnsName = new RegExp(`^${label}(?:\\.${label})*$`);

export const dkimSchema = {
  DKIM_DOMAIN: z
    .string()
    .max(253)
    .refine((v) => dnsName.test(v) && v.includes('.'), 'must be a domain name such as entraide.meylan.fr')
    .optional(),
  DKIM_SELECTOR: z.string().max(63).regex(dnsName, 'letters, digits, - and . only').optional(),
  DKIM_PRIVATE_KEY: z.string().optional(),
};

type DkimEnv = { DKIM_DOMAIN?: string; DKIM_SELECTOR?: string; DKIM_PRIVATE_KEY?: string };

/** A failure names the setting and why, never the value (a key, or a path that could be one). */
export class DkimSettingError extends Error {
  constructor(
    readonly setting: keyof DkimEnv,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/**
 * All three settings or none: signing with half a configuration would send mail that fails
 * DKIM everywhere, which is worse than unsigned mail. The key is read and checked here, at
 * boot, because nodemailer sends a message unsigned when its key does not sign.
 */
export function loadDkim(env: DkimEnv): DkimKey | undefined {
  const names = ['DKIM_DOMAIN', 'DKIM_SELECTOR', 'DKIM_PRIVATE_KEY'] as const;
  const given = names.filter((n) => env[n] !== undefined);
  if (given.length === 0) return undefined;
  const missing = names.find((n) => env[n] === undefined);
  if (missing)
    throw new DkimSettingError(
      missing,
      'is missing (DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY are set together, or none of them)',
    );
  return {
    domain: env.DKIM_DOMAIN!.toLowerCase(),
    selector: env.DKIM_SELECTOR!,
    privateKey: privateKey(env.DKIM_PRIVATE_KEY!),
  };
}

function privateKey(value: string): KeyObject {
  let pem: string;
  if (value.includes('-----BEGIN')) {
    // Environments that hold one line per variable often carry the PEM with literal "\n".
    pem = value.includes('\n') ? value : value.replace(/\\n/g, '\n');
  } else {
    try {
      pem = readFileSync(value, 'utf8');
    } catch {
      throw new DkimSettingError(
        'DKIM_PRIVATE_KEY',
        'is malformed (neither a PEM private key nor a readable file holding one)',
      );
    }
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new DkimSettingError('DKIM_PRIVATE_KEY', 'is malformed (not a PEM private key without passphrase)');
  }
  // nodemailer signs rsa-sha256 only; receivers ignore RSA keys under 1024 bits (RFC 8301).
  if (key.asymmetricKeyType !== 'rsa')
    throw new DkimSettingError('DKIM_PRIVATE_KEY', 'is malformed (must be an RSA key)');
  if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 1024)
    throw new DkimSettingError('DKIM_PRIVATE_KEY', 'is malformed (RSA key must have at least 1024 bits; 2048 advised)');
  return key;
}
