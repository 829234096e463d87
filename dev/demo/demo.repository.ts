import { execute, firstRow, rows, type Tx } from '@libs/db';
import { pointSql, publicPointOf, tenantOutline } from '@libs/geo';
import type { DemoAccount, DemoConversation, DemoListing, DemoMessage, TenantFacts } from './demo-plan';
import type { MultiPolygon } from './sampling';

/** Tables the loader writes or reads; one missing means the migrations have not run. */
const REQUIRED_TABLES = [
  'tenants',
  'federations',
  'categories',
  'tenant_categories',
  'neighbourhoods',
  'accounts',
  'listings',
  'conversations',
  'messages',
];
/** Rows per INSERT: unnest() keeps the parameter count fixed whatever the batch size. */
const BATCH = 1000;

export interface TenantRow {
  id: string;
  slug: string;
  siteName: string;
  /** The tenant file turns the organisations side on. */
  organisations: boolean;
}

export interface TenantCounts {
  residents: number;
  offers: number;
  requests: number;
  published: number;
  conversations: number;
  messages: number;
  fulfilled: number;
  relayed: number;
}

/**
 * The SQL of the demo loader. It runs as the owner role; each tenant's work is one
 * transaction that also sets app.tenant_id, so the rows pass the RLS policies either way.
 */
export class DemoRepository {
  async missingTable(tx: Tx): Promise<string | undefined> {
    const missing = await firstRow<{ t: string }>(
      tx,
      `SELECT t FROM unnest($1::text[]) WITH ORDINALITY AS u (t, i) WHERE to_regclass('public.' || t) IS NULL ` +
        `ORDER BY i`,
      [REQUIRED_TABLES],
    );
    return missing?.t;
  }

  tenants(tx: Tx): Promise<TenantRow[]> {
    return rows<TenantRow>(
      tx,
      `SELECT id, slug, site_name AS "siteName", coalesce((settings->'organisations'->>'enabled')::boolean, ` +
        `false) AS organisations FROM tenants ORDER BY slug`,
    );
  }

  /** Serialises two loaders on one tenant; the second then finds the marker and skips. */
  async lockTenant(tx: Tx, tenantId: string): Promise<void> {
    await execute(
      tx,
      `SELECT set_config('app.tenant_id', $1, true), pg_advisory_xact_lock(hashtextextended('entraide-demo:' || ` +
        `$1, 0))`,
      [tenantId],
    );
  }

  async hasAccount(tx: Tx, tenantId: string, email: string): Promise<boolean> {
    return (
      (
        await rows<{ one: number }>(tx, `SELECT 1 AS one FROM accounts WHERE tenant_id = $1 AND email = $2`, [
          tenantId,
          email,
        ])
      ).length > 0
    );
  }

  async facts(tx: Tx, tenant: TenantRow): Promise<TenantFacts> {
    const categories = await rows<TenantFacts['categories'][number]>(
      tx,
      `SELECT c.id, c.slug, c.remote FROM tenant_categories tc JOIN categories c ON c.id = tc.category_id
       WHERE tc.tenant_id = $1 AND tc.enabled AND c.archived_at IS NULL ORDER BY tc.position, c.slug`,
      [tenant.id],
    );
    const hoods = await rows<{ id: string; slug: string; name: string; outline: { coordinates: MultiPolygon } }>(
      tx,
      `SELECT id, slug, name, ST_AsGeoJSON(outline)::json AS outline FROM neighbourhoods WHERE tenant_id = $1 ` +
        `ORDER BY position, slug`,
      [tenant.id],
    );
    const homeOf = await rows<TenantFacts['homeOf'][number]>(
      tx,
      `SELECT slug, name FROM federations WHERE home_tenant_slug = $1 ORDER BY slug`,
      [tenant.slug],
    );
    const outline = await tenantOutline(tx, tenant.id);
    return {
      id: tenant.id,
      slug: tenant.slug,
      categories,
      neighbourhoods: hoods.map((h) => ({ ...h, outline: h.outline.coordinates })),
      outline,
      homeOf,
    };
  }

