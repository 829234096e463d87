import { ProblemException } from './problem';

/** Opaque keyset cursors: base64url JSON of the last row's sort key. */
export function encodeKeyset(value: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeKeyset<T>(raw: string, valid: (v: any) => v is T): T {
  try {
    const v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (valid(v)) return v;
  } catch {
    /* answered below */
  }
  throw ProblemException.invalid([{ field: 'cursor', message: 'curseur invalide : reprenez depuis le début' }]);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A (timestamp text, uuid) keyset, the common case. */
export const isTimeKeyset = (v: any): v is { at: string; id: string } => typeof v?.at === 'string' && !Number.isNaN(Date.parse(v.at)) && typeof v?.id === 'string' && UUID.test(v.id);
