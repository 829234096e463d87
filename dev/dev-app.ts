import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig } from '@libs/config';
import { createApp, CreateAppOptions } from '@src/app.factory';
import { DevModule } from './dev.module';
import { DevInbox } from './mail-inbox/dev-inbox';

const INBOX_PAGE = '/dev/mail';

/**
 * The application as development runs it: production's createApp, plus, when the workers send
 * from this process and SMTP_URL is unset (never under NODE_ENV=production), an inbox on a
 * local port that catches every e-mail, shown at /dev/mail on any tenant host.
 */
export async function createDevApp(config: AppConfig, opts: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  if (config.env === 'production' || config.smtpUrl) return createApp(config, opts);
  if (!config.workersInProcess) {
    const app = await createApp(config, opts);
    // The inbox lives in the process that sends; a separate worker process sends only with SMTP_URL.
    if (config.env === 'development')
      new Logger('DevInbox').warn(
        'WORKERS=off without SMTP_URL: no development inbox here, and `npm run worker` needs SMTP_URL to send',
      );
    return app;
  }
  const inbox = await DevInbox.start();
  try {
    const app = await createApp(
      { ...config, smtpUrl: inbox.url, sentMailPage: INBOX_PAGE },
      { ...opts, modules: [...(opts.modules ?? []), DevModule.withInbox(inbox)] },
    );
    new Logger('DevInbox').log(`development inbox on ${inbox.url}, shown at ${INBOX_PAGE} on any tenant host`);
    return app;
  } catch (err) {
    await inbox.close();
    throw err;
  }
}
