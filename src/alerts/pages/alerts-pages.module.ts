import { Module } from '@nestjs/common';
import { WebModule } from '@src/web/web.module';
import { AlertsModule } from '../alerts.module';
import { UnsubscribeController } from './unsubscribe-pages.controller';

/** The one-click unsubscribe page of every alert e-mail (/unsubscribe/:token). */
@Module({ imports: [WebModule, AlertsModule], controllers: [UnsubscribeController] })
export class AlertsPagesModule {}
