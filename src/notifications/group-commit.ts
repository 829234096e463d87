/**
 * Group commit for the worker's per-message statements: calls made while the previous batch
 * is in flight (or within `lingerMs` of the first one) go to PostgreSQL together, as one
 * transaction and one round trip (`Database.inTenants`), whatever their tenants. Each caller
 * still waits for its own row's outcome, so nothing is acknowledged before it is committed.
 * Round trips to PostgreSQL, not SMTP, are what the worker's throughput is made of.
 */
export class GroupCommit<I, R> {
  private readonly queued: Array<{ item: I; resolve: (r: R) => void; reject: (e: unknown) => void }> = [];
  private busy = false;
  private readonly maxBatch: number;
  private readonly lingerMs: number;

  /** `flush` returns one result per item, in the items' order. */
  constructor(
    private readonly flush: (items: I[]) => Promise<R[]>,
    opts: { maxBatch?: number; lingerMs?: number } = {},
  ) {
    this.maxBatch = opts.maxBatch ?? 500;
    this.lingerMs = opts.lingerMs ?? 0;
  }

  run(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queued.push({ item, resolve, reject });
      if (!this.busy) {
        this.busy = true;
        if (this.lingerMs > 0) setTimeout(() => void this.drain(), this.lingerMs);
        else setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    const batch = this.queued.splice(0, this.maxBatch);
    try {
      const results = await this.flush(batch.map((b) => b.item));
      batch.forEach((b, i) => b.resolve(results[i]));
    } catch (err) {
      for (const b of batch) b.reject(err);
    }
    if (this.queued.length) setImmediate(() => void this.drain());
    else this.busy = false;
  }
}

/** Items grouped by tenant, each group in first-seen order. */
export function byTenant<T extends { tenantId: string }>(items: T[]): Map<T['tenantId'], T[]> {
  const groups = new Map<T['tenantId'], T[]>();
  for (const item of items) {
    const group = groups.get(item.tenantId);
    if (group) group.push(item);
    else groups.set(item.tenantId, [item]);
  }
  return groups;
}
