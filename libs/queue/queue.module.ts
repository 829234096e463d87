import { Module } from '@nestjs/common';
import { JobQueue } from './job-queue.service';

/** The producer side: any module that queues work imports this. */
@Module({ providers: [JobQueue], exports: [JobQueue] })
export class QueueModule {}
