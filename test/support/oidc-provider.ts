import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { IdentityProviderConfig } from '@src/tenants/tenant-file.schema';
import type { TestDatabase } from './test-db';

/** Client metadata as oidc-provider reads it (snake_case, RFC 7591). */
export type ProviderClient = Record<string, unknown> & { client_id: string; client_secret: string };

export interface ProviderOptions {
  clients: ProviderClient[];
  pkceRequired?: boolean;
  acrValues?: string[];
  siret?: string;
  accounts?: Record<string, Record<string, unknown>>;
  /** A provider whose clock is off by this much (its tokens look expired, or not yet valid). */
  clockOffsetSec?: number;
}

export interface RunningProvider {
  issuer: string;
  close(): Promise<void>;
}

const SCRIPT = join(__dirname, '..', '..', 'dev', 'oidc-provider', 'provider.mjs');

/**
 * A real OpenID provider (`oidc-provider`, dev/oidc-provider/provider.mjs) in a child process on a
 * free port of 127.0.0.1: it is an ES module with its own dependencies, which Node loads as it is.
 */
export async function startOidcProvider(opts: ProviderOptions): Promise<RunningProvider> {
  const child: ChildProcess = spawn(process.execPath, [SCRIPT, JSON.stringify(opts)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += String(d)));
  const issuer = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += String(d);
      const m = /READY (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`OpenID provider exited (${code}): ${stderr}`)));
  });
  return {
    issuer,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

/** Gives a tenant these identity providers (as `tenants:sync` writes them), and a SIREN; the app reads them at boot. */
export async function setIdentityProviders(
  db: TestDatabase,
  slug: string,
  providers: Array<Partial<IdentityProviderConfig> & Pick<IdentityProviderConfig, 'id' | 'kind' | 'for'>>,
  siren?: string,
): Promise<void> {
  const full = providers.map((p) => ({ idTokenAlg: 'RS256', signedUserinfo: false, pkce: false, ...p }));
  await db.admin.query(
    `UPDATE tenants SET settings = settings || jsonb_build_object('identityProviders', $2::jsonb, 'siren', $3::text)
     WHERE slug = $1`,
    [slug, JSON.stringify(full), siren ?? null],
  );
}

/**
 * Walks a browser's way through the provider from the authorization URL: follows redirects with the
 * provider's cookies, signs in on its login page as `login`, and stops at the first redirect back to
 * the site, returned as a path with its query (`/connexion/fc/retour?code=…&state=…`).
 */
export async function signInAtProvider(authorizationUrl: string, login: string): Promise<string> {
  const cookies = new Map<string, string>();
  const providerOrigin = new URL(authorizationUrl).origin;
  let url = authorizationUrl;
  let method = 'GET';
  let body: string | undefined;
  for (let hops = 0; hops < 20; hops++) {
    const res = await fetch(url, {
      method,
      body,
      redirect: 'manual',
      headers: {
        cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair.indexOf('=');
      cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    const location = res.headers.get('location');
    if (location) {
      const next = new URL(location, url);
      if (next.origin !== providerOrigin) return next.pathname + next.search;
      [url, method, body] = [next.href, 'GET', undefined];
      continue;
    }
    const text = await res.text();
    if (res.status === 200 && text.includes('name="login"')) {
      [method, body] = ['POST', new URLSearchParams({ login }).toString()];
      continue;
    }
    throw new Error(`the provider answered ${res.status} at ${url}: ${text.slice(0, 300)}`);
  }
  throw new Error('too many redirects at the provider');
}
