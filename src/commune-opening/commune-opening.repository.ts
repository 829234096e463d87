import { Injectable } from '@nestjs/common';
import { Database, firstRow, TenantTx } from '@libs/db';
import { parseTenantId, TenantId } from '@libs/tenancy';

/** A commune as the opening flow needs it: still dormant or not, and the SIREN an agent's SIRET must start with. */
export interface OpeningCommune {
  id: TenantId;
  slug: string;
  name: string;
  status: 'open' | 'dormant' | 'merged';
  siren: string | null;
}

export interface NewOpeningRequest {
  issuer: string;
  subject: string;
  email: string;
  givenName: string;
  usualName: string;
  siret: string;
}

@Injectable()
export class CommuneOpeningRepository {
  constructor(private readonly db: Database) {}

  /** The commune of this INSEE code (the tenants table is readable without a tenant). */
  async commune(insee: string): Promise<OpeningCommune | undefined> {
    const row = await this.db.withoutTenant((tx) =>
      firstRow<Omit<OpeningCommune, 'id'> & { id: string }>(
        tx,
        'SELECT id, slug, name, status, siren FROM tenants WHERE insee_code = $1',
        [insee],
      ),
    );
    return row && { ...row, id: parseTenantId(row.id) };
  }

  /** Records the request; undefined when this agent already has one pending for the commune. */
  async insert(tx: TenantTx, r: NewOpeningRequest): Promise<string | undefined> {
    const row = await firstRow<{ id: string }>(
      tx,
      `INSERT INTO commune_opening_requests (tenant_id, issuer, subject, email, given_name, usual_name, siret)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (tenant_id, issuer, subject) WHERE status = 'pending' DO NOTHING RETURNING id`,
      [tx.tenantId, r.issuer, r.subject, r.email, r.givenName, r.usualName, r.siret],
    );
    return row?.id;
  }
}
