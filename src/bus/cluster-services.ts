import { deadline } from '../core/deadline.js';
import { soloCluster, type ClusterServices } from '../core/cluster.js';
import type { Lease } from '../core/lease.js';
import type { LeaseConfig } from './create-lease.js';
import { redisConnector, redisTarget, streamKeyFor, whenReady } from './redis-connection.js';
import { RedisChannel } from './redis-channel.js';
import { RedisLease } from './redis-lease.js';

/**
 * The {@link ClusterServices} of this node: alone on a memory bus; on the Redis bus, leases on one
 * shared command connection (opened with the first lease) and channels on Redis pub/sub, all named
 * after the stream so clusters sharing a Redis stay apart.
 */
export function createClusterServices(config: LeaseConfig, onError: (error: Error) => void): ClusterServices {
  const redis = config.bus.redis;
  if (config.bus.kind !== 'redis' || redis === undefined) return soloCluster();
  const target = redisTarget(redis);
  const connect = redisConnector(target);
  const prefix = streamKeyFor(redis.stream, target.cluster === true);
  const channel = new RedisChannel({ connect, prefix: `${prefix}:channel:`, onError });
  let shared: { connection: ReturnType<typeof connect>; ready: Promise<void> } | undefined;
  const lifetime = new AbortController();
  return {
    shared: true,
    channel,
    lease(name: string): Lease {
      if (shared === undefined) {
        const connection = connect();
        connection.on('error', onError);
        // A failed first connect is retried by ioredis; the lease's rounds report their errors. The
        // first round waits for `ready` at most a lease period: a Cluster can leave the promise of
        // `connect()` pending forever, and a source's start must not hang on it.
        shared = {
          connection,
          ready: whenReady(connection, deadline(lifetime.signal, config.leaseMs).signal, onError).catch(
            () => undefined,
          ),
        };
      }
      const { connection, ready } = shared;
      const inner = new RedisLease({
        name,
        owner: config.nodeId,
        redis: connection,
        leaseMs: config.leaseMs,
        prefix,
        onError,
      });
      // The first round waits for the connection, so a lease is not a third of its time late.
      return {
        name,
        get held() {
          return inner.held;
        },
        onChange: (listener) => inner.onChange(listener),
        start: async () => {
          await ready;
          await inner.start();
        },
        stop: () => inner.stop(),
      };
    },
    async stop(): Promise<void> {
      lifetime.abort();
      await channel.stop();
      shared?.connection.disconnect();
      shared = undefined;
    },
  };
}
