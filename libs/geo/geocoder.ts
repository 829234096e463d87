import type { LatLng } from './types';

/** One answer of an address search. */
export interface GeocodedPlace {
  label: string;
  point: LatLng;
  /** The service's confidence, 0 to 1. */
  score: number;
  /** The INSEE code of the commune the address is in. */
  citycode?: string;
}

/** The address search could not be asked (down, slow, or an answer of another shape). */
export class GeocoderUnavailableError extends Error {}

interface Feature {
  geometry?: { type?: string; coordinates?: unknown };
  properties?: { label?: unknown; score?: unknown; citycode?: unknown };
}

/**
 * An address search speaking the shape of the national address base's API (api-adresse.data.gouv.fr):
 * `GET <base>/search/?q=…&limit=…[&lat=…&lon=…]` answering a GeoJSON FeatureCollection of points
 * whose properties carry `label`, `score` and `citycode`. `near` only ranks answers (the service's
 * priority to a place), it does not filter them.
 */
export class Geocoder {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs = 3000,
  ) {}

  async search(q: string, opts: { limit?: number; near?: LatLng } = {}): Promise<GeocodedPlace[]> {
    const url = new URL('search/', this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`);
    url.searchParams.set('q', q);
    url.searchParams.set('limit', String(opts.limit ?? 5));
    if (opts.near) {
      url.searchParams.set('lat', String(opts.near.lat));
      url.searchParams.set('lon', String(opts.near.lng));
    }
    let body: unknown;
    try {
      const res = await fetch(url, {
        signal: AbortSignal.timeout(this.timeoutMs),
        headers: { accept: 'application/json' },
      });
      if (!res.ok) throw new GeocoderUnavailableError(`address search answered ${res.status}`);
      body = await res.json();
    } catch (err) {
      if (err instanceof GeocoderUnavailableError) throw err;
      throw new GeocoderUnavailableError(`address search failed: ${(err as Error).message}`);
    }
    const features = (body as { features?: unknown }).features;
    if (!Array.isArray(features)) throw new GeocoderUnavailableError('address search answered no features');
    return (features as Feature[]).flatMap((f) => {
      const c = f.geometry?.coordinates;
      const label = f.properties?.label;
      if (!Array.isArray(c) || typeof c[0] !== 'number' || typeof c[1] !== 'number' || typeof label !== 'string')
        return [];
      const score = typeof f.properties?.score === 'number' ? f.properties.score : 0;
      const citycode = typeof f.properties?.citycode === 'string' ? f.properties.citycode : undefined;
      return [{ label, point: { lng: c[0], lat: c[1] }, score, ...(citycode ? { citycode } : {}) }];
    });
  }
}
