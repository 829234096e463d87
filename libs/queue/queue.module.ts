import { Module } from '@nestjs/common';
import { ForegroundWork } from './foreground';
import { JobQueue } from './job-queue.service';

/** The producer side: any module that queues work imports this (and the process's one ForegroundWork). */
@Module({ providers: [JobQueue, ForegroundWork], exports: [JobQueue, ForegroundWork] })
export class QueueModule {}
