/**
 * A real Redis Cluster of masters (`redis-server --cluster-enabled yes` on free loopback ports,
 * joined with `redis-cli --cluster create`), handed out only once every master serves.
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { startRedis, type RedisServer } from './redis.js';
import { waitFor } from './wait.js';

const run = promisify(execFile);

/** A running cluster started by {@link startRedisCluster}. */
export interface RedisClusterServers {
  /** The masters, in the order their slots were assigned (master 0 holds slot 0). */
  readonly masters: readonly RedisServer[];
  /** `redis://127.0.0.1:<port of master 0>`: a seed node for clients. */
  readonly seedUrl: string;
  /**
   * Joins the masters with `redis-cli --cluster create --cluster-replicas 0` and waits until
   * {@link RedisClusterServers.waitHealthy}. Done by {@link startRedisCluster} unless `join: false`.
   */
  join(healthyTimeoutMs?: number): Promise<void>;
  /**
   * Resolves once every master reports `cluster_state:ok` with all 16384 slots ok and knows every
   * other master, and `redis-cli --cluster check` finds that all nodes agree about the slots.
   * Rejects after `timeoutMs` naming what was last seen.
   */
  waitHealthy(timeoutMs: number): Promise<void>;
  /** The master that holds `key`'s slot (ask any master with `CLUSTER KEYSLOT`, then match `CLUSTER SLOTS`). */
  masterFor(key: string): Promise<RedisServer>;
  /** Stops every master. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startRedisCluster}. */
export interface StartRedisClusterOptions {
  /** How many masters (no replicas). Defaults to `3`, the least `redis-cli --cluster create` accepts. */
  masters?: number;
  /** `cluster-node-timeout` in milliseconds. Defaults to `5000`. */
  nodeTimeoutMs?: number;
  /** Deadline for the joined cluster to become healthy ({@link RedisClusterServers.waitHealthy}). Defaults to `30_000`. */
  healthyTimeoutMs?: number;
  /**
   * Join the masters before resolving. Defaults to `true`; `false` hands out masters that hold no
   * slots yet (each answers `cluster_state:fail`) and leaves {@link RedisClusterServers.join} to the test.
   */
  join?: boolean;
}

function redisCli(): string {
  return existsSync('/usr/bin/redis-cli') ? '/usr/bin/redis-cli' : 'redis-cli';
}

/** Runs `redis-cli -p <port> <args…>` and resolves with its output. */
export async function redisCliAt(port: number, ...args: string[]): Promise<string> {
  return (await run(redisCli(), ['-p', String(port), ...args])).stdout;
}

/**
 * Starts the masters, joins them with `redis-cli --cluster create --cluster-replicas 0` and waits
 * until {@link RedisClusterServers.waitHealthy}: `--cluster create` returns once the masters have
 * met, while some may still answer `cluster_state:fail` (`CLUSTERDOWN`) for a moment; checking only
 * one of them lets a client in too early. On failure everything started is stopped.
 */
export async function startRedisCluster(opts: StartRedisClusterOptions = {}): Promise<RedisClusterServers> {
  const count = opts.masters ?? 3;
  const masters: RedisServer[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(masters.splice(0).map((m) => m.stop()));
  };
  try {
    for (let i = 0; i < count; i++) {
      masters.push(
        await startRedis({
          extraArgs: ['--cluster-enabled', 'yes', '--cluster-node-timeout', String(opts.nodeTimeoutMs ?? 5000)],
        }),
      );
    }
    const servers = [...masters];
    const cluster: RedisClusterServers = {
      masters: servers,
      seedUrl: servers[0]!.url,
      join: async (healthyTimeoutMs = opts.healthyTimeoutMs ?? 30_000) => {
        await run(redisCli(), [
          '--cluster',
          'create',
          ...servers.map((m) => `${m.host}:${m.port}`),
          '--cluster-replicas',
          '0',
          '--cluster-yes',
        ]);
        await waitHealthy(servers, healthyTimeoutMs);
      },
      waitHealthy: (timeoutMs) => waitHealthy(servers, timeoutMs),
      masterFor: (key) => masterFor(servers, key),
      stop,
    };
    if (opts.join !== false) await cluster.join();
    return cluster;
  } catch (err) {
    await stop();
    throw err;
  }
}

async function waitHealthy(masters: readonly RedisServer[], timeoutMs: number): Promise<void> {
  await waitFor(
    async () => {
      for (const master of masters) {
        const info = await redisCliAt(master.port, 'cluster', 'info');
        for (const want of ['cluster_state:ok', 'cluster_slots_ok:16384', `cluster_known_nodes:${masters.length}`]) {
          if (!info.includes(want)) throw new Error(`${master.port} has no ${want}: ${info.split('\n', 6).join(' ')}`);
        }
      }
      const check = (await run(redisCli(), ['--cluster', 'check', `${masters[0]!.host}:${masters[0]!.port}`])).stdout;
      if (!check.includes('All nodes agree about slots configuration') || !check.includes('All 16384 slots covered')) {
        throw new Error(`redis-cli --cluster check: ${check}`);
      }
      return true;
    },
    { timeoutMs, intervalMs: 100, what: 'every master to serve all 16384 slots in agreement' },
  );
}

async function masterFor(masters: readonly RedisServer[], key: string): Promise<RedisServer> {
  const slot = Number((await redisCliAt(masters[0]!.port, 'cluster', 'keyslot', key)).trim());
  // Each line of `CLUSTER NODES`: `<id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slot ranges…>`.
  const nodes = await redisCliAt(masters[0]!.port, 'cluster', 'nodes');
  for (const line of nodes.split('\n')) {
    const fields = line.trim().split(' ');
    if (fields.length < 9 || !fields[2]!.includes('master')) continue;
    const port = Number(fields[1]!.split('@')[0]!.split(':')[1]);
    for (const range of fields.slice(8)) {
      const [from, to = from] = range.split('-').map(Number);
      if (slot >= from! && slot <= to!) {
        const master = masters.find((m) => m.port === port);
        if (master) return master;
      }
    }
  }
  throw new Error(`no master holds slot ${slot} of ${key}:\n${nodes}`);
}
