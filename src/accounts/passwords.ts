import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { COMMON_PASSWORDS } from './common-passwords';

const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, keylen: number, opts: object) => Promise<Buffer>;

/** scrypt N=2^15, r=8, p=1 (OWASP's minimum for scrypt); the parameters are stored with each hash. */
const PARAMS = { logN: 15, r: 8, p: 1, keylen: 32 };
const maxmem = (logN: number, r: number) => 256 * 2 ** logN * r;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password.normalize('NFC'), salt, PARAMS.keylen, {
    N: 2 ** PARAMS.logN,
    r: PARAMS.r,
    p: PARAMS.p,
    maxmem: maxmem(PARAMS.logN, PARAMS.r),
  });
  return ['scrypt', PARAMS.logN, PARAMS.r, PARAMS.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string | null | undefined): Promise<boolean> {
  // With no stored hash, still spend the time of one, so timing does not tell whether an account exists.
  const [kind, logN, r, p, salt, hash] = (stored ?? DUMMY_HASH).split('$');
  if (kind !== 'scrypt') return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scrypt(password.normalize('NFC'), Buffer.from(salt, 'base64'), expected.length, {
    N: 2 ** Number(logN),
    r: Number(r),
    p: Number(p),
    maxmem: maxmem(Number(logN), Number(r)),
  });
  return stored !== null && stored !== undefined && timingSafeEqual(actual, expected);
}

const DUMMY_HASH =
  `scrypt$${PARAMS.logN}$${PARAMS.r}$${PARAMS.p}$` +
  `${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(32).toString('base64')}`;

/** French password rules; returns the message to show, or undefined when the password is acceptable. */
export function passwordProblem(
  password: string,
  context: { email?: string; siteName?: string } = {},
): string | undefined {
  if (password.length < 10) return 'Le mot de passe doit contenir au moins 10 caractères.';
  if (password.length > 128) return 'Le mot de passe ne doit pas dépasser 128 caractères.';
  const folded = password
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '');
  if (COMMON_PASSWORDS.has(folded) || COMMON_PASSWORDS.has(folded.replace(/[\d!?.*@#$_-]+$/, '')))
    return 'Ce mot de passe est trop courant. Choisissez-en un autre, par exemple une phrase de plusieurs mots.';
  if (/^(.)\1+$/.test(password)) return 'Le mot de passe ne peut pas être un seul caractère répété.';
  if ('01234567890123456789'.includes(password) || '98765432109876543210'.includes(password))
    return 'Le mot de passe ne peut pas être une suite de chiffres.';
  const local = context.email?.split('@')[0]?.toLowerCase();
  if (local && local.length >= 4 && folded.includes(local))
    return 'Le mot de passe ne doit pas contenir votre adresse e-mail.';
  if (
    context.siteName &&
    folded.includes(
      context.siteName
        .toLowerCase()
        .normalize('NFD')
        .replace(/[\u0300-\u036f]/g, '')
        .replace(/\s+/g, ''),
    )
  )
    return 'Le mot de passe ne doit pas contenir le nom du site.';
  return undefined;
}
