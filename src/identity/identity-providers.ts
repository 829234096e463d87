import { Injectable, Logger } from '@nestjs/common';
import * as oidc from 'openid-client';
import type { TenantRef } from '@libs/tenancy';
import type { IdentityProviderConfig } from '@src/tenants/tenant-file.schema';
import { TenantDirectory } from '@src/tenants/tenant-directory.service';

/** The providers' own wording for their buttons (FranceConnect's and ProConnect's brand rules). */
const BUTTON_TEXT: Record<Exclude<IdentityProviderConfig['kind'], 'oidc'>, string> = {
  franceconnect: 'S’identifier avec FranceConnect',
  proconnect: 'Se connecter avec ProConnect',
};

export interface ProviderButton {
  id: string;
  kind: IdentityProviderConfig['kind'];
  label: string;
}

/** A provider of a tenant that can be used now: its file entry and its secret. */
export interface UsableProvider extends IdentityProviderConfig {
  secret: string;
}

const DISCOVERY_TTL_MS = 60 * 60 * 1000;

/**
 * The identity providers a tenant's file names (kept in its settings), with the secret read from
 * the named environment variable when used. A provider whose variable is unset is not offered,
 * and a warning says so once. Discovery documents are cached an hour per tenant and provider.
 */
@Injectable()
export class IdentityProviders {
  private readonly logger = new Logger(IdentityProviders.name);
  private readonly warned = new Set<string>();
  private readonly configs = new Map<string, { at: number; config: Promise<oidc.Configuration> }>();

  constructor(private readonly directory: TenantDirectory) {}

  usable(tenant: TenantRef): UsableProvider[] {
    const listed = this.directory.row(tenant.id)?.settings.identityProviders ?? [];
    return listed.flatMap((p) => {
      const secret = process.env[p.clientSecretEnv];
      if (secret) return [{ ...p, secret }];
      const key = `${tenant.slug}:${p.id}`;
      if (!this.warned.has(key)) {
        this.warned.add(key);
        this.logger.warn(`identity provider ${p.id} of tenant ${tenant.slug} is hidden: ${p.clientSecretEnv} is unset`);
      }
      return [];
    });
  }

  find(tenant: TenantRef, id: string): UsableProvider | undefined {
    return this.usable(tenant).find((p) => p.id === id);
  }

  buttons(tenant: TenantRef, audience: IdentityProviderConfig['for']): ProviderButton[] {
    return this.usable(tenant)
      .filter((p) => p.for === audience)
      .map((p) => ({ id: p.id, kind: p.kind, label: p.kind === 'oidc' ? p.label! : BUTTON_TEXT[p.kind] }));
  }

  /** The provider's discovered configuration, with the algorithms its tenant file announces and nothing else. */
  configuration(tenant: TenantRef, p: UsableProvider): Promise<oidc.Configuration> {
    const key = `${tenant.id}\n${p.id}\n${p.issuer}\n${p.clientId}\n${p.secret}`;
    const cached = this.configs.get(key);
    if (cached && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached.config;
    const insecure = new URL(p.issuer).protocol === 'http:';
    const config = oidc.discovery(
      new URL(p.issuer),
      p.clientId,
      {
        id_token_signed_response_alg: p.idTokenAlg,
        ...(p.signedUserinfo ? { userinfo_signed_response_alg: p.idTokenAlg } : {}),
      },
      oidc.ClientSecretPost(p.secret),
      // Plain http is allowed by the tenant file's schema for loopback issuers only (development, tests).
      insecure ? { execute: [oidc.allowInsecureRequests] } : undefined,
    );
    this.configs.set(key, { at: Date.now(), config });
    config.catch(() => this.configs.delete(key));
    return config;
  }
}
