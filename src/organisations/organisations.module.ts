import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { APP_CONFIG, AppConfig } from '@libs/config';
import { QueueModule } from '@libs/queue';
import { DiskImageStore, IMAGE_MAX_BYTES, IMAGE_STORE } from '@libs/storage';
import { AccountDataRegistry } from '@src/accounts/account-data.registry';
import { AccountsModule } from '@src/accounts/accounts.module';
import { AlertsModule } from '@src/alerts/alerts.module';
import { ListingsModule } from '@src/listings/listings.module';
import { ListingsService } from '@src/listings/listings.service';
import { ModerationModule } from '@src/moderation/moderation.module';
import { NotificationsModule } from '@src/notifications/notifications.module';
import { TenantsModule } from '@src/tenants/tenants.module';
import { TenantsService } from '@src/tenants/tenants.service';
import { MissionAlertSource } from './mission-alert.source';
import { MissionCalendarService } from './mission-calendar.service';
import { MissionRemindersService } from './mission-reminders.service';
import { organisationsEnabled } from './organisations-access';
import { OrganisationsController, OrganisationsModerationController } from './organisations.controller';
import { OrganisationsRepository } from './organisations.repository';
import { OrganisationsService } from './organisations.service';
import { ProjectsService } from './projects.service';

/** Organisations, their projects, missions and volunteers ("Lyon solidaire"), for tenants that turn them on. */
@Module({
  imports: [
    TenantsModule,
    AccountsModule,
    ListingsModule,
    ModerationModule,
    NotificationsModule,
    AlertsModule,
    QueueModule,
  ],
  controllers: [OrganisationsController, OrganisationsModerationController],
  providers: [
    OrganisationsRepository,
    OrganisationsService,
    ProjectsService,
    MissionAlertSource,
    MissionCalendarService,
    MissionRemindersService,
    {
      provide: IMAGE_STORE,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new DiskImageStore(config.uploadsDir),
    },
  ],
  exports: [
    OrganisationsService,
    ProjectsService,
    OrganisationsRepository,
    MissionCalendarService,
    MissionRemindersService,
  ],
})
export class OrganisationsModule implements OnModuleInit {
  constructor(
    private readonly tenants: TenantsService,
    private readonly accountData: AccountDataRegistry,
    private readonly projects: ProjectsService,
    private readonly repo: OrganisationsRepository,
    private readonly adapterHost: HttpAdapterHost,
    private readonly listings: ListingsService,
  ) {}

  onModuleInit(): void {
    this.tenants.registerStatsSource(async (tenantId) => ({
      projects: (await this.projects.counts(tenantId)).projects,
    }));
    this.listings.registerKind('project', {
      enabled: (tenant) => organisationsEnabled(this.tenants, tenant),
      search: (tenant, q) => this.projects.search(tenant, q),
      inBox: (tenant, box, categoryId) => this.projects.inBox(tenant, box, categoryId),
    });
    this.accountData.registerExporter('organisations', (tx, account) => this.repo.exportFor(tx, account.id));
    this.accountData.registerEraser((tx, account) => this.repo.eraseFor(tx, account.id));
    // Project images arrive as the request body itself; one byte over the limit is enough to refuse them with a named
    // field.
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (fastify && !fastify.hasContentTypeParser('image/png')) {
      fastify.addContentTypeParser(
        /^image\/[\w.+-]+$/,
        { parseAs: 'buffer', bodyLimit: IMAGE_MAX_BYTES + 1 },
        (_req, body, done) => done(null, body),
      );
      // The site's image form (multipart/form-data) arrives whole; src/web/multipart.ts reads its parts.
      fastify.addContentTypeParser(
        'multipart/form-data',
        { parseAs: 'buffer', bodyLimit: IMAGE_MAX_BYTES + 64 * 1024 },
        (_req, body, done) => done(null, body),
      );
    }
  }
}
