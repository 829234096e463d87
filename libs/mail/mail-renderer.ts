import Handlebars from 'handlebars';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LruCache } from '@libs/cache';

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

export interface MailRendererOptions {
  /** Holds `<name>.subject.hbs`, `<name>.html.hbs`, `<name>.text.hbs` and `layout.{html,text}.hbs`. */
  templatesDir: string;
  /** Where a tenant's overrides live (same file names); a file there replaces the default for that tenant only. */
  overridesDir?: (tenantSlug: string) => string;
  /** Tenants whose choice of files is remembered, least recently used dropped beyond (default 2000). */
  tenantCacheSize?: number;
}

export class UnknownTemplateError extends Error {}

type Part = 'subject' | 'html' | 'text';
const TEMPLATE_NAME = /^[a-z0-9-]+$/;

/**
 * Renders an e-mail (subject, HTML, text) from Handlebars files. It owns an isolated
 * Handlebars instance (no global helpers or partials leak in or out); each file is compiled
 * once, and which file serves a tenant is looked up once, then kept for the most recently served tenants.
 *
 * Layouts get the rendered body as `body` (HTML already escaped: `{{{body}}}`) and `subject`.
 * The `button` helper colours itself from `tenant.theme.primary` / `primaryContrast`.
 */
export class MailRenderer {
  private readonly hbs = Handlebars.create();
  private readonly compiled = new Map<string, Handlebars.TemplateDelegate>();
  /** Per tenant: file name → the path serving it (the tenant's override or the default). */
  private readonly chosen: LruCache<string, Map<string, string>>;

  constructor(private readonly opts: MailRendererOptions) {
    registerHelpers(this.hbs);
    this.chosen = new LruCache(opts.tenantCacheSize ?? 2000);
  }

  render(template: string, tenantSlug: string, context: Record<string, unknown>): RenderedMail {
    if (!TEMPLATE_NAME.test(template)) throw new UnknownTemplateError(`bad template name ${JSON.stringify(template)}`);
    // The subject is a header: one line, whatever the template's whitespace.
    const subject = this.part(template, 'subject', tenantSlug)(context).replace(/\s+/g, ' ').trim();
    const htmlBody = this.part(template, 'html', tenantSlug)(context);
    const textBody = this.part(template, 'text', tenantSlug)(context).trim();
    return {
      subject,
      html: this.part('layout', 'html', tenantSlug)({ ...context, subject, body: htmlBody }),
      text:
        this.part(
          'layout',
          'text',
          tenantSlug,
        )({ ...context, subject, body: textBody })
          .replace(/\n{3,}/g, '\n\n')
          .trim() + '\n',
    };
  }

  private part(template: string, part: Part, tenantSlug: string): Handlebars.TemplateDelegate {
    const file = `${template}.${part}.hbs`;
    let files = this.chosen.get(tenantSlug);
    if (!files) this.chosen.set(tenantSlug, (files = new Map<string, string>()));
    let path = files.get(file);
    if (!path) {
      const override = this.opts.overridesDir && join(this.opts.overridesDir(tenantSlug), file);
      path = override && existsSync(override) ? override : join(this.opts.templatesDir, file);
      files.set(file, path);
    }
    let fn = this.compiled.get(path);
    if (!fn) {
      if (!existsSync(path)) throw new UnknownTemplateError(`no mail template ${file} in ${this.opts.templatesDir}`);
      // Only HTML is escaped: subject and text parts are plain text, where &amp; would show as is.
      fn = this.hbs.compile(readFileSync(path, 'utf8'), { noEscape: part !== 'html' });
      this.compiled.set(path, fn);
    }
    return fn;
  }
}

function registerHelpers(hbs: typeof Handlebars): void {
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('gt', (a: unknown, b: unknown) => Number(a) > Number(b));
  /** `{{button url "Libellé"}}`: a call to action that survives e-mail clients (a table, inline styles, no image). */
  hbs.registerHelper('button', function (url: unknown, label: unknown, options: Handlebars.HelperOptions) {
    const root = (options.data as { root?: { tenant?: { theme?: { primary?: string; primaryContrast?: string } } } })
      .root;
    const theme = root?.tenant?.theme ?? {};
    const bg = hbs.escapeExpression(theme.primary ?? '#1f5d8c');
    const fg = hbs.escapeExpression(theme.primaryContrast ?? '#ffffff');
    const href = hbs.escapeExpression(String(url));
    const text = hbs.escapeExpression(String(label));
    return new hbs.SafeString(
      `<table role="presentation" cellspacing="0" cellpadding="0" border="0" style="margin:24px 0"><tr>` +
        `<td style="border-radius:6px;background:${bg}">` +
        `<a href="${href}" style="display:inline-block;padding:12px ` +
        `22px;font-weight:bold;color:${fg};text-decoration:none;border-radius:6px">${text}</a>` +
        `</td></tr></table>`,
    );
  });
}
