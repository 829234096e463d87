import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { InvalidError } from '@libs/errors';
import type { TenantRef } from '@libs/tenancy';
import type { TenantsService } from '@src/tenants/tenants.service';
import type { Form } from '@src/web/forms';
import { validated } from '@src/web/forms';
import { PICKER_ASSETS } from '@src/web/map-assets';
import type { PageContexts } from '@src/web/page-context';
import { CreateListingDto } from '../dto/listings.dto';

/** The new-listing form through the API's rules; its place is the map point, else the neighbourhood's. */
export async function listingFromForm(contexts: PageContexts, ref: TenantRef, body: Form): Promise<CreateListingDto> {
  const location = await contexts.chosenPoint(ref, body);
  if (!location)
    throw new InvalidError([
      { field: 'location', message: 'choisissez le quartier (ou placez un point sur la carte)' },
    ]);
  return validated(CreateListingDto, {
    kind: body.kind ?? '',
    categoryId: body.categoryId ?? '',
    title: body.title ?? '',
    description: body.description ?? '',
    mode: body.mode ?? '',
    location,
  });
}

/**
 * What the posting form shows around its values (a new listing, a change to one, a listing for a relayed resident):
 * the page context, the point picker, the map (on `center`, the form's point, else the commune's view), the
 * categories and the neighbourhoods.
 */
export async function listingFormPage(
  contexts: PageContexts,
  tenants: TenantsService,
  ref: TenantRef,
  req: FastifyRequest,
  page: { title: string; current: string; center?: { lat: number; lng: number } },
) {
  const [ctx, t, categories, neighbourhoods] = await Promise.all([
    contexts.of(ref, req, page.title, page.current),
    tenants.get(ref),
    tenants.categories(ref),
    tenants.neighbourhoods(ref),
  ]);
  const map = contexts.map(page.center ? { center: page.center, zoom: 15 } : t.settings.map);
  return { ...ctx, ...PICKER_ASSETS, map, categories, neighbourhoods };
}

/** The form's values with its own idempotency key (a new one when it had none): a double click publishes once. */
export function withFormKey(values: Form): Form {
  return { ...values, idempotencyKey: formKey(values.idempotencyKey) ?? randomUUID() };
}

/** A posting form sent once, then changed and sent again (after "back"). */
export const FORM_ALREADY_SENT =
  'Ce formulaire a déjà servi à publier une annonce (voir « Mes annonces »). Pour en publier une autre, ' +
  'envoyez-le à nouveau.';

/**
 * The posting form's own idempotency key (a hidden UUID field the form was rendered with); anything else is ignored.
 */
export function formKey(raw: string | undefined): string | undefined {
  return raw && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(raw) ? raw : undefined;
}
