import { isCleanText } from './input-guard';
import { InvalidError } from '@libs/errors';

/** Opaque keyset cursors: base64url JSON of the last row's sort key. */
export function encodeKeyset(value: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A cursor the client sent back: its value when `valid` accepts it, else a 422 naming `cursor` with `message`. */
export function decodeKeyset<T>(
  raw: string,
  valid: (v: unknown) => v is T,
  message = 'curseur invalide : reprenez depuis le début',
): T {
  try {
    const v: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (valid(v)) return v;
  } catch {
    /* answered below */
  }
  throw new InvalidError([{ field: 'cursor', message }]);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (v: unknown): v is string => typeof v === 'string' && UUID.test(v);

/**
 * A timestamp as cursors carry it: PostgreSQL's text of a timestamptz (`2026-12-06 14:31:50.678+00`)
 * or ISO 8601 (`2026-12-06T14:31:50.678Z`), a real calendar date with its offset. `Date.parse`
 * is no check: it accepts `x 1` and 30 February, which PostgreSQL refuses (a 500).
 */
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?(?:Z|[+-](\d{2})(?::?(\d{2}))?)$/;
export function isTimestamp(v: unknown): v is string {
  const m = typeof v === 'string' ? TIMESTAMP.exec(v) : null;
  if (!m) return false;
  const [year, month, day, hour, minute, second, offsetHours = 0, offsetMinutes = 0] = m
    .slice(1)
    .map((x) => (x === undefined ? undefined : Number(x))) as number[];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return (
    year >= 1 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHours <= 15 &&
    offsetMinutes <= 59
  );
}

/** A field of a parsed JSON value, or undefined when the value is not an object. */
export const fieldOf = (v: unknown, key: string): unknown =>
  typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined;

/** A finite number (JSON has no NaN or Infinity, but a cursor is client input all the same). */
export const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Text that PostgreSQL stores as it is: no NUL, no lone surrogate, of a sane length. */
export const isKeysetText = (v: unknown, max = 500): v is string =>
  typeof v === 'string' && v.length <= max && isCleanText(v);

/** A (timestamp text, uuid) keyset, the common case. */
export const isTimeKeyset = (v: unknown): v is { at: string; id: string } =>
  isTimestamp(fieldOf(v, 'at')) && isUuid(fieldOf(v, 'id'));
