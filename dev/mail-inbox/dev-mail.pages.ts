import Handlebars from 'handlebars';
import { Templates } from '@src/web/templates';
import { InboxMessage } from './dev-inbox';

const when = (d: Date) =>
  d.toLocaleString('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'medium' });

/** The download's name: the inbox id is unique and safe in a file name (a UUID). */
export const sourceFileName = (id: string) => `courriel-${id}.eml`;

const STYLE = `
  body { font-family: system-ui, sans-serif; margin: 0; color: #1a1a1a; background: #f6f6f4; }
  main { max-width: 64rem; margin: 0 auto; padding: 1.5rem; }
  table { border-collapse: collapse; width: 100%; background: #fff; }
  th, td { text-align: left; padding: .5rem .75rem; border-bottom: 1px solid #ddd; vertical-align: top; }
  caption { text-align: left; padding: .5rem 0; color: #444; }
  a { color: #0b5394; }
  a:focus-visible { outline: 3px solid #0b5394; outline-offset: 2px; }
  iframe { width: 100%; height: 36rem; border: 1px solid #ccc; background: #fff; }
  pre { white-space: pre-wrap; background: #fff; padding: 1rem; border: 1px solid #ddd; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
  dt { font-weight: bold; }
`;

const LAYOUT = `<!doctype html>
<html lang="fr">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{text title}}</title><style>{{style}}</style></head>
<body><main>
{{body}}
</main></body>
</html>`;

// The subject tells the links of a long list apart for screen-reader users.
const SOURCE_LINK =
  `<a href="/dev/mail/{{text id}}/source.eml" download="{{text fileName}}" ` +
  `type="message/rfc822" aria-label="Source (.eml) de « {{#if subject}}{{text subject}}{{else}}sans objet{{/if}} ` +
  `»">Source (.eml)</a>`;

const INBOX = `<h1>Courriels envoyés</h1>
<p>Boîte de développement : chaque courriel envoyé par l'application arrive ici au lieu de partir.
Les {{#if messages.length}}derniers messages sont{{else}}messages seront{{/if}} listés du plus récent au plus ancien.
Cette page n'existe pas en production.</p>
{{#if messages.length}}<table>
<caption>{{messages.length}} message{{#if plural}}s{{/if}}</caption>
<thead><tr>
<th scope="col">Date</th><th scope="col">Destinataire</th><th scope="col">Objet</th><th scope="col">Source</th>
</tr></thead>
<tbody>
{{#each messages}}<tr><td><time datetime="{{receivedAt}}">{{text when}}</time></td><td>{{text to}}</td>
<td><a href="/dev/mail/{{text id}}">{{#if subject}}{{text subject}}{{else}}(sans objet){{/if}}</a></td>
<td>{{> sourceLink}}</td></tr>
{{/each}}</tbody>
</table>{{else}}<p>Aucun message pour l'instant.</p>{{/if}}`;

const MESSAGE = `<p><a href="/dev/mail">← Tous les courriels</a></p>
<h1>{{#if subject}}{{text subject}}{{else}}(sans objet){{/if}}</h1>
<dl>
<dt>De</dt><dd>{{text from}}</dd>
<dt>À</dt><dd>{{text to}}</dd>
<dt>Reçu le</dt><dd><time datetime="{{receivedAt}}">{{text when}}</time></dd>
<dt>Message brut</dt><dd>{{> sourceLink}}</dd>
</dl>
<h2>Version HTML</h2>
{{#if html}}<iframe title="Version HTML du message" sandbox srcdoc="{{text html}}"></iframe>
{{else}}<p>Ce message n'a pas de version HTML.</p>{{/if}}
<h2>Version texte</h2>
<pre>{{text text}}</pre>
<h2>En-têtes</h2>
<table>
<thead><tr><th scope="col">Nom</th><th scope="col">Valeur</th></tr></thead>
<tbody>
{{#each headers}}<tr><td>{{text name}}</td><td>{{text value}}</td></tr>
{{/each}}</tbody>
</table>`;

/** One message as its pages show it. */
interface MessageView {
  id: string;
  fileName: string;
  subject: string;
  from: string;
  to: string;
  receivedAt: string;
  when: string;
  html?: string;
  text: string;
  headers: Array<{ name: string; value: string }>;
}

interface Layout {
  title: string;
}

const pages = new Templates<{
  inbox: Layout & { messages: MessageView[]; plural: boolean };
  message: Layout & MessageView;
}>({
  layout: LAYOUT,
  pages: { inbox: INBOX, message: MESSAGE },
  partials: { sourceLink: SOURCE_LINK },
  helpers: {
    // Escapes the five characters HTML needs and no more: links and mail sources stay readable (= in URLs).
    text: (s: string | number | null | undefined) =>
      new Handlebars.SafeString(
        String(s ?? '').replace(
          /[&<>"']/g,
          (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
        ),
      ),
    // The style sheet is this file's constant, not data.
    style: () => new Handlebars.SafeString(STYLE),
  },
});

function view(m: InboxMessage): MessageView {
  const receivedAt = m.receivedAt.toISOString();
  return {
    id: m.id,
    fileName: sourceFileName(m.id),
    subject: m.subject,
    from: m.from,
    to: m.to.join(', '),
    receivedAt,
    when: when(m.receivedAt),
    html: m.html || undefined,
    text: m.text,
    headers: m.headers,
  };
}

export function inboxPage(messages: InboxMessage[]): string {
  return pages.render('inbox', {
    title: 'Courriels envoyés – boîte de développement',
    messages: messages.map(view),
    plural: messages.length > 1,
  });
}

export function messagePage(m: InboxMessage): string {
  return pages.render('message', { title: `${m.subject || '(sans objet)'} – boîte de développement`, ...view(m) });
}
