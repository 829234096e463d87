import { Body, Controller, Get, Param, Patch, Post, Put, Query, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentTenant, TenantRef } from '@libs/tenancy';
import { Roles } from '@src/accounts/auth.decorators';
import { CreateCategoryDto, StatsQuery, UpdateCategoryDto } from './admin.dto';
import { AdminService } from './admin.service';

@ApiTags('admin')
@Controller('api/v1/admin')
export class AdminController {
  constructor(private readonly admin: AdminService) {}

  @Get('categories')
  @Roles('federation_admin')
  catalogue(@CurrentTenant() tenant: TenantRef, @Req() req: FastifyRequest) {
    return this.admin.catalogue(tenant, req.ctx.principal!);
  }

  @Post('categories')
  @Roles('federation_admin')
  create(@CurrentTenant() tenant: TenantRef, @Req() req: FastifyRequest, @Body() dto: CreateCategoryDto) {
    return this.admin.createCategory(tenant, req.ctx.principal!, dto);
  }

  @Patch('categories/:id')
  @Roles('federation_admin')
  update(
    @CurrentTenant() tenant: TenantRef,
    @Req() req: FastifyRequest,
    @Param('id') id: string,
    @Body() dto: UpdateCategoryDto,
  ) {
    return this.admin.updateCategory(tenant, req.ctx.principal!, id, dto);
  }

  @Get('tenant/categories')
  @Roles('admin', 'federation_admin')
  tenantCategories(@CurrentTenant() tenant: TenantRef) {
    return this.admin.tenantCategories(tenant);
  }

  @Put('tenant/categories')
  @Roles('admin', 'federation_admin')
  setTenantCategories(@CurrentTenant() tenant: TenantRef, @Req() req: FastifyRequest) {
    return this.admin.setTenantCategories(tenant, req.ctx.principal!, req.body);
  }

  @Get('tenants/:slug/categories')
  @Roles('federation_admin')
  async memberCategories(@CurrentTenant() tenant: TenantRef, @Req() req: FastifyRequest, @Param('slug') slug: string) {
    return this.admin.tenantCategories(await this.admin.memberTenant(tenant, req.ctx.principal!, slug));
  }

  @Put('tenants/:slug/categories')
  @Roles('federation_admin')
  async setMemberCategories(
    @CurrentTenant() tenant: TenantRef,
    @Req() req: FastifyRequest,
    @Param('slug') slug: string,
  ) {
    return this.admin.setTenantCategories(
      await this.admin.memberTenant(tenant, req.ctx.principal!, slug),
      req.ctx.principal!,
      req.body,
    );
  }

  @Get('stats')
  @Roles('admin', 'federation_admin')
  stats(@CurrentTenant() tenant: TenantRef, @Req() req: FastifyRequest, @Query() q: StatsQuery) {
    return this.admin.stats(tenant, req.ctx.principal!, q.from, q.to);
  }
}
