import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TimerWheel, type TimerWheelOptions } from '../../../src/core/timer-wheel.js';

/**
 * Every test but the last drives the wheel with an injected clock and calls `advance()` itself.
 * The wheel also arms a real (unref'd) timer, but it only ever calls `advance()` on the same fake
 * clock between synchronous test steps, which changes nothing.
 */
let wheels: TimerWheel[] = [];
let clock = 0;

function wheel(options: Omit<TimerWheelOptions, 'now'> = {}): TimerWheel {
  const w = new TimerWheel({ tickMs: 10, slots: 16, ...options, now: () => clock });
  wheels.push(w);
  return w;
}

/** Moves the fake clock to `time` and lets the wheel catch up. */
function advanceTo(w: TimerWheel, time: number): void {
  clock = time;
  w.advance();
}

afterEach(() => {
  for (const w of wheels) w.stop();
  wheels = [];
  clock = 0;
});

describe('TimerWheel construction', () => {
  it('refuses a tick under 1 ms or fewer than 2 slots', () => {
    expect(() => new TimerWheel({ tickMs: 0 })).toThrow(TypeError);
    expect(() => new TimerWheel({ slots: 1 })).toThrow(/slots an integer >= 2/);
    expect(() => new TimerWheel({ slots: 2.5 })).toThrow(TypeError);
  });
});

