import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import * as oidc from 'openid-client';
import { APP_CONFIG, AppConfig } from '@libs/config';
import { Database, TenantTx } from '@libs/db';
import { ForbiddenError, UnauthenticatedError } from '@libs/errors';
import { REDIS, RedisClient } from '@libs/redis';
import type { Principal, TenantRef } from '@libs/tenancy';
import { AccountDataRegistry } from '@src/accounts/account-data.registry';
import { AccountsService, NewSession, SESSION_TTL_SEC } from '@src/accounts/accounts.service';
import { toPublicName } from '@src/accounts/public-name';
import { AuditService } from '@src/audit/audit.service';
import type { IdentityProviderConfig } from '@src/tenants/tenant-file.schema';
import { TenantDirectory } from '@src/tenants/tenant-directory.service';
import { IdentityProviders, ProviderButton, UsableProvider } from './identity-providers';
import { IdentityRepository, StaffRequestRow } from './identity.repository';

export type { ProviderButton } from './identity-providers';
export type { StaffRequestRow } from './identity.repository';

const FLOW_TTL_SEC = 10 * 60;
const LINK_TTL_SEC = 15 * 60;

/** What a sign-in flow keeps between its start and the provider's answer (Redis, bound to its tenant and state). */
interface Flow {
  provider: string;
  nonce: string;
  codeVerifier?: string;
  retour: string;
}

/** A provider's person whose e-mail belongs to an account: linked only once its password is proved. */
interface PendingLink {
  provider: string;
  issuer: string;
  subject: string;
  accountId: string;
  idToken: string;
  staff?: Record<string, string>;
}

export interface StartedFlow {
  url: string;
  state: string;
}

export type CallbackOutcome =
  | { kind: 'signed-in'; session: NewSession; retour: string; staffRequest: boolean }
  | { kind: 'link'; linkToken: string; provider: string };

const key = {
  flow: (tenant: TenantRef, state: string) => `oidc:flow:${tenant.id}:${sha256(state)}`,
  link: (tenant: TenantRef, token: string) => `oidc:link:${tenant.id}:${sha256(token)}`,
  session: (tenant: TenantRef, sessionId: string) => `oidc:session:${tenant.id}:${sessionId}`,
};

const refused = (detail: string) => new UnauthenticatedError(detail);
const FAILED = "La connexion n'a pas abouti. Recommencez depuis la page de connexion.";

/**
 * Signing in with OpenID Connect providers (FranceConnect, ProConnect, a commune's own), per tenant,
 * through openid-client: authorization code flow with state and nonce (and PKCE where the tenant file
 * says so), ID token and signed userinfo checked against the provider's keys and announced algorithm.
 * Accounts are linked on (issuer, sub); an e-mail already used by an account is linked only after its
 * password is proved. A staff provider's claims must satisfy the tenant's rule, which opens a staff
 * request (or grants the role where the file says so); both are audited.
 */
@Injectable()
export class IdentityService implements OnModuleInit {
  private readonly logger = new Logger(IdentityService.name);

  constructor(
    private readonly db: Database,
    private readonly repo: IdentityRepository,
    private readonly providers: IdentityProviders,
    private readonly accounts: AccountsService,
    private readonly audit: AuditService,
    private readonly directory: TenantDirectory,
    private readonly dataRegistry: AccountDataRegistry,
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.dataRegistry.registerExporter('linkedIdentities', (tx, a) => this.repo.identitiesOf(tx, a.id));
    this.dataRegistry.registerEraser((tx, a) => this.repo.forget(tx, a.id));
  }

  buttons(tenant: TenantRef, audience: IdentityProviderConfig['for']): ProviderButton[] {
    return this.providers.buttons(tenant, audience);
  }

  /** The origins of the tenant's usable providers (where its pages' forms may lead). */
  providerOrigins(tenant: TenantRef): string[] {
    return [...new Set(this.providers.usable(tenant).map((p) => new URL(p.issuer).origin))];
  }

  /** The buttons of the sign-in and sign-up pages (residents' providers, and staff's on the sign-in page). */
  signInButtons(tenant: TenantRef): { residentProviders: ProviderButton[]; staffProviders: ProviderButton[] } {
    return { residentProviders: this.buttons(tenant, 'residents'), staffProviders: this.buttons(tenant, 'staff') };
  }

