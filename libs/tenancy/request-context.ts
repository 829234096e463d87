import { AsyncLocalStorage } from 'node:async_hooks';

/** What the platform knows about the tenant serving a request. */
export interface TenantRef {
  id: string;
  slug: string;
}

export type Role = 'resident' | 'moderator' | 'admin' | 'federation_admin';

/** The account a request's session cookie authenticated, on this tenant only. */
export interface Principal {
  accountId: string;
  sessionId: string;
  roles: Role[];
  /**
   * Set when a town-hall agent acts as a relayed resident (who never logs in): accountId is the
   * resident's, agent is who really acts. Every such action is written to the audit log.
   */
  agent?: { accountId: string; role: Role };
}

/** Staff of a tenant: the roles that may act for relayed residents and read the staff inbox. */
export const STAFF_ROLES: Role[] = ['moderator', 'admin', 'federation_admin'];

export function isStaff(p: Principal | undefined): boolean {
  return Boolean(p && STAFF_ROLES.some((r) => p.roles.includes(r)));
}

/** The role an action is recorded under: the highest the actor holds here. */
export function actingRole(p: Principal): Role {
  return (['federation_admin', 'admin', 'moderator', 'resident'] as Role[]).find((r) => p.roles.includes(r))!;
}

/** A staff member acting as a relayed resident: the resident's account, the agent kept for the audit log. */
export function actingFor(staff: Principal, residentId: string): Principal {
  return { accountId: residentId, sessionId: staff.sessionId, roles: ['resident'], agent: { accountId: staff.accountId, role: actingRole(staff) } };
}

export interface RequestContext {
  requestId: string;
  tenant?: TenantRef;
  principal?: Principal;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runWithContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}

export class MissingTenantError extends Error {
  constructor() {
    super('No tenant in the request context: this code must run inside a tenant request or receive a tenant id');
  }
}

/** The request's tenant; throws rather than guessing when there is none. */
export function currentTenant(): TenantRef {
  const tenant = storage.getStore()?.tenant;
  if (!tenant) throw new MissingTenantError();
  return tenant;
}
