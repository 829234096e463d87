import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Templates } from './templates';

const ROOT = join(__dirname, '..', '..');
const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });

describe('Templates', () => {
  it('renders a page into the layout, escaping every value', () => {
    const t = new Templates<{ hello: { title: string; name: string } }>({
      layout: '<title>{{title}}</title><main>{{body}}</main>',
      pages: { hello: '<p>Bonjour {{name}}</p>' },
    });
    expect(t.render('hello', { title: 'Accueil', name: '<script>' })).toBe(
      '<title>Accueil</title><main><p>Bonjour &lt;script&gt;</p></main>',
    );
  });

  // One way to produce HTML: no page is concatenated by hand (the development inbox included).
  it('is how every HTML document of the program is written', () => {
    const byHand = ['src', 'libs', 'dev']
      .filter((dir) => existsSync(join(ROOT, dir)))
      .flatMap((dir) => sources(join(ROOT, dir)))
      .filter(
        (file) =>
          /<html|<!doctype html/i.test(readFileSync(file, 'utf8')) &&
          !/\bnew Templates\b/.test(readFileSync(file, 'utf8')),
      )
      .map((file) => relative(ROOT, file));
    expect(byHand).toEqual([]);
  });
});
