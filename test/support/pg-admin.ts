import { Client } from 'pg';
import { pgUrl } from './env';

/** Runs statements on the maintenance database as the owner role (CREATEDB). */
export async function withMaintenance<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: pgUrl('owner', 'postgres') });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const ident = (name: string) => {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`unsafe database name ${name}`);
  return `"${name}"`;
};

/** CREATE DATABASE … TEMPLATE, retried while another worker is briefly copying the same template. */
export async function cloneDatabase(c: Client, name: string, template: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await c.query(`CREATE DATABASE ${ident(name)} TEMPLATE ${ident(template)}`);
      return;
    } catch (err) {
      if (attempt < 50 && /being accessed by other users/.test((err as Error).message)) {
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
        continue;
      }
      throw err;
    }
  }
}

/**
 * Drops a test database. Connections of a just-closed application may linger for a moment,
 * and the owner role may not terminate the application role's sessions: wait for them.
 */
export async function dropDatabase(c: Client, name: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await c.query(`DROP DATABASE IF EXISTS ${ident(name)}`);
      return;
    } catch (err) {
      if (attempt < 100 && /being accessed by other users/.test((err as Error).message)) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      throw err;
    }
  }
}
