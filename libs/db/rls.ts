/**
 * The one place the row-level-security policy of a tenant-owned table is written.
 * Every tenant table gets ENABLE + FORCE (so even its owner is filtered unless it has
 * BYPASSRLS) and one policy comparing tenant_id with the transaction's app.tenant_id.
 * app_current_tenant() is NULL when the setting is unset or empty, so nothing matches.
 */
export const APP_ROLE = 'entraide_app';

export function tenantTableSql(table: string, grants = 'SELECT, INSERT, UPDATE, DELETE'): string {
  return `
    ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;
    ALTER TABLE ${table} FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant_isolation ON ${table}
      USING (tenant_id = app_current_tenant())
      WITH CHECK (tenant_id = app_current_tenant());
    GRANT ${grants} ON ${table} TO ${APP_ROLE};
  `;
}
