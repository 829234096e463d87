import { DynamicModule, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { resolve, join } from 'node:path';
import { AppConfig, ConfigError } from '@libs/config';
import { MailRenderer, MailTransport } from '@libs/mail';
import { QueueModule } from '@libs/queue';
import { TenantsModule } from '@src/tenants/tenants.module';
import { DeliveryPolicy } from './delivery-policy';
import { MailProcessor } from './mail.processor';
import { NotificationsModule } from './notifications.module';
import { OutboxRepository } from './outbox.repository';
import { OutboxSweeper } from './outbox-sweeper';

/**
 * The sending side of e-mail: the processor and sweeper (BullMQ handlers), the renderer
 * and the SMTP transport. Loaded by the worker process, and by the API when WORKERS=on.
 */
@Module({})
export class MailWorkerModule implements OnApplicationShutdown {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: MailWorkerModule,
      // NotificationsModule: the one SendConditions the claim reads, where the alert sources registered theirs.
      imports: [QueueModule, TenantsModule, NotificationsModule],
      providers: [
        OutboxRepository,
        DeliveryPolicy,
        MailProcessor,
        OutboxSweeper,
        {
          provide: MailRenderer,
          useFactory: () =>
            new MailRenderer({
              templatesDir: join(__dirname, 'templates'),
              overridesDir: (slug) => join(resolve(config.tenantsDir), slug, 'mail'),
              tenantCacheSize: config.tenantCacheSize,
            }),
        },
        {
          provide: MailTransport,
          useFactory: () => {
            const url = config.smtpUrl;
            // Development gets a local inbox from its own entry (dev/main.ts, `npm run dev`), which sets this URL.
            if (!url)
              throw new ConfigError(
                'SMTP_URL',
                'is missing (required to send e-mail; `npm run dev` catches it in a local inbox)',
              );
            if (config.dkim)
              new Logger('MailTransport').log(
                `signing outgoing mail with DKIM: d=${config.dkim.domain}, s=${config.dkim.selector}`,
              );
            return new MailTransport(url, { dkim: config.dkim });
          },
        },
      ],
    };
  }

  constructor(@Inject(MailTransport) private readonly transport: MailTransport) {}

  /** After the workers stopped (onModuleDestroy). */
  onApplicationShutdown(): void {
    this.transport.close();
  }
}
