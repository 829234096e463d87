import { Injectable } from '@nestjs/common';
import type Handlebars from 'handlebars';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { frenchDate, frenchDateTime, frenchNumber } from '@libs/text';
import { STATUS_LABEL } from '@src/listings/listings.service';
import { SUPPRESS_BELOW } from '@src/stats/stats.service';
import type { PageModels, PageName } from './page-models';
import { Templates } from './templates';

const VIEWS = join(__dirname, 'views');

/** What every page knows: its tenant, who is signed in, and its own title. */
export interface PageContext {
  title: string;
  tenant: {
    slug: string;
    name: string;
    siteName: string;
    hasLogo: boolean;
    contact: Record<string, unknown>;
    /** The town hall's phone number, for the footer. */
    phone?: { label: string; href: string };
    /** The conformance the accessibility statement declares (« partiellement conforme »), for the footer. */
    accessibility: string;
    organisations?: { siteName: string };
  };
  user?: { displayName: string; roles: string[]; staff: boolean; admin: boolean; unread?: number };
  /** The navigation entry to mark as current. */
  current?: string;
  /** The development inbox runs in this process: the footer links to it. */
  devMail?: boolean;
}

/** Each page's model with what every page knows. */
type Pages = { [P in PageName]: PageContext & PageModels[P] };

/**
 * The site's server-rendered pages: Handlebars views under `views/` (pages, partials, one
 * layout), compiled once at boot. Handlebars escapes every `{{value}}`, so a listing titled
 * `<script>` shows as text; the templates use no triple-stash.
 */
@Injectable()
export class PageRenderer {
  private readonly templates = new Templates<Pages>({
    layout: readFileSync(join(VIEWS, 'layout.hbs'), 'utf8'),
    pages: hbsFiles(join(VIEWS, 'pages')),
    partials: hbsFiles(join(VIEWS, 'partials')),
    helpers: HELPERS,
  });

  /** A page with its model: the compiler checks the model against the page's declared view (PageModels). */
  render<P extends PageName>(page: P, model: Pages[P]): string {
    return this.templates.render(page, model);
  }
}

/** The `.hbs` files of a folder by name (without the extension). */
function hbsFiles(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.hbs'))
      .map((f) => [basename(f, '.hbs'), readFileSync(join(dir, f), 'utf8')]),
  );
}

