import { Inject, Injectable, Logger } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '@libs/config';
import { Geocoder, GeocoderUnavailableError, LatLng } from '@libs/geo';
import { TenantRef } from '@libs/tenancy';
import { TenantsService } from '@src/tenants/tenants.service';
import { PageContexts } from '@src/web/page-context';

/** The radii "près de chez moi" offers, in metres; the first search uses the default. */
export const NEAR_RADII = [500, 1000, 2000, 5000];
export const NEAR_DEFAULT_M = 2000;

/** What the search form sent about the place to search around. */
export interface NearFields {
  /** The browser's position, asked only when the person clicks (rounded to about 100 m by the page). */
  lat?: string;
  lng?: string;
  /** An address, when an address search is configured (GEOCODER_URL). */
  adresse?: string;
  /** A neighbourhood's slug: around its centre. */
  autour?: string;
  /** '1': around the home saved in "Mon compte". */
  pres?: string;
}

export interface NearChoice {
  near?: LatLng;
  /** Where, as the count says it: "de votre position", "de « 12 Rue … »", "du quartier Buclos", "de votre domicile". */
  label?: string;
  /** A field the person must correct, in French. */
  errors?: Record<string, string>;
}

const COORD = /^-?\d{1,3}(\.\d{1,7})?$/;

/**
 * "Près de chez moi" without an account: the point to search around comes from the browser's
 * geolocation, an address (through the configured address search), a neighbourhood, or the
 * home saved in "Mon compte", in that order. Nothing of it is stored.
 */
@Injectable()
export class NearMe {
  private readonly logger = new Logger(NearMe.name);
  private readonly geocoder?: Geocoder;

  constructor(
    private readonly contexts: PageContexts,
    private readonly tenants: TenantsService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    if (config.geocoderUrl) this.geocoder = new Geocoder(config.geocoderUrl);
  }

  /** Whether the form offers an address box. */
  get addressSearch(): boolean {
    return Boolean(this.geocoder);
  }

  async resolve(ref: TenantRef, req: FastifyRequest, f: NearFields): Promise<NearChoice> {
    if (f.lat || f.lng) {
      const lat = Number(f.lat);
      const lng = Number(f.lng);
      if (!COORD.test(f.lat ?? '') || !COORD.test(f.lng ?? '') || Math.abs(lat) > 90 || Math.abs(lng) > 180)
        return { errors: { geoloc: 'position invalide : utilisez le bouton ou choisissez un quartier' } };
      return { near: { lat, lng }, label: 'de votre position' };
    }
    if (f.adresse && this.geocoder) return this.address(ref, f.adresse);
    if (f.autour) {
      const n = (await this.tenants.neighbourhoods(ref)).find((x) => x.slug === f.autour);
      if (!n) return { errors: { autour: 'quartier inconnu : choisissez-en un dans la liste' } };
      return { near: n.centre, label: `du quartier ${n.name}` };
    }
    if (f.pres === '1') {
      const me = await this.contexts.account(ref, req);
      if (!me?.location)
        return {
          errors: {
            pres: me
              ? 'indiquez votre quartier dans « Mon compte » ou choisissez un quartier ci-dessus'
              : 'connectez-vous, ou choisissez un quartier ci-dessus',
          },
        };
      return { near: me.location, label: 'de votre domicile' };
    }
    return {};
  }

  private async address(ref: TenantRef, text: string): Promise<NearChoice> {
    const q = text.trim();
    if (q.length < 3 || q.length > 200)
      return { errors: { adresse: 'indiquez une adresse de 3 à 200 caractères, par exemple « 12 rue de la Mairie »' } };
    const t = await this.tenants.get(ref);
    try {
      const [best] = (await this.geocoder!.search(q, { limit: 5, near: t.settings.map.center })).filter(
        (p) => p.score >= 0.3,
      );
      if (!best) return { errors: { adresse: 'adresse introuvable : vérifiez-la, ou choisissez un quartier' } };
      return { near: best.point, label: `de « ${best.label} »` };
    } catch (err) {
      if (!(err instanceof GeocoderUnavailableError)) throw err;
      this.logger.warn(`${err.message} (tenant ${ref.slug})`);
      return {
        errors: { adresse: 'la recherche d’adresse ne répond pas pour le moment : choisissez un quartier' },
      };
    }
  }
}
