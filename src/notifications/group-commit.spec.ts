import { TenantBatcher } from './tenant-batcher';

describe('TenantBatcher', () => {
  it('sends concurrent calls of one tenant together and answers each its own result', async () => {
    const batches: Array<[string, number[]]> = [];
    const b = new TenantBatcher<number, number>(async (tenant, items) => {
      batches.push([tenant, items]);
      return items.map((i) => i * 10);
    });
    const results = await Promise.all([b.run('a', 1), b.run('a', 2), b.run('b', 3), b.run('a', 4)]);
    expect(results).toEqual([10, 20, 30, 40]);
    expect(batches).toEqual([
      ['a', [1, 2, 4]],
      ['b', [3]],
    ]);
  });

  it('keeps one batch in flight per tenant; calls made meanwhile form the next one', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const b = new TenantBatcher<number, void>(async (_t, items) => {
      batches.push(items);
      if (batches.length === 1) await gate;
      return items.map(() => undefined);
    });
    const first = b.run('a', 1);
    await new Promise((r) => setImmediate(r));
    const later = [b.run('a', 2), b.run('a', 3)];
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([[1]]);
    release();
    await Promise.all([first, ...later]);
    expect(batches).toEqual([[1], [2, 3]]);
  });

  it('fails every call of a batch that fails, and goes on with the next', async () => {
    let calls = 0;
    const b = new TenantBatcher<number, number>(async (_t, items) => {
      if (calls++ === 0) throw new Error('database away');
      return items;
    });
    await expect(Promise.all([b.run('a', 1), b.run('a', 2)])).rejects.toThrow('database away');
    await expect(b.run('a', 3)).resolves.toBe(3);
  });
});
