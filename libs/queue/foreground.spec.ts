import { ForegroundWork } from './foreground';

describe('ForegroundWork', () => {
  it('lets a bulk step wait until foreground work is done', async () => {
    const fg = new ForegroundWork();
    let finish!: () => void;
    const task = fg.run(() => new Promise<void>((resolve) => (finish = resolve)));
    expect(fg.busy).toBe(1);
    let woke = false;
    const waiting = fg.idle(10_000).then(() => (woke = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(woke).toBe(false);
    finish();
    await task;
    await waiting;
    expect(woke).toBe(true);
    expect(fg.busy).toBe(0);
  });

  it('waits at most maxMs under a steady stream of foreground work', async () => {
    const fg = new ForegroundWork();
    let finish!: () => void;
    const task = fg.run(() => new Promise<void>((resolve) => (finish = resolve)));
    const started = Date.now();
    await fg.idle(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(fg.busy).toBe(1);
    finish();
    await task;
  });

  it('does not wait when nothing runs, and counts a failed task out', async () => {
    const fg = new ForegroundWork();
    await expect(fg.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(fg.busy).toBe(0);
    await fg.idle(60_000);
  });

  it('counts work begun and ended out of a promise once, however often it is ended', async () => {
    const fg = new ForegroundWork();
    const endA = fg.begin();
    const endB = fg.begin();
    endA();
    endA();
    expect(fg.busy).toBe(1);
    let woke = false;
    const waiting = fg.idle(10_000).then(() => (woke = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(woke).toBe(false);
    endB();
    await waiting;
    expect(fg.busy).toBe(0);
  });
});
