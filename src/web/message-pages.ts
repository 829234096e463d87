import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TenantRef } from '@libs/tenancy';
import { PageContexts } from './page-context';
import type { MessagePage } from './page-models';
import { PageRenderer } from './page-renderer';
import { sendPage } from './page-response';

/** The pages that only tell something (a heading, paragraphs, perhaps a link): confirmations, spent links. */
@Injectable()
export class MessagePages {
  constructor(
    private readonly pages: PageRenderer,
    private readonly contexts: PageContexts,
  ) {}

  /** Sends the page, titled by its heading unless `title` says otherwise. */
  async send(
    ref: TenantRef,
    req: FastifyRequest,
    reply: FastifyReply,
    content: MessagePage,
    opts: { title?: string; current?: string; status?: number } = {},
  ): Promise<void> {
    const ctx = await this.contexts.of(ref, req, opts.title ?? content.heading, opts.current);
    sendPage(reply, this.pages.render('message', { ...ctx, ...content }), opts.status);
  }
}
