import { Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '@libs/errors';
import { CurrentTenant, Principal, TenantRef } from '@libs/tenancy';
import { MissionCalendarService } from '../mission-calendar.service';
import { ProjectsService } from '../projects.service';
import { Me, SignedInPage } from '@src/web/page-guard';
import { PageRenderer } from '@src/web/page-renderer';
import { sendPage } from '@src/web/page-response';
import type { MissionCalendarView } from './mission-calendar.views';
import { OrganisationsPageContexts } from './organisations-page-contexts';

const CALENDAR_NOTICES: Record<string, string> = {
  cree: 'Votre lien d’agenda est prêt : copiez-le dans votre application d’agenda.',
  renouvele: 'Votre nouveau lien d’agenda est prêt : l’ancien ne fonctionne plus.',
  supprime: 'Votre lien d’agenda est supprimé : il ne fonctionne plus.',
};

function sendCalendar(reply: FastifyReply, ics: string, filename: string, download: boolean): FastifyReply {
  return reply
    .status(200)
    .header('content-type', 'text/calendar; charset=utf-8')
    .header('content-disposition', `${download ? 'attachment' : 'inline'}; filename="${filename}"`)
    .header('cache-control', 'private, no-store')
    .header('x-content-type-options', 'nosniff')
    .send(ics);
}

/**
 * Missions in a volunteer's calendar: a mission's .ics, the volunteer's page with their private
 * feed link (create, renew, delete), and the feed itself, read by calendar applications without
 * a session (the signed link is the credential).
 */
@ApiExcludeController()
@Controller()
export class MissionCalendarPagesController {
  constructor(
    private readonly pages: PageRenderer,
    private readonly pageContexts: OrganisationsPageContexts,
    private readonly projects: ProjectsService,
    private readonly calendar: MissionCalendarService,
  ) {}

  @Get('missions/:id/agenda.ics')
  async missionIcs(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
  ) {
    return sendCalendar(reply, await this.calendar.missionIcs(ref, id, req.ctx.principal), `mission-${id}.ics`, true);
  }

  @Get('agenda/:file')
  async feed(@CurrentTenant() ref: TenantRef, @Res() reply: FastifyReply, @Param('file') file: string) {
    const ics = file.endsWith('.ics') ? await this.calendar.feedIcs(ref, file.slice(0, -4)) : undefined;
    if (!ics) throw new NotFoundError('Ce lien d’agenda n’existe pas ou a été supprimé.');
    return sendCalendar(reply, ics, 'missions.ics', false);
  }

  @Get('mon-agenda')
  @SignedInPage()
  async page(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Query('fait') done?: string,
  ) {
    const [ctx, signUps, feedUrl] = await Promise.all([
      this.pageContexts.of(ref, req, 'Mon agenda de bénévole', 'my-organisations'),
      this.projects.mySignUps(ref, me),
      this.calendar.feedUrl(ref, me),
    ]);
    const view: Omit<MissionCalendarView, 'organisationsName'> = {
      signUps: signUps.items.filter((s) => s.projectPublic),
      feedUrl,
      notice: done ? CALENDAR_NOTICES[done] : undefined,
    };
    return sendPage(reply, this.pages.render('mission-calendar', { ...ctx, ...view }));
  }

  @Post('mon-agenda/lien')
  @SignedInPage('/mon-agenda')
  async renew(@CurrentTenant() ref: TenantRef, @Res() reply: FastifyReply, @Me() me: Principal) {
    const had = await this.calendar.feedUrl(ref, me);
    await this.calendar.renewFeed(ref, me);
    return reply.redirect(`/mon-agenda?fait=${had ? 'renouvele' : 'cree'}#lien-agenda`, 303);
  }

  @Post('mon-agenda/suppression')
  @SignedInPage('/mon-agenda')
  async revoke(@CurrentTenant() ref: TenantRef, @Res() reply: FastifyReply, @Me() me: Principal) {
    await this.calendar.revokeFeed(ref, me);
    return reply.redirect('/mon-agenda?fait=supprime#lien-agenda', 303);
  }
}
