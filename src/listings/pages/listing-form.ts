import { InvalidError } from '@libs/errors';
import type { TenantRef } from '@libs/tenancy';
import type { Form } from '@src/web/forms';
import { validated } from '@src/web/forms';
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
