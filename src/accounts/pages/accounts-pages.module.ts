import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts.module';
import { TenantsModule } from '@src/tenants/tenants.module';
import { AdminModule } from '@src/admin/admin.module';
import { WebModule } from '@src/web/web.module';
import { IdentityModule } from '@src/identity/identity.module';
import { SignInPagesController } from './sign-in-pages.controller';
import { PasswordPagesController } from './password-pages.controller';
import { MyAccountPagesController } from './my-account-pages.controller';

/** The accounts' pages: signing in and up, passwords, invitations, "Mon compte". */
@Module({
  imports: [WebModule, AccountsModule, TenantsModule, AdminModule, IdentityModule],
  controllers: [SignInPagesController, PasswordPagesController, MyAccountPagesController],
})
export class AccountsPagesModule {}
