# shellcheck shell=bash
# Sourced by scripts/services.sh (uses its helpers: log, action, die, wait_for, as_root, PSQL_MODE,
# CHECK, MISSING, PG_VERSION, PG_HOST).
#
# PostgreSQL's shared memory in huge pages. shared_buffers of 2 GB in 4 kB pages is half a million
# page-table entries; a search at a million listings reads pages all over it, and each miss of the
# processor's address cache is a page-table walk (dearer still under a hypervisor). Measured with
# `npm run bench:search` (docs/PERFORMANCE.md): at 1,000,000 listings, PostgreSQL's CPU per search
# halves and the API's throughput doubles; at 10,000 listings nothing changes.
#
# The kernel reserves as many huge pages as the running clusters of $PG_VERSION ask for (their
# shared_memory_size_in_huge_pages), written to /etc/sysctl.d/60-entraide-huge-pages.conf for the
# next boot; then each cluster not using them yet is restarted (huge_pages = try, PostgreSQL's
# default, takes them; with too few it starts on ordinary pages). Where the kernel refuses (a
# container without the right, memory too fragmented), it says so and leaves things as they are.
#
# Environment:
#   ENTRAIDE_PG_HUGE_PAGES=off  leave the kernel's huge pages and the clusters alone
#
# To give the memory back: ENTRAIDE_PG_HUGE_PAGES=off on later runs, remove the sysctl.d file, then
# `sysctl vm.nr_hugepages=0` and restart the clusters (pages in use are freed when they stop).

HUGE_SYSCTL=/proc/sys/vm/nr_hugepages
HUGE_CONF=/etc/sysctl.d/60-entraide-huge-pages.conf
# A cluster restarted with the pages there that still did not take them (huge_pages set off in a way SHOW does not
# tell, a memory limit): "version name pages" lines, so that it is not restarted again on every run. Delete the file
# to try again.
HUGE_REFUSED=/var/lib/postgresql/.entraide-huge-pages-refused

cluster_sql() { # cluster_sql PORT SQL  (as superuser, by TCP or by peer auth as pg_super does)
  if [[ $PSQL_MODE == tcp ]]; then
    psql -X -w -q -At -h "$PG_HOST" -p "$1" -U postgres -d postgres -c "$2"
  else
    (cd / && as_root runuser -u postgres -- psql -X -w -q -At -p "$1" -d postgres -c "$2")
  fi
}
meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
# Whether the postmaster of the data directory maps its shared memory in huge pages: "on", "off", or "unknown" when
# its pid file or memory map cannot be read (no root).
huge_pages_of() {
  local pid maps
  pid=$(as_root head -n 1 "$1/postmaster.pid" 2>/dev/null) && maps=$(as_root cat "/proc/$pid/maps" 2>/dev/null) ||
    { echo unknown && return; }
  [[ $maps == *anon_hugepage* ]] && echo on || echo off
}

if [[ ${ENTRAIDE_PG_HUGE_PAGES:-on} != off && -r $HUGE_SYSCTL ]] && [[ -n $(meminfo Hugepagesize) ]]; then
  # Online clusters of this version: "name port datadir".
  huge_clusters=$(as_root pg_lsclusters -h 2>/dev/null |
    awk -v v="$PG_VERSION" '$1 == v && $4 ~ /^online/ { print $2, $3, $6 }') || huge_clusters=
  huge_refused=$(as_root cat "$HUGE_REFUSED" 2>/dev/null) || huge_refused=
  huge_off=() # clusters on ordinary pages that would take huge pages: "name port pages"
  huge_wanted=0
  while read -r name port datadir; do
    [[ -n $name ]] || continue
    [[ $(huge_pages_of "$datadir") == off ]] || continue
    [[ $(cluster_sql "$port" 'show huge_pages' 2>/dev/null) != off ]] || continue
    pages=$(cluster_sql "$port" 'show shared_memory_size_in_huge_pages' 2>/dev/null) || continue
    [[ $pages =~ ^[0-9]+$ ]] || continue
    [[ $'\n'"$huge_refused"$'\n' != *$'\n'"$PG_VERSION $name $pages"$'\n'* ]] || continue
    huge_off+=("$name $port $pages")
    huge_wanted=$((huge_wanted + pages))
  done <<<"$huge_clusters"

  if ((${#huge_off[@]})); then
    if ! as_root test -w "$HUGE_SYSCTL" 2>/dev/null; then
      # Nothing this script can do here (no right to reserve them): a note, not a failure.
      log "note: PostgreSQL runs on ordinary pages and this system does not let $HUGE_SYSCTL be set"
    elif action "huge pages for PostgreSQL (${huge_off[*]%% *}: $huge_wanted pages)" \
      "reserving huge pages for PostgreSQL (${huge_off[*]%% *}: $huge_wanted pages), then restarting it"; then
      huge_before=$(cat "$HUGE_SYSCTL")
      huge_free=$(($(meminfo HugePages_Free) - $(meminfo HugePages_Rsvd)))
      if ((huge_free < huge_wanted)); then
        huge_target=$((huge_before + huge_wanted - huge_free))
        echo "$huge_target" | as_root tee "$HUGE_SYSCTL" >/dev/null 2>&1 || true
        if (($(cat "$HUGE_SYSCTL") < huge_target)); then
          # Too fragmented to give them all: give back what was taken, PostgreSQL stays as it is.
          log "note: the kernel gave $(cat "$HUGE_SYSCTL") of $huge_target huge pages; PostgreSQL stays on ordinary pages"
          echo "$huge_before" | as_root tee "$HUGE_SYSCTL" >/dev/null 2>&1 || true
          huge_off=()
        elif [[ -d /etc/sysctl.d ]]; then
          echo "vm.nr_hugepages = $huge_target" | as_root tee "$HUGE_CONF" >/dev/null 2>&1 ||
            log "note: could not write $HUGE_CONF: the huge pages last until the next boot"
        fi
      fi
      for cluster in "${huge_off[@]}"; do
        read -r name port pages <<<"$cluster"
        as_root pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" "$name" restart ||
          die "could not restart $PG_VERSION/$name (see /var/log/postgresql/postgresql-$PG_VERSION-$name.log)"
        wait_for "$PG_VERSION/$name" pg_isready -q -h "$PG_HOST" -p "$port" -t 2
        datadir=$(as_root pg_lsclusters -h | awk -v v="$PG_VERSION" -v c="$name" '$1 == v && $2 == c { print $6 }')
        if [[ $(huge_pages_of "$datadir") != on ]]; then
          log "note: $PG_VERSION/$name restarted but still on ordinary pages (see its log); not tried again" \
            "while $HUGE_REFUSED names it"
          echo "$PG_VERSION $name $pages" | as_root tee -a "$HUGE_REFUSED" >/dev/null 2>&1 || true
        fi
      done
    fi
  fi
fi
