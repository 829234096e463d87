import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '@libs/errors';
import { CurrentTenant, Principal, TenantRef } from '@libs/tenancy';
import { IDEMPOTENCY_HEADER, ListingsService } from '@src/listings/listings.service';
import { OutcomesService } from '@src/outcomes/outcomes.service';
import { RelayedResidentsService } from '../relayed-residents.service';
import { TenantsService } from '@src/tenants/tenants.service';
import { Me } from '@src/web/page-guard';
import { Form, FormRefusal, submitForm, formTitle } from '@src/web/forms';
import { PageContexts } from '@src/web/page-context';
import { PageRenderer } from '@src/web/page-renderer';
import { sendPage } from '@src/web/page-response';
import {
  FORM_ALREADY_SENT,
  formKey,
  listingFormPage,
  listingFromForm,
  withFormKey,
} from '@src/listings/pages/listing-form';
import { StaffPage } from './staff-page';

/**
 * The listings the town-hall team posts for a relayed resident, and what it does with them.
 */
@ApiExcludeController()
@Controller('equipe')
export class StaffListingsPagesController {
  constructor(
    private readonly pages: PageRenderer,
    private readonly contexts: PageContexts,
    private readonly residents: RelayedResidentsService,
    private readonly listings: ListingsService,
    private readonly outcomes: OutcomesService,
    private readonly tenants: TenantsService,
  ) {}

  @Get('residents/:id/annonce')
  @StaffPage()
  async newListingPage(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
  ) {
    const r = await this.residents.get(ref, id);
    return this.renderListingForm(ref, req, reply, r, {
      kind: 'request',
      mode: 'in_person',
      lat: String(r.location?.lat ?? ''),
      lng: String(r.location?.lng ?? ''),
    });
  }

  @Post('residents/:id/annonce')
  @StaffPage()
  async postListing(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
    @Body() body: Form,
  ) {
    return submitForm({
      action: async () => {
        await this.residents.postListing(
          ref,
          me,
          id,
          await listingFromForm(this.contexts, ref, body),
          formKey(body.idempotencyKey),
        );
        return reply.redirect(`/equipe/residents/${id}?fait=publiee`, 303);
      },
      summary: 'L’annonce n’a pas été publiée : corrigez les champs signalés.',
      passOn: [NotFoundError],
      refused: async (refusal) => {
        const { errors } = refusal;
        if (errors['location.lat'] || errors['location.lng'])
          errors.location ??= 'position invalide : choisissez le quartier';
        const resident = await this.residents.get(ref, id);
        // This very form was already sent, then changed: a fresh key publishes anew.
        if (errors[IDEMPOTENCY_HEADER]) {
          const again = { errors: {}, formError: FORM_ALREADY_SENT, status: 409 };
          return this.renderListingForm(ref, req, reply, resident, { ...body, idempotencyKey: undefined }, again);
        }
        return this.renderListingForm(ref, req, reply, resident, body, refusal);
      },
    });
  }

  /** Fulfil, close or renew a relayed resident's listing, from the resident's page. */
  @Post('annonces/:id/:action')
  @StaffPage()
  async listingAction(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
    @Param('action') action: string,
    @Body() body: Form,
  ) {
    const back =
      body?.resident && /^[\w-]+$/.test(body.resident) ? `/equipe/residents/${body.resident}` : '/equipe/residents';
    if (action === 'aide-trouvee') await this.outcomes.fulfil(ref, me, id, body?.conversationId || undefined);
    else if (action === 'clore') await this.listings.close(ref, me, id);
    else if (action === 'prolonger') await this.listings.renew(ref, me, id);
    else return reply.callNotFound();
    reply.redirect(`${back}?fait=${{ 'aide-trouvee': 'aidee', clore: 'close', prolonger: 'prolongee' }[action]}`, 303);
  }

  private async renderListingForm(
    ref: TenantRef,
    req: FastifyRequest,
    reply: FastifyReply,
    resident: { id: string; displayName: string },
    values: Form,
    { errors, formError, status = 200 }: Partial<FormRefusal> = {},
  ) {
    const title = `Publier pour ${resident.displayName}`;
    const form = await listingFormPage(this.contexts, this.tenants, ref, req, {
      title: formTitle(title, errors),
      current: 'staff',
      center: values.lat && values.lng ? { lat: Number(values.lat), lng: Number(values.lng) } : undefined,
    });
    const page = this.pages.render('new-listing', {
      ...form,
      onBehalf: { heading: title, action: `/equipe/residents/${resident.id}/annonce` },
      // Its own idempotency key: a double click or a resubmission publishes once.
      values: withFormKey(values),
      errors,
      formError,
    });
    return sendPage(reply, page, status);
  }
}
