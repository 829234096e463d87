# shellcheck shell=bash
# Sourced by scripts/services.sh (uses its helpers: log, action, die, wait_for, pg_super, as_root,
# CHECK, MISSING, PG_VERSION, PG_CLUSTER, PG_HOST, PG_PORT, OWNER_ROLE, APP_ROLE).
#
# A hot standby of the primary on this machine: cluster $PG_VERSION/standby on 127.0.0.1:5433,
# streaming from the primary (pg_basebackup -R) through a physical replication slot, so that
# the primary keeps the WAL a stopped standby still needs and the standby always catches up.
#
# On the primary (never restarted: a reload is enough): a role allowed to replicate, one
# pg_hba.conf line letting it connect for replication from 127.0.0.1, and the slot.
# The standby's pg_hba.conf is the primary's (same logins on both), and its settings that a
# hot standby needs at least as high as the primary's are copied from the primary.
#
# A standby cluster that exists but is stopped is started; one that is not a standby of this
# primary (interrupted build, promoted) is dropped and built again: it holds nothing of its own.
#
# Environment:
#   ENTRAIDE_REPLICATION_PASSWORD  password of role entraide_replicator (dev default: entraide_replicator)

STANDBY_CLUSTER=standby
STANDBY_PORT=5433
REPL_ROLE=entraide_replicator
REPL_PASSWORD=${ENTRAIDE_REPLICATION_PASSWORD:-entraide_replicator}
REPL_SLOT=entraide_standby
REPL_HBA_MARK='# entraide: streaming standby (scripts/services.d/10-postgres-standby.sh)'

standby_sql() { # standby_sql SQL  (as superuser on the standby, by TCP then by peer auth)
  if [[ $PSQL_MODE == tcp ]]; then
    psql -X -w -q -At -h "$PG_HOST" -p "$STANDBY_PORT" -U postgres -d postgres -c "$1"
  else
    (cd / && as_root runuser -u postgres -- psql -X -w -q -At -p "$STANDBY_PORT" -d postgres -c "$1")
  fi
}
standby_ready() { pg_isready -q -h "$PG_HOST" -p "$STANDBY_PORT" -t 2 >/dev/null 2>&1; }
standby_streaming() { [[ $(standby_sql 'select status from pg_stat_wal_receiver' 2>/dev/null) == streaming ]]; }
standby_exists() {
  as_root pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VERSION" -v c="$STANDBY_CLUSTER" \
    '$1 == v && $2 == c { found = 1 } END { exit !found }'
}
standby_online() {
  as_root pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VERSION" -v c="$STANDBY_CLUSTER" \
    '$1 == v && $2 == c && $4 ~ /^online/ { found = 1 } END { exit !found }'
}
standby_datadir() { echo "/var/lib/postgresql/$PG_VERSION/$STANDBY_CLUSTER"; }

# ------------------------------------------------------------ on the primary --
primary_state=$(pg_super postgres -At <<SQL
select 'wal_level ' || current_setting('wal_level')
union all
select 'role_missing' where not exists (select 1 from pg_roles where rolname = '$REPL_ROLE')
union all
select 'role_attrs' from pg_roles
 where rolname = '$REPL_ROLE' and not (rolcanlogin and rolreplication and not rolsuper)
union all
select 'role_nopassword' from pg_authid where rolname = '$REPL_ROLE' and rolpassword is null
union all
select 'slot_missing' where not exists (select 1 from pg_replication_slots where slot_name = '$REPL_SLOT')
union all
select 'hba_file ' || current_setting('hba_file')
SQL
)
primary_has() { [[ $'\n'"$primary_state"$'\n' == *$'\n'"$1"$'\n'* ]]; }

if primary_has 'wal_level minimal'; then
  # Changing wal_level needs a restart of the primary, which this script never does on its own.
  if ((CHECK)); then
    log "missing: wal_level = replica on the primary (needs a restart of $PG_VERSION/$PG_CLUSTER)"
    MISSING=1
  else
    die "the primary runs with wal_level = minimal: set wal_level = replica and restart $PG_VERSION/$PG_CLUSTER"
  fi
fi

repl_password_sql=$(sql_literal "$REPL_PASSWORD")
if primary_has role_missing; then
  action "role $REPL_ROLE" "creating role $REPL_ROLE (LOGIN REPLICATION)" &&
    pg_super postgres <<<"CREATE ROLE $REPL_ROLE LOGIN REPLICATION NOSUPERUSER PASSWORD $repl_password_sql;"
else
  if primary_has role_attrs; then
    action "attributes of role $REPL_ROLE (LOGIN REPLICATION)" "setting attributes of role $REPL_ROLE: LOGIN REPLICATION" &&
      pg_super postgres <<<"ALTER ROLE $REPL_ROLE LOGIN REPLICATION NOSUPERUSER;"
  fi
  if primary_has role_nopassword || { [[ -n ${ENTRAIDE_REPLICATION_PASSWORD:-} ]] && ((!CHECK)); }; then
    action "password of role $REPL_ROLE" "setting password of role $REPL_ROLE" &&
      pg_super postgres <<<"ALTER ROLE $REPL_ROLE PASSWORD $repl_password_sql;"
  fi
fi

hba_file=$(sed -n 's/^hba_file //p' <<<"$primary_state")
if ! as_root grep -qxF "$REPL_HBA_MARK" "$hba_file" 2>/dev/null; then
  if action "replication line for $REPL_ROLE in $hba_file" "allowing $REPL_ROLE to replicate from 127.0.0.1 in $hba_file"; then
    # First lines of the file: the first matching line wins. "md5" accepts SCRAM secrets too.
    hba_tmp=$(mktemp /tmp/entraide-hba.XXXXXX)
    {
      echo "$REPL_HBA_MARK"
      echo "host    replication     $REPL_ROLE     127.0.0.1/32    md5"
      as_root cat "$hba_file"
    } >"$hba_tmp"
    as_root cp "$hba_tmp" "$hba_file"
    rm -f "$hba_tmp"
    pg_super postgres -Atc 'select pg_reload_conf()' >/dev/null
  fi
