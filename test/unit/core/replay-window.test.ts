import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LiveEvent } from '../../../src/core/event.js';
import { ReplayWindow } from '../../../src/core/replay-window.js';
import { SerializedEvent } from '../../../src/core/serialized-event.js';

/** An event with sequence number `seq` whose envelope JSON is padded to about `pad` extra chars. */
function ev(seq: number, pad = 0): SerializedEvent {
  const event: LiveEvent = {
    id: `epoch0001-${seq}`,
    seq,
    topic: 't',
    type: 'x',
    source: 'test',
    time: '2026-01-01T00:00:00.000Z',
    labels: {},
    data: 'p'.repeat(pad),
  };
  return new SerializedEvent(event, 0);
}

/** Seqs held by the window, oldest first. */
function seqs(window: ReplayWindow): number[] {
  return Array.from({ length: window.length }, (_, i) => window.at(i).event.seq);
}

function fill(window: ReplayWindow, from: number, to: number, step = 1): void {
  for (let seq = from; seq <= to; seq += step) window.append(ev(seq));
}

describe('ReplayWindow construction', () => {
  it('defaults to 10,000 events and 64 MiB', () => {
    const window = new ReplayWindow();
    expect(window.maxEvents).toBe(10_000);
    expect(window.maxBytes).toBe(64 * 1024 * 1024);
  });

  it('refuses bounds that cannot hold an event', () => {
    expect(() => new ReplayWindow({ maxEvents: 0 })).toThrow(TypeError);
    expect(() => new ReplayWindow({ maxEvents: 1.5 })).toThrow(/maxEvents must be an integer >= 1/);
    expect(() => new ReplayWindow({ maxBytes: 0 })).toThrow(/maxBytes must be >= 1/);
    expect(() => new ReplayWindow({ maxBytes: Number.NaN })).toThrow(TypeError);
  });

  it('starts empty, before seq 1', () => {
    const window = new ReplayWindow();
    expect(window.length).toBe(0);
    expect(window.size).toBe(0);
    expect(window.headSeq).toBe(0);
    expect(window.firstSeq).toBe(1);
    expect(window.lookup(0)).toEqual({ kind: 'inside', index: 0 });
    expect(window.lookup(1)).toEqual({ kind: 'ahead' });
  });
});

describe('ReplayWindow bounds', () => {
  it('keeps the newest maxEvents events when bounded by count', () => {
    const window = new ReplayWindow({ maxEvents: 5 });
    fill(window, 1, 12);
    expect(seqs(window)).toEqual([8, 9, 10, 11, 12]);
    expect(window.firstSeq).toBe(8);
    expect(window.headSeq).toBe(12);
  });

  it('keeps its byte size at or under maxBytes, counting envelope JSON sizes', () => {
    const one = ev(1, 100).size;
    const window = new ReplayWindow({ maxBytes: one * 3 + 10 });
    for (let seq = 1; seq <= 10; seq++) window.append(ev(seq, 100));
    expect(seqs(window)).toEqual([8, 9, 10]);
    expect(window.size).toBe(seqs(window).reduce((sum, s) => sum + ev(s, 100).size, 0));
    expect(window.size).toBeLessThanOrEqual(window.maxBytes);
  });

  it('keeps one event even when it alone is larger than maxBytes', () => {
    const window = new ReplayWindow({ maxBytes: 10 });
    window.append(ev(1, 50));
    window.append(ev(2, 50));
    expect(seqs(window)).toEqual([2]);
    expect(window.size).toBe(ev(2, 50).size);
  });

  it('applies whichever bound is tighter, mixing small and large events', () => {
    const small = ev(1).size;
    const big = ev(1, 500).size;
    const window = new ReplayWindow({ maxEvents: 4, maxBytes: big + 2 * small + 1 });
    fill(window, 1, 4);
    expect(window.length).toBe(4);
    window.append(ev(5, 500)); // the count bound drops seq 1, the byte bound then drops seq 2
    expect(seqs(window)).toEqual([3, 4, 5]);
    expect(window.size).toBeLessThanOrEqual(window.maxBytes);
  });

  it('refuses a seq that is not after the last one', () => {
    const window = new ReplayWindow();
    fill(window, 1, 3);
    expect(() => window.append(ev(3))).toThrow(RangeError);
    expect(() => window.append(ev(2))).toThrow(/seq 2 is not after 3/);
    expect(seqs(window)).toEqual([1, 2, 3]);
  });

  it('throws on an index outside the held events', () => {
    const window = new ReplayWindow({ maxEvents: 3 });
    fill(window, 1, 5);
    expect(() => window.at(-1)).toThrow(RangeError);
    expect(() => window.at(3)).toThrow(/no index 3/);
    expect(window.at(0).event.seq).toBe(3);
  });
});

