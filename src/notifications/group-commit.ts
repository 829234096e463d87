/**
 * Group commit for the worker's per-message statements: calls made while a tenant's previous
 * batch is in flight (or within the same event-loop turn) go to PostgreSQL together as one
 * transaction. Each caller still waits for its own row's outcome, so nothing is acknowledged
 * before it is committed; under light load a batch is one item and nothing waits.
 */
export class TenantBatcher<I, R> {
  private readonly queued = new Map<string, Array<{ item: I; resolve: (r: R) => void; reject: (e: unknown) => void }>>();
  private readonly busy = new Set<string>();

  /** `flush` returns one result per item, in the items' order. */
  constructor(private readonly flush: (tenantId: string, items: I[]) => Promise<R[]>, private readonly maxBatch = 200) {}

  run(tenantId: string, item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const queue = this.queued.get(tenantId) ?? [];
      queue.push({ item, resolve, reject });
      this.queued.set(tenantId, queue);
      if (!this.busy.has(tenantId)) {
        this.busy.add(tenantId);
        setImmediate(() => void this.drain(tenantId));
      }
    });
  }

  private async drain(tenantId: string): Promise<void> {
    const queue = this.queued.get(tenantId) ?? [];
    const batch = queue.splice(0, this.maxBatch);
    if (!queue.length) this.queued.delete(tenantId);
    try {
      const results = await this.flush(tenantId, batch.map((b) => b.item));
      batch.forEach((b, i) => b.resolve(results[i]));
    } catch (err) {
      for (const b of batch) b.reject(err);
    }
    if (this.queued.has(tenantId)) setImmediate(() => void this.drain(tenantId));
    else this.busy.delete(tenantId);
  }
}
