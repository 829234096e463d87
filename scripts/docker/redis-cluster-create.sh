#!/bin/sh
# One-shot (`redis-cluster-create`): joins the three masters redis-1:7000, redis-2:7001 and
# redis-3:7002 into one Redis Cluster, the 16384 slots split between them (no replicas: each
# master persists with AOF and is restarted in place). Does nothing when the cluster is already
# formed. The nodes announce their service names (cluster-announce-hostname), so that clients
# (REDIS_CLUSTER_NODES) reach them by name; CLUSTER MEET itself needs addresses, hence getent.
set -eu

NODES="redis-1:7000 redis-2:7001 redis-3:7002"

for node in $NODES; do
  until redis-cli -h "${node%%:*}" -p "${node##*:}" ping 2>/dev/null | grep -q PONG; do
    echo "redis-cluster: waiting for $node"
    sleep 1
  done
done

if redis-cli -h redis-1 -p 7000 cluster info | grep -q '^cluster_state:ok'; then
  echo "redis-cluster: already formed"
  exit 0
fi

addresses=""
for node in $NODES; do
  ip=$(getent hosts "${node%%:*}" | awk '{ print $1; exit }')
  addresses="$addresses $ip:${node##*:}"
done
# shellcheck disable=SC2086 # one argument per node
redis-cli --cluster create $addresses --cluster-replicas 0 --cluster-yes
