import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InvalidError, NotFoundError } from '@libs/errors';
import { CurrentTenant, Principal, TenantRef } from '@libs/tenancy';
import { CONSENT_METHODS, CreateRelayedResidentDto, UpdateRelayedResidentDto } from '../dto/staff.dto';
import { RelayedResidentsService, residentNameError } from '../relayed-residents.service';
import { TenantsService } from '@src/tenants/tenants.service';
import { Me } from '@src/web/page-guard';
import { Form, FormRefusal, submitForm, validated, formTitle } from '@src/web/forms';
import { PageContexts } from '@src/web/page-context';
import { PageRenderer } from '@src/web/page-renderer';
import { sendPage } from '@src/web/page-response';
import { PICKER_ASSETS } from '@src/web/map-assets';
import { NOTICES, StaffPage } from './staff-page';

const CONSENT_LABELS: Record<string, string> = {
  phone: 'par téléphone',
  in_person: 'en personne',
  paper: 'sur papier',
};

/**
 * The town-hall team's pages for the residents without internet it relays: the list, registering one
 * with consent, editing, exporting, erasing, and what is done for them.
 */
@ApiExcludeController()
@Controller('equipe')
export class StaffPagesController {
  constructor(
    private readonly pages: PageRenderer,
    private readonly contexts: PageContexts,
    private readonly residents: RelayedResidentsService,
    private readonly tenants: TenantsService,
  ) {}

  @Get('residents')
  @StaffPage()
  async list(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query('fait') done?: string,
  ) {
    const [ctx, list] = await Promise.all([
      this.contexts.of(ref, req, 'Résidents relayés', 'staff'),
      this.residents.list(ref),
    ]);
    sendPage(
      reply,
      this.pages.render('staff-residents', { ...ctx, items: list.items, notice: done ? NOTICES[done] : undefined }),
    );
  }

  @Get('residents/nouveau')
  @StaffPage()
  async newPage(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.renderForm(ref, req, reply, undefined, {});
  }

  @Post('residents/nouveau')
  @StaffPage()
  async create(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Body() body: Form,
  ) {
    return submitForm({
      action: async () => {
        const location = await this.contexts.chosenPoint(ref, body);
        // Every field is checked before saying anything: the form lists all that is wrong at once.
        const problems: Array<{ field: string; message: string }> = [];
        const nameError = residentNameError(body.displayName ?? '');
        if (nameError) problems.push({ field: 'displayName', message: nameError });
        if (!location)
          problems.push({
            field: 'location',
            message: 'choisissez son quartier (ou placez son domicile sur la carte)',
          });
        const dto = await validated(CreateRelayedResidentDto, {
          displayName: body.displayName ?? '',
          ...(body.phone ? { phone: body.phone } : {}),
          location: location ?? { lat: 0, lng: 0 },
          consent: { method: body.consentMethod ?? '', note: body.consentNote ?? '' },
        }).catch((err: unknown) => {
          if (!(err instanceof InvalidError)) throw err;
          problems.push(
            ...err.errors.filter((e) => !(location ? [] : ['location.lat', 'location.lng']).includes(e.field)),
          );
          return undefined;
        });
        if (problems.length || !dto) throw new InvalidError(problems);
        const r = await this.residents.create(ref, me, dto);
        return reply.redirect(`/equipe/residents/${r.id}?fait=inscrit`, 303);
      },
      summary: 'Le résident n’a pas été inscrit : corrigez les champs signalés.',
      refused: (refusal) => this.renderRefusedForm(ref, req, reply, undefined, body, refusal),
    });
  }

  @Get('residents/:id')
  @StaffPage()
  async resident(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @Query('fait') done?: string,
  ) {
    await this.renderResident(ref, req, reply, id, done ? NOTICES[done] : undefined);
  }

  @Get('residents/:id/modifier')
  @StaffPage()
  async editPage(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
  ) {
    const r = await this.residents.get(ref, id);
    return this.renderForm(ref, req, reply, r, {
      displayName: r.displayName,
      phone: r.phone ?? '',
      lat: String(r.location?.lat ?? ''),
      lng: String(r.location?.lng ?? ''),
    });
  }

