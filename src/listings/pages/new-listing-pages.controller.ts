import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentTenant, Principal, TenantRef } from '@libs/tenancy';
import { IDEMPOTENCY_HEADER, idempotentRequest, ListingsService } from '../listings.service';
import { TenantsService } from '@src/tenants/tenants.service';
import { Form, FormRefusal, submitForm, formTitle } from '@src/web/forms';
import { PageContexts } from '@src/web/page-context';
import { PageContext, PageRenderer } from '@src/web/page-renderer';
import { sendPage } from '@src/web/page-response';
import { Me, SignedInPage } from '@src/web/page-guard';
import { FORM_ALREADY_SENT, formKey, listingFormPage, listingFromForm, withFormKey } from './listing-form';

/** The radius of "près de chez moi". */
/** The new-listing form, back from the sign-in page with its kind (only offer or request). */
function newListingPath(req: FastifyRequest): string {
  const kind = (req.query as Form).kind;
  return `/annonces/nouvelle${kind ? `?kind=${kind === 'request' ? 'request' : 'offer'}` : ''}`;
}

/** Why a listing waits for a moderator, as its author reads it. */
const HOLD_REASONS: Record<string, string> = {
  paid: 'elle semble mentionner un prix ou une rémunération (l’entraide est gratuite) ;',
  contact_email: 'elle contient une adresse e-mail (le site transmet les messages sans la montrer) ;',
  contact_phone: 'elle contient un numéro de téléphone (le site transmet les messages sans le montrer) ;',
  blocked_word: 'elle contient un mot que la commune fait relire.',
};

/**
 * Posting a listing: the form, and the page that confirms its publication.
 */
@ApiExcludeController()
@Controller()
export class NewListingPagesController {
  constructor(
    private readonly pages: PageRenderer,
    private readonly contexts: PageContexts,
    private readonly tenants: TenantsService,
    private readonly listings: ListingsService,
  ) {}

  @Get('annonces/nouvelle')
  @SignedInPage(newListingPath)
  async newListingPage(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query('kind') kind?: string,
  ) {
    return this.renderNewListing(ref, req, reply, {
      kind: kind === 'request' ? 'request' : 'offer',
      mode: 'in_person',
    });
  }

  @Post('annonces/nouvelle')
  @SignedInPage('/annonces/nouvelle')
  async createListing(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() principal: Principal,
    @Body() body: Form,
  ) {
    return submitForm({
      action: async () => {
        const dto = await listingFromForm(this.contexts, ref, body);
        const listing = await this.listings.create(
          ref,
          principal,
          dto,
          idempotentRequest(formKey(body.idempotencyKey), principal.accountId, dto),
        );
        // POST/Redirect/GET: reloading the result page must not publish (and alert the neighbours) again.
        return reply.redirect(`/annonces/${listing.id}/publiee`, 303);
      },
      summary: "L'annonce n'a pas été publiée : corrigez les champs signalés.",
      refused: (refusal) => {
        const { errors } = refusal;
        if (errors['location.lat'] || errors['location.lng'])
          errors.location ??= 'position invalide : choisissez votre quartier';
        // This very form was already sent, then changed (after "back"): a fresh form publishes anew.
        if (errors[IDEMPOTENCY_HEADER]) {
          const again = { errors: {}, formError: FORM_ALREADY_SENT, status: 409 };
          return this.renderNewListing(ref, req, reply, { ...body, idempotencyKey: undefined }, again);
        }
        return this.renderNewListing(ref, req, reply, body, refusal);
      },
    });
  }

  /** The result of the posting form, for its author: published, or held with the reasons. */
  @Get('annonces/:id/publiee')
  async listingCreated(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
  ) {
    // Anyone but its author (signed out included) sees the listing's own page instead.
    const principal = req.ctx.principal;
    const listing = principal && (await this.listings.get(ref, id, principal));
    if (!listing || !('status' in listing)) return reply.redirect(`/annonces/${encodeURIComponent(id)}`, 303);
    const held = listing.status === 'pending_review';
    const ctx = await this.context(ref, req, held ? 'Annonce en attente de relecture' : 'Annonce publiée', 'listings');
    const reasons = (((listing as Record<string, unknown>).holdReasons as string[] | undefined) ?? []).map(
      (r) => HOLD_REASONS[r] ?? r,
    );
    sendPage(reply, this.pages.render('listing-created', { ...ctx, listing, held, reasons }));
  }

  private async renderNewListing(
    ref: TenantRef,
    req: FastifyRequest,
    reply: FastifyReply,
    values: Form,
    { errors, formError, status = 200 }: Partial<FormRefusal> = {},
  ) {
    const form = await listingFormPage(this.contexts, this.tenants, ref, req, {
      title: formTitle('Publier une annonce', errors),
      current: 'new',
    });
    // The form carries its own idempotency key: a double click or a resubmission after "back" publishes once.
    const page = this.pages.render('new-listing', {
      ...form,
      values: withFormKey(values),
      errors,
      formError,
    });
    return sendPage(reply, page, status);
  }

  private context(ref: TenantRef, req: FastifyRequest, title: string, current?: string): Promise<PageContext> {
    return this.contexts.of(ref, req, title, current);
  }
}
