import type { TenantTx } from '@libs/db';
import type { TenantRef } from '@libs/tenancy';
import type { MailTemplate } from '@src/notifications/outbox.service';

/**
 * # Alerts: one pipeline, several sources
 *
 * Residents set an alert (categories, a radius around their home, immediate or daily). When
 * something they may care about becomes public — a listing, an organisation's mission — the
 * alerts pipeline tells them, once per thing and resident, ever:
 *
 *   publication ──(domain event, same transaction)──> `match-alert` job ──> fan-out
 *   fan-out: find the item, its recipients (nearest first, at most the tenant's `cap`), then in
 *            chunks: lock the recipients, count their immediate e-mails of the Paris day (every
 *            source together), write one notification each (immediate under `dailyCap`, else
 *            digest) and its outbox row, queue the chunk once committed. The first wave is
 *            foreground work at normal priority; the rest of a big fan-out is bulk mail that
 *            lets other publications go first (ForegroundWork).
 *   digest:  once a Paris day per resident, past the tenant's `digestHour`, what waited.
 *   sweep:   a publication whose event is still undispatched after 15 s is queued again.
 *   outbox:  an alert e-mail names its item (`sendIf`); at claim time the outbox asks the
 *            source's `stillSendable` whether it may leave, and cancels it otherwise.
 *
 * What differs between kinds of thing is an `AlertSource`, written in ONE file of the module
 * that owns the thing (src/listings/listing-alert.source.ts,
 * src/organisations/mission-alert.source.ts) and registered with `AlertSources` at module
 * init. A third source (an organisation's news, an event) is one more such file: it declares
 * its kind, its published event and its notification table, finds its items, queries its
 * recipients, gives its mail variables and says in SQL whether an item may still be mailed,
 * and calls `alerts.announce` after publishing. Besides that file it needs only what any new
 * kind of thing needs anyway: its tables in a migration (the notification table is shaped like
 * `mission_notifications`) and its two mail templates. Nothing in src/alerts or in the outbox
 * changes: test/alerts-source.e2e.ts registers a source written in the test and gets its
 * fan-out, daily cap, digest and send-time check through the pipeline.
 */
export interface AlertSource<Item extends AlertItem = AlertItem> {
  /** Names the source in jobs, outbox rows (`sendIf`) and logs: 'listing', 'mission'. */
  readonly kind: string;
  /** The domain event its publication writes (aggregate_id = the item; payload.version if it has versions). */
  readonly publishedEvent: string;
  /** Its notification table: one row per (item, recipient), ever. */
  readonly table: NotificationTable;
  readonly templates: { alert: MailTemplate; digest: MailTemplate };
  /** Outbox dedupe key prefixes: `<alert>:<item>:<recipient>` and `<digest>:<recipient>:<day>`. */
  readonly keys: { alert: string; digest: string };
  /** Whether the tenant has this source at all (missions: organisations turned on). Default: yes. */
  enabled?(tenant: TenantRef): Promise<boolean>;
  /** The items still to announce (public), of those asked, in the transaction's tenant. */
  find(tx: TenantTx, ids: string[]): Promise<Item[]>;
  /** Its recipients, nearest first, at most `cap`: the candidates query, with the index it uses named. */
  recipients(tx: TenantTx, item: Item, cap: number): Promise<AlertCandidate[]>;
  /** Anything else a fan-out must do in its first transaction (listings: relayed residents to the staff inbox). */
  alsoOnFanOut?(tx: TenantTx, item: Item): Promise<void>;
  /** The alert e-mail's variables for one recipient (links to unsubscribe are added by the pipeline). */
  alertData(item: Item, recipient: AlertCandidate, origin: string): Record<string, unknown>;
  /** One line of a digest. */
  digestLine(item: Item, distanceM: number, origin: string): Record<string, unknown>;
  /**
   * A boolean SQL expression: the item whose id is the uuid expression `ref`, of tenant
   * `$1::uuid`, may still be mailed. Evaluated by the outbox's claim (once per item of a batch)
   * and by the digest, which skips what no longer holds.
   */
  stillSendable(ref: string): string;
}

export interface AlertItem {
  id: string;
}

export interface NotificationTable {
  /** e.g. 'match_notifications'; its `<name>_recipient_day` index serves the daily cap. */
  name: string;
  /** The column naming the item: 'listing_id'. */
  itemColumn: string;
  /** Whether it records why a recipient was chosen (`reason`). */
  hasReason?: boolean;
}

export interface AlertCandidate {
  recipientId: string;
  email: string;
  displayName: string;
  distanceM: number;
  notifyMode: 'immediate' | 'daily' | 'off';
  /** Listings: 'counterpart' (an author of a listing that answers it) or 'alert'. */
  reason?: string;
}
