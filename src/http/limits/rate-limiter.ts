import { LivegateError } from '../../errors.js';

/** Options of {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** Sustained rate per key, per second; a burst of the same size is allowed. 0 turns the limit off. */
  readonly perSecond: number;
  /** Most keys tracked at once; the least recently refilled are dropped beyond it. Defaults to 100000. */
  readonly maxKeys?: number;
  /** Monotonic clock in ms. Defaults to `performance.now`. */
  readonly now?: () => number;
  /** What the limit is, for error messages (`limits.publishesPerSecond`). */
  readonly setting: string;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets per key (a client address, a publisher key, a connection): `perSecond` tokens a
 * second, at most `perSecond` saved up. A refused take says how long until a token is back, which
 * becomes `Retry-After`. Memory is bounded by `maxKeys`: a full bucket carries no information, so
 * full buckets are dropped first.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly rate: number;
  private readonly maxKeys: number;
  private readonly now: () => number;
  private readonly setting: string;

  constructor(options: RateLimiterOptions) {
    if (!Number.isFinite(options.perSecond) || options.perSecond < 0) {
      throw new TypeError(`${options.setting} must be a number ≥ 0 (0 turns it off)`);
    }
    this.rate = options.perSecond;
    this.maxKeys = options.maxKeys ?? 100_000;
    this.now = options.now ?? (() => performance.now());
    this.setting = options.setting;
  }

  /** Keys currently tracked. */
  get size(): number {
    return this.buckets.size;
  }

  /** Takes one token for `key`; returns 0 when allowed, else the ms until one is available. */
  take(key: string): number {
    if (this.rate === 0) return 0;
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxKeys) this.evict(now);
      bucket = { tokens: this.rate, at: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(this.rate, bucket.tokens + ((now - bucket.at) / 1000) * this.rate);
      bucket.at = now;
      // Keep the map in refill order, so eviction finds the stalest keys first.
      this.buckets.delete(key);
      this.buckets.set(key, bucket);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) / this.rate) * 1000);
  }

  /** {@link take}, throwing `rate_limited` with a `Retry-After` when refused. */
  check(key: string, what: string): void {
    const waitMs = this.take(key);
    if (waitMs === 0) return;
    throw new LivegateError(
      'rate_limited',
      `too many ${what}: at most ${this.rate} per second (${this.setting}); retry in ${waitMs} ms`,
      { retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) },
    );
  }

  /** Forgets `key` (a closed connection). */
  forget(key: string): void {
    this.buckets.delete(key);
  }

  private evict(now: number): void {
    // Buckets that have refilled completely are indistinguishable from new ones: drop those first.
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.rate >= this.rate) this.buckets.delete(key);
      if (this.buckets.size < this.maxKeys * 0.9) return;
    }
    // Still full: drop the least recently used.
    const excess = this.buckets.size - Math.floor(this.maxKeys * 0.9);
    let dropped = 0;
    for (const key of this.buckets.keys()) {
      if (dropped++ >= excess) break;
      this.buckets.delete(key);
    }
  }
}
