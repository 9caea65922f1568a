import type { BusConfig } from './create-bus.js';
import { SoloLease, type Lease } from '../core/lease.js';
import { redisConnector, redisTarget, streamKeyFor } from './redis-connection.js';
import { RedisLease } from './redis-lease.js';

/** What {@link createLease} reads. */
export interface LeaseConfig {
  readonly bus: BusConfig;
  /** This node's id: the lease's value in Redis. */
  readonly nodeId: string;
  readonly leaseMs: number;
}

/**
 * A lease named `name`: always held on a memory bus (one node), a Redis lease on the Redis bus's
 * server otherwise, on a connection of its own (opened at start, closed at stop).
 */
export function createLease(name: string, config: LeaseConfig, onError?: (error: Error) => void): Lease {
  const redis = config.bus.redis;
  if (config.bus.kind !== 'redis' || redis === undefined) return new SoloLease(name);
  return new RedisLease({
    name,
    owner: config.nodeId,
    redis: redisConnector(redisTarget(redis))(),
    ownConnection: true,
    leaseMs: config.leaseMs,
    // Named after the stream: clusters sharing one Redis (one stream each) do not share leases.
    prefix: streamKeyFor(redis.stream, redis.cluster),
    ...(onError === undefined ? {} : { onError }),
  });
}