  async insertAccounts(tx: Tx, tenantId: string, passwordHash: string, accounts: DemoAccount[]): Promise<number> {
    return this.batched(accounts, (batch) =>
      rows<{ n: number }>(
        tx,
        `WITH ins AS (
           INSERT INTO accounts (tenant_id, id, email, email_verified_at, password_hash, display_name, roles, location,
                                 notify_mode, notify_radius_m, notify_category_ids, terms_accepted_at, created_at,
                                   updated_at)
           SELECT $1::uuid, u.id, u.email, u.created_at + interval '7 minutes', $2, u.display_name,
             string_to_array(u.roles, ','),
                  CASE WHEN u.lat IS NULL THEN NULL ELSE ${pointSql('u.lng', 'u.lat')} END,
                  u.notify_mode, u.notify_radius_m, string_to_array(u.categories, ',')::uuid[], u.created_at,
                    u.created_at, u.created_at
           FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::float8[], $9::text[],
             $10::int[], $11::text[], $12::timestamptz[])
             AS u(id, email, display_name, roles, lng, lat, notify_mode, notify_radius_m, categories, created_at)
           ON CONFLICT DO NOTHING RETURNING 1)
         SELECT count(*)::int AS n FROM ins`,
        [
          tenantId,
          passwordHash,
          batch.map((a) => a.id),
          batch.map((a) => a.email),
          batch.map((a) => a.displayName),
          batch.map((a) => a.roles.join(',')),
          batch.map((a) => a.location?.lng ?? null),
          batch.map((a) => a.location?.lat ?? null),
          batch.map((a) => a.notifyMode),
          batch.map((a) => a.notifyRadiusM),
          batch.map((a) => a.notifyCategoryIds.join(',')),
          batch.map((a) => a.createdAt.toISOString()),
        ],
      ),
    );
  }

  /** The neighbourhood comes from the point, as in ListingsRepository.insert (nearest outline; 0 m when inside). */
  async insertListings(tx: Tx, tenantId: string, listings: DemoListing[]): Promise<number> {
    const exact = pointSql('u.lng', 'u.lat');
    return this.batched(listings, (batch) =>
      rows<{ n: number }>(
        tx,
        `WITH ins AS (
           INSERT INTO listings (tenant_id, id, author_id, kind, category_id, title, description, mode, location,
             public_location,
                                 neighbourhood_id, radius_m, availability, status, created_at, updated_at,
                                   published_at, expires_at)
           SELECT $1::uuid, u.id, u.author_id, u.kind, u.category_id, u.title, u.description, u.mode, ${exact},
             ${pointSql('u.public_lng', 'u.public_lat')},
                  (SELECT n.id FROM neighbourhoods n WHERE n.tenant_id = $1 ORDER BY n.outline <-> ${exact} LIMIT 1),
                  u.radius_m, u.availability::jsonb, u.status, u.created_at, u.updated_at, u.created_at, u.expires_at
           FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::uuid[], $6::text[], $7::text[], $8::text[],
             $9::float8[], $10::float8[],
                       $11::float8[], $12::float8[], $13::int[], $14::text[], $15::text[], $16::timestamptz[],
                         $17::timestamptz[], $18::timestamptz[])
             AS u(id, author_id, kind, category_id, title, description, mode, lng, lat, public_lng, public_lat,
               radius_m, availability, status,
                  created_at, updated_at, expires_at)
           ON CONFLICT DO NOTHING RETURNING 1)
         SELECT count(*)::int AS n FROM ins`,
        [
          tenantId,
          batch.map((l) => l.id),
          batch.map((l) => l.authorId),
          batch.map((l) => l.kind),
          batch.map((l) => l.categoryId),
          batch.map((l) => l.title),
          batch.map((l) => l.description),
          batch.map((l) => l.mode),
          batch.map((l) => l.location.lng),
          batch.map((l) => l.location.lat),
          batch.map((l) => l.publicLocation.lng),
          batch.map((l) => l.publicLocation.lat),
          batch.map((l) => l.radiusM),
          batch.map((l) => JSON.stringify(l.availability)),
          batch.map((l) => l.status),
          batch.map((l) => l.createdAt.toISOString()),
          batch.map((l) => l.updatedAt.toISOString()),
          batch.map((l) => l.expiresAt.toISOString()),
        ],
      ),
    );
  }

