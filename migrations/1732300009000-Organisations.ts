import { MigrationInterface, QueryRunner } from 'typeorm';
import { tenantTableSql } from '@libs/db/rls';

/**
 * The organisations side of a site ("Lyon solidaire"): organisations and their managers,
 * their projects (public point fuzzed as for listings), the missions a project posts, the
 * residents who volunteer for them, the messages exchanged through the platform and the
 * alert e-mails a mission sends. A mission's `volunteer_count` is updated by the statement
 * that signs a volunteer up, under its row lock, so the last place is taken once.
 */
export class Organisations1732300009000 implements MigrationInterface {
  name = 'Organisations1732300009000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE organisations (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (char_length(name) BETWEEN 2 AND 120),
        kind text NOT NULL CHECK (kind IN ('association', 'social_centre', 'business', 'institution', 'other')),
        description text NOT NULL CHECK (char_length(description) BETWEEN 10 AND 2000),
        neighbourhood_id uuid,
        website text CHECK (char_length(website) <= 300),
        status text NOT NULL CHECK (status IN ('pending_review', 'published', 'rejected', 'removed')),
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, created_by) REFERENCES accounts (tenant_id, id),
        FOREIGN KEY (tenant_id, neighbourhood_id) REFERENCES neighbourhoods (tenant_id, id) ON DELETE SET NULL
          (neighbourhood_id)
      );
      CREATE INDEX organisations_public ON organisations (tenant_id, name) WHERE status = 'published';
      CREATE INDEX organisations_moderation_queue ON organisations (tenant_id, updated_at, id) WHERE status =
        'pending_review';

      CREATE TABLE organisation_managers (
        tenant_id uuid NOT NULL,
        organisation_id uuid NOT NULL,
        account_id uuid NOT NULL,
        role text NOT NULL CHECK (role IN ('owner', 'co_manager')),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, organisation_id, account_id),
        FOREIGN KEY (tenant_id, organisation_id) REFERENCES organisations (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
      );
      CREATE INDEX organisation_managers_account ON organisation_managers (tenant_id, account_id);

      CREATE TABLE projects (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        organisation_id uuid NOT NULL,
        title text NOT NULL CHECK (char_length(title) BETWEEN 5 AND 120),
        description text NOT NULL CHECK (char_length(description) BETWEEN 10 AND 4000),
        category_id uuid NOT NULL REFERENCES categories (id),
        location geography(Point, 4326) NOT NULL,
        public_location geography(Point, 4326) NOT NULL,
        neighbourhood_id uuid,
        starts_on date,
        ends_on date,
        ongoing boolean NOT NULL DEFAULT false,
        image_key text,
        image_type text CHECK (image_type IN ('image/png', 'image/jpeg', 'image/webp')),
        status text NOT NULL CHECK (status IN ('pending_review', 'published', 'rejected', 'removed', 'closed')),
        hold_reasons text[] NOT NULL DEFAULT '{}',
        created_by uuid NOT NULL,
        search tsvector GENERATED ALWAYS AS (
          setweight(to_tsvector('french_unaccent', title), 'A') || setweight(to_tsvector('french_unaccent',
            description), 'B')
        ) STORED,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, organisation_id) REFERENCES organisations (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, created_by) REFERENCES accounts (tenant_id, id),
        FOREIGN KEY (tenant_id, neighbourhood_id) REFERENCES neighbourhoods (tenant_id, id) ON DELETE SET NULL
          (neighbourhood_id),
        CHECK (ongoing OR starts_on IS NOT NULL),
        CHECK (ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on)
      );
      CREATE INDEX projects_public_recent ON projects (tenant_id, created_at DESC, id DESC) WHERE status = 'published';
      CREATE INDEX projects_public_geo ON projects USING gist (tenant_id, public_location) WHERE status = 'published';
      CREATE INDEX projects_organisation ON projects (tenant_id, organisation_id, created_at DESC);
      CREATE INDEX projects_moderation_queue ON projects (tenant_id, updated_at, id) WHERE status = 'pending_review';

      CREATE TABLE missions (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        project_id uuid NOT NULL,
        title text NOT NULL CHECK (char_length(title) BETWEEN 5 AND 120),
        description text NOT NULL DEFAULT '' CHECK (char_length(description) <= 2000),
        when_text text NOT NULL CHECK (char_length(when_text) BETWEEN 2 AND 200),
        starts_at timestamptz,
        volunteers_needed integer NOT NULL CHECK (volunteers_needed BETWEEN 1 AND 500),
        volunteer_count integer NOT NULL DEFAULT 0,
        skills text[] NOT NULL DEFAULT '{}',
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, created_by) REFERENCES accounts (tenant_id, id),
        -- The database, not the code, keeps a mission from taking more volunteers than it asked for.
        CHECK (volunteer_count BETWEEN 0 AND volunteers_needed)
      );
      CREATE INDEX missions_project ON missions (tenant_id, project_id, created_at);

      CREATE TABLE mission_volunteers (
        tenant_id uuid NOT NULL,
        mission_id uuid NOT NULL,
        account_id uuid NOT NULL,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'withdrawn')),
        share_contact boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, mission_id, account_id),
        FOREIGN KEY (tenant_id, mission_id) REFERENCES missions (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
      );
      CREATE INDEX mission_volunteers_account ON mission_volunteers (tenant_id, account_id);

      -- Residents writing to an organisation, its managers answering, and managers writing to their volunteers.
      CREATE TABLE organisation_messages (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        organisation_id uuid NOT NULL,
        mission_id uuid,
        sender_id uuid NOT NULL,
        -- NULL: to the organisation (its managers); else to this resident.
        recipient_id uuid,
        body text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 4000),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, organisation_id) REFERENCES organisations (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, mission_id) REFERENCES missions (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, sender_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, recipient_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
      );
      CREATE INDEX organisation_messages_organisation ON organisation_messages (tenant_id, organisation_id, created_at
        DESC);

      -- One alert per (mission, recipient), ever: the key is what guarantees it.
      CREATE TABLE mission_notifications (
        tenant_id uuid NOT NULL,
        mission_id uuid NOT NULL,
        recipient_id uuid NOT NULL,
        distance_m integer NOT NULL,
        delivery text NOT NULL CHECK (delivery IN ('immediate', 'digest')),
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'mailed', 'skipped')),
        outbox_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        mailed_at timestamptz,
        PRIMARY KEY (tenant_id, mission_id, recipient_id),
        FOREIGN KEY (tenant_id, mission_id) REFERENCES missions (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, recipient_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
      );
      CREATE INDEX mission_notifications_recipient_day ON mission_notifications (tenant_id, recipient_id, mailed_at)
        WHERE delivery = 'immediate';
    `);
    for (const table of [
      'organisations',
      'organisation_managers',
      'projects',
      'missions',
      'mission_volunteers',
      'organisation_messages',
      'mission_notifications',
    ]) {
      await q.query(tenantTableSql(table));
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP TABLE IF EXISTS mission_notifications, organisation_messages, mission_volunteers, missions, projects, ` +
        `organisation_managers, organisations`,
    );
  }
}
