import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type Redis from 'ioredis';
import * as oidc from 'openid-client';
import { APP_CONFIG, AppConfig } from '@libs/config';
import { Database } from '@libs/db';
import { ForbiddenError, NotFoundError, UnauthenticatedError } from '@libs/errors';
import { REDIS } from '@libs/redis';
import { AuditService } from '@src/audit/audit.service';
import { CommuneOpeningRepository, OpeningCommune } from './commune-opening.repository';

/** ProConnect's claims for an agent: who they are and the SIRET of the structure they sign in for. */
const SCOPES = 'openid email given_name usual_name siret';
const FLOW_TTL_SEC = 10 * 60;
const FAILED = 'La connexion avec ProConnect n’a pas abouti. Recommencez depuis la page de la commune.';

interface Flow {
  insee: string;
  nonce: string;
}

export interface StartedOpening {
  url: string;
  state: string;
}

export interface RecordedOpening {
  commune: string;
  givenName: string;
  email: string;
  /** This agent had asked already: nothing new was recorded. */
  alreadyPending: boolean;
}

/** Where an opening went wrong, with the commune when known (the pages link back to it). */
export class OpeningRefused extends ForbiddenError {
  constructor(
    detail: string,
    readonly commune?: { name: string; slug: string },
  ) {
    super(detail);
  }
}

const flowKey = (state: string) => `opening:flow:${createHash('sha256').update(state).digest('hex')}`;

/**
 * A town-hall agent asks for their dormant commune's site by signing in with ProConnect through the platform's own
 * client (one redirect URI on the platform's host, whatever the commune): authorization code flow with state (bound
 * to the browser) and nonce, ID token and signed userinfo checked by openid-client. The agent's SIRET must belong to
 * the commune (its first nine digits are the commune's SIREN from the official code). The request is then recorded
 * and audited; the platform operator confirms it (`communes:open INSEE --request ID`), which opens the site and
 * invites the agent as its first administrator. Not at once: a SIRET proves the agent works for the commune, not
 * that they may commit it (the commune becomes the site's publisher and data controller), which the operator checks
 * with the town hall.
 */
@Injectable()
export class CommuneOpeningService {
  private readonly logger = new Logger(CommuneOpeningService.name);
  private discovered?: Promise<oidc.Configuration>;