  async insertConversations(
    tx: Tx,
    tenantId: string,
    conversations: DemoConversation[],
    messages: DemoMessage[],
  ): Promise<number> {
    const inserted = await this.batched(conversations, (batch) =>
      rows<{ n: number }>(
        tx,
        `WITH ins AS (
           INSERT INTO conversations (tenant_id, id, listing_id, author_id, starter_id, created_at, last_message_at)
           SELECT $1::uuid, u.* FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::timestamptz[],
             $7::timestamptz[]) AS u
           ON CONFLICT DO NOTHING RETURNING 1)
         SELECT count(*)::int AS n FROM ins`,
        [
          tenantId,
          batch.map((c) => c.id),
          batch.map((c) => c.listingId),
          batch.map((c) => c.authorId),
          batch.map((c) => c.starterId),
          batch.map((c) => c.createdAt.toISOString()),
          batch.map((c) => c.lastMessageAt.toISOString()),
        ],
      ),
    );
    await this.batched(messages, (batch) =>
      rows<{ n: number }>(
        tx,
        `WITH ins AS (
           INSERT INTO messages (tenant_id, id, conversation_id, sender_id, body, created_at)
           SELECT $1::uuid, u.* FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::timestamptz[]) AS u
           ON CONFLICT DO NOTHING RETURNING 1)
         SELECT count(*)::int AS n FROM ins`,
        [
          tenantId,
          batch.map((m) => m.id),
          batch.map((m) => m.conversationId),
          batch.map((m) => m.senderId),
          batch.map((m) => m.body),
          batch.map((m) => m.createdAt.toISOString()),
        ],
      ),
    );
    return inserted;
  }

  /**
   * Closing the loop on past helps: about a third of the listings a neighbour wrote about more
   * than a week ago were fulfilled two days after the first conversation, that neighbour
   * helping; the public figures then show "entraides réalisées" month by month.
   */
  async fulfilPastHelps(tx: Tx, tenantId: string, now: Date): Promise<number> {
    const [done] = await rows<{ n: number }>(
      tx,
      `WITH first AS (
         SELECT DISTINCT ON (cv.listing_id) cv.listing_id, cv.id, cv.starter_id, cv.created_at
         FROM conversations cv WHERE cv.tenant_id = $1 AND cv.created_at < $2::timestamptz - interval '7 days'
         ORDER BY cv.listing_id, cv.created_at
       ), done AS (
         UPDATE listings l SET status = 'fulfilled', helper_id = f.starter_id, fulfilled_conversation_id = f.id,
                fulfilled_at = f.created_at + interval '2 days', updated_at = f.created_at + interval '2 days'
         FROM first f
         WHERE l.tenant_id = $1 AND l.id = f.listing_id AND l.status IN ('published', 'expired') AND l.fulfilled_at IS
           NULL
           AND get_byte(decode(md5(l.id::text), 'hex'), 0) < 90
         RETURNING 1)
       SELECT count(*)::int AS n FROM done`,
      [tenantId, now.toISOString()],
    );
    return done.n;
  }

