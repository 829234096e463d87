import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentTenant, TenantRef } from '@libs/tenancy';
import { AccountsService } from '../accounts.service';
import { EmailDto, ResetConfirmDto } from '../dto/accounts.dto';
import { Form, submitForm, validated } from '@src/web/forms';
import { MessagePages } from '@src/web/message-pages';
import { PageContexts } from '@src/web/page-context';
import { PageContext, PageRenderer } from '@src/web/page-renderer';
import { sendPage } from '@src/web/page-response';

const SENT =
  'Si cette adresse correspond à un compte, un e-mail vient de lui être envoyé avec un lien valable une heure. ' +
  'Pensez à vérifier vos courriers indésirables.';

/**
 * A forgotten password: asking for a link, and choosing a new password from it.
 */
@ApiExcludeController()
@Controller()
export class PasswordPagesController {
  constructor(
    private readonly pages: PageRenderer,
    private readonly contexts: PageContexts,
    private readonly messages: MessagePages,
    private readonly accounts: AccountsService,
  ) {}

  @Get('mot-de-passe-oublie')
  async forgottenPage(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query('envoye') sent?: string,
  ) {
    if (sent === '1')
      return this.messages.send(
        ref,
        req,
        reply,
        { heading: 'Vérifiez votre boîte e-mail', paragraphs: [SENT] },
        { current: 'login' },
      );
    const ctx = await this.context(ref, req, 'Mot de passe oublié', 'login');
    sendPage(reply, this.pages.render('password-forgotten', { ...ctx, values: {} }));
  }

  @Post('mot-de-passe-oublie')
  async forgotten(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() body: Form,
  ) {
    return submitForm({
      action: async () => {
        const dto = await validated(EmailDto, { email: body.email ?? '' });
        await this.accounts.requestPasswordReset(ref, dto.email, req.ip);
        return reply.redirect('/mot-de-passe-oublie?envoye=1', 303);
      },
      summary: 'Corrigez le champ signalé.',
      refused: async ({ errors, formError, status, headers }) => {
        reply.headers(headers ?? {});
        const ctx = await this.context(ref, req, 'Erreur – Mot de passe oublié', 'login');
        const page = { ...ctx, values: { email: body.email }, errors, formError };
        return sendPage(reply, this.pages.render('password-forgotten', page), status);
      },
    });
  }

  /** The link of the password-reset e-mail. */
  @Get('compte/nouveau-mot-de-passe')
  async newPasswordPage(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query('token') token?: string,
    @Query('fait') done?: string,
  ) {
    if (done === '1') {
      const page = {
        heading: 'Votre mot de passe est changé',
        paragraphs: ['Vous pouvez maintenant vous connecter avec votre nouveau mot de passe.'],
        link: { href: '/connexion', label: 'Se connecter' },
      };
      return this.messages.send(ref, req, reply, page, { title: 'Mot de passe changé', current: 'login' });
    }
    const ctx = await this.context(ref, req, 'Nouveau mot de passe', 'login');
    sendPage(
      reply,
      this.pages.render('password-new', {
        ...ctx,
        action: '/compte/nouveau-mot-de-passe',
        token: token ?? '',
        values: {},
      }),
    );
  }

  @Post('compte/nouveau-mot-de-passe')
  async newPassword(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() body: Form,
  ) {
    return submitForm({
      action: async () => {
        const dto = await validated(ResetConfirmDto, { token: body.token ?? '', password: body.password ?? '' });
        await this.accounts.confirmPasswordReset(ref, dto.token, dto.password);
        return reply.redirect('/compte/nouveau-mot-de-passe?fait=1', 303);
      },
      summary: 'Corrigez le champ signalé.',
      refused: async ({ errors, formError, status }) => {
        const ctx = await this.context(ref, req, 'Erreur – Nouveau mot de passe', 'login');
        const page = {
          ...ctx,
          action: '/compte/nouveau-mot-de-passe',
          token: body.token,
          values: {},
          errors,
          formError: errors.token
            ? 'Ce lien ne fonctionne plus : demandez-en un nouveau depuis « Mot de passe oublié ».'
            : formError,
        };
        return sendPage(reply, this.pages.render('password-new', page), status);
      },
    });
  }

  private context(ref: TenantRef, req: FastifyRequest, title: string, current?: string): Promise<PageContext> {
    return this.contexts.of(ref, req, title, current);
  }
}
