import { randomUUID } from 'node:crypto';
import { rows, TenantTx } from '@libs/db';
import { tenantTableSql } from '@libs/db/rls';
import type { TenantId } from '@libs/tenancy';
import type { AlertCandidate, AlertSource } from '@src/alerts/alert-source';
import { AlertSources } from '@src/alerts/alert-sources';
import { AlertsService } from '@src/alerts/alerts.service';
import { parisDayAndHour } from '@libs/calendar';
import { OutboxRepository } from '@src/notifications/outbox.repository';
import { createResident } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

/**
 * A third kind of alert is one file: this source (a commune's bulletins) is written here, in
 * the test, with its two tables created as its migration would; nothing in src/alerts knows it.
 */
interface Bulletin {
  id: string;
  title: string;
}

const bulletins: AlertSource<Bulletin> = {
  kind: 'bulletin',
  publishedEvent: 'BulletinPublished',
  table: { name: 'test_bulletin_notifications', itemColumn: 'bulletin_id' },
  templates: { alert: 'mission-match', digest: 'mission-digest' },
  keys: { alert: 'bulletin', digest: 'bulletin-digest' },
  find: (tx: TenantTx, ids: string[]) =>
    rows<Bulletin>(tx, `SELECT id, title FROM test_bulletins WHERE tenant_id = $1 AND id = ANY($2::uuid[]) AND open`, [
      tx.tenantId,
      ids,
    ]),
  recipients: (tx: TenantTx, item: Bulletin, cap: number) =>
    rows<AlertCandidate>(
      tx,
      `SELECT a.id AS "recipientId", a.email, a.display_name AS "displayName", 300 AS "distanceM", a.notify_mode AS
        "notifyMode"
       FROM test_bulletins b JOIN accounts a ON a.tenant_id = b.tenant_id AND a.id = ANY(b.readers)
       WHERE b.tenant_id = $1 AND b.id = $2 ORDER BY a.id LIMIT $3`,
      [tx.tenantId, item.id, cap],
    ),
  alertData: (item, recipient, origin) => ({
    title: item.title,
    organisationName: 'La mairie',
    missionUrl: `${origin}/bulletins/${item.id}`,
    displayName: recipient.displayName,
  }),
  digestLine: (item, _distanceM, origin) => ({
    title: item.title,
    organisationName: 'La mairie',
    url: `${origin}/bulletins/${item.id}`,
  }),
  stillSendable: (ref) =>
    `EXISTS (SELECT 1 FROM test_bulletins b WHERE b.tenant_id = $1::uuid AND b.id = ${ref} AND b.open)`,
};

