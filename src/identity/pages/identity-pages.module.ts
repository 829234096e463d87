import { Module } from '@nestjs/common';
import { WebModule } from '@src/web/web.module';
import { IdentityModule } from '../identity.module';
import { IdentityPagesController } from './identity-pages.controller';

/** The pages of sign-in through identity providers, linking, and the staff requests. */
@Module({ imports: [WebModule, IdentityModule], controllers: [IdentityPagesController] })
export class IdentityPagesModule {}
