import { Injectable } from '@nestjs/common';
import type { TenantTx } from '@libs/db';
import type { AccountRow } from './accounts.repository';

type Exporter = (tx: TenantTx, account: AccountRow) => Promise<unknown>;
type Eraser = (tx: TenantTx, account: AccountRow) => Promise<void>;

/**
 * Modules that hold data about an account (listings, messages, mail…) register here, so the
 * RGPD export and the erasure cover them without the accounts module knowing each of them.
 */
@Injectable()
export class AccountDataRegistry {
  private readonly exporters = new Map<string, Exporter>();
  private readonly erasers: Eraser[] = [];

  registerExporter(section: string, fn: Exporter): void {
    this.exporters.set(section, fn);
  }

  registerEraser(fn: Eraser): void {
    this.erasers.push(fn);
  }

  async export(tx: TenantTx, account: AccountRow): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const [section, fn] of this.exporters) out[section] = await fn(tx, account);
    return out;
  }

  async erase(tx: TenantTx, account: AccountRow): Promise<void> {
    for (const fn of this.erasers) await fn(tx, account);
  }
}
