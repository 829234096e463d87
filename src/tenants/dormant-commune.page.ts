import { Inject, Injectable, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '@libs/config';
import { problem, sendProblem } from '@libs/http';
import type { TenantRef } from '@libs/tenancy';
import { platformTemplates } from '@src/web/templates';
import { TenantDirectory } from './tenant-directory.service';
import { TenantsRepository } from './tenants.repository';

/** What the page shows of a dormant or merged commune. */
interface DormantView {
  title: string;
  name: string;
  inseeCode?: string | null;
  federation: string;
  mergedIntoName?: string | null;
  mergedIntoUrl?: string;
  /** The commune it merged into bears its name (an open site that became the new commune's). */
  sameName?: boolean;
  /** « Demander l’ouverture » on the platform's host, when the platform has its ProConnect client. */
  openingUrl?: string;
  nearby: Array<{ name: string; url: string }>;
}

/** A page of its own (no tenant's theme, header or scripts: there is no site here yet), written as every page is. */
const templates = platformTemplates<{ dormant: DormantView }>({
  dormant: `<main>
<h1>Entraide entre voisins à {{name}}</h1>
{{#if mergedIntoName}}
<p>{{#if sameName}}Le service d’entraide de {{name}} a désormais une autre adresse.{{else}}
{{~name}} fait désormais partie de la commune de {{mergedIntoName}}.{{/if}}{{#if mergedIntoUrl}}
Son site d’entraide est à l’adresse <a href="{{mergedIntoUrl}}">{{mergedIntoUrl}}</a>.{{/if}}</p>
{{else}}
<p>Le service d’entraide entre voisins n’est pas encore ouvert à {{name}}.</p>
<h2>Comment la mairie peut l’ouvrir</h2>
{{#if openingUrl}}
<p>Un agent de la mairie de {{name}} se connecte avec ProConnect, son compte professionnel d’agent public,
pour demander l’ouverture. L’opérateur de la plateforme la confirme auprès de la mairie, puis l’agent est
invité par courriel à administrer le site.</p>
<p><a href="{{openingUrl}}">Demander l’ouverture avec ProConnect</a></p>
{{else}}
<p>Un agent de la mairie de {{name}} demande l’ouverture à l’opérateur de la plateforme en indiquant le code
officiel de la commune{{#if inseeCode}} ({{inseeCode}}){{/if}}.</p>
{{/if}}
<p>Aucun développement n’est nécessaire&nbsp;: le site ouvre avec les catégories d’entraide de {{federation}},
et un premier administrateur de la commune est invité par courriel pour le compléter.</p>
{{/if}}
<h2>Communes ouvertes de {{federation}}</h2>
{{#if nearby.length}}
<ul>
{{#each nearby}}<li><a href="{{url}}">Entraide à {{name}}</a></li>
{{/each}}</ul>
{{else}}
<p>Aucune commune de {{federation}} n’a encore ouvert son site d’entraide.</p>
{{/if}}
</main>`,
});

/**
 * What a dormant (or merged) commune's host answers, whatever the path: a 404 (there is no site here yet, and search
 * engines must not index tens of thousands of these) carrying a short French page, or a problem+json under /api.
 */
@Injectable()
export class DormantCommunePage {
  private readonly logger = new Logger(DormantCommunePage.name);

  constructor(
    private readonly repo: TenantsRepository,
    private readonly directory: TenantDirectory,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async send(tenant: TenantRef, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    try {
      if (req.url.startsWith('/api/')) {
        sendProblem(reply, problem(404, `Le service d’entraide n’est pas encore ouvert à cette adresse.`));
        return;
      }
      const c = await this.repo.closedCommune(tenant.id);
      if (!c) {
        sendProblem(reply, problem(404, "Aucun site d'entraide n'est servi à cette adresse."));
        return;
      }
      const url = (slug: string) => (this.directory.bySlugOrUndefined(slug) ? this.directory.origin(slug) : undefined);
      const html = templates.render('dormant', {
        title: `Entraide à ${c.name}\u00a0: service pas encore ouvert`,
        name: c.name,
        inseeCode: c.inseeCode,
        federation: c.federation,
        mergedIntoName: c.mergedIntoName,
        mergedIntoUrl: c.mergedInto ? url(c.mergedInto) : undefined,
        sameName: c.mergedIntoName === c.name,
        openingUrl: this.openingUrl(req, c.inseeCode),
        nearby: c.openNearby.flatMap((n) => {
          const u = url(n.slug);
          return u ? [{ name: n.name, url: `${u}/` }] : [];
        }),
      });
      await reply
        .status(404)
        .header('content-type', 'text/html; charset=utf-8')
        .header('cache-control', 'public, max-age=300')
        .header('x-robots-tag', 'noindex')
        .header(
          'content-security-policy',
          "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        )
        .header('x-content-type-options', 'nosniff')
        .send(html);
    } catch (e) {
      this.logger.error(`dormant page of ${tenant.slug} failed: ${(e as Error).message}`);
      sendProblem(reply, problem(503, 'Le service est momentanément indisponible.'));
    }
  }

  /** The platform's host is this host without the commune's label (`rivebelle.entraide.fr` → `entraide.fr`). */
  private openingUrl(req: FastifyRequest, insee: string | null): string | undefined {
    if (!this.config.openingProConnect || !insee) return undefined;
    const platformHost = String(req.headers.host).replace(/^[^.]+\./, '');
    return `${this.config.publicScheme}://${platformHost}/ouverture/demande?commune=${encodeURIComponent(insee)}`;
  }
}
