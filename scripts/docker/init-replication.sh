#!/usr/bin/env bash
# Runs once, as the superuser, when the primary (`db`) initialises an empty data directory
# (docker-entrypoint-initdb.d, after init-db.sql): the role the standby replicates as, its
# physical replication slot (the primary keeps the WAL a stopped standby still needs), and the
# pg_hba.conf line letting it connect for replication. The server reads pg_hba.conf again when
# the entrypoint restarts it after the init scripts.
set -euo pipefail

: "${REPLICATION_PASSWORD:?REPLICATION_PASSWORD must be set}"

psql -v ON_ERROR_STOP=1 -v password="$REPLICATION_PASSWORD" --username "$POSTGRES_USER" --dbname postgres <<'SQL'
SELECT format('CREATE ROLE entraide_replicator LOGIN REPLICATION NOSUPERUSER PASSWORD %L', :'password')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'entraide_replicator') \gexec
\o /dev/null
SELECT pg_create_physical_replication_slot('entraide_standby')
 WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = 'entraide_standby');
SQL

echo "host replication entraide_replicator all scram-sha-256" >>"$PGDATA/pg_hba.conf"
