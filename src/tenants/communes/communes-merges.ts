import { DataSource, EntityManager } from 'typeorm';
import { execute, firstRow, rows } from '@libs/db';
import { TENANTS_CHANGED_CHANNEL } from '../tenants-sync';

/** Why a proposal cannot be decided, in words for the operator. */
export class CommuneMergeError extends Error {}

export interface MergeProposalRow {
  id: string;
  formerCode: string;
  formerName: string;
  intoCode: string;
  intoName: string;
  status: 'pending' | 'applied' | 'dismissed';
  createdAt: Date;
  /** The open commune's host label today, when it still has its former code. */
  formerSlug: string | null;
  /** The new commune's tenant: its status (dormant, open…) when imported. */
  intoStatus: string | null;
}

export interface AppliedMerge {
  slug: string;
  name: string;
  /** The tenant that stood for the new commune until now (dormant), now pointing to the open site. */
  retired: string;
}

/** Proposals waiting for a decision, oldest first (or every proposal with `all`). */
export function listMergeProposals(ds: DataSource, all = false): Promise<MergeProposalRow[]> {
  return ds.transaction((tx) =>
    rows<MergeProposalRow>(
      tx,
      `SELECT p.id, p.former_code AS "formerCode", p.former_name AS "formerName", p.into_code AS "intoCode",
            p.into_name AS "intoName", p.status, p.created_at AS "createdAt", f.slug AS "formerSlug",
            i.status AS "intoStatus"
     FROM commune_merge_proposals p
     LEFT JOIN tenants f ON f.insee_code = p.former_code LEFT JOIN tenants i ON i.insee_code = p.into_code
     WHERE $1 OR p.status = 'pending' ORDER BY p.created_at, p.former_code`,
      [all],
    ),
  );
}

/**
 * Applies a merger to an open commune, as the operator decides: its site goes on as the new commune's (residents,
 * listings, staff, host and federation kept), taking the new commune's official codes and name; the dormant tenant
 * that stood for the new commune gives up its code and becomes a merged one whose host leads to the site. Where the
 * new commune has a site of its own too, two sites would have to become one, which no command does: refused.
 * One transaction, audited on the commune's tenant.
 */
export async function applyMergeProposal(ds: DataSource, id: string): Promise<AppliedMerge> {
  return inTransaction(ds, async (tx) => {
    const p = await pendingProposal(tx, id);
    const former = await firstRow<{ id: string; slug: string; name: string; status: string; siteName: string }>(
      tx,
      `SELECT id, slug, name, status, site_name AS "siteName" FROM tenants WHERE insee_code = $1 FOR UPDATE`,
      [p.formerCode],
    );
    if (!former || former.status !== 'open')
      throw new CommuneMergeError(`${p.formerCode} ${p.formerName} is no longer an open commune: dismiss the proposal`);
    const into = await firstRow<{ id: string; slug: string; status: string }>(
      tx,
      'SELECT id, slug, status FROM tenants WHERE insee_code = $1 FOR UPDATE',
      [p.intoCode],
    );
    if (!into) throw new CommuneMergeError(`no commune with INSEE code ${p.intoCode} (run communes:import first)`);
    if (into.status === 'open')
      throw new CommuneMergeError(
        `${p.intoCode} ${p.intoName} has a site of its own (${into.slug}): two sites cannot be merged by a command; ` +
          'move what must move, then dismiss the proposal',
      );
    // The dormant row gives its code (unique) to the open one first.
    await execute(
      tx,
      `UPDATE tenants SET insee_code = NULL, status = 'merged', merged_into = $2, updated_at = now() WHERE id = $1`,
      [into.id, former.id],
    );
    await execute(
      tx,
      `UPDATE tenants t SET insee_code = $2, name = i.name, siren = i.siren, postal_codes = i.postal_codes,
         population = i.population, former_codes = i.former_codes, divisions = i.divisions,
         site_name = CASE WHEN t.site_name = 'Entraide à ' || t.name THEN 'Entraide à ' || i.name ELSE t.site_name END,
         updated_at = now()
       FROM tenants i WHERE t.id = $1 AND i.id = $3`,
      [former.id, p.intoCode, into.id],
    );
    // Merged communes pointing to the retired row now point to the site.
    await execute(tx, `UPDATE tenants SET merged_into = $1 WHERE merged_into = $2`, [former.id, into.id]);
    await decide(tx, p, 'applied', former.id);
    await execute(tx, `NOTIFY ${TENANTS_CHANGED_CHANNEL}`);
    return { slug: former.slug, name: p.intoName, retired: into.slug };
  });
}

/** The operator keeps things as they are; the proposal is not made again by the next imports. Audited. */
export async function dismissMergeProposal(ds: DataSource, id: string): Promise<MergeProposalRow> {
  return inTransaction(ds, async (tx) => {
    const p = await pendingProposal(tx, id);
    const former = await firstRow<{ id: string }>(tx, 'SELECT id FROM tenants WHERE insee_code = $1', [p.formerCode]);
    await decide(tx, p, 'dismissed', former?.id);
    return p;
  });
}

async function pendingProposal(tx: EntityManager, id: string): Promise<MergeProposalRow> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new CommuneMergeError(`${id} is not a proposal id (see communes:merges)`);
  const p = await firstRow<MergeProposalRow>(
    tx,
    `SELECT id, former_code AS "formerCode", former_name AS "formerName", into_code AS "intoCode",
            into_name AS "intoName", status, created_at AS "createdAt", NULL AS "formerSlug", NULL AS "intoStatus"
     FROM commune_merge_proposals WHERE id = $1 FOR UPDATE`,
    [id],
  );
  if (!p) throw new CommuneMergeError(`no merge proposal ${id}`);
  if (p.status !== 'pending') throw new CommuneMergeError(`proposal ${id} was already ${p.status}`);
  return p;
}

async function decide(
  tx: EntityManager,
  p: MergeProposalRow,
  status: 'applied' | 'dismissed',
  tenantId: string | undefined,
): Promise<void> {
  await execute(tx, `UPDATE commune_merge_proposals SET status = $2, decided_at = now() WHERE id = $1`, [p.id, status]);
  if (tenantId)
    await execute(
      tx,
      `INSERT INTO audit_log (tenant_id, actor_id, actor_role, action, target_type, target_id, reason, data)
       VALUES ($1, NULL, 'operator', $2, 'tenant', $1, 'communes:merges', $3::jsonb)`,
      [
        tenantId,
        status === 'applied' ? 'tenant.merge_applied' : 'tenant.merge_dismissed',
        JSON.stringify({ proposal: p.id, formerCode: p.formerCode, intoCode: p.intoCode, intoName: p.intoName }),
      ],
    );
}

async function inTransaction<T>(ds: DataSource, fn: (tx: EntityManager) => Promise<T>): Promise<T> {
  const qr = ds.createQueryRunner();
  await qr.connect();
  try {
    await qr.startTransaction();
    const result = await fn(qr.manager);
    await qr.commitTransaction();
    return result;
  } catch (err) {
    if (qr.isTransactionActive) await qr.rollbackTransaction();
    throw err;
  } finally {
    await qr.release();
  }
}
