import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';

/**
 * A child process of bench/support spoken to over IPC (soak-server.js, sink-process.js): the server under test, a bare
 * baseline, or the SMTP sink. Its RSS is its own; the load generator stays in the parent.
 */
export class Child {
  readonly process: ChildProcess;
  constructor(script: string, args: string[], env?: NodeJS.ProcessEnv) {
    this.process = fork(join(__dirname, script), args, {
      env,
      // As `npm start` runs the API: a young generation sized once (see package.json).
      execArgv: ['--min-semi-space-size=64', '--max-semi-space-size=64'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    process.once('exit', () => this.process.kill());
  }

  ask<T>(message: object | undefined, key: string, timeoutMs = 120_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => finish(new Error(`no '${key}' from ${this.process.spawnfile} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onMessage = (m: Record<string, T>) => {
        if (key in m) finish(undefined, m[key]);
      };
      const onExit = (code: number | null) => finish(new Error(`child exited (${code}) before sending '${key}'`));
      const finish = (err?: Error, value?: T) => {
        clearTimeout(timer);
        this.process.off('message', onMessage);
        this.process.off('exit', onExit);
        if (err) reject(err);
        else resolve(value as T);
      };
      this.process.on('message', onMessage);
      this.process.once('exit', onExit);
      if (message) this.process.send(message);
    });
  }

  stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.process.kill('SIGKILL'), 10_000);
      this.process.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.process.send({ type: 'stop' });
    });
  }
}
