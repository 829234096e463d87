/**
 * A command-line option that must be a positive number (`whole`: a positive whole number), underscores allowed as
 * digit separators (`--listings 1_000_000`); anything else stops the bench with the option named.
 */
export function positiveOption(name: string, raw: string, whole = false): number {
  const n = Number(raw.replace(/_/g, ''));
  if (whole ? !Number.isInteger(n) || n <= 0 : !Number.isFinite(n) || n <= 0)
    throw new Error(`--${name} must be a positive ${whole ? 'whole number' : 'number'} (got ${raw})`);
  return n;
}
