import type { Bus } from '../core/bus.js';
import { MemoryBus } from './memory-bus.js';
import { RedisBus } from './redis-bus.js';
import { redisConnector, redisTarget, streamKeyFor } from './redis-connection.js';

/** The `bus` section of the configuration, as far as the factory reads it. */
export interface BusConfig {
  /** Which implementation: `memory` (single node) or `redis` (a stream shared by several nodes). */
  readonly kind: string;
  /** Settings of the Redis bus; read when `kind` is `redis`. */
  readonly redis?: {
    readonly url: string;
    readonly stream: string;
    readonly maxLen: number;
    readonly sentinels: readonly string[];
    readonly sentinelName: string;
    readonly cluster: boolean;
  };
}

/** What a bus may need from the server besides its configuration. */
export interface BusDeps {
  /** Events the memory bus keeps for replay; the server passes the replay window's bound. */
  readonly retainEvents?: number;
  /** Reports retried connection errors of a shared bus (the server logs them). */
  readonly onError?: (error: Error) => void;
}

/**
 * Builds the bus `config.kind` names. The server uses only this factory, so adding a bus is one
 * case here plus its own module.
 *
 * @throws {TypeError} for a kind no implementation exists for.
 */
export function createBus(config: BusConfig, deps: BusDeps = {}): Bus {
  switch (config.kind) {
    case 'memory':
      return new MemoryBus(undefined, deps.retainEvents === undefined ? {} : { retainEvents: deps.retainEvents });
    case 'redis': {
      const redis = config.redis;
      if (redis === undefined) throw new TypeError('createBus: bus.kind "redis" needs bus.redis settings');
      return new RedisBus({
        stream: streamKeyFor(redis.stream, redis.cluster),
        maxLen: redis.maxLen,
        connect: redisConnector(redisTarget(redis)),
        ...(deps.onError === undefined ? {} : { onError: deps.onError }),
      });
    }
    default:
      throw new TypeError(`createBus: unknown bus.kind "${config.kind}"; known: memory, redis`);
  }
}