  @Post('residents/:id/modifier')
  @StaffPage()
  async edit(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
    @Body() body: Form,
  ) {
    return submitForm({
      action: async () => {
        const location = await this.contexts.chosenPoint(ref, body);
        const dto = await validated(UpdateRelayedResidentDto, {
          displayName: body.displayName ?? '',
          phone: body.phone ? body.phone : null,
          ...(location ? { location } : {}),
          ...(body.consentMethod ? { consent: { method: body.consentMethod, note: body.consentNote ?? '' } } : {}),
        });
        await this.residents.update(ref, me, id, dto);
        return reply.redirect(`/equipe/residents/${id}?fait=modifie`, 303);
      },
      summary: 'Rien n’a été enregistré : corrigez les champs signalés.',
      passOn: [NotFoundError],
      refused: async (refusal) =>
        this.renderRefusedForm(ref, req, reply, await this.residents.get(ref, id), body, refusal),
    });
  }

  @Post('residents/:id/effacer')
  @StaffPage()
  async erase(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
    @Body() body: Form,
  ) {
    if (body?.confirm !== 'oui')
      return this.renderResident(
        ref,
        req,
        reply,
        id,
        undefined,
        { confirm: 'cochez la case pour confirmer l’effacement' },
        'Rien n’a été effacé.',
        422,
      );
    await this.residents.erase(ref, me, id);
    reply.redirect('/equipe/residents?fait=efface', 303);
  }

  private async renderResident(
    ref: TenantRef,
    req: FastifyRequest,
    reply: FastifyReply,
    id: string,
    notice?: string,
    errors?: Record<string, string>,
    formError?: string,
    status = 200,
  ) {
    const r = await this.residents.get(ref, id);
    const listings = r.listings.map((l) => ({ ...l, open: ['published', 'expired'].includes(l.status) }));
    const ctx = await this.contexts.of(ref, req, r.displayName, 'staff');
    sendPage(
      reply,
      this.pages.render('staff-resident', {
        ...ctx,
        resident: { ...r, consentLabel: CONSENT_LABELS[r.consent.method] },
        listings,
        notice,
        errors,
        formError,
      }),
      status,
    );
  }

  /** The resident's form again, its refusal's fields named as the form names them. */
  private renderRefusedForm(
    ref: TenantRef,
    req: FastifyRequest,
    reply: FastifyReply,
    resident: { id: string; displayName: string } | undefined,
    body: Form,
    refusal: FormRefusal,
  ) {
    const { errors } = refusal;
    for (const k of ['location.lat', 'location.lng'])
      if (errors[k]) errors.location ??= 'position invalide : choisissez le quartier';
    if (errors['consent.method']) errors.consentMethod = 'indiquez comment la personne a donné son accord';
    if (errors['consent.note']) errors.consentNote = errors['consent.note'];
    return this.renderForm(ref, req, reply, resident, body, refusal);
  }

  private async renderForm(
    ref: TenantRef,
    req: FastifyRequest,
    reply: FastifyReply,
    resident: { id: string; displayName: string } | undefined,
    values: Form,
    { errors, formError, status = 200 }: Partial<FormRefusal> = {},
  ) {
    const title = resident ? `Modifier – ${resident.displayName}` : 'Inscrire un résident sans internet';
    const [ctx, t, neighbourhoods] = await Promise.all([
      this.contexts.of(ref, req, formTitle(title, errors), 'staff'),
      this.tenants.get(ref),
      this.tenants.neighbourhoods(ref),
    ]);
    const consents = CONSENT_METHODS.map((m) => ({
      value: m,
      label: CONSENT_LABELS[m],
      checked: values.consentMethod === m,
    }));
    const map = this.contexts.map(
      values.lat && values.lng
        ? { center: { lat: Number(values.lat), lng: Number(values.lng) }, zoom: 15 }
        : t.settings.map,
    );
    sendPage(
      reply,
      this.pages.render('staff-resident-form', {
        ...ctx,
        ...PICKER_ASSETS,
        heading: title,
        resident,
        map,
        neighbourhoods,
        consents,
        values,
        errors,
        formError,
      }),
      status,
    );
  }
}
