import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '../libs/config';
import { DatabaseModule } from '../libs/db';
import { RedisModule } from '../libs/redis';
import { HealthModule } from './health/health.module';
import { TenantsModule } from './tenants/tenants.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule.forRoot(config), DatabaseModule, RedisModule, TenantsModule, HealthModule],
    };
  }
}
