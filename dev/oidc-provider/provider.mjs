// A real OpenID provider (the maintained `oidc-provider` package) for development and tests, never for
// production: any login is accepted. Run as a child process:
//   node dev/oidc-provider/provider.mjs '<options as JSON>'
// It prints one line `READY <issuer>` once listening on 127.0.0.1. Options:
//   port (0: any free port), profile ("franceconnect" | "proconnect" | "oidc"), clients (oidc-provider client
//   metadata), pkceRequired, acrValues, accounts ({ login: claims }), siret (ProConnect-like default claim),
//   clockOffsetSec (a provider whose clock is wrong: its tokens are expired or not yet valid), exitWithParent.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

const opts = JSON.parse(process.argv[2] ?? '{}');

if (opts.clockOffsetSec) {
  const offset = opts.clockOffsetSec * 1000;
  const RealDate = Date;
  globalThis.Date = class extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(RealDate.now() + offset);
      else super(...args);
    }
    static now() {
      return RealDate.now() + offset;
    }
  };
}

const { default: Provider } = await import('oidc-provider');

const jwk = (type, params, alg) => {
  const { privateKey } = generateKeyPairSync(type, params);
  return {
    ...privateKey.export({ format: 'jwk' }),
    alg,
    use: 'sig',
    kid: `${alg.toLowerCase()}-${randomBytes(4).toString('hex')}`,
  };
};

/** The claims of a login: given ones, else derived from it ("marie.dupont" → Marie Dupont, marie.dupont@exemple.fr). */
function claimsOf(login) {
  const given = opts.accounts?.[login];
  const [first = 'Camille', last = 'Martin'] = login.split(/[._-]/);
  const cap = (w) => w.charAt(0).toUpperCase() + w.slice(1);
  return {
    given_name: cap(first),
    family_name: cap(last),
    usual_name: cap(last),
    email: `${login}@exemple.fr`,
    email_verified: true,
    uid: login,
    siret: opts.siret,
    groups: [],
    ...given,
  };
}

const server = createServer();
await new Promise((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: opts.clients ?? [],
  jwks: { keys: [jwk('ec', { namedCurve: 'P-256' }, 'ES256'), jwk('rsa', { modulusLength: 2048 }, 'RS256')] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['given_name', 'family_name'],
    given_name: ['given_name'],
    family_name: ['family_name'],
    usual_name: ['usual_name'],
    uid: ['uid'],
    siret: ['siret'],
    groups: ['groups'],
  },
  acrValues: opts.acrValues ?? [],
  subjectTypes: ['public', 'pairwise'],
  pairwiseIdentifier: (ctx, accountId, client) =>
    createHash('sha256').update(`${client.sectorIdentifier}|${accountId}|entraide-dev`).digest('hex'),
  enabledJWA: {
    idTokenSigningAlgValues: ['ES256', 'RS256', 'HS256'],
    userinfoSigningAlgValues: ['ES256', 'RS256', 'HS256'],
  },
  pkce: { required: () => Boolean(opts.pkceRequired) },
  features: {
    devInteractions: { enabled: false },
    jwtUserinfo: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: (ctx, form) => {
        ctx.body = page(
          'Déconnexion',
          `${form}<button type="submit" form="op.logoutForm" value="yes" name="logout">Se déconnecter du service d’identité</button>`,
        );
      },
      postLogoutSuccessSource: (ctx) => {
        ctx.body = page('Déconnecté', '<p>Vous êtes déconnecté du service d’identité.</p>');
      },
    },
  },
  findAccount: (ctx, accountId) => ({
    accountId,
    claims: () => ({ sub: accountId, ...claimsOf(accountId) }),
  }),
  ttl: { Session: 3600, Interaction: 600, Grant: 3600, AuthorizationCode: 60, AccessToken: 600, IdToken: 3600 },
});
provider.on('server_error', (ctx, err) => process.stderr.write(`oidc-provider error: ${err.stack}\n`));

function page(title, body) {
  return (
    `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>${title}</title></head>` +
    `<body><main><h1>${title}</h1>${body}</main></body></html>`
  );
}

/** The login page (any login is accepted) and an automatic consent to what the client asked. */
async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { uid, prompt, params, session } = details;
  if (prompt.name === 'login') {
    if (req.method === 'POST') {
      let body = '';
      for await (const chunk of req) body += chunk;
      const login = new URLSearchParams(body).get('login')?.trim() || 'camille.martin';
      const acr = params.acr_values ? String(params.acr_values).split(' ')[0] : undefined;
      return provider.interactionFinished(
        req,
        res,
        { login: { accountId: login, acr } },
        { mergeWithLastSubmission: false },
      );
    }
    res.setHeader('content-type', 'text/html; charset=utf-8');
    return res.end(
      page(
        'Service d’identité de développement',
        `<form method="post" action="/interaction/${uid}"><p><label for="login">Identifiant</label> ` +
          `<input id="login" name="login" autocomplete="username" value="camille.martin"></p>` +
          `<p><button type="submit">Continuer</button></p></form>`,
      ),
    );
  }
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

const callback = provider.callback();
server.on('request', (req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((err) => {
      res.statusCode = 400;
      res.end(String(err.message));
    });
  } else callback(req, res);
});
// Started by `npm run demo` with a pipe as stdin: the provider ends with the process that started it.
if (opts.exitWithParent) {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}
process.stdout.write(`READY ${issuer}\n`);
