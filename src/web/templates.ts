import Handlebars from 'handlebars';

/**
 * The one way this program writes HTML: Handlebars templates in an isolated environment
 * (Handlebars.create(), its own helpers and partials), pages rendered into a layout's `{{body}}`.
 * `{{value}}` is escaped; the templates use no triple-stash. `M` maps each page to its model,
 * so rendering a page with another page's model does not compile.
 */
export class Templates<M extends object> {
  private readonly hbs = Handlebars.create();
  private readonly layout: Handlebars.TemplateDelegate;
  private readonly pages = new Map<string, Handlebars.TemplateDelegate>();

  constructor(source: {
    layout: string;
    pages: Record<string, string>;
    partials?: Record<string, string>;
    helpers?: Record<string, Handlebars.HelperDelegate>;
  }) {
    for (const [name, helper] of Object.entries(source.helpers ?? {})) this.hbs.registerHelper(name, helper);
    for (const [name, partial] of Object.entries(source.partials ?? {})) this.hbs.registerPartial(name, partial);
    for (const [name, page] of Object.entries(source.pages))
      this.pages.set(name, this.hbs.compile(page, { strict: false }));
    this.layout = this.hbs.compile(source.layout);
  }

  render<P extends keyof M & string>(page: P, model: M[P]): string {
    const template = this.pages.get(page);
    if (!template) throw new Error(`no page template ${page}`);
    const body = template(model);
    return this.layout(Object.assign({}, model, { body: new Handlebars.SafeString(body) }));
  }
}

/**
 * Templates of the platform's own pages, where no commune's site is open (a dormant commune's host, the
 * platform's host): no tenant's theme, header or scripts, and not indexed.
 */
export function platformTemplates<M extends object>(pages: { [K in keyof M]: string }): Templates<M> {
  return new Templates<M>({ layout: PLATFORM_LAYOUT, pages });
}

const PLATFORM_LAYOUT = `<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{title}}</title>
</head>
<body>
{{body}}
</body>
</html>
`;
