import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentTenant, Principal, TenantRef } from '@libs/tenancy';
import { frenchDateTime } from '@libs/text';
import { RelayedResidentsService } from '../relayed-residents.service';
import { Me } from '@src/web/page-guard';
import { PageContexts } from '@src/web/page-context';
import { PageRenderer } from '@src/web/page-renderer';
import { sendPage } from '@src/web/page-response';
import { printableExport } from './resident-export-page';
import { StaffPage } from './staff-page';

/** A relayed resident's data as a page to print and hand over (the JSON file holds the same). */
@ApiExcludeController()
@Controller('equipe')
export class StaffExportPagesController {
  constructor(
    private readonly pages: PageRenderer,
    private readonly contexts: PageContexts,
    private readonly residents: RelayedResidentsService,
  ) {}

  @Get('residents/:id/donnees')
  @StaffPage()
  async printable(
    @CurrentTenant() ref: TenantRef,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Me() me: Principal,
    @Param('id') id: string,
  ) {
    // Audited as the JSON export is: the page shows the same data.
    const data = await this.residents.export(ref, me, id);
    const resident = await this.residents.get(ref, id);
    const ctx = await this.contexts.of(ref, req, `Données de ${resident.displayName}`, 'staff');
    sendPage(
      reply,
      this.pages.render('staff-resident-export', {
        ...ctx,
        resident: { id, displayName: resident.displayName },
        exportedAt: new Date(),
        sections: printableExport(data, frenchDateTime),
      }),
    );
  }
}
