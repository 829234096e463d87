import { Body, Controller, Delete, Get, Header, HttpCode, Inject, Patch, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '@libs/config';
import { CurrentTenant, TenantRef } from '@libs/tenancy';
import { AccountRow } from './accounts.repository';
import { AccountsService } from './accounts.service';
import { Authenticated } from './auth.decorators';
import { UpdateMeDto } from './dto/accounts.dto';
import { clearSessionCookie } from './session-cookie';

const view = (a: AccountRow) => ({
  id: a.id,
  email: a.email,
  displayName: a.displayName,
  roles: a.roles,
  emailVerified: a.emailVerifiedAt !== null,
  location: a.location,
  notifications: {
    mode: a.notifyMode,
    radiusM: a.notifyRadiusM,
    categoryIds: a.notifyCategoryIds,
    kinds: a.notifyKinds,
  },
});

@ApiTags('me')
@Controller('api/v1/me')
@Authenticated()
export class MeController {
  constructor(
    private readonly accounts: AccountsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @Header('cache-control', 'private, no-store')
  async me(@CurrentTenant() tenant: TenantRef, @Req() req: FastifyRequest) {
    return view(await this.accounts.me(tenant, req.ctx.principal!));
  }

  @Patch()
  async update(@CurrentTenant() tenant: TenantRef, @Req() req: FastifyRequest, @Body() dto: UpdateMeDto) {
    return view(await this.accounts.updateMe(tenant, req.ctx.principal!, dto));
  }

  @Get('export')
  @Header('cache-control', 'private, no-store')
  async export(
    @CurrentTenant() tenant: TenantRef,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    reply.header('content-disposition', `attachment; filename="mes-donnees-${tenant.slug}.json"`);
    return this.accounts.export(tenant, req.ctx.principal!);
  }

  @Delete()
  @HttpCode(204)
  async remove(
    @CurrentTenant() tenant: TenantRef,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    await this.accounts.deleteMe(tenant, req.ctx.principal!);
    clearSessionCookie(reply, this.config);
  }
}
