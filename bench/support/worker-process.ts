import { fork } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface WorkerProcess {
  pid: number;
  stop(): Promise<void>;
}

/** `npm run worker` (dist/src/worker.js), as an operator starts it; ready when it says so. */
export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const child = fork(join(__dirname, '..', '..', 'src', 'worker.js'), {
    env: { PATH: process.env.PATH, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  process.once('exit', () => child.kill());
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (line.includes('"msg":"workers started"')) resolve();
    });
    void exited.then(() => reject(new Error('the worker process exited before it was ready')));
  });
  return {
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
