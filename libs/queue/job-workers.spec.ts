import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ConfigModule, loadConfig } from '@libs/config';
import { defineJob, defineQueue, NoPayload } from './job-definition';
import { JobWorkersModule } from './job-workers.module';
import { OnJob } from './on-job.decorator';

const config = loadConfig({
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/none',
  REDIS_URL: 'redis://127.0.0.1:6379',
  SESSION_SECRET: 'x'.repeat(32),
});

// Two jobs of a module, declared as a module declares its own (job-definition.ts).
const queue = defineQueue('spec-queue', { concurrency: 1 });
const Send = defineJob<{ tenantId: string; id: string }>('spec-send', queue);
const Sweep = defineJob<NoPayload>('spec-sweep', queue);

@Injectable()
class SendsOnly {
  @OnJob(Send)
  send() {
    return Promise.resolve();
  }
}

@Injectable()
class SendsToo {
  @OnJob(Send)
  send() {
    return Promise.resolve();
  }
}

/** The checks run before any BullMQ worker (or Redis connection) is created. */
describe('job workers', () => {
  it('refuse to start when a job name has no handler', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config), JobWorkersModule],
      providers: [SendsOnly],
    }).compile();
    await expect(moduleRef.init()).rejects.toThrow(
      new RegExp(`^no handler for job .*${Sweep.name}.*: workers not started$`),
    );
  });

  it('refuse to start when a job name has two handlers', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config), JobWorkersModule],
      providers: [SendsOnly, SendsToo],
    }).compile();
    await expect(moduleRef.init()).rejects.toThrow(`two handlers for job ${Send.name}`);
  });

  it('refuse a job or a queue defined twice', () => {
    expect(() => defineJob<NoPayload>('spec-send', queue)).toThrow('job spec-send is defined twice');
    expect(() => defineQueue('spec-queue', { concurrency: 2 })).toThrow('queue spec-queue is defined twice');
  });
});
