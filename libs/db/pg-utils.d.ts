/** The value conversion `pg` applies to query parameters (not part of its published types). */
declare module 'pg/lib/utils' {
  export function prepareValue(value: unknown): string | Buffer | null;
}
