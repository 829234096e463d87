import Handlebars from 'handlebars';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MailRenderer, UnknownTemplateError } from './mail-renderer';

describe('MailRenderer', () => {
  let dir: string;
  const write = (path: string, text: string) => {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  const renderer = () =>
    new MailRenderer({
      templatesDir: join(dir, 'default'),
      overridesDir: (slug) => join(dir, 'tenants', slug, 'mail'),
    });
  const tenant = { siteName: 'Entraidons-nous', theme: { primary: '#1f5d8c', primaryContrast: '#ffffff' } };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mail-renderer-'));
    write(
      'default/layout.html.hbs',
      '<html lang="fr"><title>{{subject}}</title>{{{body}}}<footer>{{tenant.siteName}}</footer></html>',
    );
    write('default/layout.text.hbs', '{{body}}\n\n--\n{{tenant.siteName}}');
    write('default/hello.subject.hbs', 'Bonjour\n  {{name}} & co');
    write('default/hello.html.hbs', '<p>Bonjour {{name}}</p>{{button url "Voir"}}');
    write('default/hello.text.hbs', 'Bonjour {{name}}\n{{url}}');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('renders subject on one line, escapes HTML only, and wraps both parts in the layout', () => {
    const mail = renderer().render('hello', 'meylan', { name: 'Lou <3', url: 'https://x.fr/a?b=1&c=2', tenant });
    expect(mail.subject).toBe('Bonjour Lou <3 & co');
    expect(mail.html).toContain('<p>Bonjour Lou &lt;3</p>');
    expect(mail.html).toContain('background:#1f5d8c');
    expect(mail.html).toContain('href="https://x.fr/a?b&#x3D;1&amp;c&#x3D;2"');
    expect(mail.html).toContain('<footer>Entraidons-nous</footer>');
    expect(mail.text).toBe('Bonjour Lou <3\nhttps://x.fr/a?b=1&c=2\n\n--\nEntraidons-nous\n');
  });

  it("uses a tenant's override for that tenant only", () => {
    write('tenants/meylan/mail/hello.subject.hbs', 'Salut {{name}}');
    const r = renderer();
    expect(r.render('hello', 'meylan', { name: 'Lou', url: 'u', tenant }).subject).toBe('Salut Lou');
    expect(r.render('hello', 'grenoble', { name: 'Lou', url: 'u', tenant }).subject).toBe('Bonjour Lou & co');
  });

  it('compiles each file once: a later edit changes nothing until restart', () => {
    const r = renderer();
    r.render('hello', 'meylan', { name: 'A', url: 'u', tenant });
    write('default/hello.subject.hbs', 'Changé');
    expect(r.render('hello', 'meylan', { name: 'A', url: 'u', tenant }).subject).toBe('Bonjour A & co');
  });

  it('keeps its helpers to itself and ignores global ones', () => {
    Handlebars.registerHelper('button', () => 'GLOBAL');
    try {
      expect(renderer().render('hello', 'meylan', { name: 'A', url: 'u', tenant }).html).not.toContain('GLOBAL');
      expect(Handlebars.helpers.button).toBeDefined();
    } finally {
      Handlebars.unregisterHelper('button');
    }
  });

  it('remembers the files of at most tenantCacheSize tenants, and serves a dropped tenant its override again', () => {
    write('tenants/meylan/mail/hello.text.hbs', 'Salut {{name}}');
    const r = new MailRenderer({
      templatesDir: join(dir, 'default'),
      overridesDir: (slug) => join(dir, 'tenants', slug, 'mail'),
      tenantCacheSize: 2,
    });
    for (const slug of ['meylan', 'lyon', 'grenoble', 'seyssins']) r.render('hello', slug, { name: 'Lou', tenant });
    expect((r as unknown as { chosen: { size: number } }).chosen.size).toBe(2);
    expect(r.render('hello', 'meylan', { name: 'Lou', tenant }).text).toMatch(/^Salut Lou/);
    expect(r.render('hello', 'lyon', { name: 'Lou', tenant }).text).toMatch(/^Bonjour Lou/);
  });

  it('refuses unknown or path-like template names', () => {
    expect(() => renderer().render('nope', 'meylan', {})).toThrow(UnknownTemplateError);
    expect(() => renderer().render('../default/hello', 'meylan', {})).toThrow(UnknownTemplateError);
  });
});
