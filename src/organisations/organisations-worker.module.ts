import { Module } from '@nestjs/common';
import { QueueModule } from '../../libs/queue';
import { MissionMatchingProcessor } from './mission-matching.processor';
import { OrganisationsModule } from './organisations.module';

/** The job side of mission alerts, loaded wherever workers run. */
@Module({ imports: [OrganisationsModule, QueueModule], providers: [MissionMatchingProcessor] })
export class OrganisationsWorkerModule {}
