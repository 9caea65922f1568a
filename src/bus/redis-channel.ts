import type { Cluster, Redis } from 'ioredis';
import type { ClusterChannel } from '../core/cluster.js';
import { whenReady } from './redis-connection.js';

/** A connection and its first connect. */
interface Opened {
  readonly connection: Redis | Cluster;
  readonly ready: Promise<void>;
}

/** Options of {@link RedisChannel}. */
export interface RedisChannelOptions {
  /** Makes the connections: one in subscriber mode, one for `PUBLISH`. Both opened on first use. */
  readonly connect: () => Redis | Cluster;
  /** Prefix of every Redis channel name, so clusters sharing a Redis do not hear each other. */
  readonly prefix: string;
  /** Told about failed publishes and connection errors. */
  readonly onError: (error: Error) => void;
}

/**
 * {@link ClusterChannel} on Redis pub/sub (`PUBLISH` / `SUBSCRIBE`). One subscriber connection per
 * node, subscribed to a Redis channel while this node has a handler for it; ioredis subscribes
 * again after a reconnect. Messages sent while a node is cut off are lost for it, as the interface
 * allows.
 */
export class RedisChannel implements ClusterChannel {
  private readonly options: RedisChannelOptions;
  private readonly handlers = new Map<string, Set<(message: string) => void>>();
  private subscriber: Opened | undefined;
  private publisher: Opened | undefined;
  private stopped = false;
  /** Aborted by {@link RedisChannel.stop}: drops what still waits for a first `ready`. */
  private readonly lifetime = new AbortController();

  constructor(options: RedisChannelOptions) {
    this.options = options;
  }

  publish(channel: string, message: string): void {
    if (this.stopped) return;
    const publisher = (this.publisher ??= this.open());
    publisher.ready
      .then(() => publisher.connection.publish(this.options.prefix + channel, message))
      .catch((error: Error) => this.options.onError(error));
  }

  subscribe(channel: string, handler: (message: string) => void): () => void {
    let set = this.handlers.get(channel);
    if (set === undefined) {
      this.handlers.set(channel, (set = new Set()));
      if (!this.stopped) {
        const subscriber = this.subscriberConnection();
        subscriber.ready
          .then(() => subscriber.connection.subscribe(this.options.prefix + channel))
          .catch((error: Error) => this.options.onError(error));
      }
    }
    set.add(handler);
    return () => {
      set.delete(handler);
      if (set.size > 0 || this.handlers.get(channel) !== set) return;
      this.handlers.delete(channel);
      const subscriber = this.subscriber;
      if (!this.stopped && subscriber !== undefined)
        subscriber.ready
          .then(() => subscriber.connection.unsubscribe(this.options.prefix + channel))
          .catch((error: Error) => this.options.onError(error));
    };
  }

  /** Closes both connections; later calls do nothing. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.lifetime.abort();
    this.handlers.clear();
    this.subscriber?.connection.disconnect();
    this.publisher?.connection.disconnect();
  }

  private subscriberConnection(): Opened {
    if (this.subscriber !== undefined) return this.subscriber;
    const subscriber = this.open();
    subscriber.connection.on('message', (redisChannel: string, message: string) => {
      const set = this.handlers.get(redisChannel.slice(this.options.prefix.length));
      if (set === undefined) return;
      for (const handler of set) {
        try {
          handler(message);
        } catch (error) {
          this.options.onError(error as Error);
        }
      }
    });
    this.subscriber = subscriber;
    return subscriber;
  }

  /**
   * Opens a connection; commands wait for its first `ready` (the bus's connections queue nothing
   * offline). The `ready` event, not the promise of `connect()`: that promise rejects on a failed
   * first attempt although ioredis keeps reconnecting, and a Cluster can leave it pending forever.
   */
  private open(): Opened {
    const connection = this.options.connect();
    connection.on('error', (error: Error) => this.options.onError(error));
    const ready = whenReady(connection, this.lifetime.signal, this.options.onError);
    ready.catch(() => {});
    return { connection, ready };
  }
}
