import { Injectable } from '@nestjs/common';
import type { TenantTx } from '@libs/db';
import type { Principal } from '@libs/tenancy';
import { AuditEntry, AuditListRow, AuditRepository } from './audit.repository';

export type { AuditEntry } from './audit.repository';

/** The append-only audit log, written in the caller's transaction by every module that decides or acts for someone. */
@Injectable()
export class AuditService {
  constructor(private readonly repo: AuditRepository) {}

  append(tx: TenantTx, e: AuditEntry): Promise<void> {
    return this.repo.append(tx, e);
  }

  /**
   * An action of a town-hall agent on a relayed resident's behalf (nothing for anyone else):
   * recorded under the agent, with the resident's id. Never the resident's name, phone or place.
   */
  async onBehalf(
    tx: TenantTx,
    actor: Principal,
    action: string,
    target: { type: string; id: string | null },
    data: Record<string, unknown> = {},
  ): Promise<void> {
    if (!actor.agent) return;
    await this.repo.append(tx, {
      actorId: actor.agent.accountId,
      actorRole: actor.agent.role,
      action: `relayed.${action}`,
      targetType: target.type,
      targetId: target.id,
      reason: '',
      data: { resident: actor.accountId, ...data },
    });
  }

  /** Newest first, keyset-paginated on (at, id). */
  list(tx: TenantTx, limit: number, after?: { at: string; id: string }): Promise<AuditListRow[]> {
    return this.repo.list(tx, limit, after);
  }
}