  /** The provider's authorization URL; the flow is kept ten minutes under its state, for this tenant only. */
  async start(tenant: TenantRef, providerId: string, callbackUrl: string, retour: string): Promise<StartedFlow> {
    const p = this.provider(tenant, providerId);
    const config = await this.configuration(tenant, p);
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const params: Record<string, string> = {
      redirect_uri: callbackUrl,
      scope: p.scopes.join(' '),
      state,
      nonce,
    };
    if (p.acrValues) params.acr_values = p.acrValues;
    const flow: Flow = { provider: p.id, nonce, retour };
    if (p.pkce) {
      flow.codeVerifier = oidc.randomPKCECodeVerifier();
      params.code_challenge = await oidc.calculatePKCECodeChallenge(flow.codeVerifier);
      params.code_challenge_method = 'S256';
    }
    await this.redis.set(key.flow(tenant, state), JSON.stringify(flow), 'EX', FLOW_TTL_SEC);
    return { url: oidc.buildAuthorizationUrl(config, params).href, state };
  }

  /**
   * The provider's answer. `currentUrl` is the callback as received; `cookieState` the state this
   * browser was given at the start (a callback without it, or with another, is someone else's).
   */
  async callback(
    tenant: TenantRef,
    providerId: string,
    currentUrl: URL,
    cookieState: string | undefined,
    userAgent: string,
  ): Promise<CallbackOutcome> {
    const state = currentUrl.searchParams.get('state') ?? '';
    if (!cookieState || !sameText(state, cookieState)) {
      this.logger.warn(`sign-in with ${providerId} refused (tenant ${tenant.slug}): state does not match the browser`);
      throw refused(FAILED);
    }
    // Taken once: a replayed callback (the same code again) finds nothing, and so does another tenant's.
    const raw = await this.redis.getdel(key.flow(tenant, state));
    const flow = raw ? (JSON.parse(raw) as Flow) : undefined;
    if (!flow || flow.provider !== providerId) {
      this.logger.warn(`sign-in with ${providerId} refused (tenant ${tenant.slug}): unknown or used state`);
      throw refused(FAILED);
    }
    if (currentUrl.searchParams.has('error')) throw refused('La connexion a été annulée ou refusée par le service.');
    const p = this.provider(tenant, providerId);
    const config = await this.configuration(tenant, p);
    let claims: Record<string, unknown>;
    let idToken: string;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, currentUrl, {
        expectedState: state,
        expectedNonce: flow.nonce,
        pkceCodeVerifier: flow.codeVerifier,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims()!;
      idToken = tokens.id_token!;
      const acr = typeof idClaims.acr === 'string' ? idClaims.acr : '';
      if (p.acrValues && !p.acrValues.split(' ').includes(acr))
        throw new Error(`acr "${acr}" is not among those asked`);
      const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub);
      claims = { ...userinfo, iss: idClaims.iss, sub: idClaims.sub };
    } catch (err) {
      // The library's message names the failed check (signature, alg, iss, aud, exp, nonce…); never a token.
      this.logger.warn(`sign-in with ${providerId} refused (tenant ${tenant.slug}): ${whyRefused(err)}`);
      throw refused(FAILED);
    }
    return this.afterVerified(tenant, p, claims, idToken, flow.retour, userAgent);
  }

  /** Links the pending identity to its account once the account's password is proved, and signs in. */
  async confirmLink(
    tenant: TenantRef,
    linkToken: string,
    password: string,
    ip: string,
    userAgent: string,
  ): Promise<CallbackOutcome & { kind: 'signed-in' }> {
    const raw = await this.redis.get(key.link(tenant, linkToken));
    if (!raw) throw refused('Cette demande de liaison a expiré. Recommencez depuis la page de connexion.');
    const pending = JSON.parse(raw) as PendingLink;
    if (!(await this.accounts.provePassword(tenant, pending.accountId, password, ip)))
      throw refused('Mot de passe incorrect.');
    await this.redis.del(key.link(tenant, linkToken));
    const p = this.provider(tenant, pending.provider);
    return this.db.withTenant(tenant.id, async (tx) => {
      await this.repo.link(tx, pending.issuer, pending.subject, pending.accountId, p.id);
      await this.audit.append(tx, {
        actorId: pending.accountId,
        actorRole: 'resident',
        action: 'identity.linked',
        targetType: 'account',
        targetId: pending.accountId,
        reason: 'password proved',
        data: { provider: p.id, issuer: pending.issuer },
      });
      return this.signIn(tx, tenant, p, pending.accountId, pending.staff, pending.idToken, '/', userAgent);
    });
  }

  /** The account's address and the provider's name of a link waiting under this token (asked for its password). */
  async pendingLink(tenant: TenantRef, linkToken: string): Promise<{ email: string; provider: string } | undefined> {
    const raw = linkToken ? await this.redis.get(key.link(tenant, linkToken)) : null;
    if (!raw) return undefined;
    const pending = JSON.parse(raw) as PendingLink;
    const a = await this.db.withTenant(tenant.id, (tx) => this.accounts.findById(tx, pending.accountId));
    const label = this.buttons(tenant, 'residents')
      .concat(this.buttons(tenant, 'staff'))
      .find((b) => b.id === pending.provider)?.label;
    return a?.email && label ? { email: a.email, provider: label } : undefined;
  }

  /**
   * Where to send the browser after signing out locally: the provider's end-session endpoint with
   * the ID token as hint when the session came from a provider that announces one, else undefined.
   */
  async endSessionUrl(tenant: TenantRef, principal: Principal | undefined, host: string): Promise<string | undefined> {
    if (!principal) return undefined;
    const afterUrl = `${this.config.publicScheme}://${host}/`;
    const raw = await this.redis.getdel(key.session(tenant, principal.sessionId));
    if (!raw) return undefined;
    const { provider, idToken } = JSON.parse(raw) as { provider: string; idToken: string };
    const p = this.providers.find(tenant, provider);
    if (!p) return undefined;
    try {
      const config = await this.configuration(tenant, p);
      if (!config.serverMetadata().end_session_endpoint) return undefined;
      return oidc.buildEndSessionUrl(config, {
        id_token_hint: idToken,
        post_logout_redirect_uri: afterUrl,
        state: oidc.randomState(),
      }).href;
    } catch (err) {
      this.logger.warn(`provider logout skipped (tenant ${tenant.slug}, ${provider}): ${(err as Error).message}`);
      return undefined;
    }
  }

  pendingStaffRequests(tenant: TenantRef): Promise<StaffRequestRow[]> {
    return this.db.withTenant(tenant.id, (tx) => this.repo.pendingStaffRequests(tx));
  }

  /** An administrator approves (the role is given) or refuses a staff request; audited either way. */
  async decideStaffRequest(tenant: TenantRef, admin: Principal, id: string, approve: boolean): Promise<void> {
    await this.db.withTenant(tenant.id, async (tx) => {
      const r = await this.repo.decideStaffRequest(tx, id, approve ? 'approved' : 'refused', admin.accountId);
      if (!r) throw new ForbiddenError('Cette demande a déjà été traitée.');
      if (approve) await this.accounts.grantRole(tx, r.accountId, r.role);
      await this.audit.append(tx, {
        actorId: admin.accountId,
        actorRole: admin.roles.includes('admin') ? 'admin' : 'federation_admin',
        action: approve ? 'staff.request_approved' : 'staff.request_refused',
        targetType: 'account',
        targetId: r.accountId,
        reason: approve ? `role ${r.role} granted` : 'refused',
        data: { request: id, role: r.role },
      });
    });
  }

  private async afterVerified(
    tenant: TenantRef,
    p: UsableProvider,
    claims: Record<string, unknown>,
    idToken: string,
    retour: string,
    userAgent: string,
  ): Promise<CallbackOutcome> {
    const issuer = String(claims.iss);
    const subject = String(claims.sub);
    const staff = p.staff ? this.staffEvidence(tenant, p, claims) : undefined;
    if (p.staff && !staff) {
      this.logger.warn(`staff sign-in with ${p.id} refused (tenant ${tenant.slug}): the tenant's rule is not met`);
      throw new ForbiddenError(
        "Votre structure n'est pas rattachée à cette commune : l'accès à son équipe ne peut pas vous être ouvert.",
      );
    }
    const linkToken = oidc.randomState();
    const outcome = await this.db.withTenant(tenant.id, async (tx): Promise<CallbackOutcome> => {
      const linked = await this.repo.findLink(tx, issuer, subject);
      if (linked) return this.signIn(tx, tenant, p, linked.accountId, staff, idToken, retour, userAgent);
      const email = typeof claims.email === 'string' ? claims.email : '';
      if (!email) throw refused("Le service n'a pas transmis d'adresse e-mail : la connexion est impossible.");
      if (p.kind === 'oidc' && claims.email_verified !== true)
        throw refused("Le service n'a pas confirmé votre adresse e-mail : la connexion est impossible.");
      const existing = await this.accounts.findByEmail(tx, email);
      if (existing) {
        // Never merged silently: whoever owns the password account proves it before the link.
        const pending: PendingLink = { provider: p.id, issuer, subject, accountId: existing.id, idToken, staff };
        await this.redis.set(key.link(tenant, linkToken), JSON.stringify(pending), 'EX', LINK_TTL_SEC);
        return { kind: 'link', linkToken, provider: p.id };
      }
      const accountId = await this.accounts.createVouched(tx, email, publicNameFrom(claims));
      if (!accountId) throw refused(FAILED);
      await this.repo.link(tx, issuer, subject, accountId, p.id);
      await this.audit.append(tx, {
        actorId: accountId,
        actorRole: 'resident',
        action: 'identity.account_created',
        targetType: 'account',
        targetId: accountId,
        reason: `first sign-in with ${p.id}`,
        data: { provider: p.id, issuer },
      });
      return this.signIn(tx, tenant, p, accountId, staff, idToken, retour, userAgent);
    });
    return outcome;
  }

  private async signIn(
    tx: TenantTx,
    tenant: TenantRef,
    p: UsableProvider,
    accountId: string,
    staff: Record<string, string> | undefined,
    idToken: string,
    retour: string,
    userAgent: string,
  ): Promise<CallbackOutcome & { kind: 'signed-in' }> {
    let staffRequest = false;
    if (p.staff && staff) {
      const rule = p.staff;
      // What the provider's staff rule did, in the audit log: the person signing in is its actor.
      const audited = (action: string, targetType: string, targetId: string) =>
        this.audit.append(tx, {
          actorId: accountId,
          actorRole: 'resident',
          action,
          targetType,
          targetId,
          reason: `rule of provider ${p.id}`,
          data: { provider: p.id, role: rule.role, ...staff },
        });
      const account = await this.accounts.findById(tx, accountId);
      if (account && !account.roles.includes(rule.role)) {
        if (rule.grant === 'grant') {
          await this.accounts.grantRole(tx, accountId, rule.role);
          await audited('staff.granted_by_rule', 'account', accountId);
        } else {
          const id = await this.repo.openStaffRequest(tx, {
            accountId,
            provider: p.id,
            role: rule.role,
            evidence: staff,
          });
          if (id) await audited('staff.requested', 'staff_request', id);
          staffRequest = true;
        }
      }
    }
    const session = await this.accounts.openVouchedSession(tx, tenant, accountId, String(userAgent));
    await this.redis.set(
      key.session(tenant, session.principal.sessionId),
      JSON.stringify({ provider: p.id, idToken }),
      'EX',
      SESSION_TTL_SEC,
    );
    return { kind: 'signed-in', session, retour, staffRequest };
  }

  /** The claims that satisfy the tenant's staff rule (kept with the request), or undefined. */
  private staffEvidence(
    tenant: TenantRef,
    p: UsableProvider,
    claims: Record<string, unknown>,
  ): Record<string, string> | undefined {
    const rule = p.staff!.rule;
    if ('siretOfCommune' in rule) {
      const siren = this.directory.row(tenant.id)?.settings.siren;
      const siret = typeof claims.siret === 'string' ? claims.siret : '';
      return siren && /^\d{14}$/.test(siret) && siret.startsWith(siren) ? { siret } : undefined;
    }
    const value = claims[rule.claim];
    const values = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
    const match = values.find((v) => rule.values.includes(v));
    return match ? { [rule.claim]: match } : undefined;
  }

  private provider(tenant: TenantRef, id: string): UsableProvider {
    const p = this.providers.find(tenant, id);
    if (!p) throw refused("Ce service de connexion n'est pas proposé sur ce site.");
    return p;
  }

  private async configuration(tenant: TenantRef, p: UsableProvider): Promise<oidc.Configuration> {
    try {
      return await this.providers.configuration(tenant, p);
    } catch (err) {
      this.logger.warn(`discovery of ${p.issuer} failed (tenant ${tenant.slug}): ${(err as Error).message}`);
      throw refused('Le service de connexion ne répond pas. Réessayez dans quelques minutes.');
    }
  }
}

