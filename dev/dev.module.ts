import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { DevInbox } from './mail-inbox/dev-inbox';
import { DevMailController } from './mail-inbox/dev-mail.controller';

/**
 * What development adds to the application: the pages of the inbox that catches every e-mail
 * (/dev/mail). Loaded only by the development entry (dev/dev-app.ts); src/ never imports dev/.
 */
@Module({})
export class DevModule implements OnApplicationShutdown {
  static withInbox(inbox: DevInbox): DynamicModule {
    return { module: DevModule, controllers: [DevMailController], providers: [{ provide: DevInbox, useValue: inbox }] };
  }

  constructor(@Inject(DevInbox) private readonly inbox: DevInbox) {}

  /** A pooled SMTP client keeps idle connections to the inbox: closing it destroys them. */
  async onApplicationShutdown(): Promise<void> {
    await this.inbox.close();
  }
}
