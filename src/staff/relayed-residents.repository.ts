import { Injectable } from '@nestjs/common';
import { execute, firstRow, rows, type TenantTx } from '@libs/db';
import { LatLng, pointSql } from '@libs/geo';
import { RelayedResident } from './entities/relayed-resident.entity';

export interface RelayedResidentRow {
  id: string;
  displayName: string;
  phone: string | null;
  location: LatLng | null;
  consent: {
    method: 'phone' | 'in_person' | 'paper';
    note: string;
    at: Date;
    agent: { id: string; displayName: string };
  };
  createdAt: Date;
  openListings: number;
  toCall: number;
}

/** The private record of a relayed resident, as the RGPD export shows it. */
export interface RelayedResidentExport {
  phone: string | null;
  consentMethod: RelayedResident['consentMethod'];
  consentNote: string;
  consentAt: Date;
  createdAt: Date;
}

const COLUMNS = `a.id, a.display_name AS "displayName", rr.phone,
  CASE WHEN a.location IS NULL THEN NULL ELSE json_build_object('lat', ST_Y(a.location::geometry), 'lng',
    ST_X(a.location::geometry)) END AS location,
  json_build_object('method', rr.consent_method, 'note', rr.consent_note, 'at', rr.consent_at, 'agent',
    json_build_object('id', ag.id, 'displayName', ag.display_name)) AS consent,
  rr.created_at AS "createdAt",
  (SELECT count(*)::int FROM listings l WHERE l.tenant_id = a.tenant_id AND l.author_id = a.id AND l.status IN
    ('published', 'pending_review', 'hidden')) AS "openListings",
  (SELECT count(*)::int FROM staff_inbox_items i WHERE i.tenant_id = a.tenant_id AND i.resident_id = a.id AND
    i.called_back_at IS NULL) AS "toCall"`;
const FROM = `FROM relayed_residents rr JOIN accounts a ON a.tenant_id = rr.tenant_id AND a.id = rr.account_id
  JOIN accounts ag ON ag.tenant_id = rr.tenant_id AND ag.id = rr.consent_agent_id`;

/** Residents without internet registered by the town hall: private details seen by staff only. */
@Injectable()
export class RelayedResidentsRepository {
  async insert(
    tx: TenantTx,
    r: {
      displayName: string;
      phone: string | null;
      location: LatLng;
      consentMethod: string;
      consentNote: string;
      agentId: string;
    },
  ): Promise<string> {
    const [row] = await rows<{ id: string }>(
      tx,
      `WITH a AS (
         INSERT INTO accounts (tenant_id, display_name, roles, relayed, location, notify_mode)
         VALUES ($1, $2, '{resident}', true, ${pointSql('$4', '$5')}, 'off') RETURNING id
       )
       INSERT INTO relayed_residents (tenant_id, account_id, phone, consent_method, consent_note, consent_agent_id)
       SELECT $1, a.id, $3, $6, $7, $8 FROM a RETURNING account_id AS id`,
      [tx.tenantId, r.displayName, r.phone, r.location.lng, r.location.lat, r.consentMethod, r.consentNote, r.agentId],
    );
    return row.id;
  }

  list(tx: TenantTx): Promise<RelayedResidentRow[]> {
    return rows<RelayedResidentRow>(
      tx,
      `SELECT ${COLUMNS} ${FROM} WHERE rr.tenant_id = $1 AND a.deleted_at IS NULL ORDER BY a.display_name, a.id ` +
        `LIMIT 1000`,
      [tx.tenantId],
    );
  }

  find(tx: TenantTx, id: string, opts: { forUpdate?: boolean } = {}): Promise<RelayedResidentRow | undefined> {
    return firstRow<RelayedResidentRow>(
      tx,
      `SELECT ${COLUMNS} ${FROM} WHERE rr.tenant_id = $1 AND rr.account_id = $2 AND a.deleted_at IS NULL ` +
        `${opts.forUpdate ? 'FOR UPDATE OF rr' : ''}`,
      [tx.tenantId, id],
    );
  }

  async update(
    tx: TenantTx,
    id: string,
    c: {
      displayName?: string;
      phone?: string | null;
      location?: LatLng;
      consent?: { method: string; note: string; agentId: string };
    },
  ): Promise<void> {
    if (c.displayName !== undefined || c.location) {
      const params: unknown[] = [tx.tenantId, id];
      const p = (v: unknown) => `$${params.push(v)}`;
      const sets = [
        ...(c.displayName !== undefined ? [`display_name = ${p(c.displayName)}`] : []),
        ...(c.location ? [`location = ${pointSql(p(c.location.lng), p(c.location.lat))}`] : []),
      ];
      await execute(
        tx,
        `UPDATE accounts SET ${sets.join(', ')}, updated_at = now() WHERE tenant_id = $1 AND id = $2 AND relayed`,
        params,
      );
    }
    if (c.phone !== undefined || c.consent) {
      const params: unknown[] = [tx.tenantId, id];
      const p = (v: unknown) => `$${params.push(v)}`;
      const sets = [
        ...(c.phone !== undefined ? [`phone = ${p(c.phone)}`] : []),
        ...(c.consent
          ? [
              `consent_method = ${p(c.consent.method)}`,
              `consent_note = ${p(c.consent.note)}`,
              `consent_agent_id = ${p(c.consent.agentId)}`,
              'consent_at = now()',
            ]
          : []),
      ];
      await execute(
        tx,
        `UPDATE relayed_residents SET ${sets.join(', ')}, updated_at = now() WHERE tenant_id = $1 AND account_id = $2`,
        params,
      );
    }
  }

  /** The private record (phone, consent) goes; the account is erased in place by the accounts module. */
  async erase(tx: TenantTx, id: string): Promise<void> {
    await tx.delete(RelayedResident, { tenantId: tx.tenantId, accountId: id });
  }

  /** For the RGPD export: the private record as stored. */
  async export(tx: TenantTx, id: string): Promise<RelayedResidentExport | undefined> {
    const r = await tx.findOneBy(RelayedResident, { tenantId: tx.tenantId, accountId: id });
    return r
      ? {
          phone: r.phone,
          consentMethod: r.consentMethod,
          consentNote: r.consentNote,
          consentAt: r.consentAt,
          createdAt: r.createdAt,
        }
      : undefined;
  }
}
