import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentTenant, TenantRef } from '@libs/tenancy';
import type { ReminderAnswer } from '../outcomes.service';
import { REMINDER_ANSWERS, OutcomesService } from '../outcomes.service';
import type { Form } from '@src/web/forms';
import { MessagePages } from '@src/web/message-pages';
import { PageContexts } from '@src/web/page-context';
import { PageRenderer } from '@src/web/page-renderer';
import { sendPage } from '@src/web/page-response';

const INVALID = {
  heading: 'Lien invalide',
  paragraphs: ['Ce lien ne correspond à aucune annonce de ce site. Connectez-vous pour gérer vos annonces.'],
  link: { href: '/mes-annonces', label: 'Mes annonces' },
};
const QUESTION: Record<ReminderAnswer, { heading: string; button: string }> = {
  found: { heading: 'Vous avez trouvé de l’aide', button: 'Confirmer : j’ai trouvé de l’aide' },
  still_looking: { heading: 'Vous cherchez encore', button: 'Confirmer : je cherche encore' },
  not_needed: { heading: 'Vous n’avez plus besoin d’aide', button: 'Confirmer : je n’en ai plus besoin' },
};
const DONE: Record<ReminderAnswer, string> = {
  found:
    'Merci ! Votre annonce est marquée « aide trouvée » : elle ne s’affiche plus, et la personne qui vous a ' +
    'aidé(e) reçoit nos remerciements.',
  still_looking:
    'C’est noté : votre annonce reste en ligne 60 jours de plus, et vos voisins peuvent toujours vous écrire.',
  not_needed: 'C’est noté : votre annonce est close et ne s’affiche plus.',
};
const LABEL: Record<ReminderAnswer, string> = {
  found: 'j’ai trouvé de l’aide',
  still_looking: 'je cherche encore',
  not_needed: 'je n’en ai plus besoin',
};

/**
 * The three answers of the reminder e-mail. GET only asks to confirm (link scanners open every
 * link); POST acts, once, and leads back to GET: answering again shows what was recorded and
 * changes nothing.
 */
@ApiExcludeController()
@Controller('outcome')
export class OutcomePagesController {
  constructor(
    private readonly outcomes: OutcomesService,
    private readonly pages: PageRenderer,
    private readonly contexts: PageContexts,
    private readonly messages: MessagePages,
  ) {}

  @Get(':token')
  async confirm(
    @CurrentTenant() tenant: TenantRef,
    @Req() req: FastifyRequest,
    @Param('token') token: string,
    @Query('answer') raw: string | undefined,
    @Res() reply: FastifyReply,
    @Query('fait') done?: string,
  ) {
    const state = await this.outcomes.reminderState(tenant, token);
    if (!state) return this.messages.send(tenant, req, reply, INVALID, { status: 404 });
    // After the POST's redirect (?fait=1), the answer just recorded; later visits, what was recorded.
    if (state.answer)
      return this.messages.send(
        tenant,
        req,
        reply,
        done === '1' ? this.thanks(state.answer) : this.already(state.answer),
      );
    const answer = REMINDER_ANSWERS.includes(raw as ReminderAnswer) ? (raw as ReminderAnswer) : undefined;
    const ctx = await this.contexts.of(tenant, req, answer ? QUESTION[answer].heading : 'Avez-vous trouvé de l’aide ?');
    sendPage(
      reply,
      this.pages.render('outcome', {
        ...ctx,
        token,
        listing: state.listing,
        answer,
        question: answer && QUESTION[answer],
        helpers: answer === 'found' ? state.helpers : [],
        choices: answer ? [] : REMINDER_ANSWERS.map((a) => ({ value: a, label: QUESTION[a].button })),
      }),
    );
  }

  @Post(':token')
  async answer(
    @CurrentTenant() tenant: TenantRef,
    @Req() req: FastifyRequest,
    @Param('token') token: string,
    @Body() form: Form | undefined,
    @Query('answer') queryAnswer: string | undefined,
    @Res() reply: FastifyReply,
  ) {
    const raw = form?.answer ?? queryAnswer;
    if (!REMINDER_ANSWERS.includes(raw as ReminderAnswer)) {
      return this.messages.send(
        tenant,
        req,
        reply,
        {
          heading: 'Réponse manquante',
          paragraphs: ['Choisissez l’une des trois réponses proposées.'],
          link: { href: `/outcome/${encodeURIComponent(token)}`, label: 'Revenir à la question' },
        },
        { status: 422 },
      );
    }
    const result = await this.outcomes.answer(tenant, token, raw as ReminderAnswer, form?.conversationId || undefined);
    if (!result) return this.messages.send(tenant, req, reply, INVALID, { status: 404 });
    // POST/Redirect/GET: the page after the answer can be reloaded without answering again.
    return reply.redirect(`/outcome/${encodeURIComponent(token)}${result.outcome === 'already' ? '' : '?fait=1'}`, 303);
  }

  private thanks(answer: ReminderAnswer) {
    return {
      heading: 'Merci pour votre réponse',
      paragraphs: [DONE[answer]],
      link: { href: '/annonces', label: 'Voir les annonces' },
    };
  }

  private already(answer: ReminderAnswer) {
    return {
      heading: 'Réponse déjà enregistrée',
      paragraphs: [
        `Vous avez déjà répondu : « ${LABEL[answer]} ». Merci ! Pour modifier votre annonce, connectez-vous.`,
      ],
      link: { href: '/mes-annonces', label: 'Mes annonces' },
    };
  }
}
