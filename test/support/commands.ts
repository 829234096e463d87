import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

/**
 * Runs a built entry point the way an operator does (`node dist/...`), with exactly `env`, from
 * `cwd` (the repository by default; outside NODE_ENV=production a `.env` there is read too).
 */
export function runNode(script: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 30_000, cwd = ROOT) {
  const res = spawnSync(process.execPath, [join(ROOT, script), ...args], {
    cwd,
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}
