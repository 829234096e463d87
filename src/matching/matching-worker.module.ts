import { Module } from '@nestjs/common';
import { QueueModule } from '../../libs/queue';
import { ListingsWorkerModule } from '../listings/listings-worker.module';
import { MatchingModule } from './matching.module';
import { MatchingProcessor } from './matching.processor';

/** The job side of matching, loaded wherever workers run. */
@Module({ imports: [MatchingModule, ListingsWorkerModule, QueueModule], providers: [MatchingProcessor] })
export class MatchingWorkerModule {}
