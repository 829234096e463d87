import type { Principal } from '@libs/tenancy';

/** The roles an account holds on one tenant (accounts.roles). */
export type Role = 'resident' | 'moderator' | 'admin' | 'federation_admin';

// The request context (libs/tenancy) knows a principal only as an account and a session; what
// it may do here is this application's, added to the same interface.
declare module '@libs/tenancy/request-context' {
  interface Principal {
    roles: Role[];
    /**
     * Set when a town-hall agent acts as a relayed resident (who never logs in): accountId is the
     * resident's, agent is who really acts. Every such action is written to the audit log.
     */
    agent?: { accountId: string; role: Role };
  }
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
  return {
    accountId: residentId,
    sessionId: staff.sessionId,
    roles: ['resident'],
    agent: { accountId: staff.accountId, role: actingRole(staff) },
  };
}
