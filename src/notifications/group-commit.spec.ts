import { byTenant, GroupCommit } from './group-commit';

const tick = () => new Promise((r) => setImmediate(r));

describe('GroupCommit', () => {
  it('sends concurrent calls together and answers each its own result', async () => {
    const batches: number[][] = [];
    const g = new GroupCommit<number, number>(async (items) => {
      batches.push(items);
      return items.map((i) => i * 10);
    });
    const results = await Promise.all([g.run(1), g.run(2), g.run(3)]);
    expect(results).toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('keeps one batch in flight; calls made meanwhile form the next one', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const g = new GroupCommit<number, void>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await gate;
      return items.map(() => undefined);
    });
    const first = g.run(1);
    await tick();
    const later = [g.run(2), g.run(3)];
    await tick();
    expect(batches).toEqual([[1]]);
    release();
    await Promise.all([first, ...later]);
    expect(batches).toEqual([[1], [2, 3]]);
  });

  it('waits lingerMs after the first call, gathering the calls made meanwhile', async () => {
    const batches: number[][] = [];
    const g = new GroupCommit<number, void>(async (items) => (batches.push(items), items.map(() => undefined)), {
      lingerMs: 30,
    });
    const first = g.run(1);
    await new Promise((r) => setTimeout(r, 10));
    const second = g.run(2);
    await Promise.all([first, second]);
    expect(batches).toEqual([[1, 2]]);
  });

  it('splits a long queue into batches of maxBatch', async () => {
    const batches: number[][] = [];
    const g = new GroupCommit<number, void>(async (items) => (batches.push(items), items.map(() => undefined)), {
      maxBatch: 2,
    });
    await Promise.all([1, 2, 3, 4, 5].map((i) => g.run(i)));
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('fails every call of a batch that fails, and goes on with the next', async () => {
    let calls = 0;
    const g = new GroupCommit<number, number>(async (items) => {
      if (calls++ === 0) throw new Error('database away');
      return items;
    });
    await expect(Promise.all([g.run(1), g.run(2)])).rejects.toThrow('database away');
    await expect(g.run(3)).resolves.toBe(3);
  });
});

describe('byTenant', () => {
  it('groups items by tenant, keeping their order', () => {
    const items = [
      { tenantId: 'a', n: 1 },
      { tenantId: 'b', n: 2 },
      { tenantId: 'a', n: 3 },
    ];
    expect([...byTenant(items)]).toEqual([
      ['a', [items[0], items[2]]],
      ['b', [items[1]]],
    ]);
  });
});
