/**
 * One hashed timer wheel for every periodic or deadline task of every connection (heartbeats,
 * idle timeouts, batch flushes), so ten thousand connections cost one `setInterval`, not ten
 * thousand timers. Resolution is one tick; a task fires on the first tick at or after its due time.
 */

/** A scheduled task. Keep the handle to cancel it. */
export interface TimerHandle {
  /** Absolute due time in ms since the wheel's clock origin; 0 when cancelled or fired. */
  due: number;
  readonly fire: () => void;
  /** Internal: slot index, -1 when not scheduled. */
  slot: number;
}

/** Options of a {@link TimerWheel}. */
export interface TimerWheelOptions {
  /** Tick length in ms. Defaults to 50. */
  tickMs?: number;
  /** Number of slots; tasks further out than `slots × tickMs` wait extra rounds. Defaults to 512. */
  slots?: number;
  /** Clock in ms. Defaults to `performance.now`. */
  now?: () => number;
  /**
   * Told about a task that threw (the wheel goes on with the other tasks and counts it in
   * {@link TimerWheel.failures}). Defaults to `console.error`: the server passes its logger.
   */
  onError?: (err: unknown) => void;
}

/** The default of {@link TimerWheelOptions.onError}. */
function printError(err: unknown): void {
  console.error('livegate: a timer task threw', err);
}

export class TimerWheel {
  private readonly tickMs: number;
  private readonly slots: Set<TimerHandle>[];
  private readonly now: () => number;
  private cursor: number;
  private lastTick: number;
  private readonly onError: (err: unknown) => void;
  private interval: NodeJS.Timeout | undefined;
  private count = 0;
  private failed = 0;

  constructor(options: TimerWheelOptions = {}) {
    this.tickMs = options.tickMs ?? 50;
    const slots = options.slots ?? 512;
    if (!(this.tickMs >= 1) || !Number.isInteger(slots) || slots < 2) {
      throw new TypeError('TimerWheel: tickMs must be >= 1 and slots an integer >= 2');
    }
    this.slots = Array.from({ length: slots }, () => new Set<TimerHandle>());
    this.now = options.now ?? (() => performance.now());
    this.onError = options.onError ?? printError;
    this.lastTick = this.now();
    this.cursor = 0;
  }

  /** Number of scheduled tasks. */
  get size(): number {
    return this.count;
  }

  /** Number of tasks that threw since the wheel was made. */
  get failures(): number {
    return this.failed;
  }

  /** Schedules `fire` to run once after `delayMs`. */
  schedule(delayMs: number, fire: () => void): TimerHandle {
    const handle: TimerHandle = { due: 0, fire, slot: -1 };
    this.reschedule(handle, delayMs);
    return handle;
  }

  /** Moves an existing (or fired) task to run once after `delayMs` from now. */
  reschedule(handle: TimerHandle, delayMs: number): void {
    this.cancel(handle);
    this.ensureRunning();
    handle.due = this.now() + Math.max(0, delayMs);
    const ticksAhead = Math.max(1, Math.ceil((handle.due - this.lastTick) / this.tickMs));
    const slot = (this.cursor + Math.min(ticksAhead, this.slots.length - 1)) % this.slots.length;
    handle.slot = slot;
    this.slots[slot]!.add(handle);
    this.count++;
  }

  /** Cancels a task. Idempotent. */
  cancel(handle: TimerHandle): void {
    if (handle.slot < 0) return;
    this.slots[handle.slot]!.delete(handle);
    handle.slot = -1;
    handle.due = 0;
    this.count--;
  }

  /** Stops the wheel and drops every task. */
  stop(): void {
    if (this.interval) clearInterval(this.interval);
    this.interval = undefined;
    for (const slot of this.slots) {
      for (const h of slot) h.slot = -1;
      slot.clear();
    }
    this.count = 0;
  }

  /** Advances the wheel to the current time, firing what is due. Public for tests. */
  advance(): void {
    const now = this.now();
    while (this.lastTick + this.tickMs <= now) {
      this.lastTick += this.tickMs;
      this.cursor = (this.cursor + 1) % this.slots.length;
      const slot = this.slots[this.cursor]!;
      if (slot.size === 0) continue;
      for (const handle of [...slot]) {
        if (handle.due > now) {
          // Due in a later round: move it to the slot where it really belongs.
          slot.delete(handle);
          this.count--;
          handle.slot = -1;
          this.reschedule(handle, handle.due - now);
          continue;
        }
        slot.delete(handle);
        this.count--;
        handle.slot = -1;
        handle.due = 0;
        try {
          handle.fire();
        } catch (err) {
          // A failing task must not stop the others, nor vanish: count it and report it.
          this.failed++;
          this.onError(err);
        }
      }
    }
    if (this.count === 0 && this.interval) {
      clearInterval(this.interval);
      this.interval = undefined;
    }
  }

  private ensureRunning(): void {
    if (this.interval) return;
    // Idle wheel: nothing is scheduled, so the clock can restart at the current time.
    this.lastTick = this.now();
    this.interval = setInterval(() => this.advance(), this.tickMs);
    this.interval.unref();
  }
}