describe('ReplayWindow lookup', () => {
  it('finds a position inside the window: events after it start at the next index', () => {
    const window = new ReplayWindow({ maxEvents: 5 });
    fill(window, 1, 10); // holds 6..10, trimmed through 5
    expect(window.lookup(5)).toEqual({ kind: 'inside', index: 0 });
    expect(window.lookup(6)).toEqual({ kind: 'inside', index: 1 });
    expect(window.lookup(9)).toEqual({ kind: 'inside', index: 4 });
  });

  it('finds the head position inside, with nothing after it', () => {
    const window = new ReplayWindow({ maxEvents: 5 });
    fill(window, 1, 10);
    expect(window.lookup(10)).toEqual({ kind: 'inside', index: window.length });
    expect(window.indexAfter(10)).toBe(5);
  });

  it('reports a position whose successors were trimmed', () => {
    const window = new ReplayWindow({ maxEvents: 5 });
    fill(window, 1, 10);
    expect(window.lookup(4)).toEqual({ kind: 'trimmed' });
    expect(window.lookup(0)).toEqual({ kind: 'trimmed' });
    expect(window.indexAfter(4)).toBeNull();
  });

  it('reports a position ahead of everything it has seen', () => {
    const window = new ReplayWindow({ maxEvents: 5 });
    fill(window, 1, 10);
    expect(window.lookup(11)).toEqual({ kind: 'ahead' });
    expect(window.indexAfter(11)).toBeNull();
  });

  it('handles non-contiguous seqs: a gap between trimmed and held events loses nothing', () => {
    const window = new ReplayWindow({ maxEvents: 3 });
    for (const seq of [2, 5, 9, 14, 20]) window.append(ev(seq)); // holds 9, 14, 20; trimmed through 5
    expect(seqs(window)).toEqual([9, 14, 20]);
    expect(window.lookup(4)).toEqual({ kind: 'trimmed' }); // 5 was after 4 and is gone
    expect(window.lookup(5)).toEqual({ kind: 'inside', index: 0 });
    expect(window.lookup(7)).toEqual({ kind: 'inside', index: 0 }); // never an event; 9 is next
    expect(window.lookup(9)).toEqual({ kind: 'inside', index: 1 });
    expect(window.lookup(10)).toEqual({ kind: 'inside', index: 1 });
    expect(window.lookup(19)).toEqual({ kind: 'inside', index: 2 });
    expect(window.lookup(20)).toEqual({ kind: 'inside', index: 3 });
    expect(window.lookup(21)).toEqual({ kind: 'ahead' });
  });

  it('agrees with a plain-array model for any append sequence and bound (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gap: fc.integer({ min: 1, max: 4 }), pad: fc.integer({ min: 0, max: 60 }) }), {
          maxLength: 300,
        }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 150, max: 2000 }),
        fc.array(fc.integer({ min: 0, max: 1200 }), { minLength: 1, maxLength: 20 }),
        (steps, maxEvents, maxBytes, probes) => {
          const window = new ReplayWindow({ maxEvents, maxBytes });
          let model: SerializedEvent[] = [];
          let trimmedThrough = 0;
          let seq = 0;
          for (const step of steps) {
            seq += step.gap;
            const e = ev(seq, step.pad);
            window.append(e);
            model.push(e);
            const size = (): number => model.reduce((sum, m) => sum + m.size, 0);
            while (model.length > maxEvents || (size() > maxBytes && model.length > 1))
              trimmedThrough = model.shift()!.event.seq;
          }
          expect(seqs(window)).toEqual(model.map((m) => m.event.seq));
          expect(window.size).toBe(model.reduce((sum, m) => sum + m.size, 0));
          expect(window.headSeq).toBe(seq);
          for (const probe of probes) {
            const expected =
              probe > seq
                ? { kind: 'ahead' }
                : probe < trimmedThrough
                  ? { kind: 'trimmed' }
                  : { kind: 'inside', index: model.filter((m) => m.event.seq <= probe).length };
            expect(window.lookup(probe)).toEqual(expected);
          }
          model = [];
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('ReplayWindow ring growth', () => {
  it('grows past its initial 1,024 slots, keeping order across the wrap', () => {
    const window = new ReplayWindow({ maxEvents: 5000 });
    fill(window, 1, 1024);
    fill(window, 1025, 3000);
    expect(window.length).toBe(3000);
    expect(window.at(0).event.seq).toBe(1);
    expect(window.at(1023).event.seq).toBe(1024);
    expect(window.at(1024).event.seq).toBe(1025);
    expect(window.at(2999).event.seq).toBe(3000);
    expect(window.lookup(1500)).toEqual({ kind: 'inside', index: 1500 });
  });

  it('grows correctly after the ring has wrapped (head not at slot 0)', () => {
    // Large events trimmed by bytes move the head while few are held; small ones then fill the
    // ring to 1,024 with the head mid-ring, forcing a grow that must unwrap in order.
    const window = new ReplayWindow({ maxEvents: 5000, maxBytes: 200_000 });
    const all: SerializedEvent[] = [];
    for (let seq = 1; seq <= 600; seq++) all.push(ev(seq, 1000));
    for (let seq = 601; seq <= 3000; seq++) all.push(ev(seq));
    for (const e of all) window.append(e);
    const held: SerializedEvent[] = [];
    let bytes = 0;
    for (let i = all.length - 1; i >= 0 && bytes + all[i]!.size <= 200_000; i--) {
      held.unshift(all[i]!);
      bytes += all[i]!.size;
    }
    expect(window.length).toBeGreaterThan(1024);
    expect(seqs(window)).toEqual(held.map((e) => e.event.seq));
    expect(window.size).toBe(bytes);
  });

  it('never holds more than maxEvents when maxEvents is not a power of two', () => {
    const window = new ReplayWindow({ maxEvents: 1500 });
    fill(window, 1, 4000);
    expect(window.length).toBe(1500);
    expect(window.firstSeq).toBe(2501);
    expect(seqs(window)).toEqual(Array.from({ length: 1500 }, (_, i) => 2501 + i));
  });
});

describe('ReplayWindow clear', () => {
  it('drops everything and treats positions up to the given seq as trimmed-through', () => {
    const window = new ReplayWindow({ maxEvents: 10 });
    fill(window, 1, 8);
    window.clear(100);
    expect(window.length).toBe(0);
    expect(window.size).toBe(0);
    expect(window.headSeq).toBe(100);
    expect(window.firstSeq).toBe(101);
    expect(window.lookup(99)).toEqual({ kind: 'trimmed' });
    expect(window.lookup(100)).toEqual({ kind: 'inside', index: 0 });
    expect(window.lookup(101)).toEqual({ kind: 'ahead' });
    expect(() => window.append(ev(100))).toThrow(RangeError);
    window.append(ev(101));
    expect(seqs(window)).toEqual([101]);
  });

  it('clears to the start of a new epoch by default', () => {
    const window = new ReplayWindow({ maxEvents: 3 });
    fill(window, 1, 8);
    window.clear();
    expect(window.headSeq).toBe(0);
    expect(window.lookup(0)).toEqual({ kind: 'inside', index: 0 });
    fill(window, 1, 2);
    expect(seqs(window)).toEqual([1, 2]);
  });
});
