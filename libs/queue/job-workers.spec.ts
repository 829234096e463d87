import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ConfigModule, loadConfig } from '../config';
import { JobWorkersModule } from './job-workers.module';
import { JobName } from './queue.constants';
import { OnJob } from './on-job.decorator';

const config = loadConfig({ DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/none', REDIS_URL: 'redis://127.0.0.1:6379', SESSION_SECRET: 'x'.repeat(32) });

@Injectable()
class SendsOnly {
  @OnJob(JobName.SendEmail)
  send() {
    return Promise.resolve();
  }
}

@Injectable()
class SendsToo {
  @OnJob(JobName.SendEmail)
  send() {
    return Promise.resolve();
  }
}

/** The checks run before any BullMQ worker (or Redis connection) is created. */
describe('job workers', () => {
  it('refuse to start when a job name has no handler', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [ConfigModule.forRoot(config), JobWorkersModule], providers: [SendsOnly] }).compile();
    await expect(moduleRef.init()).rejects.toThrow(new RegExp(`^no handler for job .*${JobName.SweepOutbox}.*: workers not started$`));
  });

  it('refuse to start when a job name has two handlers', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [ConfigModule.forRoot(config), JobWorkersModule], providers: [SendsOnly, SendsToo] }).compile();
    await expect(moduleRef.init()).rejects.toThrow(`two handlers for job ${JobName.SendEmail}`);
  });
});
