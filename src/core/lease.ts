/**
 * Leadership for work that must run once per cluster (the Alertmanager watcher, the console, the
 * metric runners): a {@link Lease} says whether this node holds it now and tells when that changes.
 *
 * @module
 */

/** A leadership lease; see the implementations in `redis-lease.ts` and {@link SoloLease}. */
export interface Lease {
  /** What the lease guards, e.g. `alertmanager-watcher`. */
  readonly name: string;
  /** Whether this node holds the lease now. */
  readonly held: boolean;
  /** Calls `listener` with the new value each time {@link Lease.held} changes. Returns the unsubscribe function. */
  onChange(listener: (held: boolean) => void): () => void;
  /** Starts competing for the lease. */
  start(): Promise<void>;
  /** Stops competing and gives the lease up if held, so another node takes over at once. Idempotent. */
  stop(): Promise<void>;
}

/** The lease of a node that is alone (memory bus): always held once started. */
export class SoloLease implements Lease {
  private current = false;
  private readonly listeners = new Set<(held: boolean) => void>();

  constructor(readonly name: string) {}

  get held(): boolean {
    return this.current;
  }

  onChange(listener: (held: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<void> {
    this.set(true);
  }

  async stop(): Promise<void> {
    this.set(false);
  }

  private set(held: boolean): void {
    if (held === this.current) return;
    this.current = held;
    for (const listener of this.listeners) listener(held);
  }
}
