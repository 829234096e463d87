import { tenantFileSchema, TenantSettings } from '@src/tenants/tenant-file.schema';

export interface AlertPolicy {
  /** Most residents told about one item. */
  cap: number;
  /** Immediate alert e-mails per resident per Paris day, every source together; the rest wait for the digest. */
  dailyCap: number;
  /** Hour (Europe/Paris) the daily digests leave. */
  digestHour: number;
}

/** The tenant file's defaults (src/tenants/tenant-file.schema.ts), read from the schema itself. */
const DEFAULTS: AlertPolicy = tenantFileSchema.shape.matching.parse(undefined);

/**
 * A tenant's alert policy: its file's `matching` settings, each missing one (settings stored before it existed) at its
 * default.
 */
export function alertPolicy(settings: Pick<TenantSettings, 'matching'> | undefined): AlertPolicy {
  return { ...DEFAULTS, ...settings?.matching };
}
