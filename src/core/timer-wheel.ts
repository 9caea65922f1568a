/**
 * One hashed timer wheel for every periodic or deadline task of every connection (heartbeats,
 * idle timeouts, batch flushes), so ten thousand connections cost one Node timer, not ten
 * thousand. Resolution is one tick; a task fires on the first tick at or after its due time.
 *
 * The wheel wakes only on ticks whose slot holds a task: its one timer is armed for the next such
 * tick, not repeated every tick. Measured: a 25 ms `setInterval` cost an idle process 7.6 ms of
 * CPU per second on the loaded 2-core bench machine (0.4 ms with no timer), and a thousand
 * WebSocket sessions, whose keep-alive timers are due once a minute, kept it ticking 40 times a
 * second for nothing; in the fanout bench (20 events/s) those wakeups cost as much per event as a
 * few hundred deliveries.
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
  /** The one Node timer, armed for {@link wakeAt}; `undefined` when no task is scheduled. */
  private timer: NodeJS.Timeout | undefined;
  /** Clock time of the tick the timer is armed for; `Infinity` when it is not armed. */
  private wakeAt = Infinity;
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
    const now = this.now();
    // Idle wheel: nothing is scheduled, so the clock can restart at the current time.
    if (this.count === 0 && this.wakeAt === Infinity) this.lastTick = now;
    handle.due = now + Math.max(0, delayMs);
    const ticksAhead = Math.min(
      Math.max(1, Math.ceil((handle.due - this.lastTick) / this.tickMs)),
      this.slots.length - 1,
    );
    const slot = (this.cursor + ticksAhead) % this.slots.length;
    handle.slot = slot;
    this.slots[slot]!.add(handle);
    this.count++;
    const tickAt = this.lastTick + ticksAhead * this.tickMs;
    if (tickAt < this.wakeAt) this.arm(tickAt);
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
    this.disarm();
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
    this.armNext();
  }

  /** Arms the timer for the next tick whose slot holds a task, or disarms it when none does. */
  private armNext(): void {
    if (this.count === 0) {
      this.disarm();
      return;
    }
    const n = this.slots.length;
    for (let k = 1; k < n; k++) {
      if (this.slots[(this.cursor + k) % n]!.size > 0) {
        const tickAt = this.lastTick + k * this.tickMs;
        if (tickAt !== this.wakeAt) this.arm(tickAt);
        return;
      }
    }
  }

  private arm(tickAt: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.wakeAt = tickAt;
    // At least 1 ms: Node fires a timer up to a millisecond early, advance() then arms it again.
    this.timer = setTimeout(this.onTimer, Math.max(1, Math.ceil(tickAt - this.now())));
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.wakeAt = Infinity;
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.wakeAt = Infinity;
    this.advance();
  };
}
