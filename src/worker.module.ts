import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '../libs/config';
import { DatabaseModule } from '../libs/db';
import { RedisModule } from '../libs/redis';

/** What a worker process needs: configuration, PostgreSQL, Redis and the job processors. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: WorkerModule, imports: [ConfigModule.forRoot(config), DatabaseModule, RedisModule] };
  }
}
