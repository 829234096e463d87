import { z } from 'zod';

const slug = z.string().regex(/^[a-z0-9-]+$/, 'lowercase letters, digits and dashes only');
const colour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour like #1f5d8c');
const lngLat = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]);
/** One closed ring of [lng, lat] pairs. */
const ring = z
  .array(lngLat)
  .min(4, 'a ring needs at least 4 points')
  .refine(
    (r) => r.length < 4 || (r[0][0] === r[r.length - 1][0] && r[0][1] === r[r.length - 1][1]),
    'the ring must be closed (first point = last point)',
  );
const domain = z
  .string()
  .regex(/^[a-z0-9.-]+$/, 'a lowercase host name without port')
  .refine((d) => d.includes('.'), 'a host name with a dot');

/**
 * A word or phrase of the moderation rules: matched as whole words, ignoring case and accents; a final `*` matches any
 * ending.
 */
const ruleTerm = z
  .string()
  .trim()
  .min(1)
  .max(120)
  .refine((t) => /[\p{L}\p{N}\p{S}]/u.test(t), 'a word needs at least one letter, digit or symbol');

/**
 * The automatic moderation rules of a tenant, added to the French defaults of
 * src/moderation/rules (see tenants/README.md). Every field is optional.
 */
export const moderationRulesSchema = z
  .object({
    /** Words and phrases that make a text look paid, on top of the defaults. */
    paidWords: z.array(ruleTerm).max(500).optional(),
    /** Phrases inside which a paid word does not count ("pas besoin de me payer"); amounts always count. */
    allowedPhrases: z.array(ruleTerm).max(500).optional(),
    /** Words that hold a text for review, on top of the defaults. */
    blockedWords: z.array(ruleTerm).max(500).optional(),
    /** Rules this tenant turns off. */
    disable: z.array(z.enum(['paid', 'contact_email', 'contact_phone', 'blocked_word'])).optional(),
  })
  .strict();

const envName = z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'the name of an environment variable (A-Z, 0-9, _)');
/** https, or http on the loopback interface only (a development or test provider). */
const issuerUrl = z
  .string()
  .url()
  .refine((u) => {
    const url = new URL(u);
    return url.protocol === 'https:' || (url.protocol === 'http:' && ['127.0.0.1', 'localhost'].includes(url.hostname));
  }, 'an https URL (http only on 127.0.0.1 or localhost)');

/**
 * Who becomes staff through a staff provider: ProConnect's `siret` claim starting with the
 * commune's SIREN (`siretOfCommune`), or a claim of a commune's own provider holding one of `values`.
 */
const staffRuleSchema = z.union([
  z.object({ siretOfCommune: z.literal(true) }).strict(),
  z
    .object({
      claim: z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'a claim name'),
      values: z.array(z.string().min(1)).min(1),
    })
    .strict(),
]);

/**
 * An OpenID Connect provider residents or staff sign in with (docs/IDENTITY.md). The secret is
 * never in the file: `clientSecretEnv` names the environment variable read when it is used.
 */
export const identityProviderSchema = z
  .object({
    /** In the URLs: /connexion/<id>. */
    id: slug,
    kind: z.enum(['franceconnect', 'proconnect', 'oidc']),
    for: z.enum(['residents', 'staff']),
    /** The button's text for a commune's own provider (FranceConnect and ProConnect have their own wording). */
    label: z.string().min(1).max(80).optional(),
    issuer: issuerUrl,
    clientId: z.string().min(1).max(255),
    clientSecretEnv: envName,
    scopes: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'a scope token')).min(1),
    acrValues: z.string().min(1).max(255).optional(),
    pkce: z.boolean(),
    /** The ID token's algorithm the provider announced; anything else is refused. */
    idTokenAlg: z.enum(['ES256', 'RS256', 'PS256', 'EdDSA']).default('RS256'),
    /** The provider answers userinfo as a signed JWT (FranceConnect v2); a plain JSON answer is then refused. */
    signedUserinfo: z.boolean().default(false),
    staff: z
      .object({
        rule: staffRuleSchema,
        role: z.enum(['moderator', 'admin']).default('moderator'),
        /** `request`: an administrator approves; `grant`: the role is given at once. */
        grant: z.enum(['request', 'grant']).default('request'),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (!p.scopes.includes('openid'))
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['scopes'], message: 'must include "openid"' });
    if (p.for === 'staff' && !p.staff)
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['staff'], message: 'a staff provider needs its rule' });
    if (p.for === 'residents' && p.staff)
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['staff'], message: 'only for a staff provider' });
    if (p.kind === 'oidc' && !p.label)
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['label'], message: "a commune's own provider needs a label" });
  });

export type IdentityProviderConfig = z.infer<typeof identityProviderSchema>;

/** A French phone number as people write it: 04 72 10 30 30, +33 4 72 10 30 30. */
const frenchPhone = z
  .string()
  .regex(/^(\+33 ?|0)[1-9]( ?\d{2}){4}$/, 'a French phone number like "04 72 10 30 30" or "+33 4 72 10 30 30"');
const isoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date like 2026-11-30')
  .refine(
    (d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
    'not a real date',
  );

/**
 * The accessibility statement (RGAA): the conformance the last audit found, when and by whom,
 * what it covered, its rate and the failures still open. Without an audit the site is "non
 * conforme" (the law's own wording), so a conformance claim needs its audit date.
 */
export const accessibilitySchema = z
  .object({
    status: z.enum(['full', 'partial', 'none']).default('none'),
    auditDate: isoDay.optional(),
    auditedBy: z.string().min(1).max(200).optional(),
    /** The pages or journeys audited. */
    scope: z.string().min(1).max(1000).optional(),
    /** Share of the RGAA criteria met, in percent. */
    rate: z.number().min(0).max(100).optional(),
    nonCompliances: z.array(z.string().min(1).max(300)).max(50).default([]),
    /** Where to report an access problem; defaults to the contact address. */
    contactEmail: z.string().email().optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.status !== 'none' && !a.auditDate)
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['auditDate'],
        message: 'a conformance claim needs its audit date',
      });
  });

/** The statement's wording of each conformance level (RGAA). */
export const ACCESSIBILITY_STATUS_LABEL = {
  full: 'totalement conforme',
  partial: 'partiellement conforme',
  none: 'non conforme',
} as const;

/** A `tel:` link's target for a French phone number as written in a tenant file. */
export function phoneHref(phone: string): string {
  return `tel:${phone.replace(/\s/g, '').replace(/^0/, '+33')}`;
}

export const federationFileSchema = z
  .object({
    slug,
    name: z.string().min(1),
    homeTenant: slug,
    /** The intercommunalité's SIREN: communes:import links this federation to its EPCI. */
    epci: z
      .string()
      .regex(/^\d{9}$/, '9 digits')
      .optional(),
    categories: z
      .array(
        z
          .object({
            slug,
            name: z.string().min(1).max(80),
            description: z.string().max(500).default(''),
            icon: z.string().max(40).default(''),
            remote: z.boolean().default(false),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

export const tenantFileSchema = z
  .object({
    slug,
    name: z.string().min(1).max(120),
    siteName: z.string().min(1).max(120),
    federation: slug,
    /** The commune's INSEE code: communes:import links this file to its commune, and the file's values win. */
    insee: z
      .string()
      .regex(/^\d[\dAB]\d{3}$/, 'an INSEE code of 5 characters, such as 38229')
      .optional(),
    /** The commune's SIREN (9 digits): ProConnect's siret claim of its agents starts with it. */
    siren: z
      .string()
      .regex(/^\d{9}$/, '9 digits')
      .optional(),
    domains: z.array(domain).min(1),
    theme: z
      .object({
        primary: colour,
        primaryContrast: colour,
        accent: colour,
        logo: z
          .string()
          .regex(/^[\w.-]+\.(svg|png)$/)
          .optional(),
      })
      .strict(),
    moderation: z
      .object({
        mode: z.enum(['pre', 'post']),
        reportThreshold: z.number().int().min(1).max(100).default(3),
        rules: moderationRulesSchema.default({}),
      })
      .strict(),
    contact: z
      .object({
        publisher: z.string().min(1),
        address: z.string().min(1),
        email: z.string().email(),
        dpo: z.string().email(),
        /** The town hall's phone number, shown in the footer. */
        phone: frenchPhone.optional(),
      })
      .strict(),
    organisations: z
      .object({ enabled: z.boolean(), siteName: z.string().min(1).optional() })
      .strict()
      .default({ enabled: false }),
    /** Who hosts the site, named by the legal notice (LCEN art. 6). */
    host: z
      .object({ name: z.string().min(1).max(200), address: z.string().min(1).max(300), phone: frenchPhone.optional() })
      .strict()
      .optional(),
    accessibility: accessibilitySchema.default({}),
    matching: z
      .object({
        /** Most neighbours told about one listing. */
        cap: z.number().int().min(1).max(100000).default(50),
        /** Immediate match e-mails per recipient per day; the rest wait for the digest. */
        dailyCap: z.number().int().min(0).max(100).default(5),
        /** Hour (Europe/Paris) the daily digest leaves. */
        digestHour: z.number().int().min(0).max(23).default(18),
      })
      .strict()
      .default({}),
    outcomes: z
      .object({
        /** Days after a listing's first conversation before its author is asked whether help was found. */
        reminderDays: z.number().int().min(1).max(90).default(7),
      })
      .strict()
      .default({}),
    map: z
      .object({
        center: z.object({ lat: z.number().min(-90).max(90), lng: z.number().min(-180).max(180) }).strict(),
        zoom: z.number().int().min(1).max(19),
      })
      .strict(),
    categories: z.array(slug).min(1),
    area: ring,
    neighbourhoods: z.array(z.object({ slug, name: z.string().min(1).max(120), polygon: ring }).strict()).min(1),
    identityProviders: z.array(identityProviderSchema).max(10).default([]),
  })
  .strict();

export type FederationFile = z.infer<typeof federationFileSchema>;
export type TenantFile = z.infer<typeof tenantFileSchema>;

/** The settings kept as JSON on the tenant row (everything not modelled as its own column or table). */
export interface TenantSettings {
  theme: TenantFile['theme'];
  /** `rules` may be missing from settings stored before the rules existed, until the next sync rewrites them. */
  moderation: Omit<TenantFile['moderation'], 'rules'> & { rules?: TenantFile['moderation']['rules'] };
  contact: TenantFile['contact'];
  organisations: TenantFile['organisations'];
  matching: TenantFile['matching'];
  /** Missing from settings stored before it existed, until the next sync: read with a default. */
  outcomes?: TenantFile['outcomes'];
  map: TenantFile['map'];
  /** Missing from settings stored before they existed, until the next sync: read as none / "non conforme". */
  host?: TenantFile['host'];
  accessibility?: TenantFile['accessibility'];
  /** Missing from settings stored before they existed: read as none. */
  siren?: string;
  identityProviders?: IdentityProviderConfig[];
}
