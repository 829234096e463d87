import { Body, Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '@libs/config';
import { CurrentTenant, TenantRef } from '@libs/tenancy';
import { AccountsService } from './accounts.service';
import { Authenticated } from './auth.decorators';
import { AcceptInvitationDto, EmailDto, LoginDto, ResetConfirmDto, SignupDto, TokenDto } from './dto/accounts.dto';
import { clearSessionCookie, setSessionCookie, userAgentOf } from './session-cookie';

const SENT =
  'Si cette adresse peut être utilisée, un e-mail vient de vous être envoyé. Pensez à vérifier vos courriers ' +
  'indésirables.';

@ApiTags('auth')
@Controller('api/v1/auth')
export class AuthController {
  constructor(
    private readonly accounts: AccountsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('signup')
  @HttpCode(201)
  async signup(@CurrentTenant() tenant: TenantRef, @Body() dto: SignupDto, @Req() req: FastifyRequest) {
    await this.accounts.signup(tenant, dto, req.ip);
    return { status: 'pending_verification', message: SENT };
  }

  @Post('verify')
  @HttpCode(200)
  async verify(@CurrentTenant() tenant: TenantRef, @Body() dto: TokenDto) {
    await this.accounts.verify(tenant, dto.token);
    return { verified: true };
  }

  @Post('verify/resend')
  @HttpCode(202)
  async resend(@CurrentTenant() tenant: TenantRef, @Body() dto: EmailDto, @Req() req: FastifyRequest) {
    await this.accounts.resendVerification(tenant, dto.email, req.ip);
    return { message: SENT };
  }

  @Post('login')
  @HttpCode(200)
  async login(
    @CurrentTenant() tenant: TenantRef,
    @Body() dto: LoginDto,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const session = await this.accounts.login(tenant, dto.email, dto.password, req.ip, userAgentOf(req));
    setSessionCookie(reply, this.config, session.token);
    return { id: session.principal.accountId, roles: session.principal.roles };
  }

  @Post('logout')
  @HttpCode(204)
  @Authenticated()
  async logout(
    @CurrentTenant() tenant: TenantRef,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    await this.accounts.logout(tenant, req.ctx.principal!);
    clearSessionCookie(reply, this.config);
  }

  @Post('password-reset')
  @HttpCode(202)
  async reset(@CurrentTenant() tenant: TenantRef, @Body() dto: EmailDto, @Req() req: FastifyRequest) {
    await this.accounts.requestPasswordReset(tenant, dto.email, req.ip);
    return { message: SENT };
  }

  @Post('password-reset/confirm')
  @HttpCode(200)
  async confirmReset(@CurrentTenant() tenant: TenantRef, @Body() dto: ResetConfirmDto) {
    await this.accounts.confirmPasswordReset(tenant, dto.token, dto.password);
    return { message: 'Votre mot de passe a été changé. Vous pouvez vous connecter.' };
  }

  @Post('invitations/accept')
  @HttpCode(200)
  async acceptInvitation(
    @CurrentTenant() tenant: TenantRef,
    @Body() dto: AcceptInvitationDto,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const session = await this.accounts.acceptInvitation(
      tenant,
      dto.token,
      dto.password,
      dto.displayName,
      userAgentOf(req),
    );
    setSessionCookie(reply, this.config, session.token);
    return { id: session.principal.accountId, roles: session.principal.roles };
  }
}
