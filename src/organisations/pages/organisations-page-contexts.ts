import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { TenantRef } from '@libs/tenancy';
import { assertOrganisationsEnabled } from '../organisations-access';
import { TenantsService } from '@src/tenants/tenants.service';
import { PageContexts } from '@src/web/page-context';
import { PageContext } from '@src/web/page-renderer';
import type { OrganisationsPage } from './organisations.views';

/** What every organisations page shows around its content: 404 where the tenant has them off, and the side's name. */
@Injectable()
export class OrganisationsPageContexts {
  constructor(
    private readonly contexts: PageContexts,
    private readonly tenants: TenantsService,
  ) {}

  async of(
    ref: TenantRef,
    req: FastifyRequest,
    title: string,
    current?: string,
  ): Promise<PageContext & OrganisationsPage> {
    await assertOrganisationsEnabled(this.tenants, ref);
    const ctx = await this.contexts.of(ref, req, title, current);
    return { ...ctx, organisationsName: ctx.tenant.organisations?.siteName ?? ctx.tenant.siteName };
  }
}
