import { Module } from '@nestjs/common';
import { QueueModule } from '@libs/queue';
import { AlertsModule } from './alerts.module';
import { AlertsProcessor } from './alerts.processor';

/** The job side of the alerts, loaded wherever workers run (the sources register from their own modules). */
@Module({ imports: [AlertsModule, QueueModule], providers: [AlertsProcessor] })
export class AlertsWorkerModule {}
