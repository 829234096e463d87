import { Injectable } from '@nestjs/common';
import Handlebars from 'handlebars';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { STATUS_LABEL } from '../listings/listings.service';
import { SUPPRESS_BELOW } from '../stats/stats.service';

const VIEWS = join(__dirname, 'views');

/** What every page knows: its tenant, who is signed in, and its own title. */
export interface PageContext {
  title: string;
  tenant: { slug: string; name: string; siteName: string; hasLogo: boolean; contact: Record<string, unknown> };
  user?: { displayName: string; roles: string[]; staff: boolean; admin: boolean };
  /** The navigation entry to mark as current. */
  current?: string;
  [key: string]: unknown;
}

/**
 * The site's server-rendered pages: Handlebars views under `views/` (pages, partials, one
 * layout), compiled once at boot. Handlebars escapes every `{{value}}`, so a listing titled
 * `<script>` shows as text; the templates use no triple-stash.
 */
@Injectable()
export class PageRenderer {
  private readonly hbs = Handlebars.create();
  private readonly layout: Handlebars.TemplateDelegate;
  private readonly pages = new Map<string, Handlebars.TemplateDelegate>();

  constructor() {
    registerHelpers(this.hbs);
    for (const file of readdirSync(join(VIEWS, 'partials')).filter((f) => f.endsWith('.hbs'))) {
      this.hbs.registerPartial(basename(file, '.hbs'), readFileSync(join(VIEWS, 'partials', file), 'utf8'));
    }
    for (const file of readdirSync(join(VIEWS, 'pages')).filter((f) => f.endsWith('.hbs'))) {
      this.pages.set(basename(file, '.hbs'), this.hbs.compile(readFileSync(join(VIEWS, 'pages', file), 'utf8'), { strict: false }));
    }
    this.layout = this.hbs.compile(readFileSync(join(VIEWS, 'layout.hbs'), 'utf8'));
  }

  render(page: string, ctx: PageContext): string {
    const template = this.pages.get(page);
    if (!template) throw new Error(`no page template ${page}`);
    const body = template(ctx);
    return this.layout({ ...ctx, body: new Handlebars.SafeString(body) });
  }
}

const KIND = { offer: 'Offre', request: 'Demande' } as const;
const ROLES: Record<string, string> = { resident: 'habitant', moderator: 'modération', admin: 'administration', federation_admin: 'intercommunalité', system: 'automatique' };
const ACTIONS: Record<string, string> = {
  'listing.approve': 'Annonce publiée',
  'listing.reject': 'Annonce refusée',
  'listing.remove': 'Annonce retirée',
  'message.approve': 'Message publié',
  'message.reject': 'Message refusé',
  'message.remove': 'Message retiré',
  'account.ban': 'Compte suspendu',
  'account.unban': 'Compte rétabli',
  'category.create': 'Catégorie créée',
  'category.update': 'Catégorie modifiée',
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
  'relayed.inbox.called_back': 'Résident relayé rappelé',
};
const RULES: Record<string, string> = {
  paid: 'prix ou rémunération',
  contact_email: 'adresse e-mail',
  contact_phone: 'numéro de téléphone',
  blocked_word: 'mot à relire',
};
const MODE = { in_person: 'Sur place', remote: 'À distance', both: 'Sur place ou à distance' } as const;

function registerHelpers(hbs: typeof Handlebars): void {
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('minus', (n: unknown) => Number(n) - 1);
  // A published figure, or "moins de 5" for a suppressed (null) one.
  hbs.registerHelper('cell', (n: unknown) => (n === null || n === undefined ? `moins de ${SUPPRESS_BELOW}` : String(n)));
  hbs.registerHelper('concat', (...parts: unknown[]) => parts.slice(0, -1).join(''));
  hbs.registerHelper('defined', (v: unknown) => v !== undefined && v !== null);
  hbs.registerHelper('kindLabel', (kind: keyof typeof KIND) => KIND[kind] ?? kind);
  hbs.registerHelper('statusLabel', (status: string) => (STATUS_LABEL as Record<string, string>)[status] ?? status);
  hbs.registerHelper('roleLabel', (role: string) => ROLES[role] ?? role);
  hbs.registerHelper('actionLabel', (action: string) => ACTIONS[action] ?? action);
  hbs.registerHelper('dateTime', (d: unknown) => (d ? formatDateTime(new Date(String(d))) : ''));
  hbs.registerHelper('ruleLabel', (code: string) => RULES[code] ?? code);
  hbs.registerHelper('modeLabel', (mode: keyof typeof MODE) => MODE[mode] ?? mode);
  hbs.registerHelper('distance', (m: unknown) => (typeof m === 'number' ? formatDistance(m) : ''));
  hbs.registerHelper('date', (d: unknown) => (d ? formatDate(new Date(String(d))) : ''));
}

/** "à 300 m", "à 1,2 km": distances are already rounded to 100 m by the API. */
export function formatDistance(m: number): string {
  if (m < 100) return 'à moins de 100 m';
  return m < 1000 ? `à ${Math.round(m / 100) * 100} m` : `à ${(Math.round(m / 100) / 10).toLocaleString('fr-FR')} km`;
}

export function formatDateTime(d: Date): string {
  return d.toLocaleString('fr-FR', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Paris' });
}

export function formatDate(d: Date): string {
  return d.toLocaleDateString('fr-FR', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/Paris' });
}