describe('TimerWheel firing', () => {
  it('fires a task on the first tick at or after its due time, not before', () => {
    const w = wheel();
    const fired: number[] = [];
    w.schedule(25, () => fired.push(clock));
    advanceTo(w, 20);
    expect(fired).toEqual([]);
    advanceTo(w, 29);
    expect(fired).toEqual([]);
    advanceTo(w, 30);
    expect(fired).toEqual([30]);
    expect(w.size).toBe(0);
  });

  it('fires a task due exactly on a tick at that tick', () => {
    const w = wheel();
    let fired = 0;
    w.schedule(20, () => fired++);
    advanceTo(w, 19);
    expect(fired).toBe(0);
    advanceTo(w, 20);
    expect(fired).toBe(1);
  });

  it('fires each task once, in due order across ticks', () => {
    const w = wheel();
    const order: string[] = [];
    w.schedule(45, () => order.push('c'));
    w.schedule(5, () => order.push('a'));
    w.schedule(15, () => order.push('b'));
    advanceTo(w, 100);
    expect(order).toEqual(['a', 'b', 'c']);
    advanceTo(w, 200);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('rounds a zero or negative delay up to the next tick', () => {
    const w = wheel();
    let fired = 0;
    w.schedule(0, () => fired++);
    w.schedule(-50, () => fired++);
    w.advance();
    expect(fired).toBe(0);
    advanceTo(w, 10);
    expect(fired).toBe(2);
  });

  it('holds tasks due beyond one revolution of the wheel until their time', () => {
    const w = wheel({ tickMs: 10, slots: 4 }); // one revolution is 40 ms
    const fired: number[] = [];
    w.schedule(135, () => fired.push(clock));
    for (let t = 10; t <= 130; t += 10) advanceTo(w, t);
    expect(fired).toEqual([]);
    expect(w.size).toBe(1);
    advanceTo(w, 140);
    expect(fired).toEqual([140]);
    expect(w.size).toBe(0);
  });

  it('catches up on several missed ticks in one advance', () => {
    const w = wheel({ tickMs: 10, slots: 8 });
    const fired: string[] = [];
    w.schedule(15, () => fired.push('early'));
    w.schedule(200, () => fired.push('late'));
    advanceTo(w, 1000);
    expect(fired).toEqual(['early', 'late']);
  });

  it('keeps firing other tasks when one throws', () => {
    const w = wheel();
    let fired = 0;
    w.schedule(10, () => {
      throw new Error('boom');
    });
    w.schedule(10, () => fired++);
    expect(() => advanceTo(w, 10)).not.toThrow();
    expect(fired).toBe(1);
    expect(w.size).toBe(0);
  });

  it('lets a task schedule another from inside its callback', () => {
    const w = wheel();
    const fired: number[] = [];
    const repeat = (): void => {
      fired.push(clock);
      if (fired.length < 3) w.schedule(30, repeat);
    };
    w.schedule(30, repeat);
    for (let t = 10; t <= 200; t += 10) advanceTo(w, t);
    expect(fired).toEqual([30, 60, 90]);
  });

  it('fires every task on the first tick at or after its due time (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 2, max: 16 }),
        fc.array(fc.record({ at: fc.integer({ min: 0, max: 300 }), delay: fc.integer({ min: 0, max: 500 }) }), {
          maxLength: 30,
        }),
        (tickMs, slots, tasks) => {
          clock = 0;
          const w = new TimerWheel({ tickMs, slots, now: () => clock });
          try {
            const due: number[] = [];
            const firedAt: number[] = [];
            const sorted = [...tasks].sort((a, b) => a.at - b.at);
            let i = 0;
            // Walk time 1 ms at a time, scheduling each task at its `at` and advancing.
            for (let t = 0; t <= 1000; t++) {
              clock = t;
              w.advance();
              while (i < sorted.length && sorted[i]!.at === t) {
                const k = i;
                due[k] = t + sorted[k]!.delay;
                w.schedule(sorted[k]!.delay, () => {
                  firedAt[k] = clock;
                });
                i++;
              }
            }
            for (let k = 0; k < sorted.length; k++) {
              expect(firedAt[k]).toBeDefined();
              expect(firedAt[k]!).toBeGreaterThanOrEqual(due[k]!);
              // At most one tick late (plus the rounding of a zero delay to the next tick).
              expect(firedAt[k]! - due[k]!).toBeLessThanOrEqual(tickMs);
            }
            expect(w.size).toBe(0);
          } finally {
            w.stop();
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('TimerWheel cancel and reschedule', () => {
  it('does not fire a cancelled task, and cancelling twice is harmless', () => {
    const w = wheel();
    let fired = 0;
    const handle = w.schedule(10, () => fired++);
    expect(w.size).toBe(1);
    w.cancel(handle);
    w.cancel(handle);
    expect(w.size).toBe(0);
    expect(handle.due).toBe(0);
    advanceTo(w, 100);
    expect(fired).toBe(0);
  });

  it('ignores cancelling a task that already fired', () => {
    const w = wheel();
    const handle = w.schedule(10, () => {});
    const other = w.schedule(50, () => {});
    advanceTo(w, 10);
    expect(w.size).toBe(1);
    w.cancel(handle);
    expect(w.size).toBe(1);
    w.cancel(other);
    expect(w.size).toBe(0);
  });

  it('moves a pending task to its new time', () => {
    const w = wheel();
    const fired: number[] = [];
    const handle = w.schedule(20, () => fired.push(clock));
    advanceTo(w, 10);
    w.reschedule(handle, 50); // due at 60
    expect(w.size).toBe(1);
    advanceTo(w, 50);
    expect(fired).toEqual([]);
    advanceTo(w, 60);
    expect(fired).toEqual([60]);
  });

  it('re-arms a task that already fired', () => {
    const w = wheel();
    let fired = 0;
    const handle = w.schedule(10, () => fired++);
    advanceTo(w, 10);
    w.reschedule(handle, 10);
    advanceTo(w, 20);
    expect(fired).toBe(2);
  });

  it('drops every task on stop', () => {
    const w = wheel();
    let fired = 0;
    const handles = [w.schedule(10, () => fired++), w.schedule(500, () => fired++)];
    w.stop();
    expect(w.size).toBe(0);
    advanceTo(w, 1000);
    expect(fired).toBe(0);
    for (const h of handles) w.cancel(h); // no effect, no throw
    expect(w.size).toBe(0);
  });

  it('measures delays from the time of scheduling after sitting idle', () => {
    const w = wheel();
    const fired: number[] = [];
    advanceTo(w, 10_000); // idle for a long time
    w.schedule(25, () => fired.push(clock));
    advanceTo(w, 10_020);
    expect(fired).toEqual([]);
    advanceTo(w, 10_030);
    expect(fired).toEqual([10_030]);
  });

  it('wakes only on ticks that hold a task, and not at all when none is scheduled', () => {
    vi.useFakeTimers();
    try {
      const w = new TimerWheel({ tickMs: 10, slots: 1024, now: () => Date.now() });
      const advance = vi.spyOn(w, 'advance');
      const start = Date.now();
      const fired: number[] = [];
      w.schedule(1000, () => fired.push(Date.now() - start));
      w.schedule(3000, () => fired.push(Date.now() - start));
      vi.advanceTimersByTime(990);
      expect(advance).not.toHaveBeenCalled();
      vi.advanceTimersByTime(20);
      expect(fired).toEqual([1000]);
      // A task scheduled sooner than the armed tick moves the wake-up forward.
      w.schedule(100, () => fired.push(Date.now() - start));
      vi.advanceTimersByTime(2100);
      expect(fired).toEqual([1000, 1110, 3000]);
      expect(advance.mock.calls.length).toBeLessThanOrEqual(6);
      expect(w.size).toBe(0);
      expect(vi.getTimerCount()).toBe(0);
      w.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
