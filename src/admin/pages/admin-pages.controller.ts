import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Handlebars from 'handlebars';
import { CurrentTenant, Principal, TenantRef } from '@libs/tenancy';
import { AccountsService } from '@src/accounts/accounts.service';
import { EmailDto } from '@src/accounts/dto/accounts.dto';
import { CreateCategoryDto } from '../admin.dto';
import { AdminService } from '../admin.service';
import { TenantsService } from '@src/tenants/tenants.service';
import { barChart } from '@src/web/chart';
import { Form, submitForm, validated } from '@src/web/forms';
import { PageContexts } from '@src/web/page-context';
import { PageRenderer } from '@src/web/page-renderer';
import { sendPage } from '@src/web/page-response';
import type { AdminPageExtra } from './admin.views';
import { Me } from '@src/web/page-guard';
import { AdminPage } from './admin-page';

const DONE: Record<string, string> = {
  categories: 'Les catégories sont enregistrées.',
  invitation: 'L’invitation est envoyée : la personne reçoit un lien pour choisir son mot de passe.',
  catalogue:
    'La catégorie est ajoutée au catalogue ; chaque commune peut maintenant l’ajouter à son site depuis sa page ' +
    'd’administration.',
  ajoutee: 'La catégorie est ajoutée au site, à la fin de la liste ; vous pouvez changer son ordre.',
  ordre: 'L’ordre du catalogue est enregistré.',
  modifiee: 'La catégorie est modifiée.',
  archivee: 'La catégorie est archivée : les communes ne peuvent plus l’ajouter et elle n’est plus proposée.',
  retablie: 'La catégorie est remise en service.',
};

/** The commune administrators' page: activity over the last 30 days, and the commune's categories. */
@ApiExcludeController()
@Controller('administration')
export class AdminPagesController {
  constructor(
    private readonly pages: PageRenderer,
    private readonly contexts: PageContexts,
    private readonly admin: AdminService,
    private readonly accounts: AccountsService,
    private readonly tenants: TenantsService,
  ) {}

  @Get()
  @AdminPage()
  async overview(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Query('fait') done?: string,
  ) {
    await this.render(ref, req, reply, me, { notice: done ? DONE[done] : undefined });
  }

  @Post('categories')
  @AdminPage()
  async saveCategories(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Body() body: Record<string, string | string[] | undefined>,
  ) {
    const list = (k: string) => ([] as string[]).concat(body[k] ?? []);
    const ids = list('categoryId');
    const enabled = new Set(list('enabled'));
    const positions = list('position');
    const items = ids.map((categoryId, i) => ({
      categoryId,
      enabled: enabled.has(categoryId),
      position: Number(positions[i]),
    }));
    return submitForm({
      action: async () => {
        await this.admin.setTenantCategories(ref, me, items);
        return reply.redirect('/administration?fait=categories', 303);
      },
      refused: ({ errors, detail, status }) => {
        const formError = `Les catégories n’ont pas été enregistrées : ${Object.values(errors)[0] ?? detail}.`;
        return this.render(ref, req, reply, me, { formError }, status);
      },
    });
  }

  @Post('equipe')
  @AdminPage()
  async invite(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Body() body: Form,
  ) {
    return submitForm({
      action: async () => {
        const dto = await validated(EmailDto, { email: body.email ?? '' });
        const role = body.role === 'admin' ? 'admin' : 'moderator';
        const t = await this.tenants.get(ref);
        await this.accounts.invite(ref, dto.email, role, t.name);
        return reply.redirect('/administration?fait=invitation', 303);
      },
      refused: ({ errors, status }) => {
        const formError = 'L’invitation n’est pas partie : corrigez le champ signalé.';
        const extra = { formError, inviteErrors: errors, inviteValues: { email: body.email } };
        return this.render(ref, req, reply, me, extra, status);
      },
    });
  }

  @Post('catalogue')
  @AdminPage()
  async addCategory(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Body() body: Form,
  ) {
    return submitForm({
      action: async () => {
        const dto = await validated(CreateCategoryDto, {
          name: body.name ?? '',
          description: body.description ?? '',
          remote: body.remote === 'true',
        });
        await this.admin.createCategory(ref, me, dto);
        return reply.redirect('/administration?fait=catalogue', 303);
      },
      summary: 'La catégorie n’a pas été ajoutée : corrigez les champs signalés.',
      refused: ({ errors, formError, status }) =>
        this.render(ref, req, reply, me, { formError, catalogueErrors: errors, catalogueValues: body }, status),
    });
  }

  private async render(
    ref: TenantRef,
    req: FastifyRequest,
    reply: FastifyReply,
    me: Principal,
    extra: AdminPageExtra = {},
    status = 200,
  ) {
    const federationAdmin = me.roles.includes('federation_admin');
    const [ctx, stats, categories, staff, catalogue, available] = await Promise.all([
      this.contexts.of(ref, req, extra.formError ? 'Erreur – Administration' : 'Administration', 'admin'),
      this.admin.stats(ref, me),
      this.admin.tenantCategories(ref),
      this.accounts.staff(ref),
      federationAdmin ? this.admin.catalogue(ref, me).catch(() => undefined) : undefined,
      this.admin.availableCategories(ref),
    ]);
    const byDay = stats.byDay as Array<Record<string, number | string>>;
    const sum = (k: string) => byDay.reduce((n, d) => n + Number(d[k] ?? 0), 0);
    const totals = Object.fromEntries(
      [
        'offers',
        'requests',
        'newResidents',
        'conversationsStarted',
        'matchesMailed',
        'organisations',
        'projects',
        'missions',
        'volunteerSignUps',
      ].map((k) => [k, sum(k)]),
    );
    const chart = barChart({
      id: 'activite',
      title: 'Annonces publiées par jour',
      description:
        `Offres et demandes publiées chaque jour du ${stats.from} au ${stats.to} : ${totals.offers} ` +
        `offres et ${totals.requests} demandes en tout.`,
      labels: byDay.map((d) => String(d.day).slice(8, 10) + '/' + String(d.day).slice(5, 7)),
      series: [
        { className: 'bar-offer', label: 'Offres', values: byDay.map((d) => Number(d.offers)) },
        { className: 'bar-request', label: 'Demandes', values: byDay.map((d) => Number(d.requests)) },
      ],
    });
    const page = this.pages.render('admin', {
      ...ctx,
      stats,
      totals,
      chart: new Handlebars.SafeString(chart),
      categories,
      staff,
      catalogue,
      available,
      ...extra,
    });
    return sendPage(reply, page, status);
  }
}
