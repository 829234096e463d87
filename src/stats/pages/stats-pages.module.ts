import { Module } from '@nestjs/common';
import { StatsModule } from '../stats.module';
import { WebModule } from '@src/web/web.module';
import { FiguresPagesController } from './figures-pages.controller';

/** The public figures page (/chiffres). */
@Module({ imports: [WebModule, StatsModule], controllers: [FiguresPagesController] })
export class StatsPagesModule {}
