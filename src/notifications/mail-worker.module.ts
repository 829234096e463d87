import { DynamicModule, Inject, Logger, Module, OnApplicationShutdown, Optional } from '@nestjs/common';
import { resolve, join } from 'node:path';
import { AppConfig, ConfigError } from '../../libs/config';
import { DevInbox, MailRenderer, MailTransport } from '../../libs/mail';
import { QueueModule } from '../../libs/queue';
import { TenantsModule } from '../tenants/tenants.module';
import { DeliveryPolicy } from './delivery-policy';
import { DevMailController } from './dev-mail.controller';
import { MailProcessor } from './mail.processor';
import { OutboxRepository } from './outbox.repository';
import { OutboxSweeper } from './outbox-sweeper';

/** Outside production, without SMTP_URL, mail goes to the embedded inbox shown at /dev/mail. */
const usesDevInbox = (config: AppConfig) => !config.smtpUrl && config.env !== 'production';

/**
 * The sending side of e-mail: the processor and sweeper (BullMQ handlers), the renderer
 * and the SMTP transport. Loaded by the worker process, and by the API when WORKERS=on.
 */
@Module({})
export class MailWorkerModule implements OnApplicationShutdown {
  static forRoot(config: AppConfig): DynamicModule {
    const devInbox = usesDevInbox(config);
    return {
      module: MailWorkerModule,
      imports: [QueueModule, TenantsModule],
      // The inbox page is served by the process that holds the inbox (the API when WORKERS=on).
      controllers: devInbox ? [DevMailController] : [],
      providers: [
        OutboxRepository,
        DeliveryPolicy,
        MailProcessor,
        OutboxSweeper,
        {
          provide: MailRenderer,
          useFactory: () =>
            new MailRenderer({ templatesDir: join(__dirname, 'templates'), overridesDir: (slug) => join(resolve(config.tenantsDir), slug, 'mail') }),
        },
        ...(devInbox
          ? [
              {
                provide: DevInbox,
                useFactory: async () => {
                  const inbox = await DevInbox.start();
                  new Logger('DevInbox').log(`development inbox on ${inbox.url}, shown at /dev/mail on any tenant host of the API running the workers`);
                  return inbox;
                },
              },
            ]
          : []),
        {
          provide: MailTransport,
          inject: devInbox ? [DevInbox] : [],
          useFactory: (inbox?: DevInbox) => {
            const url = inbox?.url ?? config.smtpUrl;
            if (!url) throw new ConfigError('SMTP_URL', 'is missing (required in production to send e-mail)');
            if (config.dkim) new Logger('MailTransport').log(`signing outgoing mail with DKIM: d=${config.dkim.domain}, s=${config.dkim.selector}`);
            return new MailTransport(url, { dkim: config.dkim });
          },
        },
      ],
    };
  }

  constructor(
    @Inject(MailTransport) private readonly transport: MailTransport,
    @Optional() @Inject(DevInbox) private readonly inbox?: DevInbox,
  ) {}

  /** After the workers stopped (onModuleDestroy): the pool first, so the inbox has no client left. */
  async onApplicationShutdown(): Promise<void> {
    this.transport.close();
    await this.inbox?.close();
  }
}