/** "Prénom I.": the first given name and the initial of the (usual) family name; nothing more is kept. */
function publicNameFrom(claims: Record<string, unknown>): string {
  const first = (typeof claims.given_name === 'string' ? claims.given_name : '').trim().split(/\s+/)[0] ?? '';
  const familyClaim = claims.usual_name ?? claims.family_name;
  const family = (typeof familyClaim === 'string' ? familyClaim : '').replace(/[\s'’-]+/g, '');
  return toPublicName(`${first} ${family}`) ?? 'Voisin A.';
}

/** The library's message, code and the checked claim or algorithm: never a token nor the person's claims. */
function whyRefused(err: unknown): string {
  type Failure = Error & { code?: string; cause?: unknown };
  const outer = err as Failure;
  // openid-client wraps oauth4webapi's error, whose message names the failed check.
  const inner = outer.cause instanceof Error ? (outer.cause as Failure) : outer;
  const why = (inner.cause && typeof inner.cause === 'object' ? inner.cause : {}) as {
    claim?: string;
    header?: { alg?: string };
  };
  const detail = [
    inner.code ?? outer.code,
    why.claim && `claim ${why.claim}`,
    why.header?.alg && `alg ${why.header.alg}`,
  ];
  return `${inner.message} (${detail.filter(Boolean).join(', ')})`;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
