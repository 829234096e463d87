import Redis from 'ioredis';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * The Redis Cluster scripts/services.sh sets up on this machine (scripts/services.d/30-redis-cluster.sh): three
 * masters on 127.0.0.1, each with its directory (redis.conf, nodes.conf, append-only file, pid file), so a test can
 * stop a node and start it again as the script does.
 */
export const CLUSTER_HOST = '127.0.0.1';
export const CLUSTER_PORTS = [7000, 7001, 7002];
export const CLUSTER_NODES = CLUSTER_PORTS.map((port) => `${CLUSTER_HOST}:${port}`).join(',');
const CLUSTER_DIR = process.env.ENTRAIDE_REDIS_CLUSTER_DIR ?? '/var/lib/entraide-redis-cluster';
const run = promisify(execFile);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One short-lived connection to one node, which never retries (a stopped node fails at once). */
async function onNode<T>(port: number, work: (node: Redis) => Promise<T>): Promise<T> {
  const node = new Redis({
    host: CLUSTER_HOST,
    port,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  node.on('error', () => undefined);
  try {
    await node.connect();
    return await work(node);
  } finally {
    node.disconnect();
  }
}

async function clusterInfo(port: number): Promise<Record<string, string>> {
  const text = await onNode(port, (n) => n.call('CLUSTER', 'INFO') as Promise<string>);
  return Object.fromEntries(
    text
      .split(/\r?\n/)
      .filter(Boolean)
      .map((line) => line.split(':') as [string, string]),
  );
}

export class LocalRedisCluster {
  private constructor(private readonly slots: Array<{ from: number; to: number; port: number }>) {}

  /** The cluster, formed and healthy on every node; otherwise an error that says how to set it up. */
  static async require(): Promise<LocalRedisCluster> {
    for (const port of CLUSTER_PORTS) {
      let info: Record<string, string>;
      try {
        info = await clusterInfo(port);
      } catch (err) {
        throw new Error(
          `no Redis Cluster node answers on ${CLUSTER_HOST}:${port} (${(err as Error).message}): ` +
            'run scripts/services.sh, which sets up the three-master cluster on ports 7000-7002',
        );
      }
      if (info.cluster_state !== 'ok' || info.cluster_slots_assigned !== '16384')
        throw new Error(
          `the Redis Cluster node ${CLUSTER_HOST}:${port} is not part of a formed cluster (state ` +
            `${info.cluster_state}, ${info.cluster_slots_assigned} slots): run scripts/services.sh`,
        );
    }
    const ranges = (await onNode(CLUSTER_PORTS[0], (n) => n.call('CLUSTER', 'SLOTS'))) as Array<
      [number, number, [string, number, ...unknown[]], ...unknown[]]
    >;
    return new LocalRedisCluster(ranges.map(([from, to, [, port]]) => ({ from, to, port })));
  }

  async slotOf(key: string): Promise<number> {
    return onNode(CLUSTER_PORTS[0], (n) => n.call('CLUSTER', 'KEYSLOT', key) as Promise<number>);
  }

  /** The port of the master that holds `key`'s slot. */
  async portOf(key: string): Promise<number> {
    const slot = await this.slotOf(key);
    const range = this.slots.find((r) => r.from <= slot && slot <= r.to);
    if (!range) throw new Error(`no node holds slot ${slot}`);
    return range.port;
  }

  /** The keys matching `pattern` on each master (a cluster's SCAN sees one node's keys). */
  async keysByPort(pattern: string): Promise<Map<number, string[]>> {
    const found = new Map<number, string[]>();
    for (const port of CLUSTER_PORTS) {
      const keys = await onNode(port, async (n) => {
        const all: string[] = [];
        let cursor = '0';
        do {
          const [next, batch] = await n.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
          all.push(...batch);
          cursor = next;
        } while (cursor !== '0');
        return all;
      });
      if (keys.length) found.set(port, keys);
    }
    return found;
  }

  /** Deletes the keys matching `pattern` (a test's own prefix: never the whole cluster). */
  async deleteKeys(pattern: string): Promise<void> {
    for (const [port, keys] of await this.keysByPort(pattern)) {
      // One key per UNLINK: keys of one node may lie in different slots.
      await onNode(port, (n) => Promise.all(keys.map((k) => n.unlink(k))));
    }
  }

  /** Kills the node on `port` with SIGKILL, as a crash would, and waits until it no longer answers. */
  async kill(port: number): Promise<void> {
    const pid = Number(readFileSync(join(CLUSTER_DIR, String(port), 'redis.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 100; i++) {
      const alive = await onNode(port, (n) => n.ping()).then(
        () => true,
        () => false,
      );
      if (!alive) return;
      await pause(50);
    }
    throw new Error(`the Redis Cluster node on port ${port} still answers after SIGKILL`);
  }

  /** Starts the node on `port` again from its own configuration, and waits until the cluster is whole. */
  async start(port: number): Promise<void> {
    await run('redis-server', [join(CLUSTER_DIR, String(port), 'redis.conf')], {
      cwd: join(CLUSTER_DIR, String(port)),
    });
    const until = Date.now() + 30_000;
    for (;;) {
      // Every node answers, in state ok, and none still flags another as failing.
      const states = await Promise.all(
        CLUSTER_PORTS.map(async (p) => {
          const state = await clusterInfo(p).then(
            (i) => i.cluster_state,
            () => 'down',
          );
          const nodes = await onNode(p, (n) => n.call('CLUSTER', 'NODES') as Promise<string>).catch(() => '');
          return state === 'ok' && /\bfail\b/.test(nodes) ? 'ok (a node still flagged failing)' : state;
        }),
      );
      if (states.every((s) => s === 'ok')) return;
      if (Date.now() > until) throw new Error(`the Redis Cluster is not whole again: ${states.join(', ')}`);
      await pause(100);
    }
  }
}
