import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentTenant, TenantRef } from '@libs/tenancy';
import { Authenticated, Roles } from '@src/accounts/auth.decorators';
import { DecisionDto, PageQuery } from '@src/moderation/dto/moderation.dto';
import {
  CreateMissionDto,
  CreateOrganisationDto,
  CreateProjectDto,
  ManagerInviteDto,
  OrganisationMessageDto,
  ProjectQuery,
  ReplyToDto,
  UpdateProjectDto,
  VolunteerDto,
} from './dto/organisations.dto';
import { OrganisationsEnabledGuard } from './organisations-access';
import { OrganisationsService } from './organisations.service';
import { ProjectsService } from './projects.service';

/** Organisations, projects, missions and volunteers; every route is 404 where the tenant has not turned them on. */
@ApiTags('organisations')
@Controller('api/v1')
@UseGuards(OrganisationsEnabledGuard)
export class OrganisationsController {
  constructor(
    private readonly organisations: OrganisationsService,
    private readonly projects: ProjectsService,
  ) {}

  @Post('organisations')
  @HttpCode(201)
  @Authenticated()
  create(@CurrentTenant() tenant: TenantRef, @Req() req: FastifyRequest, @Body() dto: CreateOrganisationDto) {
    return this.organisations.create(tenant, req.ctx.principal!, dto);
  }

  @Get('organisations')
  list(@CurrentTenant() tenant: TenantRef, @Query() q: PageQuery) {
    return this.organisations.list(tenant, q.limit, q.cursor);
  }

  @Get('me/organisations')
  @Authenticated()
  mine(@CurrentTenant() tenant: TenantRef, @Req() req: FastifyRequest) {
    return this.organisations.mine(tenant, req.ctx.principal!);
  }

  @Get('organisations/:id')
  get(@CurrentTenant() tenant: TenantRef, @Req() req: FastifyRequest, @Param('id') id: string) {
    return this.organisations.get(tenant, id, req.ctx.principal);
  }

  @Post('organisations/:id/managers')
  @HttpCode(202)
  @Authenticated()
  invite(
    @CurrentTenant() tenant: TenantRef,
    @Req() req: FastifyRequest,
    @Param('id') id: string,
    @Body() dto: ManagerInviteDto,
  ) {
    return this.organisations.inviteManager(tenant, req.ctx.principal!, id, dto.email);
  }

  @Post('organisations/:id/messages')
  @HttpCode(201)
  @Authenticated()
  contact(
    @CurrentTenant() tenant: TenantRef,
    @Req() req: FastifyRequest,
    @Param('id') id: string,
    @Body() dto: OrganisationMessageDto,
  ) {
    return this.organisations.contact(tenant, req.ctx.principal!, id, dto.message);
  }

  @Get('organisations/:id/messages')
  @Authenticated()
  inbox(@CurrentTenant() tenant: TenantRef, @Req() req: FastifyRequest, @Param('id') id: string) {
    return this.organisations.inbox(tenant, req.ctx.principal!, id);
  }

  @Post('organisations/:id/replies')
  @HttpCode(201)
  @Authenticated()
  reply(
    @CurrentTenant() tenant: TenantRef,
    @Req() req: FastifyRequest,
    @Param('id') id: string,
    @Body() dto: ReplyToDto,
  ) {
    return this.organisations.reply(tenant, req.ctx.principal!, id, dto.messageId, dto.message);
  }

  @Post('projects')
  @HttpCode(201)
  @Authenticated()
  createProject(@CurrentTenant() tenant: TenantRef, @Req() req: FastifyRequest, @Body() dto: CreateProjectDto) {
    return this.projects.create(tenant, req.ctx.principal!, dto);
  }

  @Get('projects')
  searchProjects(@CurrentTenant() tenant: TenantRef, @Query() q: ProjectQuery) {
    return this.projects.search(tenant, q);
  }

  @Get('projects/:id')
  project(@CurrentTenant() tenant: TenantRef, @Req() req: FastifyRequest, @Param('id') id: string) {
    return this.projects.get(tenant, id, req.ctx.principal);
  }

  @Patch('projects/:id')
  @Authenticated()
  updateProject(
    @CurrentTenant() tenant: TenantRef,
    @Req() req: FastifyRequest,
    @Param('id') id: string,
    @Body() dto: UpdateProjectDto,
  ) {
    return this.projects.update(tenant, req.ctx.principal!, id, dto);
  }

