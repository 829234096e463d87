# shellcheck shell=bash
# Sourced by scripts/services.sh (uses its helpers: log, action, die, wait_for, pg_super, as_root,
# CHECK, MISSING, PG_HOST, PG_PORT, OWNER_ROLE, APP_ROLE).
#
# PgBouncer in transaction mode on 127.0.0.1:6432 in front of the primary, as the application
# runs in production (DATABASE_URL through the pooler, DB_PREPARED_STATEMENTS=off).
# Its files live outside the project, like the database's:
#   /etc/entraide/pgbouncer.ini           configuration (rewritten when it differs: restart)
#   /etc/entraide/pgbouncer.userlist      the roles' password secrets read from the primary
#                                         (rewritten when they change: reload)
#   /var/log/postgresql/entraide-pgbouncer.log, /var/run/postgresql/entraide-pgbouncer.pid
# It runs as a daemon (pgbouncer -d) as the postgres OS user.
#
# Databases: entraide and entraide_test; entraide_test_pool2, a pool of 2 server connections
# to database entraide_pooler_test (test/pooler.e2e.ts creates it); any other name goes to the
# primary's database of that name (the "*" entry), so a test's own database works too.
# The admin console (database "pgbouncer") accepts $OWNER_ROLE, which the tests use to close
# the pooler's connections to a database before dropping it (KILL <db>).

PGB_PORT=6432
PGB_DIR=/etc/entraide
PGB_INI=$PGB_DIR/pgbouncer.ini
PGB_USERLIST=$PGB_DIR/pgbouncer.userlist
PGB_PIDFILE=/var/run/postgresql/entraide-pgbouncer.pid
PGB_LOG=/var/log/postgresql/entraide-pgbouncer.log
PGB_BIN=$(command -v pgbouncer 2>/dev/null || echo /usr/sbin/pgbouncer)

pgbouncer_ini() {
  cat <<INI
;; Written by Entraide's scripts/services.sh (scripts/services.d/20-pgbouncer.sh): edits are replaced.
[databases]
entraide = host=$PG_HOST port=$PG_PORT dbname=entraide
entraide_test = host=$PG_HOST port=$PG_PORT dbname=entraide_test
entraide_test_pool2 = host=$PG_HOST port=$PG_PORT dbname=entraide_pooler_test pool_size=2
* = host=$PG_HOST port=$PG_PORT

[pgbouncer]
listen_addr = $PG_HOST
listen_port = $PGB_PORT
unix_socket_dir =
pool_mode = transaction
default_pool_size = 20
;; Idle server connections close after 10 s: the tests copy entraide_test as a template, which
;; PostgreSQL refuses while any session (the pooler's included) is connected to it.
server_idle_timeout = 10
max_client_conn = 1000
auth_type = md5
auth_file = $PGB_USERLIST
admin_users = $OWNER_ROLE
ignore_startup_parameters = extra_float_digits
server_reset_query =
logfile = $PGB_LOG
pidfile = $PGB_PIDFILE
log_connections = 0
log_disconnections = 0
INI
}

pgbouncer_userlist() { # "role" "secret" per line; md5 auth also accepts SCRAM secrets
  pg_super postgres -At <<SQL
select '"' || rolname || '" "' || coalesce(rolpassword, '') || '"'
  from pg_authid where rolname in ('$OWNER_ROLE', '$APP_ROLE') order by rolname;
SQL
}

pgbouncer_pid() { # the running daemon's pid, or nothing (a stale pid file may name another process)
  local pid
  pid=$(as_root cat "$PGB_PIDFILE" 2>/dev/null || true)
  [[ $pid =~ ^[0-9]+$ ]] && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == pgbouncer ]] && echo "$pid"
  return 0
}

pgbouncer_ready() { pg_isready -q -h "$PG_HOST" -p "$PGB_PORT" -d entraide -t 2 >/dev/null 2>&1; }

pgbouncer_start() {
  as_root install -d -o postgres -g postgres -m 2775 /var/run/postgresql
  as_root "$PGB_BIN" -d -q -u postgres "$PGB_INI" || die "could not start pgbouncer (see $PGB_LOG)"
  wait_for PgBouncer pgbouncer_ready
}

pgbouncer_stop() {
  local pid
  pid=$(pgbouncer_pid)
  [[ -n $pid ]] || return 0
  as_root kill -INT "$pid" # SIGINT: stop at once; clients reconnect to the new one
  wait_for "PgBouncer to stop" pgbouncer_gone "$pid"
}
pgbouncer_gone() { ! as_root kill -0 "$1" 2>/dev/null; }

if [[ ! -x $PGB_BIN ]]; then
  ((CHECK)) && {
    log "missing: pgbouncer"
    MISSING=1
  }
else
  pgb_tmp=$(mktemp -d /tmp/entraide-pgbouncer.XXXXXX)
  pgbouncer_ini >"$pgb_tmp/ini"
  pgbouncer_userlist >"$pgb_tmp/userlist"
  pgb_restart=0
  if ! as_root cmp -s "$pgb_tmp/ini" "$PGB_INI"; then
    if action "PgBouncer configuration $PGB_INI" "writing $PGB_INI"; then
      as_root install -d -m 0755 "$PGB_DIR"
      as_root install -m 0644 "$pgb_tmp/ini" "$PGB_INI"
      pgb_restart=1
    fi
  fi
  pgb_reload=0
  if ! as_root cmp -s "$pgb_tmp/userlist" "$PGB_USERLIST"; then
    if action "PgBouncer user list $PGB_USERLIST" "writing $PGB_USERLIST"; then
      as_root install -d -m 0755 "$PGB_DIR"
      as_root install -o root -g postgres -m 0640 "$pgb_tmp/userlist" "$PGB_USERLIST"
      pgb_reload=1
    fi
  fi
  rm -rf "$pgb_tmp"

  # Debian's package starts its own PgBouncer (service pgbouncer) on the same port: this one replaces it.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet pgbouncer 2>/dev/null; then
    action "Debian's pgbouncer service stopped (it holds port $PGB_PORT)" \
      "stopping and disabling Debian's pgbouncer service (port $PGB_PORT is this one's)" &&
      as_root systemctl disable --now pgbouncer >/dev/null 2>&1
  fi

  pgb_pid=$(pgbouncer_pid)
  if [[ -n $pgb_pid ]] && ((pgb_restart)); then
    log "restarting PgBouncer (configuration changed)"
    pgbouncer_stop
    pgb_pid=
  elif [[ -n $pgb_pid ]] && ((pgb_reload)); then
    log "reloading PgBouncer (user list changed)"
    as_root kill -HUP "$pgb_pid"
  fi
  if [[ -z $pgb_pid ]] || ! pgbouncer_ready; then
    if action "PgBouncer not answering on $PG_HOST:$PGB_PORT" "starting PgBouncer on $PG_HOST:$PGB_PORT"; then
      [[ -z $pgb_pid ]] || pgbouncer_stop
      pgbouncer_start
    fi
  fi
fi
