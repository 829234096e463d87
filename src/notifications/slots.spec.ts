import { Slots } from './slots';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('Slots', () => {
  it('runs at most `size` tasks at once, the others in arrival order', async () => {
    const slots = new Slots(2);
    const started: number[] = [];
    const release = new Map<number, () => void>();
    const runs = [0, 1, 2, 3].map((i) =>
      slots.use(async () => {
        started.push(i);
        await new Promise<void>((resolve) => release.set(i, resolve));
        return i * 10;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    expect([slots.busy, slots.queued]).toEqual([2, 2]);
    release.get(1)!();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    release.get(0)!();
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    release.get(2)!();
    release.get(3)!();
    expect(await Promise.all(runs)).toEqual([0, 10, 20, 30]);
    expect([slots.busy, slots.queued]).toEqual([0, 0]);
  });

  it('frees the slot of a task that fails', async () => {
    const slots = new Slots(1);
    await expect(slots.use(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await slots.use(async () => 'next')).toBe('next');
    expect(slots.busy).toBe(0);
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => new Slots(0)).toThrow('positive integer');
  });
});
