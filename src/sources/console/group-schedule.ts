/**
 * Which topics get their groups re-read in a round. Thousands of topics with consumers cost one
 * request each, more than one round's budget: so topics are visited round-robin from where the
 * last round stopped, with topics named by an advisory first. A full sweep (every topic visited
 * once) may span several rounds; {@link GroupSchedule.sweepStartedAt} tells how long the current
 * one has been running.
 *
 * @module
 */

/** The round-robin cursor plus the priority queue of hinted topics. */
export class GroupSchedule {
  readonly #priority = new Set<string>();
  /** Topics still to visit in the current sweep. */
  #pending = new Set<string>();
  #sweepStartedAt: number | undefined;
  #sweepsCompleted = 0;
  #lastSweepMs: number | null = null;

  /** Asks for a topic's groups to be read first in the next round. */
  hint(topic: string): void {
    this.#priority.add(topic);
  }

  /**
   * The order to visit topics in this round: hinted ones first, then the rest of the current
   * sweep, in name order. `topics` are the topics that need a group listing now; a new sweep starts
   * when the previous one is done.
   */
  order(topics: readonly string[], now: number): string[] {
    const present = new Set(topics);
    for (const name of this.#pending) if (!present.has(name)) this.#pending.delete(name);
    if (this.#pending.size === 0 && topics.length > 0) {
      this.#pending = new Set([...topics].sort());
      this.#sweepStartedAt = now;
    }
    const hinted = [...this.#priority].filter((t) => present.has(t));
    for (const name of this.#priority) if (!present.has(name)) this.#priority.delete(name);
    return [...hinted, ...[...this.#pending].filter((t) => !this.#priority.has(t))];
  }

  /** Records that a topic's groups were read at `now`; may complete the sweep. */
  visited(topic: string, now: number): void {
    this.#priority.delete(topic);
    if (!this.#pending.delete(topic) || this.#pending.size > 0) return;
    this.#sweepsCompleted += 1;
    this.#lastSweepMs = this.#sweepStartedAt === undefined ? null : now - this.#sweepStartedAt;
    this.#sweepStartedAt = undefined;
  }

  /** Topics not yet visited in the current sweep. */
  get remaining(): number {
    return this.#pending.size;
  }

  /** When the running sweep started, or `undefined` between sweeps. */
  get sweepStartedAt(): number | undefined {
    return this.#sweepStartedAt;
  }

  /** Sweeps completed so far. */
  get sweepsCompleted(): number {
    return this.#sweepsCompleted;
  }

  /** Duration of the last completed sweep in ms, `null` before the first. */
  get lastSweepMs(): number | null {
    return this.#lastSweepMs;
  }
}