  constructor(
    private readonly db: Database,
    private readonly repo: CommuneOpeningRepository,
    private readonly audit: AuditService,
    @Inject(REDIS) private readonly redis: Pick<Redis, 'set' | 'getdel'>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  get enabled(): boolean {
    return this.config.openingProConnect !== undefined;
  }

  /** ProConnect's authorization URL for an agent of this dormant commune; the flow is kept ten minutes. */
  async start(insee: string, callbackUrl: string): Promise<StartedOpening> {
    const commune = await this.dormantCommune(insee);
    const config = await this.configuration();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    await this.redis.set(flowKey(state), JSON.stringify({ insee, nonce } satisfies Flow), 'EX', FLOW_TTL_SEC);
    this.logger.log(`opening of ${insee} ${commune.name}: an agent is sent to ProConnect`);
    return {
      url: oidc.buildAuthorizationUrl(config, { redirect_uri: callbackUrl, scope: SCOPES, state, nonce }).href,
      state,
    };
  }

  /** ProConnect's answer: the agent's claims checked against the commune, then the request recorded and audited. */
  async callback(currentUrl: URL, cookieState: string | undefined): Promise<RecordedOpening> {
    const state = currentUrl.searchParams.get('state') ?? '';
    if (!cookieState || !sameText(state, cookieState)) {
      this.logger.warn('opening request refused: state does not match the browser');
      throw new UnauthenticatedError(FAILED);
    }
    const raw = await this.redis.getdel(flowKey(state));
    if (!raw) {
      this.logger.warn('opening request refused: unknown or used state');
      throw new UnauthenticatedError(FAILED);
    }
    const flow = JSON.parse(raw) as Flow;
    if (currentUrl.searchParams.has('error')) throw new UnauthenticatedError('La connexion a été annulée.');
    const config = await this.configuration();
    let claims: Record<string, unknown>;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, currentUrl, {
        expectedState: state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
      const sub = tokens.claims()!.sub;
      claims = { ...(await oidc.fetchUserInfo(config, tokens.access_token, sub)), iss: tokens.claims()!.iss, sub };
    } catch (err) {
      this.logger.warn(`opening request refused: ${(err as Error).message}`);
      throw new UnauthenticatedError(FAILED);
    }
    const commune = await this.dormantCommune(flow.insee);
    const text = (name: string) => {
      const value = claims[name];
      return typeof value === 'string' ? value.trim() : '';
    };
    const siret = text('siret').replace(/\s/g, '');
    const back = { name: commune.name, slug: commune.slug };
    if (!commune.siren) {
      this.logger.warn(`opening of ${flow.insee} refused: the commune has no SIREN in the official code`);
      throw new OpeningRefused(
        `La plateforme ne connaît pas le numéro SIREN de ${commune.name}\u00a0: votre rattachement ne peut pas être ` +
          'vérifié. Écrivez à l’opérateur de la plateforme.',
        back,
      );
    }
    if (!/^\d{14}$/.test(siret) || !siret.startsWith(commune.siren)) {
      this.logger.warn(`opening of ${flow.insee} refused: SIRET ${siret || '(none)'} is not the commune's`);
      throw new OpeningRefused(
        `Vous êtes connecté pour la structure de SIRET ${siret ? spaced(siret) : '(non transmis)'}, qui n’est pas ` +
          `la mairie de ${commune.name} (SIREN ${spaced(commune.siren)}). Seul un agent de cette mairie peut ` +
          'demander l’ouverture de son site. Si vous travaillez pour elle, choisissez-la comme organisation ' +
          'dans ProConnect.',
        back,
      );
    }
    const email = text('email');
    if (!email) throw new OpeningRefused('ProConnect n’a pas transmis votre adresse électronique.', back);
    const request = {
      issuer: String(claims.iss),
      subject: String(claims.sub),
      email,
      givenName: text('given_name'),
      usualName: text('usual_name'),
      siret,
    };
    const id = await this.db.withTenant(commune.id, async (tx) => {
      const created = await this.repo.insert(tx, request);
      if (created)
        await this.audit.append(tx, {
          actorId: null,
          actorRole: 'agent',
          action: 'tenant.opening_requested',
          targetType: 'commune_opening_request',
          targetId: created,
          reason: 'ProConnect',
          data: { siret, issuer: request.issuer },
        });
      return created;
    });
    if (id) this.logger.log(`opening of ${flow.insee} ${commune.name} requested (request ${id})`);
    return { commune: commune.name, givenName: request.givenName, email, alreadyPending: !id };
  }

  private async dormantCommune(insee: string): Promise<OpeningCommune> {
    const commune = /^\d[\dAB]\d{3}$/.test(insee) ? await this.repo.commune(insee) : undefined;
    if (!commune) throw new NotFoundError('Cette commune est inconnue de la plateforme.');
    if (commune.status !== 'dormant')
      throw new OpeningRefused(
        commune.status === 'open'
          ? `Le service d’entraide est déjà ouvert à ${commune.name}.`
          : `${commune.name} a rejoint une autre commune\u00a0: demandez l’ouverture pour la commune nouvelle.`,
        { name: commune.name, slug: commune.slug },
      );
    return commune;
  }

  private configuration(): Promise<oidc.Configuration> {
    const p = this.config.openingProConnect;
    if (!p) throw new NotFoundError('La demande d’ouverture en ligne n’est pas proposée sur cette plateforme.');
    if (!this.discovered) {
      const insecure = new URL(p.issuer).protocol === 'http:';
      this.discovered = oidc.discovery(
        new URL(p.issuer),
        p.clientId,
        // ProConnect signs its ID tokens and its userinfo (application/jwt) with RS256.
        { id_token_signed_response_alg: 'RS256', userinfo_signed_response_alg: 'RS256' },
        oidc.ClientSecretPost(p.clientSecret),
        // The configuration allows plain http for loopback issuers only (development, tests).
        insecure ? { execute: [oidc.allowInsecureRequests] } : undefined,
      );
      this.discovered.catch((err: Error) => {
        this.logger.warn(`discovery of ${p.issuer} failed: ${err.message}`);
        this.discovered = undefined;
      });
    }
    return this.discovered.catch(() => {
      throw new UnauthenticatedError('ProConnect ne répond pas. Réessayez dans quelques minutes.');
    });
  }
}

/** 213809011 → « 213 809 011 », 21380901100016 → « 213 809 011 00016 », as these numbers are written in French. */
function spaced(n: string): string {
  return `${n.slice(0, 3)}\u00a0${n.slice(3, 6)}\u00a0${n.slice(6, 9)}${n.length > 9 ? `\u00a0${n.slice(9)}` : ''}`;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
