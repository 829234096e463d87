import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Handlebars from 'handlebars';
import { problem, ProblemException } from '../../libs/http';
import { CurrentTenant, Principal, TenantRef } from '../../libs/tenancy';
import { AdminService } from '../admin/admin.service';
import { barChart } from './chart';
import { formErrors, isFormError } from './forms';
import { PageContexts } from './page-context';
import { PageRenderer } from './page-renderer';
import { sendPage } from './page-response';

const ADMINS = new Set(['admin', 'federation_admin']);

/** The commune administrators' page: activity over the last 30 days, and the commune's categories. */
@ApiExcludeController()
@Controller('administration')
export class AdminPagesController {
  constructor(private readonly pages: PageRenderer, private readonly contexts: PageContexts, private readonly admin: AdminService) {}

  @Get()
  async overview(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query('fait') done?: string) {
    const me = admin(req, reply);
    if (!me) return;
    await this.render(ref, req, reply, me, done ? 'Les catégories sont enregistrées.' : undefined);
  }

  @Post('categories')
  async saveCategories(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Body() body: Record<string, string | string[] | undefined>) {
    const me = admin(req, reply);
    if (!me) return;
    const list = (k: string) => ([] as string[]).concat(body[k] ?? []);
    const ids = list('categoryId');
    const enabled = new Set(list('enabled'));
    const positions = list('position');
    const items = ids.map((categoryId, i) => ({ categoryId, enabled: enabled.has(categoryId), position: Number(positions[i]) }));
    try {
      await this.admin.setTenantCategories(ref, me, items);
      return reply.redirect('/administration?fait=categories', 303);
    } catch (err) {
      if (!isFormError(err)) throw err;
      const first = Object.values(formErrors(err))[0];
      return this.render(ref, req, reply, me, undefined, `Les catégories n’ont pas été enregistrées : ${first ?? err.problem.detail}.`, err.problem.status);
    }
  }

  private async render(ref: TenantRef, req: FastifyRequest, reply: FastifyReply, me: Principal, notice?: string, formError?: string, status = 200) {
    const [ctx, stats, categories] = await Promise.all([this.contexts.of(ref, req, 'Administration', 'admin'), this.admin.stats(ref, me), this.admin.tenantCategories(ref)]);
    const byDay = stats.byDay as Array<Record<string, number | string>>;
    const sum = (k: string) => byDay.reduce((n, d) => n + Number(d[k] ?? 0), 0);
    const totals = Object.fromEntries(['offers', 'requests', 'newResidents', 'conversationsStarted', 'matchesMailed'].map((k) => [k, sum(k)]));
    const chart = barChart({
      id: 'activite',
      title: 'Annonces publiées par jour',
      description: `Offres et demandes publiées chaque jour du ${stats.from} au ${stats.to} : ${totals.offers} offres et ${totals.requests} demandes en tout.`,
      labels: byDay.map((d) => String(d.day).slice(8, 10) + '/' + String(d.day).slice(5, 7)),
      series: [
        { className: 'bar-offer', label: 'Offres', values: byDay.map((d) => Number(d.offers)) },
        { className: 'bar-request', label: 'Demandes', values: byDay.map((d) => Number(d.requests)) },
      ],
    });
    const page = this.pages.render('admin', { ...ctx, stats, totals, chart: new Handlebars.SafeString(chart), categories, notice, formError });
    return sendPage(reply, page, status);
  }
}

/** An administrator of this commune (or of its federation); anyone else signed in gets the 403 page. */
function admin(req: FastifyRequest, reply: FastifyReply): Principal | undefined {
  const principal = req.ctx.principal;
  if (!principal) {
    reply.redirect(`/connexion?retour=${encodeURIComponent('/administration')}`, 303);
    return undefined;
  }
  if (!principal.roles.some((r) => ADMINS.has(r))) throw new ProblemException(problem(403, 'Cette page est réservée aux administrateurs de la commune.'));
  return principal;
}