  /** The body is the image itself (Content-Type image/png, image/jpeg or image/webp); its bytes decide. */
  @Put('projects/:id/image')
  @Authenticated()
  setImage(@CurrentTenant() tenant: TenantRef, @Req() req: FastifyRequest, @Param('id') id: string) {
    return this.projects.setImage(tenant, req.ctx.principal!, id, req.body);
  }

  @Get('projects/:id/image')
  async image(
    @CurrentTenant() tenant: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
  ) {
    const { bytes, type } = await this.projects.image(tenant, id, req.ctx.principal);
    return reply
      .header('content-type', type)
      .header('cache-control', 'private, max-age=300')
      .header('x-content-type-options', 'nosniff')
      .send(bytes);
  }

  @Post('projects/:id/missions')
  @HttpCode(201)
  @Authenticated()
  addMission(
    @CurrentTenant() tenant: TenantRef,
    @Req() req: FastifyRequest,
    @Param('id') id: string,
    @Body() dto: CreateMissionDto,
  ) {
    return this.projects.addMission(tenant, req.ctx.principal!, id, dto);
  }

  @Get('missions/:id')
  mission(@CurrentTenant() tenant: TenantRef, @Req() req: FastifyRequest, @Param('id') id: string) {
    return this.projects.mission(tenant, id, req.ctx.principal);
  }

  @Post('missions/:id/volunteers')
  @HttpCode(201)
  @Authenticated()
  volunteer(
    @CurrentTenant() tenant: TenantRef,
    @Req() req: FastifyRequest,
    @Param('id') id: string,
    @Body() dto: VolunteerDto,
  ) {
    return this.projects.volunteer(tenant, req.ctx.principal!, id, dto?.shareContact ?? false);
  }

  @Post('missions/:id/close')
  @HttpCode(200)
  @Authenticated()
  closeMission(@CurrentTenant() tenant: TenantRef, @Req() req: FastifyRequest, @Param('id') id: string) {
    return this.projects.setMissionOpen(tenant, req.ctx.principal!, id, false);
  }

  @Post('missions/:id/reopen')
  @HttpCode(200)
  @Authenticated()
  reopenMission(@CurrentTenant() tenant: TenantRef, @Req() req: FastifyRequest, @Param('id') id: string) {
    return this.projects.setMissionOpen(tenant, req.ctx.principal!, id, true);
  }

  @Delete('missions/:id/volunteers/me')
  @Authenticated()
  withdraw(@CurrentTenant() tenant: TenantRef, @Req() req: FastifyRequest, @Param('id') id: string) {
    return this.projects.withdraw(tenant, req.ctx.principal!, id);
  }

  @Get('missions/:id/volunteers')
  @Authenticated()
  volunteers(@CurrentTenant() tenant: TenantRef, @Req() req: FastifyRequest, @Param('id') id: string) {
    return this.projects.volunteers(tenant, req.ctx.principal!, id);
  }

  @Post('missions/:id/messages')
  @HttpCode(201)
  @Authenticated()
  messageVolunteers(
    @CurrentTenant() tenant: TenantRef,
    @Req() req: FastifyRequest,
    @Param('id') id: string,
    @Body() dto: OrganisationMessageDto,
  ) {
    return this.projects.messageVolunteers(tenant, req.ctx.principal!, id, dto.message);
  }

  @Get('me/missions')
  @Authenticated()
  mySignUps(@CurrentTenant() tenant: TenantRef, @Req() req: FastifyRequest) {
    return this.projects.mySignUps(tenant, req.ctx.principal!);
  }
}

/** Moderators' decisions on organisations and projects (they appear in GET /api/v1/moderation/queue). */
@ApiTags('moderation')
@Controller('api/v1/moderation')
@Roles('moderator', 'admin', 'federation_admin')
@UseGuards(OrganisationsEnabledGuard)
export class OrganisationsModerationController {
  constructor(private readonly organisations: OrganisationsService) {}

  @Post('organisations/:id/decision')
  @HttpCode(200)
  decideOrganisation(
    @CurrentTenant() tenant: TenantRef,
    @Req() req: FastifyRequest,
    @Param('id') id: string,
    @Body() dto: DecisionDto,
  ) {
    return this.organisations.decideOrganisation(tenant, req.ctx.principal!, id, dto.action, dto.reason);
  }

  @Post('projects/:id/decision')
  @HttpCode(200)
  decideProject(
    @CurrentTenant() tenant: TenantRef,
    @Req() req: FastifyRequest,
    @Param('id') id: string,
    @Body() dto: DecisionDto,
  ) {
    return this.organisations.decideProject(tenant, req.ctx.principal!, id, dto.action, dto.reason);
  }
}
