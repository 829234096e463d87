import { DataSource } from 'typeorm';
import { execute, rows } from '@libs/db';

export interface OpeningRequestRow {
  id: string;
  insee: string | null;
  commune: string;
  status: 'pending' | 'accepted' | 'refused';
  email: string;
  givenName: string;
  usualName: string;
  siret: string;
  createdAt: Date;
}

/** Town-hall agents' requests to open their commune (ProConnect), pending ones oldest first, or all. */
export function listOpeningRequests(ds: DataSource, all = false): Promise<OpeningRequestRow[]> {
  return ds.transaction((tx) =>
    rows<OpeningRequestRow>(
      tx,
      `SELECT r.id, t.insee_code AS insee, t.name AS commune, r.status, r.email, r.given_name AS "givenName",
            r.usual_name AS "usualName", r.siret, r.created_at AS "createdAt"
     FROM commune_opening_requests r JOIN tenants t ON t.id = r.tenant_id
     WHERE $1 OR r.status = 'pending' ORDER BY r.created_at, r.id`,
      [all],
    ),
  );
}

/** The operator declines a request (the commune stays dormant); audited on the commune. False when not pending. */
export async function refuseOpeningRequest(ds: DataSource, id: string): Promise<boolean> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return false;
  const n = await ds.transaction((tx) =>
    execute(
      tx,
      `WITH r AS (UPDATE commune_opening_requests SET status = 'refused', decided_at = now()
                WHERE id = $1 AND status = 'pending' RETURNING tenant_id, id, siret)
     INSERT INTO audit_log (tenant_id, actor_id, actor_role, action, target_type, target_id, reason, data)
     SELECT tenant_id, NULL, 'operator', 'tenant.opening_refused', 'commune_opening_request', id, 'communes:requests',
            jsonb_build_object('siret', siret) FROM r`,
      [id],
    ),
  );
  return n > 0;
}
