#!/usr/bin/env bash
# Installs (if missing) and starts the local services Entraide needs for
# development and tests: PostgreSQL 15 + PostGIS 3 and Redis, then makes sure
# the roles, databases, extensions and database/schema privileges exist.
# Also installs Debian's Chromium (/usr/bin/chromium) for the browser tests.
#
#   scripts/services.sh           install/start/configure what is missing
#   scripts/services.sh --check   only report what is missing (exit 1 if any)
#
# Idempotent and quiet: prints one line per action taken (stderr, prefixed
# "services:") and nothing when everything is already in place.
#
# Environment:
#   ENTRAIDE_OWNER_PASSWORD  password of role entraide_owner (dev default: entraide_owner)
#   ENTRAIDE_APP_PASSWORD    password of role entraide_app   (dev default: entraide_app)
#   ENTRAIDE_PG_SHARED_BUFFERS_MB  PostgreSQL's shared_buffers (default: a quarter of the memory, at most 2048)
#   ENTRAIDE_PG_HUGE_PAGES=off     leave PostgreSQL on ordinary pages (services.d/40-huge-pages.sh)
# A password is set when the role is created or has none; when one of these
# variables is set explicitly, that role's password is (re)set on every run.
set -euo pipefail

PG_VERSION=15
PG_CLUSTER=main
PG_HOST=127.0.0.1
PG_PORT=5432
REDIS_HOST=127.0.0.1
REDIS_PORT=6379
OWNER_ROLE=entraide_owner
APP_ROLE=entraide_app
OWNER_PASSWORD=${ENTRAIDE_OWNER_PASSWORD:-entraide_owner}
APP_PASSWORD=${ENTRAIDE_APP_PASSWORD:-entraide_app}
DATABASES=(entraide entraide_test)
# pg_prewarm: loads a table into shared_buffers (the benchmarks after seeding; an operator after a restart).
# pg_repack: rewrites listings in search order online (`npm run cli -- listings:reorder`).
EXTENSIONS=(postgis btree_gist btree_gin pg_trgm unaccent pg_prewarm pg_repack)
WAIT_SECONDS=30

CHECK=0
for arg in "$@"; do
  case "$arg" in
    --check) CHECK=1 ;;
    -h | --help)
      sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "services: unknown argument: $arg (usage: $0 [--check])" >&2
      exit 2
      ;;
  esac
done

log() { echo "services: $*" >&2; }
die() {
  log "error: $*"
  exit 1
}

MISSING=0
# In --check mode: report and remember; otherwise: announce the action.
# Returns 0 when the caller should go on and act.
action() {
  if ((CHECK)); then
    log "missing: $1"
    MISSING=1
    return 1
  fi
  log "$2"
  return 0
}

SUDO=()
if [[ $(id -u) -ne 0 ]] && command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
fi
as_root() { "${SUDO[@]}" "$@"; }

pkg_installed() {
  [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true) == "install ok installed" ]]
}

sql_literal() { printf "'%s'" "${1//\'/\'\'}"; }

# ---------------------------------------------------------------- packages --
packages=()
if ! command -v psql >/dev/null 2>&1 || ! pkg_installed "postgresql-$PG_VERSION" ||
  ! pkg_installed "postgresql-$PG_VERSION-postgis-3"; then
  packages+=("postgresql-$PG_VERSION" "postgresql-$PG_VERSION-postgis-3")
fi
# The extension and its client (pg_repack), for listings:reorder.
if ! pkg_installed "postgresql-$PG_VERSION-repack"; then
  packages+=("postgresql-$PG_VERSION-repack")
fi
if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  packages+=(redis-server)
fi
# The connection pooler of the scale-out shape (scripts/services.d/), in front of the primary.
if ! command -v pgbouncer >/dev/null 2>&1 && [[ ! -x /usr/sbin/pgbouncer ]]; then
  packages+=(pgbouncer)
fi
# Browser tests drive Debian's Chromium, never a browser build downloaded by a test library.
# Without recommends it lacks a Latin font a fresh system may not have: fonts-liberation.
if [[ ! -x /usr/bin/chromium ]] || ! pkg_installed fonts-liberation; then
  packages+=(chromium fonts-liberation)
fi

