# shellcheck shell=bash
# Sourced by scripts/services.sh (uses its helpers: log, action, die, wait_for, CHECK, MISSING).
#
# A three-master Redis Cluster on 127.0.0.1, ports 7000-7002, for the queues, rate limits and
# caches when REDIS_CLUSTER_NODES is set (the Redis on 6379 stays as it is). Each node has its
# own directory (ENTRAIDE_REDIS_CLUSTER_DIR/<port>, default /var/lib/entraide-redis-cluster)
# holding redis.conf, nodes.conf, its append-only file, its log and its pid file; a node
# restarted with `redis-server <dir>/<port>/redis.conf` comes back with its slots and its data.
# The cluster is created (redis-cli --cluster create) only while no node knows of any slot.
# Without replicas, a stopped master's slots are unavailable until it is back; the other masters
# keep serving theirs (cluster-require-full-coverage no).

REDIS_CLUSTER_HOST=127.0.0.1
REDIS_CLUSTER_PORTS=(7000 7001 7002)
REDIS_CLUSTER_DIR=${ENTRAIDE_REDIS_CLUSTER_DIR:-/var/lib/entraide-redis-cluster}

rc_cli() { # rc_cli PORT ARGS...
  redis-cli -h "$REDIS_CLUSTER_HOST" -p "$1" "${@:2}" 2>/dev/null
}
rc_ready() { [[ $(rc_cli "$1" ping) == PONG ]]; }
rc_info() { # rc_info PORT FIELD -> value of FIELD in CLUSTER INFO
  rc_cli "$1" cluster info | tr -d '\r' | awk -F: -v f="$2" '$1 == f { print $2 }'
}
rc_state_ok() { [[ $(rc_info "$1" cluster_state) == ok ]]; }

rc_config() { # rc_config PORT -> the node's redis.conf
  local dir=$REDIS_CLUSTER_DIR/$1
  cat <<CONF
# Written by scripts/services.d/30-redis-cluster.sh; rewritten when it differs.
bind $REDIS_CLUSTER_HOST
port $1
dir $dir
daemonize yes
pidfile $dir/redis.pid
logfile $dir/redis.log
cluster-enabled yes
cluster-config-file nodes.conf
cluster-node-timeout 5000
cluster-require-full-coverage no
appendonly yes
appendfsync everysec
save ""
maxmemory-policy noeviction
CONF
}

rc_up=1
for rc_port in "${REDIS_CLUSTER_PORTS[@]}"; do
  rc_dir=$REDIS_CLUSTER_DIR/$rc_port
  rc_wanted=$(rc_config "$rc_port")
  if [[ ! -f $rc_dir/redis.conf || $(<"$rc_dir/redis.conf") != "$rc_wanted" ]]; then
    if action "Redis Cluster node configuration $rc_dir/redis.conf" "writing $rc_dir/redis.conf"; then
      if [[ ! -d $rc_dir ]]; then
        mkdir -p "$rc_dir" 2>/dev/null || { as_root mkdir -p "$rc_dir" && as_root chown "$(id -u):$(id -g)" "$rc_dir"; } ||
          die "cannot create $rc_dir"
      fi
      printf '%s\n' "$rc_wanted" >"$rc_dir/redis.conf"
      # A running node reads its configuration only when it starts.
      if rc_ready "$rc_port"; then
        log "restarting Redis Cluster node $REDIS_CLUSTER_HOST:$rc_port (new configuration)"
        rc_cli "$rc_port" shutdown >/dev/null || true
        wait_for "Redis Cluster node $rc_port to stop" eval "! rc_ready $rc_port"
      fi
    fi
  fi
  if ! rc_ready "$rc_port"; then
    if action "Redis Cluster node not answering on $REDIS_CLUSTER_HOST:$rc_port" \
      "starting Redis Cluster node $REDIS_CLUSTER_HOST:$rc_port"; then
      (cd "$rc_dir" && redis-server "$rc_dir/redis.conf" >/dev/null) ||
        die "could not start the Redis Cluster node on port $rc_port (see $rc_dir/redis.log)"
      wait_for "Redis Cluster node $rc_port" rc_ready "$rc_port"
    else
      rc_up=0
    fi
  fi
done

if ((rc_up)); then
  # Fresh nodes know only themselves and no slot; a formed cluster's nodes know all three
  # and the 16384 slots (kept in nodes.conf across restarts).
  rc_fresh=0 rc_formed=0
  for rc_port in "${REDIS_CLUSTER_PORTS[@]}"; do
    rc_slots=$(rc_info "$rc_port" cluster_slots_assigned)
    rc_known=$(rc_info "$rc_port" cluster_known_nodes)
    if [[ $rc_slots == 0 && $rc_known == 1 ]]; then
      rc_fresh=$((rc_fresh + 1))
    elif [[ $rc_slots == 16384 && $rc_known == "${#REDIS_CLUSTER_PORTS[@]}" ]]; then
      rc_formed=$((rc_formed + 1))
    fi
  done
  if ((rc_fresh == ${#REDIS_CLUSTER_PORTS[@]})); then
    if action "Redis Cluster not formed on ports ${REDIS_CLUSTER_PORTS[*]}" \
      "creating the Redis Cluster (${#REDIS_CLUSTER_PORTS[@]} masters on ports ${REDIS_CLUSTER_PORTS[*]})"; then
      rc_nodes=()
      for rc_port in "${REDIS_CLUSTER_PORTS[@]}"; do rc_nodes+=("$REDIS_CLUSTER_HOST:$rc_port"); done
      rc_out=$(redis-cli --cluster create "${rc_nodes[@]}" --cluster-replicas 0 --cluster-yes 2>&1) || {
        printf '%s\n' "$rc_out" >&2
        die "redis-cli --cluster create failed"
      }
      for rc_port in "${REDIS_CLUSTER_PORTS[@]}"; do
        wait_for "Redis Cluster state on port $rc_port" rc_state_ok "$rc_port"
      done
    fi
  elif ((rc_formed == ${#REDIS_CLUSTER_PORTS[@]})); then
    for rc_port in "${REDIS_CLUSTER_PORTS[@]}"; do
      if ! rc_state_ok "$rc_port"; then
        if ((CHECK)); then
          log "missing: Redis Cluster state ok on $REDIS_CLUSTER_HOST:$rc_port"
          MISSING=1
        else
          # A node just restarted rejoins within a few seconds.
          wait_for "Redis Cluster state on port $rc_port" rc_state_ok "$rc_port"
        fi
      fi
    done
  else
    # Part of the nodes lost their nodes.conf, or the slots are half assigned: not repaired blindly.
    if ((CHECK)); then
      log "missing: a consistent Redis Cluster on ports ${REDIS_CLUSTER_PORTS[*]}"
      MISSING=1
    else
      die "the Redis Cluster on ports ${REDIS_CLUSTER_PORTS[*]} is neither formed nor fresh; inspect it with" \
        "'redis-cli --cluster check $REDIS_CLUSTER_HOST:${REDIS_CLUSTER_PORTS[0]}' (or stop the nodes and" \
        "remove $REDIS_CLUSTER_DIR to start over)"
    fi
  fi
fi
