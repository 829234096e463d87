import { Injectable } from '@nestjs/common';

/** Data key of an outbox row that may leave only while a condition holds: `<kind>:<uuid>` (SendConditions). */
export const SEND_IF = 'sendIf';

const KIND = /^[a-z][a-z0-9-]*$/;

/**
 * What the outbox asks before a conditional e-mail leaves. Other modules register, per kind,
 * a boolean SQL expression over the uuid expression `ref` and the tenant `$1::uuid` (the alerts
 * module registers each alert source's `stillSendable`); the claim evaluates the one named by a
 * row's `sendIf` in its own statement, once per distinct item of the batch, and cancels the
 * rows whose condition no longer holds. A kind nobody registered in this process holds.
 */
@Injectable()
export class SendConditions {
  private readonly conditions = new Map<string, (ref: string) => string>();
  private compiled?: string;
  /** Grows with each registration: names the claim's prepared statement, which a connection keeps once prepared. */
  version = 0;

  register(kind: string, holds: (ref: string) => string): void {
    if (!KIND.test(kind)) throw new Error(`send condition: bad kind ${JSON.stringify(kind)}`);
    if (this.conditions.has(kind)) throw new Error(`send condition ${kind} registered twice`);
    this.conditions.set(kind, holds);
    this.compiled = undefined;
    this.version++;
  }

  /**
   * The SQL deciding, over the columns `r.kind` (text) and `r.ref` (uuid, NULL when malformed), whether a row may
   * leave.
   */
  sql(): string {
    if (this.compiled === undefined) {
      const branches = [...this.conditions].map(
        ([kind, holds]) => `WHEN '${kind}' THEN r.ref IS NOT NULL AND ${holds('r.ref')}`,
      );
      this.compiled = branches.length ? `CASE r.kind ${branches.join(' ')} ELSE true END` : 'true';
    }
    return this.compiled;
  }
}
