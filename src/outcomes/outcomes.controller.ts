import { Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentTenant, TenantRef } from '@libs/tenancy';
import { Authenticated } from '@src/accounts/auth.decorators';
import { FeedbackDto, FulfilDto } from './dto/outcomes.dto';
import { OutcomesService } from './outcomes.service';

@ApiTags('outcomes')
@Controller('api/v1/listings')
export class OutcomesController {
  constructor(private readonly outcomes: OutcomesService) {}

  /** The author, or the staff for a relayed resident's listing. */
  @Post(':id/fulfil')
  @HttpCode(200)
  @Authenticated()
  fulfil(
    @CurrentTenant() tenant: TenantRef,
    @Req() req: FastifyRequest,
    @Param('id') id: string,
    @Body() dto: FulfilDto,
  ) {
    return this.outcomes.fulfil(tenant, req.ctx.principal!, id, dto.conversationId);
  }

  /** A participant of a fulfilled help; only moderators read it. */
  @Post(':id/feedback')
  @HttpCode(201)
  @Authenticated()
  feedback(
    @CurrentTenant() tenant: TenantRef,
    @Req() req: FastifyRequest,
    @Param('id') id: string,
    @Body() dto: FeedbackDto,
  ) {
    return this.outcomes.feedback(tenant, req.ctx.principal!, id, dto.ok, dto.comment);
  }
}
