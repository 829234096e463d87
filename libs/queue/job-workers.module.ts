import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { JobWorkers } from './job-workers.service';

/** The consumer side: imported once by whatever runs the workers (worker process, or API with WORKERS=on). */
@Module({ imports: [DiscoveryModule], providers: [JobWorkers] })
export class JobWorkersModule {}
