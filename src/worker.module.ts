import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@libs/config';
import { DatabaseModule } from '@libs/db';
import { JobWorkersModule } from '@libs/queue';
import { RedisModule } from '@libs/redis';
import { AlertsWorkerModule } from './alerts/alerts-worker.module';
import { ListingsWorkerModule } from './listings/listings-worker.module';
import { MailWorkerModule } from './notifications/mail-worker.module';
import { OutcomesWorkerModule } from './outcomes/outcomes-worker.module';
import { OrganisationsWorkerModule } from './organisations/organisations-worker.module';

/**
 * Every job processor and the BullMQ workers that feed them. `forRoot` is the root of the
 * worker process (`npm run worker`); `inProcess` runs the same inside the API (WORKERS=on),
 * whose root already provides configuration and connections.
 */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [ConfigModule.forRoot(config), DatabaseModule, RedisModule, ...processors(config)],
    };
  }

  static inProcess(config: AppConfig): DynamicModule {
    return { module: WorkerModule, imports: processors(config) };
  }
}

function processors(config: AppConfig) {
  return [
    JobWorkersModule,
    MailWorkerModule.forRoot(config),
    AlertsWorkerModule,
    ListingsWorkerModule,
    OutcomesWorkerModule,
    OrganisationsWorkerModule,
  ];
}
