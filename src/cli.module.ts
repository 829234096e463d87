import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@libs/config';
import { DatabaseModule } from '@libs/db';
import { RedisModule } from '@libs/redis';
import { AccountsModule } from './accounts/accounts.module';
import { TenantsModule } from './tenants/tenants.module';

/** What operator commands need: no HTTP, no workers (mail is queued for the running workers). */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [ConfigModule.forRoot(config), DatabaseModule, RedisModule, TenantsModule, AccountsModule],
    };
  }
}
