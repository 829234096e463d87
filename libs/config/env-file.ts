import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';

/**
 * Development only: fills the settings left unset from `.env` in the working directory, the file
 * `npm run demo` writes with the defaults it used, so `npm run cli`, `migrate` and the worker reach
 * the same database as the demo. Variables already in the environment win (even empty ones); with
 * NODE_ENV=production the file is never read, production takes its environment alone.
 * Returns the path read, or undefined.
 */
export function loadDevelopmentEnvFile(
  env: NodeJS.ProcessEnv = process.env,
  dir: string = process.cwd(),
): string | undefined {
  if (env.NODE_ENV === 'production') return undefined;
  const path = join(dir, '.env');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const values = parseEnv(text);
  // A file never turns a process into production: that comes from the environment alone.
  if (values.NODE_ENV === 'production') return undefined;
  for (const [key, value] of Object.entries(values)) {
    if (env[key] === undefined && value !== undefined) env[key] = value;
  }
  return path;
}
