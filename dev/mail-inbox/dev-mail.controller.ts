import { Controller, Get, Header, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { NotFoundError } from '@libs/errors';
import { DevInbox } from './dev-inbox';
import { inboxPage, messagePage, sourceFileName } from './dev-mail.pages';

// Mail previews run no script and load nothing remote; the srcdoc frame inherits this policy.
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/** The development inbox's pages; registered only when that inbox runs (never in production). */
@ApiExcludeController()
@Controller('dev/mail')
export class DevMailController {
  constructor(private readonly inbox: DevInbox) {}

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', CSP)
  @Header('cache-control', 'no-store')
  list(): string {
    return inboxPage(this.inbox.list());
  }

  @Get(':id')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', CSP)
  @Header('cache-control', 'no-store')
  show(@Param('id') id: string): string {
    return messagePage(this.message(id));
  }

  /** The bytes the SMTP server received, to open in a mail client or check a DKIM signature. */
  @Get(':id/source.eml')
  @Header('content-type', 'message/rfc822')
  @Header('content-security-policy', CSP)
  @Header('x-content-type-options', 'nosniff')
  @Header('cache-control', 'no-store')
  source(@Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply): Buffer {
    const m = this.message(id);
    reply.header('content-disposition', `attachment; filename="${sourceFileName(m.id)}"`);
    return m.raw;
  }

  private message(id: string) {
    const m = this.inbox.get(id);
    if (!m) throw new NotFoundError("Ce courriel n'est pas (ou plus) dans la boîte de développement.");
    return m;
  }
}
