import type { SafeHtml } from '@src/web/page-models';
import type { StatsItem } from '../stats.service';

export interface FiguresMonth {
  month: string;
  label: string;
  rows: StatsItem[];
}

export interface FiguresView {
  chart?: SafeHtml;
  months: FiguresMonth[];
  communes?: Array<{ slug: string; months: FiguresMonth[] }>;
  federation?: unknown;
  threshold: number;
}

declare module '@src/web/page-models' {
  interface PageModels {
    figures: FiguresView;
  }
}
