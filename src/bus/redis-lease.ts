import type { Cluster, Redis } from 'ioredis';
import type { Lease } from '../core/lease.js';

/** Renews the lease only while this node still owns it. KEYS: lease key. ARGV: owner, ttl ms. */
const RENEW_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`;

/** Deletes the lease only while this node still owns it. KEYS: lease key. ARGV: owner. */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

/** Options of {@link RedisLease}. */
export interface RedisLeaseOptions {
  /** What the lease guards; the key is `<prefix>:lease:<name>`. */
  readonly name: string;
  /** This node's id, stored as the lease's value. */
  readonly owner: string;
  /** Connection used for the lease commands (shared with the bus is fine: the commands are short). */
  readonly redis: Redis | Cluster;
  /** Lease time to live. Renewed every third of it. Defaults to 10,000 ms. */
  readonly leaseMs?: number;
  /** Key prefix. Defaults to `livegate`. */
  readonly prefix?: string;
  /** The lease owns `redis`: it connects it at start (if lazy) and disconnects it at stop. */
  readonly ownConnection?: boolean;
  /** Reports failed rounds (the lease is treated as lost after one full lease without renewal). */
  readonly onError?: (error: Error) => void;
}

/**
 * Leader election with one Redis key: `SET key owner NX PX leaseMs` to take it, a compare-and-
 * `PEXPIRE` every third of the lease to keep it, compare-and-`DEL` to give it up. A node that
 * cannot renew (Redis unreachable) gives up leadership locally as soon as its last successful
 * renewal is a lease old, which is also when the key expires in Redis for the others: at most one
 * node believes it leads at any time, give or take clock drift between rounds.
 */
export class RedisLease implements Lease {
  readonly name: string;
  private readonly key: string;
  private readonly owner: string;
  private readonly redis: Redis | Cluster;
  private readonly leaseMs: number;
  private readonly onError: (error: Error) => void;
  private readonly ownConnection: boolean;
  private readonly listeners = new Set<(held: boolean) => void>();
  private current = false;
  private lastRenewed = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private round: Promise<void> = Promise.resolve();

  constructor(options: RedisLeaseOptions) {
    this.name = options.name;
    this.key = `${options.prefix ?? 'livegate'}:lease:${options.name}`;
    this.owner = options.owner;
    this.redis = options.redis;
    this.leaseMs = options.leaseMs ?? 10_000;
    this.onError = options.onError ?? (() => {});
    this.ownConnection = options.ownConnection ?? false;
    if (this.ownConnection) this.redis.on('error', (error: Error) => this.onError(error));
  }

  get held(): boolean {
    return this.current;
  }

  onChange(listener: (held: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    if (this.ownConnection && this.redis.status === 'wait') await this.redis.connect().catch(() => {});
    await this.tick();
    this.schedule();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearTimeout(this.timer);
    await this.round;
    if (this.current) {
      this.set(false);
      try {
        await this.redis.eval(RELEASE_SCRIPT, 1, this.key, this.owner);
      } catch (error) {
        this.onError(error as Error);
      }
    }
    if (this.ownConnection) this.redis.disconnect();
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(
      () => {
        this.round = this.tick().finally(() => this.schedule());
      },
      Math.max(1, Math.floor(this.leaseMs / 3)),
    );
    this.timer.unref();
  }

  /** One round: renew when held, otherwise try to take the lease. */
  private async tick(): Promise<void> {
    const started = Date.now();
    try {
      if (this.current) {
        const renewed = await this.redis.eval(RENEW_SCRIPT, 1, this.key, this.owner, String(this.leaseMs));
        if (Number(renewed) === 1) this.lastRenewed = started;
        else this.set(false);
      } else {
        const taken = await this.redis.set(this.key, this.owner, 'PX', this.leaseMs, 'NX');
        if (taken === 'OK') {
          this.lastRenewed = started;
          this.set(true);
        }
      }
    } catch (error) {
      this.onError(error as Error);
      // Give up before the key can expire in Redis, so two leaders never overlap.
      if (this.current && Date.now() - this.lastRenewed >= (this.leaseMs * 2) / 3) this.set(false);
    }
  }

  private set(held: boolean): void {
    if (held === this.current || (!this.running && held)) return;
    this.current = held;
    for (const listener of this.listeners) listener(held);
  }
}
