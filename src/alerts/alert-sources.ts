import { Injectable } from '@nestjs/common';
import { SendConditions } from '@src/notifications/send-conditions';
import type { AlertItem, AlertSource } from './alert-source';

const NAME = /^[a-z][a-z0-9_]*$/;

/**
 * The alert sources of this process, by kind: each module that owns a kind of item registers
 * its source at module init (see alert-source.ts). Registering also tells the outbox how to
 * check, at send time, that the source's alerts may still leave.
 */
@Injectable()
export class AlertSources {
  private readonly sources = new Map<string, AlertSource>();

  constructor(private readonly conditions: SendConditions) {}

  register<I extends AlertItem>(source: AlertSource<I>): void {
    if (this.sources.has(source.kind)) throw new Error(`alert source ${source.kind} registered twice`);
    // Table and column names are written into the pipeline's SQL: plain identifiers only.
    for (const name of [source.table.name, source.table.itemColumn])
      if (!NAME.test(name)) throw new Error(`alert source ${source.kind}: bad identifier ${name}`);
    this.conditions.register(source.kind, (ref) => source.stillSendable(ref));
    this.sources.set(source.kind, source);
  }

  get(kind: string): AlertSource {
    const source = this.sources.get(kind);
    if (!source) throw new Error(`no alert source ${kind} in this process`);
    return source;
  }

  all(): AlertSource[] {
    return [...this.sources.values()];
  }

  /** The source whose publications write this domain event. */
  byEvent(type: string): AlertSource | undefined {
    return this.all().find((s) => s.publishedEvent === type);
  }
}
