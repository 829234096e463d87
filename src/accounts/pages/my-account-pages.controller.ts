import { Body, Controller, Get, Inject, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '@libs/config';
import { CurrentTenant, Principal, TenantRef } from '@libs/tenancy';
import { frenchNumber } from '@libs/text';
import { AccountsService } from '../accounts.service';
import { UpdateMeDto } from '../dto/accounts.dto';
import { clearSessionCookie } from '../session-cookie';
import { Form, FormRefusal, submitForm, validated, formTitle } from '@src/web/forms';
import { PageContexts } from '@src/web/page-context';
import { PageRenderer } from '@src/web/page-renderer';
import { sendPage } from '@src/web/page-response';
import { Me, SignedInPage } from '@src/web/page-guard';
import { TenantsService } from '@src/tenants/tenants.service';
import { AdminService } from '@src/admin/admin.service';
import { PICKER_ASSETS } from '@src/web/map-assets';

const RADII = [300, 500, 1000, 2000, 5000, 10000];

/** What "Mon compte" confirms after a redirect. */
const DONE: Record<string, string> = {
  enregistre: 'Vos préférences sont enregistrées.',
  alerte: 'Votre alerte est enregistrée : vous serez prévenu(e) par e-mail des nouvelles annonces de cette recherche.',
  'alerte-quartier':
    'Votre alerte est enregistrée. Indiquez votre quartier ci-dessous : les alertes portent sur les annonces proches ' +
    'de chez vous.',
};

/** The alert's kinds as the form's one choice: 'offer', 'request' or 'both'. */
const kindsChoice = (kinds: string[]) => (kinds.length === 1 ? kinds[0] : 'both');
const kindsOf = (choice: string | undefined) =>
  choice === 'offer' || choice === 'request'
    ? [choice]
    : choice === 'both' || !choice
      ? ['offer', 'request']
      : [choice];

/** "300 m", "1,5 km". */
const radiusLabel = (m: number) => (m < 1000 ? `${m} m` : `${frenchNumber(m / 1000)} km`);

/** "Mon compte": the resident's settings (name, place, alert radius and categories) and the account's deletion. */
@ApiExcludeController()
@Controller()
export class MyAccountPagesController {
  constructor(
    private readonly pages: PageRenderer,
    private readonly contexts: PageContexts,
    private readonly accounts: AccountsService,
    private readonly tenants: TenantsService,
    private readonly admin: AdminService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('mon-compte')
  @SignedInPage()
  async account(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query('fait') done?: string,
  ) {
    const values = await this.storedValues(ref, req);
    await this.renderAccount(ref, req, reply, values, DONE[done ?? '']);
  }

  @Post('mon-compte')
  @SignedInPage()
  async saveAccount(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Body() body: Record<string, string | string[] | undefined>,
  ) {
    const one = (k: string) => (Array.isArray(body[k]) ? body[k][0] : body[k]);
    const ticked = ([] as string[]).concat(body.categoryIds ?? []);
    // In the stored order, then the newly ticked: an unchanged form must store the same list.
    const stored = (await this.contexts.account(ref, req))?.notifyCategoryIds ?? [];
    const categoryIds = [...stored.filter((id) => ticked.includes(id)), ...ticked.filter((id) => !stored.includes(id))];
    return submitForm({
      action: async () => {
        const location = await this.contexts.chosenPoint(ref, {
          lat: one('lat'),
          lng: one('lng'),
          neighbourhood: one('neighbourhood'),
        });
        const dto = await validated(UpdateMeDto, {
          displayName: one('displayName') ?? '',
          ...(location ? { location } : {}),
          notifications: {
            mode: one('mode') ?? 'off',
            radiusM: Number(one('radiusM') ?? 1000),
            categoryIds,
            kinds: kindsOf(one('kinds')),
          },
        });
        await this.accounts.updateMe(ref, me, dto);
        return reply.redirect('/mon-compte?fait=enregistre', 303);
      },
      summary: 'Rien n’a été enregistré : corrigez les champs signalés.',
      refused: (refusal) => {
        const { errors } = refusal;
        if (errors['location.lat'] || errors['location.lng'] || errors.location)
          errors.location = errors.location ?? 'position invalide';
        if (errors['notifications.kinds']) errors.kinds = errors['notifications.kinds'];
        const values = {
          displayName: one('displayName'),
          mode: one('mode'),
          radiusM: one('radiusM'),
          categoryIds,
          kinds: one('kinds'),
        };
        return this.renderAccount(ref, req, reply, values, undefined, refusal);
      },
    });
  }

  @Post('mon-compte/supprimer')
  @SignedInPage()
  async deleteAccount(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Body() body: Form,
  ) {
    if (body.confirm !== 'oui') {
      const values = await this.storedValues(ref, req);
      const errors = { confirm: 'cochez la case pour confirmer la suppression' };
      const refusal = { errors, formError: 'Le compte n’a pas été supprimé.', status: 422 };
      return this.renderAccount(ref, req, reply, values, undefined, refusal);
    }
    await this.accounts.deleteMe(ref, me);
    clearSessionCookie(reply, this.config);
    return reply.redirect('/compte/supprime', 303);
  }

  /** Where the deletion leads (POST/Redirect/GET); it states a fact and needs no session, which is gone. */
  @Get('compte/supprime')
  async accountDeleted(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const ctx = await this.contexts.of(ref, req, 'Compte supprimé');
    return sendPage(
      reply,
      this.pages.render('message', {
        ...ctx,
        heading: 'Votre compte est supprimé',
        paragraphs: [
          'Vos données personnelles sont effacées et vos annonces closes. Merci d’avoir participé à l’entraide ' +
            'entre voisins.',
        ],
        link: { href: '/', label: 'Retour à l’accueil' },
      }),
    );
  }

  /** The form's values as the account stores them. */
  private async storedValues(ref: TenantRef, req: FastifyRequest) {
    const account = (await this.contexts.account(ref, req))!;
    return {
      displayName: account.displayName,
      mode: account.notifyMode,
      radiusM: String(account.notifyRadiusM),
      categoryIds: account.notifyCategoryIds,
      kinds: kindsChoice(account.notifyKinds),
    };
  }

  private async renderAccount(
    ref: TenantRef,
    req: FastifyRequest,
    reply: FastifyReply,
    values: { displayName?: string; mode?: string; radiusM?: string; categoryIds: string[]; kinds?: string },
    notice?: string,
    { errors, formError, status = 200 }: Partial<FormRefusal> = {},
  ) {
    const [ctx, t, account, categories, neighbourhoods] = await Promise.all([
      this.contexts.of(ref, req, formTitle('Mon compte', errors), 'account'),
      this.tenants.get(ref),
      this.contexts.account(ref, req).then((a) => a!),
      this.tenants.categories(ref),
      this.tenants.neighbourhoods(ref),
    ]);
    // A radius set elsewhere (the API, an older form) stays a choice, else saving would silently change it.
    const shown =
      /^\d+$/.test(values.radiusM ?? '') && !RADII.includes(Number(values.radiusM))
        ? [...RADII, Number(values.radiusM)].sort((a, b) => a - b)
        : RADII;
    const radii = shown.map((m) => ({
      value: String(m),
      label: `${radiusLabel(m)}${RADII.includes(m) ? '' : ' (actuel)'}`,
      selected: String(m) === values.radiusM,
    }));
    // Chosen categories the commune no longer offers stay listed (ticked) until the person unticks them.
    const offered = new Set(categories.map((c) => c.id));
    const stale = values.categoryIds.filter((id) => !offered.has(id));
    const names = new Map<string, { slug: string; name: string }>(
      stale.length ? (await this.admin.tenantCategories(ref)).map((c) => [c.categoryId, c]) : [],
    );
    const kept = stale.map((id) => ({
      id,
      slug: names.get(id)?.slug ?? id,
      name: `${names.get(id)?.name ?? 'Catégorie retirée'} (actuel, n’est plus proposée)`,
      checked: true,
    }));
    const page = this.pages.render('account', {
      ...ctx,
      ...PICKER_ASSETS,
      map: this.contexts.map(account.location ? { center: account.location, zoom: 15 } : t.settings.map),
      account: { email: account.email, location: account.location },
      values: { ...values, lat: account.location?.lat, lng: account.location?.lng },
      categories: [...categories.map((c) => ({ ...c, checked: values.categoryIds.includes(c.id) })), ...kept],
      neighbourhoods,
      radii,
      notice,
      errors,
      formError,
    });
    return sendPage(reply, page, status);
  }
}
