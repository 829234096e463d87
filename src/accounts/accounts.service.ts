import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { Database, TenantTx } from '@libs/db';
import { insideTenantArea } from '@libs/geo';
import { ForbiddenError, InvalidError, UnauthenticatedError } from '@libs/errors';
import { FailurePolicy, Limit, RateLimiter } from '@libs/redis';
import type { Principal, TenantId, TenantRef } from '@libs/tenancy';
import type { Role } from './roles';
import { OutboxService } from '@src/notifications/outbox.service';
import { TenantDirectory } from '@src/tenants/tenant-directory.service';
import { TenantsService } from '@src/tenants/tenants.service';
import { AccountDataRegistry } from './account-data.registry';
import { AccountRow, AccountsRepository } from './accounts.repository';
import { SignupDto, UpdateMeDto } from './dto/accounts.dto';
import { hashPassword, passwordProblem, verifyPassword } from './passwords';
import { PUBLIC_NAME_HINT, toPublicName } from './public-name';
import { hashToken, newToken } from './tokens';

export type { AccountRow } from './accounts.repository';

const HOUR = 3600;
export const SESSION_TTL_SEC = 30 * 24 * HOUR;
const TOKEN_TTL: Record<'verify' | 'reset' | 'invite', number> = {
  verify: 48 * HOUR,
  reset: 1 * HOUR,
  invite: 7 * 24 * HOUR,
};

/**
 * Per-client and per-address limits, each counted within one commune. Every request counts
 * (these are not sign-ins); an address is counted whatever the client, so spreading IPs does not help.
 */
const LIMITS = {
  signup: { ip: { max: 10, windowSec: HOUR }, account: { max: 3, windowSec: HOUR } },
  reset: { ip: { max: 10, windowSec: HOUR }, account: { max: 3, windowSec: HOUR } },
  resend: { ip: { max: 10, windowSec: HOUR }, account: { max: 3, windowSec: HOUR } },
} satisfies Record<string, { ip: Limit; account: Limit }>;

/**
 * Sign-in counts wrong passwords only, so an office behind one IP signs in all day. Strangers'
 * failures never refuse the owner's correct password from a client that has not failed itself:
 * an address under attack only slows down the clients that took part (1 s, 2 s, 4 s … up to 60 s).
 */
export const LOGIN_LIMITS: FailurePolicy = {
  perPair: { max: 5, windowSec: 15 * 60 },
  perClient: { max: 30, windowSec: 15 * 60 },
  slowDown: { after: 10, windowSec: HOUR, baseSec: 1, maxSec: 60 },
};

export const ROLE_LABELS: Record<Exclude<Role, 'resident'>, string> = {
  moderator: 'modérateur',
  admin: 'administrateur',
  federation_admin: 'administrateur de la fédération',
};

const invalid = (field: string, message: string) => new InvalidError([{ field, message }]);
const normaliseEmail = (email: string) => email.trim().toLowerCase();

export interface NewSession {
  token: string;
  principal: Principal;
}

