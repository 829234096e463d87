import { Logger } from '@nestjs/common';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import type { AppConfig } from '@libs/config';

/** The demo's provider: a fixed loopback port, so the redirect URIs registered with it stay the same. */
const DEMO_PROVIDER_PORT = Number(process.env.DEMO_OIDC_PORT ?? 9440);
const SCRIPT = join(__dirname, '..', '..', '..', 'dev', 'oidc-provider', 'provider.mjs');
/** Lyon's SIREN: the demo agents' siret starts with it, so they may ask to join Lyon's team. */
const LYON_SIREN = '216901231';

/**
 * `npm run demo` (dev/main.ts): starts the development OpenID provider (any login accepted) and gives
 * Meylan a FranceConnect-like provider and Lyon a ProConnect-like one, in the database only (the next
 * `tenants:sync` removes them), so the whole sign-in flow can be tried without registering anywhere.
 * `DEMO_IDENTITY=off` skips it. Never in production (dev/ is not in the image).
 */
export async function startDemoIdentity(config: AppConfig): Promise<void> {
  const logger = new Logger('demo-identity');
  if (process.env.DEMO_IDENTITY === 'off' || !config.databaseAdminUrl) return;
  const origin = (slug: string) => `${config.publicScheme}://${slug}.localhost:${config.port}`;
  const secret = { fc: 'demo-franceconnect-secret-0123456789abcdef', pc: 'demo-proconnect-secret-0123456789abcdef' };
  const client = (id: string, slug: string, providerId: string, extra: Record<string, unknown>) => ({
    client_id: id,
    client_secret: secret[providerId === 'franceconnect' ? 'fc' : 'pc'],
    redirect_uris: [`${origin(slug)}/connexion/${providerId}/retour`],
    post_logout_redirect_uris: [`${origin(slug)}/`],
    token_endpoint_auth_method: 'client_secret_post',
    ...extra,
  });
  const options = {
    port: DEMO_PROVIDER_PORT,
    acrValues: ['eidas1'],
    siret: `${LYON_SIREN}00017`,
    clients: [
      client('meylan-demo', 'meylan', 'franceconnect', {
        id_token_signed_response_alg: 'ES256',
        userinfo_signed_response_alg: 'ES256',
        subject_type: 'pairwise',
      }),
      client('lyon-demo', 'lyon', 'proconnect', { id_token_signed_response_alg: 'RS256' }),
    ],
  };
  const child = spawn(process.execPath, [SCRIPT, JSON.stringify({ ...options, exitWithParent: true })], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const issuer = await new Promise<string | undefined>((resolve) => {
    child.stdout.on('data', (d: Buffer) => resolve(/READY (\S+)/.exec(String(d))?.[1]));
    child.once('exit', () => resolve(undefined));
  });
  if (!issuer) {
    logger.warn(`the development OpenID provider did not start (port ${DEMO_PROVIDER_PORT} taken?)`);
    return;
  }
  process.env.DEMO_FRANCECONNECT_SECRET = secret.fc;
  process.env.DEMO_PROCONNECT_SECRET = secret.pc;
  const providers = {
    meylan: [
      {
        id: 'franceconnect',
        kind: 'franceconnect',
        for: 'residents',
        issuer,
        clientId: 'meylan-demo',
        clientSecretEnv: 'DEMO_FRANCECONNECT_SECRET',
        scopes: ['openid', 'given_name', 'family_name', 'email'],
        acrValues: 'eidas1',
        pkce: false,
        idTokenAlg: 'ES256',
        signedUserinfo: true,
      },
    ],
    lyon: [
      {
        id: 'proconnect',
        kind: 'proconnect',
        for: 'staff',
        issuer,
        clientId: 'lyon-demo',
        clientSecretEnv: 'DEMO_PROCONNECT_SECRET',
        scopes: ['openid', 'email', 'given_name', 'usual_name', 'siret', 'uid'],
        pkce: true,
        idTokenAlg: 'RS256',
        signedUserinfo: false,
        staff: { rule: { siretOfCommune: true }, role: 'moderator', grant: 'request' },
      },
    ],
  };
  const db = new Client({ connectionString: config.databaseAdminUrl, application_name: 'entraide-demo-identity' });
  await db.connect();
  try {
    for (const [slug, list] of Object.entries(providers))
      await db.query(
        `UPDATE tenants SET settings = settings || jsonb_build_object('identityProviders', $2::jsonb)
           || CASE WHEN $1 = 'lyon' THEN jsonb_build_object('siren', $3::text) ELSE '{}'::jsonb END
         WHERE slug = $1`,
        [slug, JSON.stringify(list), LYON_SIREN],
      );
  } finally {
    await db.end();
  }
  logger.log(`development OpenID provider at ${issuer}: FranceConnect-like on Meylan, ProConnect-like on Lyon`);
}
