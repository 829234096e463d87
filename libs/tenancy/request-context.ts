import { AsyncLocalStorage } from 'node:async_hooks';
import type { TenantId } from './tenant-id';

/** What the platform knows about the tenant serving a request. */
export interface TenantRef {
  id: TenantId;
  slug: string;
}

/**
 * The account a request's session cookie authenticated, on this tenant only. What it may do
 * (roles, acting for someone) belongs to the application, which adds it to this interface
 * (src/accounts/roles.ts).
 */
export interface Principal {
  accountId: string;
  sessionId: string;
}

export interface RequestContext {
  requestId: string;
  tenant?: TenantRef;
  principal?: Principal;
  /**
   * Read-your-writes with a standby (DATABASE_REPLICA_URL, libs/db/replica.ts): the primary's WAL
   * position this session's reads must see (`mustSee`, from its cookie) and the one its own writes
   * in this request reached (`wrote`). Absent without a standby.
   */
  walPosition?: WalPosition;
}

export interface WalPosition {
  mustSee?: bigint;
  wrote?: bigint;
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
