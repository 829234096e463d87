-- Runs once, as the superuser, when the `db` container initialises an empty
-- data directory (docker-entrypoint-initdb.d, after the image's own PostGIS
-- setup). Mirrors what scripts/services.sh does for a local PostgreSQL.
-- Passwords are DEVELOPMENT DEFAULTS and must match DATABASE_URL /
-- DATABASE_ADMIN_URL in docker-compose.yml.
\set ON_ERROR_STOP on

-- Owner of every schema object: runs migrations and tenant sync, creates
-- per-test databases. BYPASSRLS so migrations and sync see every tenant's rows.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'entraide_owner') THEN
    CREATE ROLE entraide_owner LOGIN PASSWORD 'entraide_owner' CREATEDB BYPASSRLS NOSUPERUSER;
  END IF;
  -- The application: owns nothing; row-level security always applies to it.
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'entraide_app') THEN
    CREATE ROLE entraide_app LOGIN PASSWORD 'entraide_app' NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
  END IF;
END
$$;
ALTER ROLE entraide_owner LOGIN CREATEDB BYPASSRLS NOSUPERUSER;
ALTER ROLE entraide_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;

-- The database `entraide` is created by the entrypoint (POSTGRES_DB).
ALTER DATABASE entraide OWNER TO entraide_owner;
\connect entraide

-- As superuser: postgis is not a trusted extension.
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

REVOKE ALL ON DATABASE entraide FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE entraide TO entraide_app;

ALTER SCHEMA public OWNER TO entraide_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO entraide_app;
-- Table-level grants to entraide_app are made by the migrations.
