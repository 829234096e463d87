import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDevelopmentEnvFile } from './env-file';

describe('loadDevelopmentEnvFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'env-file-'));
    writeFileSync(
      join(dir, '.env'),
      "# written by npm run demo\nDATABASE_URL='postgres://a@h/db'\nPORT=4000\nREDIS_URL=redis://127.0.0.1:6379\n",
    );
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('fills only the settings the environment leaves unset', () => {
    const env: NodeJS.ProcessEnv = { PORT: '5000', REDIS_URL: '' };
    expect(loadDevelopmentEnvFile(env, dir)).toBe(join(dir, '.env'));
    expect(env).toEqual({ PORT: '5000', REDIS_URL: '', DATABASE_URL: 'postgres://a@h/db' });
  });

  it('reads nothing when NODE_ENV=production', () => {
    const env: NodeJS.ProcessEnv = { NODE_ENV: 'production' };
    expect(loadDevelopmentEnvFile(env, dir)).toBeUndefined();
    expect(env).toEqual({ NODE_ENV: 'production' });
  });

  it('never takes NODE_ENV=production from the file itself', () => {
    writeFileSync(join(dir, '.env'), 'NODE_ENV=production\nDATABASE_URL=postgres://a@h/db\n');
    const env: NodeJS.ProcessEnv = {};
    expect(loadDevelopmentEnvFile(env, dir)).toBeUndefined();
    expect(env).toEqual({});
  });

  it('does nothing without a .env file', () => {
    const env: NodeJS.ProcessEnv = {};
    expect(loadDevelopmentEnvFile(env, join(dir, 'elsewhere'))).toBeUndefined();
    expect(env).toEqual({});
  });
});
