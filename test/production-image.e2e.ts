import { spawnSync } from 'node:child_process';
import { relative } from 'node:path';
import { ROOT } from './support/commands';

/**
 * Development code stays out of production: the demo data and the development inbox live in
 * dev/, which only the development entry (dev/main.ts) loads; the image holds no dev/, bench/ or test/.
 */
describe('the production build', () => {
  it('compiles src/, libs/ and migrations/ only: no production file imports dev/, bench/, test/ or a spec', () => {
    // The compiler follows imports past "include": a file of dev/ reached from src/ would be listed.
    const res = spawnSync(
      process.execPath,
      [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.prod.json', '--listFilesOnly'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(res.stderr).toBe('');
    const ours = res.stdout
      .split('\n')
      .filter(Boolean)
      .map((f) => relative(ROOT, f))
      .filter((f) => !f.startsWith('node_modules/') && !f.startsWith('..'));
    expect(ours.length).toBeGreaterThan(100);
    expect(ours.filter((f) => !/^(src|libs|migrations)\//.test(f) || /\.(spec|e2e)\.ts$/.test(f))).toEqual([]);
    expect(ours).toContain('src/main.ts');
  });

  it(
    "builds the image's files as the Dockerfile does: no dev/, bench/, test/ or spec, and every entry point " + 'loads',
    () => {
      const res = spawnSync('bash', ['scripts/check-image-files.sh'], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 280_000,
      });
      expect({ code: res.status, stderr: res.stderr }).toEqual({ code: 0, stderr: '' });
      expect(res.stdout).toBe('image dist/: libs migrations src \n');
    },
    300_000,
  );
});