/** Residents' and staff accounts of a tenant: sign-up, verification, sessions, profile, export and erasure. */
@Injectable()
export class AccountsService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(AccountsService.name);
  /** Work done after answering (see `afterAnswer`), awaited at shutdown before the pool closes. */
  private readonly detached = new Set<Promise<void>>();

  constructor(
    private readonly db: Database,
    private readonly repo: AccountsRepository,
    private readonly outbox: OutboxService,
    private readonly limits: RateLimiter,
    private readonly directory: TenantDirectory,
    private readonly tenants: TenantsService,
    private readonly dataRegistry: AccountDataRegistry,
  ) {}

  /** Answers the same, and as fast, whether or not the address is already registered. */
  /** `retour`: the page the person was on, where the verification signs them in and brings them back. */
  async signup(tenant: TenantRef, dto: SignupDto, ip: string, retour?: string): Promise<void> {
    const email = normaliseEmail(dto.email);
    await this.limit(tenant, 'signup', ip, email);
    const displayName = toPublicName(dto.displayName);
    const site = await this.tenants.get(tenant);
    const pwProblem = passwordProblem(dto.password, { email, siteName: site.siteName });
    const errors = [
      ...(displayName ? [] : [{ field: 'displayName', message: PUBLIC_NAME_HINT }]),
      ...(pwProblem ? [{ field: 'password', message: pwProblem }] : []),
    ];
    if (errors.length) throw new InvalidError(errors);
    const passwordHash = await hashPassword(dto.password);
    // Written after the answer: a registered address must not answer faster (no row, no e-mail).
    this.afterAnswer(`sign-up (tenant ${tenant.slug})`, async () => {
      const mailIds = await this.db.withTenant(tenant.id, async (tx) => {
        const id = await this.repo.insert(tx, {
          email,
          passwordHash,
          displayName: displayName!,
          roles: ['resident'],
          termsAccepted: true,
        });
        if (id) return [await this.sendVerification(tx, tenant, id, email, displayName!, retour)];
        // Already registered: an unverified owner gets a fresh link; nothing tells the caller either way.
        const existing = await this.repo.findByEmail(tx, email);
        if (existing && !existing.emailVerifiedAt)
          return [await this.sendVerification(tx, tenant, existing.id, email, existing.displayName, retour)];
        return [];
      });
      await this.outbox.dispatch(tenant.id, mailIds);
    });
  }

  async resendVerification(tenant: TenantRef, rawEmail: string, ip: string): Promise<void> {
    const email = normaliseEmail(rawEmail);
    await this.limit(tenant, 'resend', ip, email);
    // After the answer, as for a reset: its time must not tell an unverified account from none.
    this.afterAnswer(`verification resend (tenant ${tenant.slug})`, async () => {
      const ids = await this.db.withTenant(tenant.id, async (tx) => {
        const a = await this.repo.findByEmail(tx, email);
        return a && !a.emailVerifiedAt ? [await this.sendVerification(tx, tenant, a.id, email, a.displayName)] : [];
      });
      await this.outbox.dispatch(tenant.id, ids);
    });
  }

  async verify(tenant: TenantRef, token: string): Promise<void> {
    await this.db.withTenant(tenant.id, async (tx) => {
      const used = await this.repo.consumeToken(tx, 'verify', hashToken(token));
      if (!used) throw invalid('token', "Ce lien de vérification n'est plus valide. Demandez-en un nouveau.");
      await this.repo.update(tx, used.accountId, { verified: true });
    });
  }

  /**
   * The verification e-mail's button: the address is confirmed and, since only its owner could
   * follow the link, they are signed in and sent back where they were when they signed up.
   */
  async verifyAndSignIn(
    tenant: TenantRef,
    token: string,
    userAgent: string,
  ): Promise<{ session: NewSession; retour?: string }> {
    return this.db.withTenant(tenant.id, async (tx) => {
      const used = await this.repo.consumeToken(tx, 'verify', hashToken(token));
      if (!used) throw invalid('token', "Ce lien de vérification n'est plus valide. Demandez-en un nouveau.");
      const a = await this.repo.findById(tx, used.accountId);
      if (!a || a.deletedAt) throw invalid('token', "Ce lien de vérification n'est plus valide.");
      if (a.bannedAt)
        throw new ForbiddenError(
          'Votre compte a été suspendu par la modération de ce site.',
          'urn:entraide:account-banned',
        );
      await this.repo.update(tx, a.id, { verified: true, loggedIn: true });
      const retour = typeof used.data.retour === 'string' ? used.data.retour : undefined;
      return { session: await this.openSession(tx, tenant, a.id, a.roles, userAgent), retour };
    });
  }

  async login(
    tenant: TenantRef,
    rawEmail: string,
    password: string,
    ip: string,
    userAgent: string,
  ): Promise<NewSession> {
    const email = normaliseEmail(rawEmail);
    const attempt = await this.limits.attempt('login', tenant.id, `account:${email}`, `ip:${ip}`, LOGIN_LIMITS);
    const account = await this.db.withTenant(tenant.id, (tx) => this.repo.findByEmail(tx, email));
    if (!(await verifyPassword(password, account?.passwordHash)) || !account) {
      throw new UnauthenticatedError('Adresse e-mail ou mot de passe incorrect.');
    }
    await attempt.succeeded();
    if (account.bannedAt)
      throw new ForbiddenError(
        'Votre compte a été suspendu par la modération de ce site.',
        'urn:entraide:account-banned',
      );
    if (!account.emailVerifiedAt) {
      throw new ForbiddenError(
        "Votre adresse e-mail n'est pas encore vérifiée : suivez le lien reçu par e-mail.",
        'urn:entraide:email-not-verified',
      );
    }
    return this.db.withTenant(tenant.id, async (tx) => {
      await this.repo.update(tx, account.id, { loggedIn: true });
      return this.openSession(tx, tenant, account.id, account.roles, userAgent);
    });
  }

  /**
   * Signs in an account an identity provider vouched for (src/identity), in the caller's transaction:
   * refused when banned, like a password sign-in.
   */
  async openVouchedSession(tx: TenantTx, tenant: TenantRef, accountId: string, userAgent: string): Promise<NewSession> {
    const a = await this.repo.findById(tx, accountId);
    if (!a || a.deletedAt) throw new UnauthenticatedError('Veuillez vous connecter.');
    if (a.bannedAt)
      throw new ForbiddenError(
        'Votre compte a été suspendu par la modération de ce site.',
        'urn:entraide:account-banned',
      );
    await this.repo.update(tx, a.id, { loggedIn: true });
    return this.openSession(tx, tenant, a.id, a.roles, userAgent);
  }

  /** The account holding this address on the tenant, if any (a provider's e-mail is never merged silently). */
  findByEmail(tx: TenantTx, rawEmail: string): Promise<AccountRow | undefined> {
    return this.repo.findByEmail(tx, normaliseEmail(rawEmail));
  }

  findById(tx: TenantTx, accountId: string): Promise<AccountRow | undefined> {
    return this.repo.findById(tx, accountId);
  }

  /** An account created from a provider's verified e-mail and names: no password, terms accepted by signing in. */
  async createVouched(tx: TenantTx, rawEmail: string, displayName: string): Promise<string | undefined> {
    const id = await this.repo.insert(tx, {
      email: normaliseEmail(rawEmail),
      passwordHash: null,
      displayName,
      roles: ['resident'],
      termsAccepted: true,
    });
    if (id) await this.repo.update(tx, id, { verified: true });
    return id;
  }

  /** Checks an account's own password (before linking a provider to it), under the sign-in limits. */
  async provePassword(tenant: TenantRef, accountId: string, password: string, ip: string): Promise<boolean> {
    const a = await this.db.withTenant(tenant.id, (tx) => this.repo.findById(tx, accountId));
    if (!a?.email) return false;
    const attempt = await this.limits.attempt('login', tenant.id, `account:${a.email}`, `ip:${ip}`, LOGIN_LIMITS);
    if (!(await verifyPassword(password, a.passwordHash))) return false;
    await attempt.succeeded();
    return true;
  }

  /** Gives a staff role, in the caller's transaction (an approved staff request). */
  async grantRole(tx: TenantTx, accountId: string, role: Exclude<Role, 'resident'>): Promise<void> {
    await this.repo.update(tx, accountId, { addRole: role });
  }

  async logout(tenant: TenantRef, principal: Principal): Promise<void> {
    await this.db.withTenant(tenant.id, (tx) => this.repo.deleteSession(tx, principal.sessionId));
  }

  /** Signs the account out everywhere, in the caller's transaction (a ban). */
  endSessions(tx: TenantTx, accountId: string): Promise<void> {
    return this.repo.deleteSessions(tx, accountId);
  }

  /** The principal a session cookie stands for on this tenant, or undefined. */
  authenticate(tenant: TenantRef, token: string): Promise<Principal | undefined> {
    return this.db.withTenant(tenant.id, (tx) => this.repo.findSession(tx, hashToken(token)));
  }

  /**
   * Answers before looking the address up: the token and the e-mail are written after the
   * answer, so its time says nothing of whether the address is registered.
   */
  async requestPasswordReset(tenant: TenantRef, rawEmail: string, ip: string): Promise<void> {
    const email = normaliseEmail(rawEmail);
    await this.limit(tenant, 'reset', ip, email);
    this.afterAnswer(`password reset (tenant ${tenant.slug})`, async () => {
      const ids = await this.db.withTenant(tenant.id, async (tx) => {
        const a = await this.repo.findByEmail(tx, email);
        if (!a) return [];
        const { token, hash } = newToken();
        await this.repo.insertToken(tx, a.id, 'reset', hash, TOKEN_TTL.reset);
        return [
          await this.outbox.add(tx, {
            tenantId: tenant.id,
            to: email,
            template: 'password-reset',
            data: {
              displayName: a.displayName,
              resetUrl: `${this.directory.origin(tenant.slug)}/compte/nouveau-mot-de-passe?token=${token}`,
            },
            dedupeKey: `reset:${a.id}:${hash.toString('hex', 0, 12)}`,
          }),
        ];
      });
      await this.outbox.dispatch(tenant.id, ids);
    });
  }

  /** Waits for the work started after answering, so a graceful stop loses none of it. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.detached]);
  }

  /** A new password ends every open session: whoever knew the old one is signed out. */
  async confirmPasswordReset(tenant: TenantRef, token: string, password: string): Promise<void> {
    const site = await this.tenants.get(tenant);
    await this.db.withTenant(tenant.id, async (tx) => {
      const used = await this.repo.consumeToken(tx, 'reset', hashToken(token));
      if (!used) throw invalid('token', "Ce lien de réinitialisation n'est plus valide. Demandez-en un nouveau.");
      const account = await this.repo.findById(tx, used.accountId);
      const pwProblem = passwordProblem(password, { email: account?.email ?? undefined, siteName: site.siteName });
      if (pwProblem) throw invalid('password', pwProblem);
      await this.repo.update(tx, used.accountId, { passwordHash: await hashPassword(password), verified: true });
      await this.repo.deleteSessions(tx, used.accountId);
    });
  }

  /**
   * Staff invitation (`npm run cli -- staff:invite`): the account is created if needed and gets the role on acceptance.
   */
  async invite(tenant: TenantRef, rawEmail: string, role: Exclude<Role, 'resident'>, scopeName: string): Promise<void> {
    const email = normaliseEmail(rawEmail);
    const ids = await this.db.withTenant(tenant.id, async (tx) => {
      const id =
        (await this.repo.insert(tx, {
          email,
          passwordHash: null,
          displayName: 'Invitation en attente',
          roles: ['resident'],
          termsAccepted: false,
        })) ?? (await this.repo.findByEmail(tx, email))!.id;
      const { token, hash } = newToken();
      await this.repo.insertToken(tx, id, 'invite', hash, TOKEN_TTL.invite, { role });
      return [
        await this.outbox.add(tx, {
          tenantId: tenant.id,
          to: email,
          template: 'staff-invitation',
          data: {
            roleLabel: ROLE_LABELS[role],
            scopeName,
            acceptUrl: `${this.directory.origin(tenant.slug)}/invitation?token=${token}`,
          },
          dedupeKey: `invite:${id}:${hash.toString('hex', 0, 12)}`,
        }),
      ];
    });
    await this.outbox.dispatch(tenant.id, ids);
  }

  /** Who moderates and administers this commune, for its administrators. */
  staff(tenant: TenantRef) {
    return this.db.withTenant(tenant.id, (tx) => this.repo.staff(tx));
  }

  async acceptInvitation(
    tenant: TenantRef,
    token: string,
    password: string,
    rawName: string,
    userAgent: string,
  ): Promise<NewSession> {
    const displayName = toPublicName(rawName);
    if (!displayName) throw invalid('displayName', PUBLIC_NAME_HINT);
    const site = await this.tenants.get(tenant);
    return this.db.withTenant(tenant.id, async (tx) => {
      const used = await this.repo.consumeToken(tx, 'invite', hashToken(token));
      if (!used) throw invalid('token', "Cette invitation n'est plus valide. Demandez-en une nouvelle.");
      const account = await this.repo.findById(tx, used.accountId);
      if (!account) throw invalid('token', "Cette invitation n'est plus valide.");
      const pwProblem = passwordProblem(password, { email: account.email ?? undefined, siteName: site.siteName });
      if (pwProblem) throw invalid('password', pwProblem);
      const role = used.data.role as Role;
      await this.repo.update(tx, account.id, {
        passwordHash: await hashPassword(password),
        displayName,
        verified: true,
        addRole: role,
        loggedIn: true,
      });
      await this.repo.deleteSessions(tx, account.id);
      const roles = account.roles.includes(role) ? account.roles : [...account.roles, role];
      return this.openSession(tx, tenant, account.id, roles, userAgent);
    });
  }

  async me(tenant: TenantRef, principal: Principal): Promise<AccountRow> {
    const a = await this.db.withTenant(tenant.id, (tx) => this.repo.findById(tx, principal.accountId));
    if (!a) throw new UnauthenticatedError('Veuillez vous connecter.');
    return a;
  }

  async residentCount(tenantId: TenantId): Promise<number> {
    return this.db.withTenant(tenantId, (tx) => this.repo.countResidents(tx));
  }

  /** Only a verified resident publishes or writes to a neighbour. */
  async assertCanPublish(tx: TenantTx, tenant: TenantRef, principal: Principal): Promise<AccountRow> {
    const a = await this.repo.findById(tx, principal.accountId);
    if (!a) throw new UnauthenticatedError('Veuillez vous connecter.');
    if (a.bannedAt) throw new ForbiddenError('Votre compte a été suspendu par la modération de ce site.');
    // A relayed resident has no address to verify; only staff act for them (principal.agent).
    if (!a.emailVerifiedAt && !(a.relayed && principal.agent))
      throw new ForbiddenError('Vérifiez votre adresse e-mail avant de publier ou d’écrire à un voisin.');
    return a;
  }

  async updateMe(tenant: TenantRef, principal: Principal, dto: UpdateMeDto): Promise<AccountRow> {
    const displayName = dto.displayName === undefined ? undefined : toPublicName(dto.displayName);
    if (dto.displayName !== undefined && !displayName) throw invalid('displayName', PUBLIC_NAME_HINT);
    return this.db.withTenant(tenant.id, async (tx) => {
      if (dto.location && !(await insideTenantArea(tx, tenant.id, dto.location)))
        throw invalid('location', 'Ce lieu est en dehors de la commune desservie par ce site.');
      const categoryIds = dto.notifications?.categoryIds;
      // A category chosen before the commune stopped offering it may stay: saving unchanged preferences must not fail.
      const kept = categoryIds?.length
        ? new Set((await this.repo.findById(tx, principal.accountId))?.notifyCategoryIds ?? [])
        : new Set<string>();
      if (
        categoryIds &&
        !(await this.repo.categoriesEnabled(
          tx,
          categoryIds.filter((id) => !kept.has(id)),
        ))
      )
        throw invalid('notifications.categoryIds', "Une des catégories choisies n'existe pas sur ce site.");
      await this.repo.update(tx, principal.accountId, {
        displayName,
        location: dto.location,
        notifyMode: dto.notifications?.mode,
        notifyRadiusM: dto.notifications?.radiusM,
        notifyCategoryIds: categoryIds,
        notifyKinds: dto.notifications?.kinds ? [...new Set(dto.notifications.kinds)].sort() : undefined,
      });
      return (await this.repo.findById(tx, principal.accountId))!;
    });
  }

  /** Every datum held on the caller: the account, its sessions and tokens, and each module's own section. */
  async export(tenant: TenantRef, principal: Principal): Promise<Record<string, unknown>> {
    return this.db.withTenant(tenant.id, async (tx) => {
      const data = await this.exportAccount(tx, tenant, principal.accountId);
      if (!data) throw new UnauthenticatedError('Veuillez vous connecter.');
      return data;
    });
  }

  /** The RGPD export of one account of this tenant (the caller's, or a relayed resident's for staff). */
  async exportAccount(
    tx: TenantTx,
    tenant: TenantRef,
    accountId: string,
  ): Promise<Record<string, unknown> | undefined> {
    const a = await this.repo.findById(tx, accountId);
    if (!a) return undefined;
    const { passwordHash, ...account } = a;
    const own = await this.repo.exportSessionsAndTokens(tx, a.id);
    const sections = await this.dataRegistry.export(tx, a);
    return {
      exportedAt: new Date().toISOString(),
      site: tenant.slug,
      account: { ...account, hasPassword: passwordHash !== null },
      ...own,
      ...sections,
    };
  }

  /** Erases personal data in place and lets every module close or forget what the account authored. */
  async deleteMe(tenant: TenantRef, principal: Principal): Promise<void> {
    await this.db.withTenant(tenant.id, (tx) => this.eraseAccount(tx, tenant, principal.accountId));
  }

  async eraseAccount(tx: TenantTx, tenant: TenantRef, accountId: string): Promise<boolean> {
    const a = await this.repo.findById(tx, accountId);
    if (!a) return false;
    await this.dataRegistry.erase(tx, a);
    if (a.email) await this.outbox.forgetRecipient(tx, tenant.id, a.email);
    await this.repo.erase(tx, a.id);
    return true;
  }

  private async sendVerification(
    tx: TenantTx,
    tenant: TenantRef,
    accountId: string,
    email: string,
    displayName: string,
    retour?: string,
  ): Promise<string | undefined> {
    const { token, hash } = newToken();
    await this.repo.insertToken(tx, accountId, 'verify', hash, TOKEN_TTL.verify, retour ? { retour } : {});
    return this.outbox.add(tx, {
      tenantId: tenant.id,
      to: email,
      template: 'account-verification',
      data: { displayName, verifyUrl: `${this.directory.origin(tenant.slug)}/compte/verification?token=${token}` },
      dedupeKey: `verify:${accountId}:${hash.toString('hex', 0, 12)}`,
    });
  }

  private async openSession(
    tx: TenantTx,
    tenant: TenantRef,
    accountId: string,
    roles: Role[],
    userAgent: string,
  ): Promise<NewSession> {
    const { token, hash } = newToken();
    const sessionId = await this.repo.insertSession(tx, accountId, hash, SESSION_TTL_SEC, userAgent);
    return { token, principal: { accountId, sessionId, roles } };
  }

  private limit(tenant: TenantRef, action: keyof typeof LIMITS, ip: string, email: string): Promise<void> {
    const l = LIMITS[action];
    return this.limits.hit(
      action,
      [
        { subject: `ip:${ip}`, limit: l.ip },
        { subject: `account:${email}`, limit: l.account },
      ],
      tenant.id,
    );
  }

  /** Runs `work` without the caller waiting; a failure is logged (never the address), and shutdown waits for it. */
  private afterAnswer(what: string, work: () => Promise<void>): void {
    const run = work().catch((err: Error) =>
      this.logger.error(`${what} failed after the answer: ${err.message}`, err.stack),
    );
    this.detached.add(run);
    void run.finally(() => this.detached.delete(run));
  }
}
