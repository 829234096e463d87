import { Module } from '@nestjs/common';
import { AccountsModule } from '@src/accounts/accounts.module';
import { AuditModule } from '@src/audit/audit.module';
import { TenantsModule } from '@src/tenants/tenants.module';
import { IdentityProviders } from './identity-providers';
import { IdentityRepository } from './identity.repository';
import { IdentityService } from './identity.service';

/** Sign-in through OpenID Connect providers (FranceConnect, ProConnect, a commune's own) and staff requests. */
@Module({
  imports: [AccountsModule, AuditModule, TenantsModule],
  providers: [IdentityProviders, IdentityRepository, IdentityService],
  exports: [IdentityService],
})
export class IdentityModule {}
