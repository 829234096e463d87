/**
 * The id of a tenant (a commune's site), as its own type: a plain string, or the id of a
 * listing or an account, does not compile where a tenant id is expected. The only ways to
 * get one are `parseTenantId` at the edges (tenant directory, request context, job payloads)
 * and the `tenantId` of a `TenantTx`.
 */
export type TenantId = string & { readonly __brand: 'TenantId' };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isTenantId(value: unknown): value is TenantId {
  return typeof value === 'string' && UUID.test(value);
}

/** A tenant id read from outside the program (a row, a job payload); throws unless it is a UUID. */
export function parseTenantId(value: unknown): TenantId {
  if (!isTenantId(value)) throw new Error(`not a tenant id: ${JSON.stringify(value)?.slice(0, 60)}`);
  return value;
}
