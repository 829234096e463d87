import { Module, OnModuleInit } from '@nestjs/common';
import { allowFormOrigins } from '@src/web/page-response';
import { WebModule } from '@src/web/web.module';
import { IdentityService } from '../identity.service';
import { IdentityModule } from '../identity.module';
import { IdentityPagesController } from './identity-pages.controller';

/** The pages of sign-in through identity providers, linking, and the staff requests. */
@Module({ imports: [WebModule, IdentityModule], controllers: [IdentityPagesController] })
export class IdentityPagesModule implements OnModuleInit {
  constructor(private readonly identity: IdentityService) {}

  /** The sign-in buttons and the sign-out form redirect to the providers: the pages' CSP lets those forms go there. */
  onModuleInit(): void {
    allowFormOrigins((tenant) => this.identity.providerOrigins(tenant));
  }
}
