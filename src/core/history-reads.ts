/** What {@link HistoryReads} reports on every change, for the gauges. */
export interface HistoryReadsListener {
  (holding: number, waiting: number): void;
}

/**
 * The global budget of deep resumes: at most `max` subscriptions at once may read a page of the
 * bus's history (a resume older than the replay window) or hold one in memory while their client
 * takes it. The rest wait in order of arrival, each keeping only its cursor; a holder gives its
 * slot back when its page is used up, when it leaves history mode and when it closes, and the next
 * in line starts. So however many clients resume from far back at once, the bus sees at most `max`
 * reads in flight and the process holds at most `max` pages.
 *
 * A holder whose connection stopped reading (`stalled`) must not keep the others waiting: when a
 * slot is wanted and none is free, the first stalled holder is preempted — its page is dropped
 * (its cursor still marks the last event it was given, so it reads the rest again later) and it
 * queues behind the others.
 *
 * Pure bookkeeping, no I/O; the hub owns one.
 */
export class HistoryReads<T> {
  private readonly holders = new Set<T>();
  /** Insertion order is arrival order. */
  private readonly waiting = new Map<T, () => void>();

  /**
   * @param max most holders at once (≥ 1).
   * @param stalled whether a holder could be preempted now (its page taken from it).
   * @param preempt drops a holder's page; called just before its slot goes to a waiter.
   * @param onChange told the counts after every change.
   */
  constructor(
    readonly max: number,
    private readonly stalled: (holder: T) => boolean,
    private readonly preempt: (holder: T) => void,
    private readonly onChange: HistoryReadsListener = () => {},
  ) {
    if (!Number.isInteger(max) || max < 1) throw new TypeError('HistoryReads: max must be a whole number ≥ 1');
  }

  /** Holders now. */
  get holding(): number {
    return this.holders.size;
  }

  /** Waiters now. */
  get queued(): number {
    return this.waiting.size;
  }

  /** Whether `holder` has a slot. */
  holds(holder: T): boolean {
    return this.holders.has(holder);
  }

  /** Whether `holder` waits for a slot. */
  waits(holder: T): boolean {
    return this.waiting.has(holder);
  }

  /**
   * Runs `start` once `holder` has a slot: at once when it has one already or one is free (or can
   * be taken from a stalled holder), else when its turn comes. Asking again while waiting keeps
   * the place in line (and the first `start`).
   */
  request(holder: T, start: () => void): void {
    if (this.holders.has(holder)) {
      start();
      return;
    }
    if (this.waiting.has(holder)) return;
    if (this.holders.size >= this.max && !this.preemptOne()) {
      this.waiting.set(holder, start);
      this.changed();
      return;
    }
    this.holders.add(holder);
    this.changed();
    start();
  }

  /** Gives back `holder`'s slot, or its place in line; the next waiter starts. Idempotent. */
  release(holder: T): void {
    if (this.waiting.delete(holder)) {
      this.changed();
      return;
    }
    if (!this.holders.delete(holder)) return;
    this.next();
    this.changed();
  }

  /** Starts waiters while slots are free. */
  private next(): void {
    while (this.holders.size < this.max && this.waiting.size > 0) {
      const [holder, start] = this.waiting.entries().next().value!;
      this.waiting.delete(holder);
      this.holders.add(holder);
      start();
    }
  }

  /** Takes the slot of the first stalled holder, if any; `true` when one was freed. */
  private preemptOne(): boolean {
    for (const holder of this.holders) {
      if (!this.stalled(holder)) continue;
      this.holders.delete(holder);
      this.preempt(holder);
      return true;
    }
    return false;
  }

  private changed(): void {
    this.onChange(this.holders.size, this.waiting.size);
  }
}
