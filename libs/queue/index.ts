export * from './job-definition';
export * from './on-job.decorator';
export * from './job-queue.service';
export * from './queue.module';
export * from './job-workers.service';
export * from './job-workers.module';
export * from './foreground';
