import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@libs/config';
import { DatabaseModule } from '@libs/db';
import { RedisModule } from '@libs/redis';
import { AccountsModule } from './accounts/accounts.module';
import { AdminModule } from './admin/admin.module';
import { HealthModule } from './health/health.module';
import { ListingsModule } from './listings/listings.module';
import { AlertsModule } from './alerts/alerts.module';
import { CommuneOpeningModule } from './commune-opening/commune-opening.module';
import { ModerationModule } from './moderation/moderation.module';
import { NotificationsModule } from './notifications/notifications.module';
import { OutcomesModule } from './outcomes/outcomes.module';
import { StaffModule } from './staff/staff.module';
import { StatsModule } from './stats/stats.module';
import { OrganisationsModule } from './organisations/organisations.module';
import { TenantsModule } from './tenants/tenants.module';
import { SiteModule } from './site.module';
import { WorkerModule } from './worker.module';

@Module({})
export class AppModule {
  /** `extra`: modules an entry adds (dev/main.ts adds the development inbox; production adds none). */
  static forRoot(config: AppConfig, extra: DynamicModule[] = []): DynamicModule {
    // Workers run inside the API unless WORKERS=off (then `npm run worker` runs them).
    const workers = config.workersInProcess ? [WorkerModule.inProcess(config)] : [];
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        RedisModule,
        TenantsModule,
        AccountsModule,
        ListingsModule,
        AlertsModule,
        ModerationModule,
        StaffModule,
        OutcomesModule,
        StatsModule,
        OrganisationsModule,
        AdminModule,
        SiteModule,
        HealthModule,
        CommuneOpeningModule,
        NotificationsModule,
        ...workers,
        ...extra,
      ],
    };
  }
}
