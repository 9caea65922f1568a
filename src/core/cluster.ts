/**
 * What a node shares with the other nodes of its cluster besides the event stream: leases (work
 * that runs on one node at a time) and broadcast channels (results that one node computes and every
 * node shows). The interfaces live in core so sources can use them; `src/bus/cluster-services.ts`
 * builds them from the bus settings: alone on a memory bus, on Redis with the Redis bus.
 *
 * @module
 */
import { SoloLease, type Lease } from './lease.js';

/**
 * A cluster-wide broadcast: a message published on a channel reaches every subscriber of that
 * channel on every node, this node's included. Nothing is stored: a node that is not subscribed (or
 * cut off from the others) when a message is sent never sees it. For results that are sent again
 * soon anyway (a metric evaluation), not for events (those go through the bus).
 */
export interface ClusterChannel {
  /** Sends `message` to every subscriber of `channel`. Failures are reported, never thrown. */
  publish(channel: string, message: string): void;
  /** Calls `handler` with every message of `channel` from now on; returns the unsubscribe function. */
  subscribe(channel: string, handler: (message: string) => void): () => void;
}

/** Leases and channels of one node. */
export interface ClusterServices {
  /** `true` when other nodes may exist (a shared bus); `false` for a node alone. */
  readonly shared: boolean;
  /** A new lease named `name` (one holder per cluster); the caller starts and stops it. */
  lease(name: string): Lease;
  readonly channel: ClusterChannel;
  /** Closes what the services opened (connections). */
  stop(): Promise<void>;
}

/** Channels of a node alone: handlers run in a later microtask, as a remote delivery would. */
export class LocalChannel implements ClusterChannel {
  private readonly handlers = new Map<string, Set<(message: string) => void>>();

  publish(channel: string, message: string): void {
    const set = this.handlers.get(channel);
    if (set === undefined) return;
    for (const handler of set) queueMicrotask(() => handler(message));
  }

  subscribe(channel: string, handler: (message: string) => void): () => void {
    let set = this.handlers.get(channel);
    if (set === undefined) this.handlers.set(channel, (set = new Set()));
    set.add(handler);
    return () => {
      set.delete(handler);
      if (set.size === 0 && this.handlers.get(channel) === set) this.handlers.delete(channel);
    };
  }
}

/** The services of a node that is alone: every lease held, channels local. */
export function soloCluster(): ClusterServices {
  return {
    shared: false,
    lease: (name) => new SoloLease(name),
    channel: new LocalChannel(),
    stop: async () => undefined,
  };
}