fi

if primary_has slot_missing; then
  action "replication slot $REPL_SLOT on the primary" "creating replication slot $REPL_SLOT on the primary" &&
    pg_super postgres -Atc "select pg_create_physical_replication_slot('$REPL_SLOT')" >/dev/null
fi

# ------------------------------------------------------------- the standby --
# Settings a hot standby must have at least as high as its primary, and the primary's logins.
standby_conf() {
  pg_super postgres -At <<'SQL'
select name || ' = ' || setting from pg_settings
 where name in ('max_connections', 'max_worker_processes', 'max_wal_senders',
                'max_prepared_transactions', 'max_locks_per_transaction')
 order by name;
SQL
  echo "listen_addresses = '$PG_HOST'"
  echo "hot_standby = on"
  echo "hot_standby_feedback = on"
}

standby_build() {
  local datadir
  datadir=$(standby_datadir)
  if standby_exists; then
    as_root pg_dropcluster --stop "$PG_VERSION" "$STANDBY_CLUSTER"
  fi
  as_root pg_createcluster --port "$STANDBY_PORT" "$PG_VERSION" "$STANDBY_CLUSTER" >/dev/null
  as_root find "$datadir" -mindepth 1 -delete
  # As the postgres OS user, so that the copy belongs to the cluster's owner.
  (cd / && as_root runuser -u postgres -- env PGPASSWORD="$REPL_PASSWORD" \
    pg_basebackup -h "$PG_HOST" -p "$PG_PORT" -U "$REPL_ROLE" -D "$datadir" \
    -R -S "$REPL_SLOT" -X stream -c fast -w) ||
    die "pg_basebackup from $PG_HOST:$PG_PORT failed"
}

standby_conf_file="/etc/postgresql/$PG_VERSION/$STANDBY_CLUSTER/conf.d/90-entraide-standby.conf"
standby_sync_config() { # copies the settings and logins; returns 0 when something changed
  local conf_tmp changed=1 standby_hba="/etc/postgresql/$PG_VERSION/$STANDBY_CLUSTER/pg_hba.conf"
  conf_tmp=$(mktemp /tmp/entraide-standby-conf.XXXXXX)
  standby_conf >"$conf_tmp"
  if ! as_root cmp -s "$conf_tmp" "$standby_conf_file"; then
    as_root install -o postgres -g postgres -m 0644 "$conf_tmp" "$standby_conf_file"
    changed=0
  fi
  rm -f "$conf_tmp"
  if ! as_root cmp -s "$hba_file" "$standby_hba"; then
    as_root install -o postgres -g postgres -m 0640 "$hba_file" "$standby_hba"
    changed=0
  fi
  return "$changed"
}

standby_is_ours() { # the data directory is a standby (standby.signal) streaming from the slot
  local datadir
  datadir=$(standby_datadir)
  as_root test -e "$datadir/standby.signal" &&
    as_root grep -q "primary_slot_name = '$REPL_SLOT'" "$datadir/postgresql.auto.conf" 2>/dev/null
}

if ! standby_exists; then
  if action "standby cluster $PG_VERSION/$STANDBY_CLUSTER on port $STANDBY_PORT" \
    "creating standby cluster $PG_VERSION/$STANDBY_CLUSTER on port $STANDBY_PORT (pg_basebackup -R)"; then
    standby_build
  fi
elif ! standby_is_ours; then
  if action "cluster $PG_VERSION/$STANDBY_CLUSTER is not a standby of the primary" \
    "rebuilding cluster $PG_VERSION/$STANDBY_CLUSTER as a standby of the primary (pg_basebackup -R)"; then
    standby_build
  fi
fi

if standby_exists; then
  if ((CHECK)); then
    conf_tmp=$(mktemp /tmp/entraide-standby-conf.XXXXXX)
    standby_conf >"$conf_tmp"
    if ! as_root cmp -s "$conf_tmp" "$standby_conf_file" ||
      ! as_root cmp -s "$hba_file" "/etc/postgresql/$PG_VERSION/$STANDBY_CLUSTER/pg_hba.conf"; then
      log "missing: settings or pg_hba.conf of $PG_VERSION/$STANDBY_CLUSTER copied from the primary"
      MISSING=1
    fi
    rm -f "$conf_tmp"
  elif standby_sync_config && standby_online; then
    # Raised max_* settings need a restart; a changed pg_hba.conf a reload: restart covers both.
    log "restarting $PG_VERSION/$STANDBY_CLUSTER (settings or pg_hba.conf copied from the primary)"
    as_root pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" "$STANDBY_CLUSTER" restart
  fi

  if ! standby_ready; then
    if action "standby not answering on $PG_HOST:$STANDBY_PORT" "starting $PG_VERSION/$STANDBY_CLUSTER"; then
      as_root pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" "$STANDBY_CLUSTER" start ||
        as_root pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" "$STANDBY_CLUSTER" status >/dev/null ||
        die "could not start the standby (see /var/log/postgresql/postgresql-$PG_VERSION-$STANDBY_CLUSTER.log)"
      wait_for "the standby" standby_ready
    fi
  fi

  if standby_ready && ! standby_streaming; then
    if ((CHECK)); then
      log "missing: the standby on port $STANDBY_PORT is not streaming from the primary"
      MISSING=1
    else
      wait_for "streaming replication to the standby" standby_streaming
    fi
  fi
fi
