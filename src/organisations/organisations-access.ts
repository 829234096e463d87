import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ForbiddenError, NotFoundError } from '@libs/errors';
import type { TenantRef } from '@libs/tenancy';
import { TenantsService } from '@src/tenants/tenants.service';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const notFound = (what: 'organisation' | 'project' | 'mission') =>
  new NotFoundError(
    {
      organisation: 'Cette organisation est introuvable.',
      project: 'Ce projet est introuvable.',
      mission: 'Cette mission est introuvable.',
    }[what],
  );

export const notManager = () => new ForbiddenError('Seuls les responsables de cette organisation peuvent faire cela.');

/** The organisations side exists only where the tenant file turns it on; elsewhere its routes are 404. */
export async function organisationsEnabled(tenants: TenantsService, tenant: TenantRef): Promise<boolean> {
  return Boolean((await tenants.get(tenant)).settings.organisations?.enabled);
}

export async function assertOrganisationsEnabled(tenants: TenantsService, tenant: TenantRef): Promise<void> {
  if (!(await organisationsEnabled(tenants, tenant)))
    throw new NotFoundError("Ce site ne présente pas d'organisations.");
}

/** Runs before validation, so a site without organisations answers 404 to any of their routes, whatever the body. */
@Injectable()
export class OrganisationsEnabledGuard implements CanActivate {
  constructor(private readonly tenants: TenantsService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const tenant = context.switchToHttp().getRequest<FastifyRequest>().ctx?.tenant;
    if (tenant) await assertOrganisationsEnabled(this.tenants, tenant);
    return true;
  }
}
