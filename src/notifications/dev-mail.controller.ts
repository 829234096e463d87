import { Controller, Get, Header, Param } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ProblemException } from '../../libs/http';
import { DevInbox } from '../../libs/mail';
import { inboxPage, messagePage } from './dev-mail.pages';

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
    const m = this.inbox.get(id);
    if (!m) throw ProblemException.notFound("Ce courriel n'est pas (ou plus) dans la boîte de développement.");
    return messagePage(m);
  }
}
