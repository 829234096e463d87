import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Req } from '@nestjs/common';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentTenant, TenantRef } from '@libs/tenancy';
import { Roles } from '@src/accounts/auth.decorators';
import { CreateListingDto } from '@src/listings/dto/listings.dto';
import { IDEMPOTENCY_HEADER_DOC } from '@src/listings/listings.service';
import { CreateRelayedResidentDto, UpdateRelayedResidentDto } from './dto/staff.dto';
import { RelayedResidentsService } from './relayed-residents.service';

/** The town-hall team (moderators and administrators of this tenant): relayed residents and the staff inbox. */
@ApiTags('staff')
@Controller('api/v1/staff')
@Roles('moderator', 'admin', 'federation_admin')
export class StaffController {
  constructor(private readonly residents: RelayedResidentsService) {}

  @Post('residents')
  @HttpCode(201)
  create(@CurrentTenant() tenant: TenantRef, @Req() req: FastifyRequest, @Body() dto: CreateRelayedResidentDto) {
    return this.residents.create(tenant, req.ctx.principal!, dto);
  }

  @Get('residents')
  list(@CurrentTenant() tenant: TenantRef) {
    return this.residents.list(tenant);
  }

  @Get('residents/:id')
  get(@CurrentTenant() tenant: TenantRef, @Param('id') id: string) {
    return this.residents.get(tenant, id);
  }

  @Patch('residents/:id')
  update(
    @CurrentTenant() tenant: TenantRef,
    @Req() req: FastifyRequest,
    @Param('id') id: string,
    @Body() dto: UpdateRelayedResidentDto,
  ) {
    return this.residents.update(tenant, req.ctx.principal!, id, dto);
  }

  @Delete('residents/:id')
  @HttpCode(204)
  async erase(@CurrentTenant() tenant: TenantRef, @Req() req: FastifyRequest, @Param('id') id: string): Promise<void> {
    await this.residents.erase(tenant, req.ctx.principal!, id);
  }

  @Get('residents/:id/export')
  export(@CurrentTenant() tenant: TenantRef, @Req() req: FastifyRequest, @Param('id') id: string) {
    return this.residents.export(tenant, req.ctx.principal!, id);
  }

  @Post('residents/:id/listings')
  @HttpCode(201)
  @ApiHeader(IDEMPOTENCY_HEADER_DOC)
  postListing(
    @CurrentTenant() tenant: TenantRef,
    @Req() req: FastifyRequest,
    @Param('id') id: string,
    @Body() dto: CreateListingDto,
    @Headers('idempotency-key') key?: string,
  ) {
    return this.residents.postListing(tenant, req.ctx.principal!, id, dto, key);
  }

  @Get('inbox')
  inbox(@CurrentTenant() tenant: TenantRef) {
    return this.residents.inboxItems(tenant);
  }

  @Post('inbox/:id/called-back')
  @HttpCode(200)
  calledBack(@CurrentTenant() tenant: TenantRef, @Req() req: FastifyRequest, @Param('id') id: string) {
    return this.residents.calledBack(tenant, req.ctx.principal!, id);
  }
}
