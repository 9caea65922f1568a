/** Options of {@link PollContinuations}. */
export interface PollContinuationsOptions {
  /** How long an issued position stays redeemable, in ms. Defaults to 60000. */
  readonly ttlMs?: number;
  /** Most positions held at once; the oldest are dropped beyond it. Defaults to 100000. */
  readonly maxEntries?: number;
  /** Monotonic clock in ms. Defaults to `performance.now`. */
  readonly now?: () => number;
}

/**
 * What a long-poll answer earned: `any` poll from its position, or only a `waiting` one (one that
 * asks for a timeout of at least a second). See {@link PollContinuations.issue}.
 */
export type ContinuationPass = 'any' | 'waiting';

interface Entry {
  /** Answers with this position not yet followed by a poll from it. */
  count: number;
  expiresAt: number;
}

/**
 * The long-poll positions this node handed to client addresses, each good for one poll that
 * continues from it without being counted as a new connection (`limits.connectsPerSecond`).
 *
 * A `since` proves nothing by itself: any client can send the head id it read from
 * `/api/v2/info` or an earlier answer, as often as it likes. An entry here is earned instead: the
 * server issues it only for an answer that delivered something or waited out its timeout (see
 * `long-poll.ts`), and a poll redeems it once. A client's continuations therefore come no faster
 * than events reach it or its waits end, which is exactly the pace of a real poll loop; anything
 * else (a forged or replayed position, a position from another node or from long ago) is an
 * ordinary, counted connection. The one exception keeps a client's connect at one counted request:
 * its first poll (`timeout=0`, answered at once) earns a pass for a poll that waits.
 *
 * Memory is bounded by `maxEntries`; entries are kept in issue order, so the oldest go first
 * (losing one costs its client one counted request, nothing more).
 */
export class PollContinuations {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: PollContinuationsOptions = {}) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.maxEntries = options.maxEntries ?? 100_000;
    this.now = options.now ?? (() => performance.now());
  }

  /** Positions currently held. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Records that `ip` was answered with `position`, earning one continuation from it: for any poll
   * (`any`: the answer delivered something or waited out its timeout), or only for a poll that
   * asks to wait (`waiting`: an immediate, empty `timeout=0` answer — a client's first poll — which
   * paced nothing itself; the poll after it must).
   */
  issue(ip: string, position: string, pass: ContinuationPass): void {
    const now = this.now();
    this.sweep(now);
    const key = keyOf(pass, ip, position);
    const entry = this.entries.get(key);
    // Re-inserted, so the map stays in expiry order.
    if (entry !== undefined) this.entries.delete(key);
    this.entries.set(key, { count: (entry?.count ?? 0) + 1, expiresAt: now + this.ttlMs });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Whether `ip` holds an unexpired continuation from `position` for a poll that `waits` (or not). */
  holds(ip: string, position: string, waits: boolean): boolean {
    return this.live(ip, position, waits) !== undefined;
  }

  /**
   * Spends one continuation of `ip` from `position` (a `waiting` one first when the poll waits);
   * `false` when it holds none that fits.
   */
  redeem(ip: string, position: string, waits: boolean): boolean {
    const key = this.live(ip, position, waits);
    if (key === undefined) return false;
    const entry = this.entries.get(key)!;
    if (--entry.count === 0) this.entries.delete(key);
    return true;
  }

  /** The key of an unexpired pass that fits, dropping expired ones met on the way. */
  private live(ip: string, position: string, waits: boolean): string | undefined {
    const now = this.now();
    for (const pass of waits ? PASSES_FOR_WAITING : PASSES_FOR_ANY) {
      const key = keyOf(pass, ip, position);
      const entry = this.entries.get(key);
      if (entry === undefined) continue;
      if (entry.expiresAt > now) return key;
      this.entries.delete(key);
    }
    return undefined;
  }

  /** Drops expired entries from the front (the map is in expiry order). */
  private sweep(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt > now) return;
      this.entries.delete(key);
    }
  }
}

const PASSES_FOR_WAITING: readonly ContinuationPass[] = ['waiting', 'any'];
const PASSES_FOR_ANY: readonly ContinuationPass[] = ['any'];

function keyOf(pass: ContinuationPass, ip: string, position: string): string {
  return `${pass} ${ip} ${position}`;
}