if ((${#packages[@]})); then
  if action "packages ${packages[*]}" "apt-get update (to install ${packages[*]})"; then
    apt_log=$(mktemp /tmp/entraide-services-apt.XXXXXX)
    if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get update >"$apt_log" 2>&1 ||
      ! log "apt-get install -y ${packages[*]}" ||
      ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        "${packages[@]}" >>"$apt_log" 2>&1; then
      tail -n 30 "$apt_log" >&2
      die "apt-get failed (full log: $apt_log)"
    fi
    rm -f "$apt_log"
  fi
fi

# --------------------------------------------------------------- PostgreSQL --
pg_ready() {
  command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 2 >/dev/null 2>&1
}

wait_for() { # wait_for DESCRIPTION COMMAND...
  local what=$1 deadline=$((SECONDS + WAIT_SECONDS))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || die "$what not ready after ${WAIT_SECONDS}s"
    sleep 0.5
  done
}

PG_UP=1
if ! pg_ready; then
  if action "PostgreSQL not answering on $PG_HOST:$PG_PORT" \
    "starting PostgreSQL $PG_VERSION/$PG_CLUSTER"; then
    if ! as_root pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" \
      '$1 == v && $2 == c { found = 1 } END { exit !found }'; then
      log "creating cluster $PG_VERSION/$PG_CLUSTER"
      as_root pg_createcluster --port "$PG_PORT" "$PG_VERSION" "$PG_CLUSTER" >/dev/null
    fi
    # "start" fails when the cluster already runs (e.g. still starting up).
    as_root pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" "$PG_CLUSTER" start ||
      as_root pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" "$PG_CLUSTER" status >/dev/null ||
      die "could not start PostgreSQL (see /var/log/postgresql/postgresql-$PG_VERSION-$PG_CLUSTER.log)"
    wait_for PostgreSQL pg_ready
  else
    PG_UP=0
  fi
fi

# -------------------------------------------------------------------- Redis --
redis_ready() {
  command -v redis-cli >/dev/null 2>&1 &&
    [[ $(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]
}

if ! redis_ready; then
  if action "Redis not answering on $REDIS_HOST:$REDIS_PORT" "starting redis-server on $REDIS_HOST:$REDIS_PORT"; then
    # Development instance: no persistence, nothing written to the working directory.
    (cd /tmp && redis-server --daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT" \
      --save '' --appendonly no >/dev/null) || die "could not start redis-server"
    wait_for Redis redis_ready
  fi
fi

if ((!PG_UP)); then
  log "missing: (database checks skipped while PostgreSQL is down)"
  exit 1
fi

# ---------------------------------------------------- SQL as a superuser --
# pg_super DB [psql options...]  (SQL on stdin or with -c)
# Tries TCP as role postgres (trust auth), then peer auth as the postgres OS user.
PSQL_MODE=
pg_super() {
  local db=$1
  shift
  if [[ -z $PSQL_MODE ]]; then
    if psql -X -w -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1; then
      PSQL_MODE=tcp
    elif (cd / && as_root runuser -u postgres -- psql -X -w -p "$PG_PORT" -d postgres -Atqc 'select 1') >/dev/null 2>&1; then
      PSQL_MODE=peer
    else
      die "cannot run psql as superuser (neither 'psql -h $PG_HOST -U postgres' nor 'runuser -u postgres -- psql' works)"
    fi
  fi
  if [[ $PSQL_MODE == tcp ]]; then
    psql -X -w -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U postgres -d "$db" "$@"
  else
    (cd / && as_root runuser -u postgres -- psql -X -w -q -v ON_ERROR_STOP=1 -p "$PG_PORT" -d "$db" "$@")
  fi
}
pg_super postgres -Atc 'select 1' >/dev/null # choose the connection mode once

# ---------------------------------------------------------- shared_buffers --
# Debian's default (128 MB) is far below a million listings' table and indexes: every search then reads
# pages through the kernel (measured: bench:search, docs/PERFORMANCE.md). A quarter of the memory, at most
# 2 GB (ENTRAIDE_PG_SHARED_BUFFERS_MB to choose), set with ALTER SYSTEM; the primary restarts once to take it.
mem_mb=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo 2>/dev/null || echo 0)
want_mb=${ENTRAIDE_PG_SHARED_BUFFERS_MB:-$((mem_mb / 4 < 2048 ? mem_mb / 4 : 2048))}
have_mb=$(pg_super postgres -Atc "select setting::bigint * 8 / 1024 from pg_settings where name = 'shared_buffers'")
if ((want_mb >= 128)) && [[ $have_mb != "$want_mb" ]] &&
  action "shared_buffers ${want_mb}MB (now ${have_mb}MB)" "setting shared_buffers to ${want_mb}MB and restarting PostgreSQL"; then
  pg_super postgres -c "ALTER SYSTEM SET shared_buffers = '${want_mb}MB'"
  as_root pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" "$PG_CLUSTER" restart ||
    die "could not restart PostgreSQL (see /var/log/postgresql/postgresql-$PG_VERSION-$PG_CLUSTER.log)"
  wait_for PostgreSQL pg_ready
fi

# ------------------------------------------------------------------- roles --
OWNER_ATTRS="LOGIN CREATEDB BYPASSRLS NOSUPERUSER"
APP_ATTRS="LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS"

# One line per problem: "<kind> <name>".
problems=$(pg_super postgres -At <<SQL
select 'role_missing ' || r.name
  from (values ('$OWNER_ROLE'), ('$APP_ROLE')) r(name)
 where not exists (select 1 from pg_roles where rolname = r.name)
union all
select 'role_attrs ' || rolname from pg_roles
 where rolname = '$OWNER_ROLE'
   and not (rolcanlogin and rolcreatedb and rolbypassrls and not rolsuper)
union all
select 'role_attrs ' || rolname from pg_roles
 where rolname = '$APP_ROLE'
   and not (rolcanlogin and not rolsuper and not rolcreatedb and not rolcreaterole and not rolbypassrls)
union all
select 'role_nopassword ' || rolname from pg_authid
 where rolname in ('$OWNER_ROLE', '$APP_ROLE') and rolpassword is null
union all
select 'db_missing ' || d.name
  from unnest(array['${DATABASES[0]}', '${DATABASES[1]}']) d(name)
 where not exists (select 1 from pg_database where datname = d.name)
union all
select 'db_owner ' || datname from pg_database
 where datname in ('${DATABASES[0]}', '${DATABASES[1]}')
   and pg_get_userbyid(datdba) <> '$OWNER_ROLE';
SQL
)

has_problem() { [[ $'\n'"$problems"$'\n' == *$'\n'"$1"$'\n'* ]]; }

role_attrs() { if [[ $1 == "$OWNER_ROLE" ]]; then echo "$OWNER_ATTRS"; else echo "$APP_ATTRS"; fi; }
role_password() { if [[ $1 == "$OWNER_ROLE" ]]; then echo "$OWNER_PASSWORD"; else echo "$APP_PASSWORD"; fi; }
role_password_forced() {
  if [[ $1 == "$OWNER_ROLE" ]]; then [[ -n ${ENTRAIDE_OWNER_PASSWORD:-} ]]; else [[ -n ${ENTRAIDE_APP_PASSWORD:-} ]]; fi
}

for role in "$OWNER_ROLE" "$APP_ROLE"; do
  attrs=$(role_attrs "$role")
  password=$(sql_literal "$(role_password "$role")")
  if has_problem "role_missing $role"; then
    if action "role $role" "creating role $role ($attrs)"; then
      pg_super postgres <<<"CREATE ROLE $role $attrs PASSWORD $password;"
    fi
    continue
  fi
  if has_problem "role_attrs $role" && action "attributes of role $role ($attrs)" "setting attributes of role $role: $attrs"; then
    pg_super postgres <<<"ALTER ROLE $role $attrs;"
  fi
  if has_problem "role_nopassword $role"; then
    if action "password of role $role" "setting password of role $role"; then
      pg_super postgres <<<"ALTER ROLE $role PASSWORD $password;"
    fi
  elif role_password_forced "$role" && ((!CHECK)); then
    log "setting password of role $role (from environment)"
    pg_super postgres <<<"ALTER ROLE $role PASSWORD $password;"
  fi
done

# --------------------------------------------------------------- databases --
db_problems() { # db_problems DB -> one problem name per line
  local ext_list
  ext_list=$(printf "'%s'," "${EXTENSIONS[@]}")
  pg_super "$1" -At <<SQL
select 'ext ' || e.name from unnest(array[${ext_list%,}]) e(name)
 where not exists (select 1 from pg_extension where extname = e.name)
union all
select 'db_public_acl' from pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
 where d.datname = current_database() and a.grantee = 0
 having count(*) > 0
union all
select 'db_app_acl'
 where (select count(distinct a.privilege_type)
          from pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
         where d.datname = current_database()
           and a.grantee = (select oid from pg_roles where rolname = '$APP_ROLE')
           and a.privilege_type in ('CONNECT', 'TEMPORARY')) < 2
union all
select 'schema_owner' from pg_namespace
 where nspname = 'public' and pg_get_userbyid(nspowner) <> '$OWNER_ROLE'
union all
select 'schema_app_usage'
 where not exists (select 1 from pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
                    where n.nspname = 'public' and a.privilege_type = 'USAGE'
                      and a.grantee = (select oid from pg_roles where rolname = '$APP_ROLE'))
union all
select 'schema_create'
 where exists (select 1 from pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
                where n.nspname = 'public' and a.privilege_type = 'CREATE' and a.grantee = 0)
    or has_schema_privilege('$APP_ROLE', 'public', 'CREATE');
SQL
}

for db in "${DATABASES[@]}"; do
  if has_problem "db_missing $db"; then
    if action "database $db" "creating database $db (owner $OWNER_ROLE)"; then
      pg_super postgres <<<"CREATE DATABASE $db OWNER $OWNER_ROLE;"
    else
      continue
    fi
  elif has_problem "db_owner $db" && action "owner of database $db ($OWNER_ROLE)" "setting owner of database $db to $OWNER_ROLE"; then
    pg_super postgres <<<"ALTER DATABASE $db OWNER TO $OWNER_ROLE;"
  fi

  if ((CHECK)) && has_problem "role_missing $APP_ROLE"; then
    log "missing: (privileges in database $db not checked until role $APP_ROLE exists)"
    MISSING=1
    continue
  fi

  dbp=$(db_problems "$db")
  while IFS= read -r p; do
    case "$p" in
      ext\ *)
        ext=${p#ext }
        action "extension $ext in database $db" "creating extension $ext in database $db" &&
          pg_super "$db" <<<"CREATE EXTENSION IF NOT EXISTS $ext;"
        ;;
      db_public_acl)
        action "REVOKE ALL ON DATABASE $db FROM PUBLIC" "revoking all privileges on database $db from PUBLIC" &&
          pg_super "$db" <<<"REVOKE ALL ON DATABASE $db FROM PUBLIC;"
        ;;
      db_app_acl)
        action "GRANT CONNECT, TEMPORARY ON DATABASE $db TO $APP_ROLE" "granting CONNECT, TEMPORARY on database $db to $APP_ROLE" &&
          pg_super "$db" <<<"GRANT CONNECT, TEMPORARY ON DATABASE $db TO $APP_ROLE;"
        ;;
      schema_owner)
        action "owner of schema public in database $db ($OWNER_ROLE)" "setting owner of schema public in database $db to $OWNER_ROLE" &&
          pg_super "$db" <<<"ALTER SCHEMA public OWNER TO $OWNER_ROLE;"
        ;;
      schema_app_usage)
        action "GRANT USAGE ON SCHEMA public TO $APP_ROLE in database $db" "granting USAGE on schema public to $APP_ROLE in database $db" &&
          pg_super "$db" <<<"GRANT USAGE ON SCHEMA public TO $APP_ROLE;"
        ;;
      schema_create)
        action "REVOKE CREATE ON SCHEMA public FROM PUBLIC, $APP_ROLE in database $db" "revoking CREATE on schema public from PUBLIC and $APP_ROLE in database $db" &&
          pg_super "$db" <<<"REVOKE CREATE ON SCHEMA public FROM PUBLIC; REVOKE CREATE ON SCHEMA public FROM $APP_ROLE;"
        ;;
      '') ;;
      *) die "unexpected check result in database $db: $p" ;;
    esac
  done <<<"$dbp"
done

# ------------------------------------------------------- scale-out shape --
# The standby, the pooler and the Redis Cluster of the production shape, on this machine
# (issue: reads on a replica, PgBouncer, Redis Cluster). Each part is its own file, sourced
# here in name order so that it uses the helpers above (log, action, die, wait_for, pg_super,
# CHECK, MISSING) and stays idempotent and quiet like the rest.
for part in "$(dirname "${BASH_SOURCE[0]}")"/services.d/*.sh; do
  [[ -e $part ]] || continue
  # shellcheck source=/dev/null
  source "$part"
done

exit "$MISSING"
