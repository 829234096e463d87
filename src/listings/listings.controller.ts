import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Req,
} from '@nestjs/common';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentTenant, TenantRef } from '@libs/tenancy';
import { Authenticated } from '@src/accounts/auth.decorators';
import { ConversationsService } from './conversations.service';
import {
  CreateListingDto,
  GeoJsonQuery,
  MessageDto,
  ReplyDto,
  ReportDto,
  SearchListingsQuery,
  UpdateListingDto,
} from './dto/listings.dto';
import { IDEMPOTENCY_HEADER_DOC, idempotentRequest } from './idempotency.repository';
import { ListingsService } from './listings.service';

@ApiTags('listings')
@Controller('api/v1')
export class ListingsController {
  constructor(
    private readonly listings: ListingsService,
    private readonly conversations: ConversationsService,
  ) {}

  @Post('listings')
  @HttpCode(201)
  @Authenticated()
  @ApiHeader(IDEMPOTENCY_HEADER_DOC)
  create(
    @CurrentTenant() tenant: TenantRef,
    @Req() req: FastifyRequest,
    @Body() dto: CreateListingDto,
    @Headers('idempotency-key') key?: string,
  ) {
    const principal = req.ctx.principal!;
    return this.listings.create(tenant, principal, dto, idempotentRequest(key, principal.accountId, dto));
  }

  /** Sent as ListingsService.searchBody writes it (the items' JSON as PostgreSQL wrote it). */
  @Get('listings')
  @Header('content-type', 'application/json; charset=utf-8')
  search(@CurrentTenant() tenant: TenantRef, @Query() q: SearchListingsQuery): Promise<string> {
    return this.listings.searchBody(tenant, q);
  }

  @Get('listings.geojson')
  @Header('content-type', 'application/geo+json; charset=utf-8')
  geojson(@CurrentTenant() tenant: TenantRef, @Query() q: GeoJsonQuery) {
    return this.listings.geojson(tenant, q);
  }

  @Get('me/listings')
  @Authenticated()
  mine(@CurrentTenant() tenant: TenantRef, @Req() req: FastifyRequest) {
    return this.listings.mine(tenant, req.ctx.principal!);
  }

  @Get('listings/:id')
  get(@CurrentTenant() tenant: TenantRef, @Param('id') id: string, @Req() req: FastifyRequest) {
    return this.listings.get(tenant, id, req.ctx.principal);
  }

  @Patch('listings/:id')
  @Authenticated()
  update(
    @CurrentTenant() tenant: TenantRef,
    @Req() req: FastifyRequest,
    @Param('id') id: string,
    @Body() dto: UpdateListingDto,
  ) {
    return this.listings.update(tenant, req.ctx.principal!, id, dto);
  }

  @Post('listings/:id/close')
  @HttpCode(200)
  @Authenticated()
  close(@CurrentTenant() tenant: TenantRef, @Req() req: FastifyRequest, @Param('id') id: string) {
    return this.listings.close(tenant, req.ctx.principal!, id);
  }

  @Post('listings/:id/renew')
  @HttpCode(200)
  @Authenticated()
  renew(@CurrentTenant() tenant: TenantRef, @Req() req: FastifyRequest, @Param('id') id: string) {
    return this.listings.renew(tenant, req.ctx.principal!, id);
  }

  @Post('listings/:id/reports')
  @HttpCode(201)
  @Authenticated()
  report(
    @CurrentTenant() tenant: TenantRef,
    @Req() req: FastifyRequest,
    @Param('id') id: string,
    @Body() dto: ReportDto,
  ) {
    return this.conversations.report(tenant, req.ctx.principal!, id, dto.reason, dto.comment);
  }

  @Post('listings/:id/conversations')
  @HttpCode(201)
  @Authenticated()
  startConversation(
    @CurrentTenant() tenant: TenantRef,
    @Req() req: FastifyRequest,
    @Param('id') id: string,
    @Body() dto: MessageDto,
  ) {
    return this.conversations.start(tenant, req.ctx.principal!, id, dto.message);
  }

  @Get('conversations')
  @Authenticated()
  conversationsList(@CurrentTenant() tenant: TenantRef, @Req() req: FastifyRequest) {
    return this.conversations.list(tenant, req.ctx.principal!);
  }

  @Get('conversations/:id')
  @Authenticated()
  conversation(@CurrentTenant() tenant: TenantRef, @Req() req: FastifyRequest, @Param('id') id: string) {
    return this.conversations.get(tenant, req.ctx.principal!, id);
  }

  @Post('conversations/:id/messages')
  @HttpCode(201)
  @Authenticated()
  reply(
    @CurrentTenant() tenant: TenantRef,
    @Req() req: FastifyRequest,
    @Param('id') id: string,
    @Body() dto: ReplyDto,
  ) {
    return this.conversations.reply(tenant, req.ctx.principal!, id, dto.body);
  }

  /** A participant reports a message they received: it is held for the moderators (201, once per reporter). */
  @Post('conversations/:id/messages/:messageId/reports')
  @HttpCode(201)
  @Authenticated()
  reportMessage(
    @CurrentTenant() tenant: TenantRef,
    @Req() req: FastifyRequest,
    @Param('id') id: string,
    @Param('messageId') messageId: string,
    @Body() dto: ReportDto,
  ) {
    return this.conversations.reportMessage(tenant, req.ctx.principal!, id, messageId, dto.reason, dto.comment);
  }

  /** The other participant can no longer write to the caller (PUT), or can again (DELETE). */
  @Put('conversations/:id/block')
  @Authenticated()
  block(@CurrentTenant() tenant: TenantRef, @Req() req: FastifyRequest, @Param('id') id: string) {
    return this.conversations.setBlocked(tenant, req.ctx.principal!, id, true);
  }

  @Delete('conversations/:id/block')
  @Authenticated()
  unblock(@CurrentTenant() tenant: TenantRef, @Req() req: FastifyRequest, @Param('id') id: string) {
    return this.conversations.setBlocked(tenant, req.ctx.principal!, id, false);
  }
}