const KIND = { offer: 'Offre', request: 'Demande', project: 'Projet' } as const;
export const ORGANISATION_KIND: Record<string, string> = {
  association: 'Association',
  social_centre: 'Centre social',
  business: 'Entreprise',
  institution: 'Institution',
  other: 'Autre',
};
const ORGANISATION_STATUS: Record<string, string> = {
  pending_review: 'En attente de relecture',
  published: 'En ligne',
  rejected: 'Refusée',
  removed: 'Retirée par la modération',
};
const PROJECT_STATUS: Record<string, string> = {
  pending_review: 'En attente de relecture',
  published: 'En ligne',
  rejected: 'Refusé',
  removed: 'Retiré par la modération',
  closed: 'Terminé',
};
/** Where a moderation decision on each kind of queue item is posted. */
const MODERATION_PATH: Record<string, string> = {
  listing: 'annonces',
  message: 'messages',
  organisation: 'organisations',
  project: 'projets',
};
const ROLES: Record<string, string> = {
  resident: 'habitant',
  moderator: 'modération',
  admin: 'administration',
  federation_admin: 'intercommunalité',
  system: 'automatique',
};
const ACTIONS: Record<string, string> = {
  'listing.approve': 'Annonce publiée',
  'listing.reject': 'Annonce refusée',
  'listing.remove': 'Annonce retirée',
  'message.approve': 'Message publié',
  'message.reject': 'Message refusé',
  'message.remove': 'Message retiré',
  'organisation.approve': 'Organisation publiée',
  'organisation.reject': 'Organisation refusée',
  'organisation.remove': 'Organisation retirée',
  'project.approve': 'Projet publié',
  'project.reject': 'Projet refusé',
  'project.remove': 'Projet retiré',
  'account.ban': 'Compte suspendu',
  'account.unban': 'Compte rétabli',
  'category.create': 'Catégorie créée',
  'category.update': 'Catégorie modifiée',
  'category.archive': 'Catégorie archivée',
  'category.move': 'Catalogue réordonné',
  'tenant.categories': 'Catégories de la commune modifiées',
  'feedback.review': 'Avis négatif traité',
  'relayed.resident.create': 'Résident relayé inscrit',
  'relayed.resident.edit': 'Résident relayé modifié',
  'relayed.resident.export': 'Données d’un résident relayé exportées',
  'relayed.resident.erase': 'Résident relayé effacé',
  'relayed.listing.create': 'Annonce publiée pour un résident relayé',
  'relayed.listing.edit': 'Annonce d’un résident relayé modifiée',
  'relayed.listing.close': 'Annonce d’un résident relayé close',
  'relayed.listing.renew': 'Annonce d’un résident relayé prolongée',
  'relayed.listing.publish': 'Annonce d’un résident relayé remise en ligne',
  'relayed.listing.fulfil': 'Aide trouvée pour un résident relayé',
  'relayed.answer': 'Réponse envoyée au nom d’un résident relayé',
  'relayed.contact': 'Message envoyé au nom d’un résident relayé',
  'relayed.inbox.called_back': 'Résident relayé rappelé',
};
const RULES: Record<string, string> = {
  paid: 'prix ou rémunération',
  contact_email: 'adresse e-mail',
  contact_phone: 'numéro de téléphone',
  blocked_word: 'mot à relire',
  pre_moderation: 'relecture avant publication',
  reports: 'signalements d’habitants',
  author_banned: 'auteur suspendu',
};
/** Why a resident reported something (ReportDto's reasons). */
const REPORT_REASONS: Record<string, string> = {
  paid: 'payante',
  inappropriate: 'inappropriée',
  spam: 'publicité ou doublon',
  scam: 'arnaque',
  other: 'autre motif',
};
const MODE = { in_person: 'Sur place', remote: 'À distance', both: 'Sur place ou à distance' } as const;

const HELPERS: Record<string, Handlebars.HelperDelegate> = {
  eq: (a: unknown, b: unknown) => a === b,
  // A value inside a link's query string (a return path carrying its own query).
  uri: (v: unknown) => encodeURIComponent(typeof v === 'string' ? v : ''),
  minus: (n: unknown) => Number(n) - 1,
  // A published figure, or "moins de 5" for a suppressed (null) one.
  cell: (n: number | null | undefined) => (n === null || n === undefined ? `moins de ${SUPPRESS_BELOW}` : String(n)),
  concat: (...parts: unknown[]) => parts.slice(0, -1).join(''),
  defined: (v: unknown) => v !== undefined && v !== null,
  kindLabel: (kind: keyof typeof KIND) => KIND[kind] ?? kind,
  statusLabel: (status: string) => (STATUS_LABEL as Record<string, string>)[status] ?? status,
  roleLabel: (role: string) => ROLES[role] ?? role,
  actionLabel: (action: string) => ACTIONS[action] ?? action,
  dateTime: (d: Date | string | null | undefined) => (d ? frenchDateTime(new Date(d)) : ''),
  ruleLabel: (code: string) => RULES[code] ?? code,
  reportLabel: (code: string) => REPORT_REASONS[code] ?? code,
  modeLabel: (mode: keyof typeof MODE) => MODE[mode] ?? mode,
  distance: (m: unknown) => (typeof m === 'number' ? formatDistance(m) : ''),
  organisationKindLabel: (kind: string) => ORGANISATION_KIND[kind] ?? kind,
  organisationStatusLabel: (status: string) => ORGANISATION_STATUS[status] ?? status,
  projectStatusLabel: (status: string) => PROJECT_STATUS[status] ?? status,
  moderationPath: (type: string) => MODERATION_PATH[type] ?? type,
  date: (d: Date | string | null | undefined) => (d ? frenchDate(new Date(d)) : ''),
};

/** "à 300 m", "à 1,2 km": distances are already rounded to 100 m by the API. */
export function formatDistance(m: number): string {
  if (m < 100) return 'à moins de 100 m';
  return m < 1000 ? `à ${Math.round(m / 100) * 100} m` : `à ${frenchNumber(Math.round(m / 100) / 10)} km`;
}
