import { InboxMessage } from './dev-inbox';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const when = (d: Date) => d.toLocaleString('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'medium' });

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

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="fr">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title><style>${STYLE}</style></head>
<body><main>
${body}
</main></body>
</html>`;
}

/** The download's name: the inbox id is unique and safe in a file name (a UUID). */
export const sourceFileName = (id: string) => `courriel-${id}.eml`;

// The subject tells the links of a long list apart for screen-reader users.
const sourceLink = (m: InboxMessage) =>
  `<a href="/dev/mail/${esc(m.id)}/source.eml" download="${esc(sourceFileName(m.id))}" type="message/rfc822" aria-label="${esc(`Source (.eml) de « ${m.subject || 'sans objet'} »`)}">Source (.eml)</a>`;

export function inboxPage(messages: InboxMessage[]): string {
  const rows = messages
    .map(
      (m) => `<tr><td><time datetime="${m.receivedAt.toISOString()}">${esc(when(m.receivedAt))}</time></td>` +
        `<td>${esc(m.to.join(', '))}</td><td><a href="/dev/mail/${esc(m.id)}">${esc(m.subject || '(sans objet)')}</a></td>` +
        `<td>${sourceLink(m)}</td></tr>`,
    )
    .join('\n');
  return page(
    'Courriels envoyés – boîte de développement',
    `<h1>Courriels envoyés</h1>
<p>Boîte de développement : chaque courriel envoyé par l'application arrive ici au lieu de partir. Les ${messages.length ? 'derniers messages sont' : 'messages seront'} listés du plus récent au plus ancien. Cette page n'existe pas en production.</p>
${
  messages.length
    ? `<table>
<caption>${messages.length} message${messages.length > 1 ? 's' : ''}</caption>
<thead><tr><th scope="col">Date</th><th scope="col">Destinataire</th><th scope="col">Objet</th><th scope="col">Source</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`
    : '<p>Aucun message pour l\'instant.</p>'
}`,
  );
}

export function messagePage(m: InboxMessage): string {
  const headers = m.headers.map((h) => `<tr><td>${esc(h.name)}</td><td>${esc(h.value)}</td></tr>`).join('\n');
  return page(
    `${m.subject || '(sans objet)'} – boîte de développement`,
    `<p><a href="/dev/mail">← Tous les courriels</a></p>
<h1>${esc(m.subject || '(sans objet)')}</h1>
<dl>
<dt>De</dt><dd>${esc(m.from)}</dd>
<dt>À</dt><dd>${esc(m.to.join(', '))}</dd>
<dt>Reçu le</dt><dd><time datetime="${m.receivedAt.toISOString()}">${esc(when(m.receivedAt))}</time></dd>
<dt>Message brut</dt><dd>${sourceLink(m)}</dd>
</dl>
<h2>Version HTML</h2>
${m.html ? `<iframe title="Version HTML du message" sandbox srcdoc="${esc(m.html)}"></iframe>` : '<p>Ce message n\'a pas de version HTML.</p>'}
<h2>Version texte</h2>
<pre>${esc(m.text)}</pre>
<h2>En-têtes</h2>
<table>
<thead><tr><th scope="col">Nom</th><th scope="col">Valeur</th></tr></thead>
<tbody>
${headers}
</tbody>
</table>`,
  );
}
