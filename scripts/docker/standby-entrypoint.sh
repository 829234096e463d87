#!/usr/bin/env bash
# Entry point of the hot standby (`db-standby`): on first start (empty data directory) it copies
# the primary with pg_basebackup -R, which writes standby.signal and primary_conninfo, streaming
# through the primary's slot entraide_standby (scripts/docker/init-replication.sh); then it starts
# PostgreSQL through the image's own entry point, which leaves an existing data directory as it is.
# To rebuild the standby, remove its volume.
set -euo pipefail

: "${PRIMARY_HOST:?PRIMARY_HOST must be set}"
: "${REPLICATION_PASSWORD:?REPLICATION_PASSWORD must be set}"
PRIMARY_PORT=${PRIMARY_PORT:-5432}
PGDATA=${PGDATA:-/var/lib/postgresql/data}

if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
  until pg_isready -q -h "$PRIMARY_HOST" -p "$PRIMARY_PORT"; do
    echo "standby: waiting for the primary $PRIMARY_HOST:$PRIMARY_PORT"
    sleep 2
  done
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 700 "$PGDATA"
  echo "standby: copying the primary (pg_basebackup -R)"
  gosu postgres env PGPASSWORD="$REPLICATION_PASSWORD" pg_basebackup -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" \
    -U entraide_replicator -D "$PGDATA" -R -S entraide_standby -X stream -c fast -w
fi

exec docker-entrypoint.sh "$@"
