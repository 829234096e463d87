import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';

/** What the sink knows of one `[tag]`: acceptance times (hrtime ms, see sink-process.ts) and count. */
export interface TagStats {
  tag: string;
  first: number;
  last: number;
  n: number;
}

export interface NotifySink {
  port: number;
  url: string;
  /** Forgets counts and tags (call it between phases, once nothing is in flight). */
  reset(): Promise<void>;
  count(): Promise<number>;
  /** Resolves with the hrtime (ms) at which the sink accepted its `count`-th message since the last reset. */
  waitForCount(count: number, timeoutMs: number, what: string): Promise<number>;
  tags(): Promise<Map<string, TagStats>>;
  stop(): Promise<void>;
}

/** The current time on the clock the sink stamps messages with. */
export const hrMs = () => Number(process.hrtime.bigint()) / 1e6;

/** Starts sink-process.js, reading subject tags, as a child process and talks to it over IPC. */
export async function startNotifySink(): Promise<NotifySink> {
  const child: ChildProcess = fork(join(__dirname, 'sink-process.js'), ['--subject-tags'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let nextWatch = 0;
  const answer = <T>(
    key: string,
    send?: Record<string, unknown>,
    match: (m: Record<string, unknown>) => boolean = () => true,
  ) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (m: Record<string, unknown>) => {
        if (!(key in m) || !match(m)) return;
        cleanup();
        resolve(m[key === 'watch' ? 'at' : key] as T);
      };
      const onExit = () => {
        cleanup();
        reject(new Error('the SMTP sink process exited'));
      };
      const cleanup = () => {
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      if (send) child.send(send);
    });
  const port = await answer<number>('port');
  const count = () => answer<number>('count', { type: 'count' });
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    reset: () => answer<void>('reset', { type: 'reset' }),
    count,
    async waitForCount(n, timeoutMs, what) {
      const id = ++nextWatch;
      let timer: NodeJS.Timeout | undefined;
      try {
        return await Promise.race([
          answer<number>('watch', { type: 'watch', id, count: n }, (m) => m.watch === id),
          new Promise<number>((_, reject) => {
            timer = setTimeout(
              () => {
                void count().then(
                  (got) =>
                    reject(
                      new Error(
                        `timed out after ${(timeoutMs / 1000).toFixed(0)} s waiting for ${what}: the sink ` +
                          `accepted ${got} of ${n} messages`,
                      ),
                    ),
                  reject,
                );
              },
              Math.max(0, timeoutMs),
            );
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
    async tags() {
      const list = await answer<TagStats[]>('tags', { type: 'tags' });
      return new Map(list.map((t) => [t.tag, t]));
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
