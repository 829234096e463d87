/** One line of a printed export: a field in French words and its value as text. */
export interface ExportRow {
  key: string;
  value: string;
}

/** A part of the export (their account, their listings, their messages…), each item a list of rows. */
export interface ExportSection {
  title: string;
  items: ExportRow[][];
}

const LABELS: Record<string, string> = {
  account: 'Compte',
  relayed: 'Inscription par la mairie',
  listings: 'Annonces',
  conversations: 'Conversations',
  messages: 'Messages',
  sessions: 'Sessions',
  tokens: 'Liens envoyés',
  feedback: 'Avis',
  reports: 'Signalements',
  id: 'Identifiant',
  displayName: 'Nom public',
  email: 'Adresse e-mail',
  phone: 'Téléphone',
  roles: 'Rôles',
  kind: 'Type',
  title: 'Titre',
  description: 'Description',
  body: 'Texte',
  status: 'État',
  mode: 'Comment',
  category: 'Catégorie',
  location: 'Lieu',
  createdAt: 'Créé le',
  updatedAt: 'Modifié le',
  expiresAt: 'Expire le',
  exportedAt: 'Extrait le',
  consentMethod: 'Accord donné',
  consentNote: 'Précisions sur l’accord',
  consentAt: 'Accord enregistré le',
  site: 'Site',
  relayedAccount: 'Résident relayé',
  hasPassword: 'Mot de passe',
};
const CONSENT: Record<string, string> = { phone: 'par téléphone', in_person: 'en personne', paper: 'sur papier' };
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

function text(key: string, v: unknown, formatDate: (d: Date) => string): string {
  if (v === null || v === undefined || v === '') return '—';
  if (v instanceof Date) return formatDate(v);
  if (typeof v === 'string' && ISO.test(v)) return formatDate(new Date(v));
  if (typeof v === 'boolean') return v ? 'oui' : 'non';
  if (key === 'consentMethod' && typeof v === 'string') return CONSENT[v] ?? v;
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  if (Array.isArray(v)) return v.map((x) => text(key, x, formatDate)).join(', ');
  return Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${LABELS[k] ?? k} : ${text(k, x, formatDate)}`)
    .join(' ; ');
}

function rowsOf(o: Record<string, unknown>, formatDate: (d: Date) => string): ExportRow[] {
  return Object.entries(o).map(([k, v]) => ({ key: LABELS[k] ?? k, value: text(k, v, formatDate) }));
}

/**
 * The RGPD export (the same data as the JSON file) laid out for paper: one section per part,
 * French field names where known, dates as dates, every value shown.
 */
export function printableExport(data: Record<string, unknown>, formatDate: (d: Date) => string): ExportSection[] {
  const general: ExportRow[] = [];
  const sections: ExportSection[] = [];
  for (const [k, v] of Object.entries(data)) {
    const title = LABELS[k] ?? k;
    if (Array.isArray(v))
      sections.push({
        title: `${title} (${v.length})`,
        items: v.map((x) =>
          x && typeof x === 'object'
            ? rowsOf(x as Record<string, unknown>, formatDate)
            : [{ key: title, value: text(k, x, formatDate) }],
        ),
      });
    else if (v && typeof v === 'object' && !(v instanceof Date))
      sections.push({ title, items: [rowsOf(v as Record<string, unknown>, formatDate)] });
    else general.push({ key: title, value: text(k, v, formatDate) });
  }
  return general.length ? [{ title: 'Généralités', items: [general] }, ...sections] : sections;
}
