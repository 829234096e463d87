import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Handlebars from 'handlebars';
import { CurrentTenant, TenantRef } from '@libs/tenancy';
import { StatsItem, StatsService, SUPPRESS_BELOW } from '../stats.service';
import { barChart } from '@src/web/chart';
import { PageContexts } from '@src/web/page-context';
import { PageRenderer } from '@src/web/page-renderer';
import { sendPage } from '@src/web/page-response';

const MONTHS = [
  'janvier',
  'février',
  'mars',
  'avril',
  'mai',
  'juin',
  'juillet',
  'août',
  'septembre',
  'octobre',
  'novembre',
  'décembre',
];
const monthLabel = (m: string) => `${MONTHS[Number(m.slice(5, 7)) - 1]} ${m.slice(0, 4)}`;
type Measure = 'offers' | 'requests' | 'conversations' | 'fulfilled';

/**
 * "Les chiffres de l'entraide": the commune's open figures as a chart and, beside it, the same
 * figures as tables (suppressed cells shown as such). The chart sums only the published cells,
 * so that it reveals nothing the tables hide.
 */
@ApiExcludeController()
@Controller('chiffres')
export class FiguresPagesController {
  constructor(
    private readonly stats: StatsService,
    private readonly pages: PageRenderer,
    private readonly contexts: PageContexts,
  ) {}

  @Get()
  async figures(@CurrentTenant() ref: TenantRef, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const [ctx, f] = await Promise.all([
      this.contexts.of(ref, req, 'Les chiffres de l’entraide', 'figures'),
      this.stats.figures(ref),
    ]);
    const months = [...new Set(f.items.map((i) => i.month))].sort().slice(-12);
    const total = (month: string, m: Measure) =>
      f.items.filter((i) => i.month === month).reduce((n, i) => n + (i[m] ?? 0), 0);
    const chart = barChart({
      id: 'chiffres',
      title: 'Activité par mois',
      description:
        `Offres, demandes, mises en relation et entraides réalisées par mois, sur les ${months.length} ` +
        `derniers mois ; les cellules de moins de ${SUPPRESS_BELOW} sont exclues. Les chiffres sont détaillés ` +
        `dans les tableaux qui suivent.`,
      labels: months.map((m) => `${m.slice(5, 7)}/${m.slice(2, 4)}`),
      series: [
        { className: 'bar-offer', label: 'Offres', values: months.map((m) => total(m, 'offers')) },
        { className: 'bar-request', label: 'Demandes', values: months.map((m) => total(m, 'requests')) },
        {
          className: 'bar-conversation',
          label: 'Mises en relation',
          values: months.map((m) => total(m, 'conversations')),
        },
        { className: 'bar-fulfilled', label: 'Entraides réalisées', values: months.map((m) => total(m, 'fulfilled')) },
      ],
    });
    const table = (items: StatsItem[]) =>
      [...new Set(items.map((i) => i.month))]
        .sort()
        .reverse()
        .map((month) => ({ month, label: monthLabel(month), rows: items.filter((i) => i.month === month) }));
    sendPage(
      reply,
      this.pages.render('figures', {
        ...ctx,
        chart: months.length ? new Handlebars.SafeString(chart) : undefined,
        months: table(f.items),
        communes: f.communes?.filter((c) => c.slug !== ref.slug).map((c) => ({ ...c, months: table(c.items) })),
        federation: f.federation,
        threshold: SUPPRESS_BELOW,
      }),
    );
  }
}
