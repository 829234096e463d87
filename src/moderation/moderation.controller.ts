import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentTenant, TenantRef } from '@libs/tenancy';
import { Roles } from '@src/accounts/auth.decorators';
import { DecisionDto, PageQuery, ReasonDto } from './dto/moderation.dto';
import { ModerationService } from './moderation.service';

/** Moderators and administrators of this tenant (a federation administrator on the federation's home site). */
@ApiTags('moderation')
@Controller('api/v1/moderation')
@Roles('moderator', 'admin', 'federation_admin')
export class ModerationController {
  constructor(private readonly moderation: ModerationService) {}

  @Get('queue')
  queue(@CurrentTenant() tenant: TenantRef, @Query() q: PageQuery) {
    return this.moderation.queue(tenant, q.limit, q.cursor);
  }

  @Post('listings/:id/decision')
  @HttpCode(200)
  decide(
    @CurrentTenant() tenant: TenantRef,
    @Req() req: FastifyRequest,
    @Param('id') id: string,
    @Body() dto: DecisionDto,
  ) {
    return this.moderation.decide(tenant, req.ctx.principal!, id, dto.action, dto.reason);
  }

  @Post('messages/:id/decision')
  @HttpCode(200)
  decideMessage(
    @CurrentTenant() tenant: TenantRef,
    @Req() req: FastifyRequest,
    @Param('id') id: string,
    @Body() dto: DecisionDto,
  ) {
    return this.moderation.decideMessage(tenant, req.ctx.principal!, id, dto.action, dto.reason);
  }

  @Post('feedback/:id/review')
  @HttpCode(200)
  reviewFeedback(
    @CurrentTenant() tenant: TenantRef,
    @Req() req: FastifyRequest,
    @Param('id') id: string,
    @Body() dto: ReasonDto,
  ) {
    return this.moderation.reviewFeedback(tenant, req.ctx.principal!, id, dto.reason);
  }

  @Post('users/:id/ban')
  @HttpCode(200)
  ban(@CurrentTenant() tenant: TenantRef, @Req() req: FastifyRequest, @Param('id') id: string, @Body() dto: ReasonDto) {
    return this.moderation.ban(tenant, req.ctx.principal!, id, dto.reason);
  }

  @Post('users/:id/unban')
  @HttpCode(200)
  unban(
    @CurrentTenant() tenant: TenantRef,
    @Req() req: FastifyRequest,
    @Param('id') id: string,
    @Body() dto: ReasonDto,
  ) {
    return this.moderation.unban(tenant, req.ctx.principal!, id, dto.reason);
  }

  @Get('audit')
  audit(@CurrentTenant() tenant: TenantRef, @Query() q: PageQuery) {
    return this.moderation.auditLog(tenant, q.limit, q.cursor);
  }
}
