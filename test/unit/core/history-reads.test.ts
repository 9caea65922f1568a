import { describe, expect, it } from 'vitest';
import { HistoryReads } from '../../../src/core/history-reads.js';

/** A budget over string holders, recording starts, preemptions and the largest holding seen. */
function budget(max: number, stalled: Set<string> = new Set()) {
  const started: string[] = [];
  const preempted: string[] = [];
  let peak = 0;
  const reads = new HistoryReads<string>(
    max,
    (h) => stalled.has(h),
    (h) => preempted.push(h),
    (holding) => (peak = Math.max(peak, holding)),
  );
  const ask = (h: string): void => reads.request(h, () => started.push(h));
  return { reads, started, preempted, ask, peak: () => peak };
}

describe('HistoryReads', () => {
  it('starts at most max holders; the rest start in order of arrival as slots come back', () => {
    const b = budget(2);
    for (const h of ['a', 'b', 'c', 'd', 'e']) b.ask(h);
    expect(b.started).toEqual(['a', 'b']);
    expect(b.reads.queued).toBe(3);
    b.reads.release('b');
    expect(b.started).toEqual(['a', 'b', 'c']);
    b.reads.release('a');
    b.reads.release('c');
    expect(b.started).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(b.peak()).toBe(2);
  });

  it('lets a holder ask again without another slot, and a waiter ask again without losing its place', () => {
    const b = budget(1);
    b.ask('a');
    b.ask('a');
    expect(b.started).toEqual(['a', 'a']);
    b.ask('b');
    b.ask('c');
    b.ask('b');
    b.reads.release('a');
    expect(b.started).toEqual(['a', 'a', 'b']);
    expect(b.reads.waits('c')).toBe(true);
  });

  it('drops a waiter that goes away, and ignores a release of what it does not know', () => {
    const b = budget(1);
    b.ask('a');
    b.ask('b');
    b.ask('c');
    b.reads.release('b');
    b.reads.release('zzz');
    b.reads.release('a');
    expect(b.started).toEqual(['a', 'c']);
    expect(b.reads.holding).toBe(1);
    expect(b.reads.queued).toBe(0);
  });

  it('takes the slot of a stalled holder for a newcomer instead of making it wait', () => {
    const stalled = new Set<string>();
    const b = budget(2, stalled);
    b.ask('a');
    b.ask('b');
    stalled.add('a');
    b.ask('c');
    expect(b.preempted).toEqual(['a']);
    expect(b.started).toEqual(['a', 'b', 'c']);
    expect(b.reads.holds('a')).toBe(false);
    // The preempted holder asks again when its connection drains, and waits like anyone else.
    stalled.clear();
    b.ask('a');
    expect(b.reads.waits('a')).toBe(true);
    expect(b.peak()).toBe(2);
  });

  it('refuses a max below 1', () => {
    expect(() => new HistoryReads<string>(0, () => false, () => {})).toThrow(TypeError);
  });
});
