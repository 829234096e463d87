import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNode } from './support/commands';

const complete = {
  DATABASE_URL: 'postgres://entraide_app:entraide_app@127.0.0.1:5432/entraide_nonexistent',
  REDIS_URL: 'redis://127.0.0.1:6379',
  SESSION_SECRET: 'a-session-secret-of-at-least-32-chars',
};

describe('process start-up with a bad environment', () => {
  // A directory without .env: a developer's own .env (written by npm run demo) must not fill the gaps under test.
  let bare: string;
  beforeAll(() => {
    bare = mkdtempSync(join(tmpdir(), 'entraide-bare-'));
  });
  afterAll(() => rmSync(bare, { recursive: true, force: true }));

  it.each([
    ['the API', 'dist/src/main.js', []],
    ['the worker', 'dist/src/worker.js', []],
  ])('%s exits non-zero with one line naming a missing DATABASE_URL', (_name, script, args) => {
    const res = runNode(script, args, { ...complete, DATABASE_URL: '' }, 30_000, bare);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toBe('Invalid configuration: DATABASE_URL is missing\n');
    expect(res.stdout).toBe('');
  });

  it('the API names a malformed PORT', () => {
    const res = runNode('dist/src/main.js', [], { ...complete, PORT: '70000' }, 30_000, bare);
    expect(res.code).not.toBe(0);
    expect(res.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^Invalid configuration: PORT is malformed/)]);
  });

  it('migrate and tenants:sync name a missing DATABASE_ADMIN_URL', () => {
    for (const [script, args] of [
      ['dist/libs/db/migrate.js', []],
      ['dist/src/cli.js', ['tenants:sync']],
    ] as const) {
      const res = runNode(script, [...args], {}, 30_000, bare);
      expect(res.code).not.toBe(0);
      expect(res.stderr).toBe('Invalid configuration: DATABASE_ADMIN_URL is missing\n');
    }
  });
});
