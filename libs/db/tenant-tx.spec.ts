import type { Database, TenantStatement, TenantTx, Tx } from './database';
import { rows } from './database';
import { isTenantId, parseTenantId, type TenantId } from '@libs/tenancy/tenant-id';

/**
 * A tenant id is its own type. The `@ts-expect-error` lines are checked by `npm run typecheck`
 * (run by `npm test`): if a plain string, or another row's id, became acceptable where a tenant
 * id is needed, the directive would be unused and the typecheck would fail.
 */
describe('TenantId', () => {
  const id = '0b5e8a2c-4f1d-4c9a-9d7e-2f3a4b5c6d7e';

  it('is parsed from a UUID only, at the edges', () => {
    expect(parseTenantId(id)).toBe(id);
    expect(isTenantId(id.toUpperCase())).toBe(true);
    for (const bad of ['', 'meylan', `${id}'; SELECT 1; --`, 42, null, undefined]) {
      expect(isTenantId(bad)).toBe(false);
      expect(() => parseTenantId(bad)).toThrow(/not a tenant id/);
    }
  });

  it('cannot be given as a plain string, nor swapped with a listing id', () => {
    // Only compiled, never run: the types are the test.
    const compileOnly = (db: Database, tx: TenantTx, plainTx: Tx, listingId: string, tenantId: TenantId) => {
      // @ts-expect-error a listing id is not a tenant id
      void db.withTenant(listingId, () => Promise.resolve(1));
      // @ts-expect-error a literal string is not a tenant id either
      void db.withTenant('0b5e8a2c-4f1d-4c9a-9d7e-2f3a4b5c6d7e', () => Promise.resolve(1));
      void db.withTenant(tenantId, (t) => Promise.resolve(t.tenantId));
      // @ts-expect-error a batch statement names its tenant by TenantId too
      const statement: TenantStatement = { tenantId: listingId, sql: 'SELECT 1', params: [] };
      // @ts-expect-error the tenant a transaction carries cannot be replaced
      tx.tenantId = parseTenantId(listingId);
      // @ts-expect-error a transaction opened without a tenant is no tenant's transaction
      const scoped: TenantTx = plainTx;
      const wanted: (t: TenantTx, listing: string) => void = (t, listing) => [t.tenantId, listing];
      // @ts-expect-error a repository method cannot take the tenant id where its transaction goes
      wanted(tenantId, listingId);
      // @ts-expect-error hand-written SQL declares the type of its rows
      void rows(tx, 'SELECT 1');
      void rows<{ one: number }>(tx, 'SELECT 1 AS one');
      return [statement, scoped];
    };
    expect(typeof compileOnly).toBe('function');
  });
});
