import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * libs/ holds the concerns any application of this kind needs (tenancy, queues, mail, geo…);
 * the domain's words live in src/. dependency-cruiser checks which way imports run; this checks
 * what libs/ names: its code and strings, not its comments (a "why" may cite the domain).
 */
const DOMAIN_WORDS = [
  /\b(listings?|missions?|organisations?|projects?|volunteers?|publications?|conversations?)\b/i,
  /\b(outbox|alerts?|reminders?|matching)\b/i,
  /\b(residents?|moderators?|moderation|federation|relayed|staff|accounts?)\b/i,
  /\bRoles?\b|_ROLES\b/,
];

const withoutComments = (source: string) =>
  source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (path.endsWith('.ts') && !path.endsWith('.spec.ts')) yield path;
  }
}

describe('libs/', () => {
  it('names nothing of the domain: no role, job, audit action, listing or mission in its code', () => {
    const root = join(__dirname, '..');
    const found: string[] = [];
    for (const file of sources(__dirname)) {
      withoutComments(readFileSync(file, 'utf8'))
        .split('\n')
        .forEach((line, i) => {
          const word = DOMAIN_WORDS.map((re) => line.match(re)?.[0]).find(Boolean);
          if (word) found.push(`${relative(root, file)}:${i + 1}: ${word}`);
        });
    }
    expect(found).toEqual([]);
  });
});
