import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { APP_CONFIG, AppConfig } from '../../libs/config';
import { CurrentTenant, TenantRef } from '../../libs/tenancy';
import { ListingsService } from '../listings/listings.service';
import { TenantsService } from '../tenants/tenants.service';

const esc = (v: unknown) => String(v ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The commune's front page: name, counters, categories and the latest listings, with links
 * to the API. A plain server-rendered page until the full site replaces it.
 */
@ApiExcludeController()
@Controller()
export class HomeController {
  constructor(private readonly tenants: TenantsService, private readonly listings: ListingsService, @Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', "default-src 'self'; style-src 'unsafe-inline'; img-src 'self'")
  async home(@CurrentTenant() ref: TenantRef): Promise<string> {
    const [t, stats, categories, latest] = await Promise.all([this.tenants.get(ref), this.tenants.stats(ref), this.tenants.categories(ref), this.listings.search(ref, { limit: 6 })]);
    const theme = t.settings.theme;
    const devMail = this.config.env !== 'production' && !this.config.smtpUrl && this.config.workersInProcess;
    return `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(t.siteName)} – l'entraide entre voisins à ${esc(t.name)}</title>
<style>
body{margin:0;font:1rem/1.5 system-ui,sans-serif;color:#1a1a1a;background:#fff}
header{background:${esc(theme.primary)};color:${esc(theme.primaryContrast)};padding:1rem 1.5rem}
header h1{margin:0;font-size:1.6rem} main{max-width:60rem;margin:0 auto;padding:1rem 1.5rem}
a{color:${esc(theme.primary)}} a:focus{outline:3px solid ${esc(theme.accent)};outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;color:#1a1a1a;padding:.5rem}
ul.cats{display:flex;flex-wrap:wrap;gap:.5rem;padding:0;list-style:none}ul.cats li{border:2px solid ${esc(theme.primary)};border-radius:.4rem;padding:.3rem .7rem}
dl{display:flex;gap:2rem}dt{font-weight:bold}dd{margin:0;font-size:1.4rem}
</style></head>
<body><a class="skip" href="#contenu">Aller au contenu</a>
<header><img src="/assets/logo" alt="" width="48" height="48" style="vertical-align:middle;margin-right:.5rem"><h1 style="display:inline">${esc(t.siteName)}</h1><p style="margin:.3rem 0 0">L'entraide entre voisins à ${esc(t.name)}</p></header>
<main id="contenu">
<h2>En chiffres</h2>
<dl><div><dt>Offres d'aide</dt><dd>${stats.offers}</dd></div><div><dt>Demandes</dt><dd>${stats.requests}</dd></div><div><dt>Habitants inscrits</dt><dd>${stats.residents}</dd></div></dl>
<h2>Catégories</h2>
<ul class="cats">${categories.map((c) => `<li>${esc(c.name)}</li>`).join('')}</ul>
<h2>Dernières annonces</h2>
<ul>${latest.items.map((l) => `<li><strong>${l.kind === 'offer' ? 'Je propose' : 'Je demande'}</strong> – ${esc(l.title)} <small>(${esc(l.category.name)}${l.neighbourhood ? `, ${esc(l.neighbourhood.name)}` : ''}, ${esc(l.author.displayName)})</small></li>`).join('')}</ul>
<h2>Pour aller plus loin</h2>
<ul><li><a href="/api/docs">Documentation de l'API</a></li><li><a href="/api/v1/listings">Les annonces (JSON)</a></li>${devMail ? '<li><a href="/dev/mail">Boîte de réception de développement</a></li>' : ''}</ul>
</main></body></html>`;
  }
}