describe('alerts: a source registered from outside the pipeline', () => {
  let t: TestApp;
  let tenantId: TenantId;

  beforeAll(async () => {
    t = await startTestApp();
    tenantId = await t.db.tenantId('meylan');
    await t.db.admin.query(`
      CREATE TABLE test_bulletins (tenant_id uuid NOT NULL, id uuid NOT NULL, title text NOT NULL, readers uuid[] NOT
        NULL, open boolean NOT NULL DEFAULT true, PRIMARY KEY (tenant_id, id));
      CREATE TABLE test_bulletin_notifications (
        tenant_id uuid NOT NULL, bulletin_id uuid NOT NULL, recipient_id uuid NOT NULL, distance_m integer NOT NULL,
        delivery text NOT NULL, status text NOT NULL DEFAULT 'pending', outbox_id uuid, created_at timestamptz NOT
          NULL DEFAULT now(), mailed_at timestamptz,
        PRIMARY KEY (tenant_id, bulletin_id, recipient_id)
      );
      ${tenantTableSql('test_bulletins')}
      ${tenantTableSql('test_bulletin_notifications')}`);
    t.app.get(AlertSources).register(bulletins);
  });
  afterAll(async () => {
    await t.close();
  });

  const publish = async (title: string, readers: string[]) => {
    const id = randomUUID();
    await t.db.admin.query(`INSERT INTO test_bulletins (tenant_id, id, title, readers) VALUES ($1, $2, $3, $4)`, [
      tenantId,
      id,
      title,
      readers,
    ]);
    return id;
  };
  const deliveries = async (recipientId: string) =>
    (
      await t.db.admin.query(
        `SELECT delivery, count(*)::int AS n FROM test_bulletin_notifications WHERE recipient_id = $1 GROUP BY 1 ` +
          `ORDER BY 1`,
        [recipientId],
      )
    ).rows;

  it(
    'fans out once per reader, caps the day, gathers the rest in one digest, and lets the outbox ask it at send ' +
      'time',
    async () => {
      const eager = await createResident(t.db, 'meylan');
      const daily = await createResident(t.db, 'meylan');
      await t.db.admin.query(`UPDATE accounts SET notify_mode = 'daily' WHERE id = $1`, [daily.id]);
      const alerts = t.app.get(AlertsService);

      const ids: string[] = [];
      for (let i = 1; i <= 6; i++) {
        ids.push(await publish(`Bulletin municipal n° ${i}`, [eager.id, daily.id]));
        expect(await alerts.fanOut('bulletin', tenantId, ids[i - 1])).toEqual({
          found: 2,
          mailed: i <= 5 ? 1 : 0,
          digest: i <= 5 ? 1 : 2,
        });
      }
      // The tenant's daily cap (5 by default), as for listings and missions; a second run finds nothing new.
      expect(await deliveries(eager.id)).toEqual([
        { delivery: 'digest', n: 1 },
        { delivery: 'immediate', n: 5 },
      ]);
      expect(await deliveries(daily.id)).toEqual([{ delivery: 'digest', n: 6 }]);
      expect(await alerts.fanOut('bulletin', tenantId, ids[0])).toEqual({ found: 0, mailed: 0, digest: 0 });
      const { rows: mails } = await t.db.admin.query(
        `SELECT dedupe_key AS key, data ->> 'sendIf' AS "sendIf" FROM outbox_emails WHERE dedupe_key = $1`,
        [`bulletin:${ids[0]}:${eager.id}`],
      );
      expect(mails).toEqual([{ key: `bulletin:${ids[0]}:${eager.id}`, sendIf: `bulletin:${ids[0]}` }]);

      // The digest: once a day per reader, after the tenant's hour.
      const evening = new Date(Date.now() + 86_400_000);
      evening.setUTCHours(20, 0, 0, 0);
      const morning = new Date(evening.getTime() - 12 * 3_600_000);
      expect(await alerts.sendDigest('bulletin', tenantId, morning)).toBe(0);
      expect(await alerts.sendDigest('bulletin', tenantId, evening)).toBe(2);
      expect(await alerts.sendDigest('bulletin', tenantId, evening)).toBe(0);
      const { rows: digest } = await t.db.admin.query(
        `SELECT (data ->> 'count')::int AS count FROM outbox_emails WHERE dedupe_key = $1`,
        [`bulletin-digest:${daily.id}:${parisDayAndHour(evening).day}`],
      );
      expect(digest).toEqual([{ count: 6 }]);

      // Withdrawn before its e-mail left: the outbox's claim asks the source and cancels it.
      const other = await createResident(t.db, 'meylan');
      const late = await publish('Bulletin retiré', [other.id]);
      expect(await alerts.fanOut('bulletin', tenantId, late)).toMatchObject({ mailed: 1 });
      await t.db.admin.query(`UPDATE test_bulletins SET open = false WHERE id = $1`, [late]);
      const { rows: row } = await t.db.admin.query(`SELECT id FROM outbox_emails WHERE dedupe_key = $1`, [
        `bulletin:${late}:${other.id}`,
      ]);
      const [claimed] = await t.app.get(OutboxRepository).claim([{ tenantId, ids: [row[0].id] }], 60_000);
      expect(claimed).toEqual([]);
      const { rows: after } = await t.db.admin.query(`SELECT status FROM outbox_emails WHERE id = $1`, [row[0].id]);
      expect(after).toEqual([{ status: 'cancelled' }]);
    },
  );
});