  /**
   * Residents without internet registered by the town hall: each with a published request in
   * the commune's first category, at the centre of a neighbourhood, and a neighbour's answer
   * waiting in the staff inbox. `people` carries the fixed ids.
   */
  async insertRelayedResidents(
    tx: Tx,
    tenantId: string,
    agentId: string,
    people: Array<{
      id: string;
      listingId: string;
      conversationId: string;
      messageId: string;
      displayName: string;
      phone: string;
      title: string;
      description: string;
      neighbourId: string;
      message: string;
    }>,
    categoryId: string,
    now: Date,
  ): Promise<void> {
    for (const [i, p] of people.entries()) {
      const at = new Date(now.getTime() - (i + 2) * 86_400_000).toISOString();
      const [home] = await rows<{ lat: number; lng: number }>(
        tx,
        `SELECT ST_Y(p) AS lat, ST_X(p) AS lng FROM (SELECT ST_PointOnSurface(outline::geometry) AS p FROM ` +
          `neighbourhoods WHERE tenant_id = $1 ORDER BY position, slug OFFSET $2 LIMIT 1) s`,
        [tenantId, i],
      );
      if (!home) continue;
      // As for any listing: the public point is fuzzed, the exact one stays private.
      const pub = await publicPointOf(tx, tenantId, home, p.listingId);
      await execute(
        tx,
        `WITH a AS (INSERT INTO accounts (tenant_id, id, display_name, roles, relayed, location, created_at)
                    VALUES ($1, $2, $3, '{resident}', true, ${pointSql('$12', '$13')}, $11::timestamptz - interval
                      '1 day') ON CONFLICT DO NOTHING RETURNING id, location),
         r AS (INSERT INTO relayed_residents (tenant_id, account_id, phone, consent_method, consent_note,
           consent_agent_id, consent_at, created_at)
               SELECT $1, a.id, $4, 'phone', 'Accord donné au téléphone à l’accueil de la mairie.', $5,
                 $11::timestamptz - interval '1 day', $11::timestamptz - interval '1 day' FROM a RETURNING 1),
         l AS (INSERT INTO listings (tenant_id, id, author_id, kind, category_id, title, description, mode, location,
           public_location, neighbourhood_id, radius_m, status, created_at, updated_at, published_at)
               SELECT $1, $6, a.id, 'request', $7, $8, $9, 'in_person', a.location, ${pointSql('$16', '$17')},
                      (SELECT n.id FROM neighbourhoods n WHERE n.tenant_id = $1 ORDER BY n.outline <-> a.location
                        LIMIT 1), 2000, 'published', $11::timestamptz, $11::timestamptz, $11::timestamptz
               FROM a RETURNING id),
         c AS (INSERT INTO conversations (tenant_id, id, listing_id, author_id, starter_id, created_at, last_message_at)
               SELECT $1, $14, l.id, $2, $10, $11::timestamptz + interval '3 hours', $11::timestamptz + interval
                 '3 hours' FROM l RETURNING id),
         m AS (INSERT INTO messages (tenant_id, id, conversation_id, sender_id, body, created_at) SELECT $1, $15,
           c.id, $10, $18, $11::timestamptz + interval '3 hours' FROM c RETURNING 1)
         INSERT INTO staff_inbox_items (tenant_id, dedupe_key, kind, resident_id, listing_id, conversation_id,
           created_at, updated_at)
         SELECT $1, 'message:' || c.id, 'message', $2, $6, c.id, $11::timestamptz + interval '3 hours',
           $11::timestamptz + interval '3 hours' FROM c
         ON CONFLICT DO NOTHING`,
        [
          tenantId,
          p.id,
          p.displayName,
          p.phone,
          agentId,
          p.listingId,
          categoryId,
          p.title,
          p.description,
          p.neighbourId,
          at,
          home.lng,
          home.lat,
          p.conversationId,
          p.messageId,
          pub.lng,
          pub.lat,
          p.message,
        ],
      );
    }
  }

  async counts(tx: Tx, tenantId: string): Promise<TenantCounts> {
    const [row] = await rows<TenantCounts>(
      tx,
      `SELECT (SELECT count(*) FROM accounts WHERE tenant_id = $1 AND 'resident' = ANY (roles) AND deleted_at IS
        NULL)::int AS residents,
              count(*) FILTER (WHERE kind = 'offer')::int AS offers,
              count(*) FILTER (WHERE kind = 'request')::int AS requests,
              count(*) FILTER (WHERE status = 'published' AND expires_at > now())::int AS published,
              (SELECT count(*) FROM conversations WHERE tenant_id = $1)::int AS conversations,
              (SELECT count(*) FROM messages WHERE tenant_id = $1)::int AS messages,
              count(*) FILTER (WHERE status = 'fulfilled')::int AS fulfilled,
              (SELECT count(*) FROM relayed_residents WHERE tenant_id = $1)::int AS relayed
       FROM listings WHERE tenant_id = $1`,
      [tenantId],
    );
    return row;
  }

  async hasOrganisations(tx: Tx, tenantId: string): Promise<boolean> {
    return (
      (await rows<{ one: number }>(tx, `SELECT 1 AS one FROM organisations WHERE tenant_id = $1 LIMIT 1`, [tenantId]))
        .length > 0
    );
  }

  private async batched<T>(items: T[], insert: (batch: T[]) => Promise<Array<{ n: number }>>): Promise<number> {
    let n = 0;
    for (let i = 0; i < items.length; i += BATCH) n += (await insert(items.slice(i, i + BATCH)))[0].n;
    return n;
  }
}
