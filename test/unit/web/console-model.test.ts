import { describe, expect, it } from 'vitest';
import { LagWatch, RateHistory, matchesFilter, sparklinePoints } from '../../../web/src/console-model.js';

const group = (name: string, lag: number) => ({
  topic: 't',
  name,
  lag,
  ackPending: 0,
  redelivered: 0,
  waiting: 0,
  lastActive: null,
});

describe('the Console page model', () => {
  it('reports a lag crossing only for a group it watched below the threshold', () => {
    const watch = new LagWatch();
    expect(watch.update([group('a', 10), group('b', 1)], 5)).toEqual({ above: [], below: [] });
    expect(watch.update([group('a', 10), group('b', 6)], 5).above.map((g) => g.name)).toEqual(['b']);
    expect(watch.update([group('a', 2), group('b', 6)], 5).below.map((g) => g.name)).toEqual(['a']);
    // A group that vanished and comes back is new again: no toast for what the page did not watch.
    watch.update([group('b', 6)], 5);
    expect(watch.update([group('a', 9), group('b', 6)], 5)).toEqual({ above: [], below: [] });
  });

  it('keeps the last rounds of messages/s per topic and forgets removed topics', () => {
    const rates = new RateHistory(3);
    for (const v of [1, 2, 3, 4])
      rates.record(
        {
          round: v,
          part: 1,
          parts: 1,
          intervalMs: 2000,
          cluster: null,
          canary: null,
          cost: null,
          totals: null,
          topics: [{ name: 'x', messagesPerSecond: v, bytesPerSecond: v * 10 }],
          groups: [{ topic: 'x', name: 'g', deliveredPerSecond: v, lag: 0 }],
        },
        ['x', 'idle'],
      );
    expect(rates.series('x')).toEqual([2, 3, 4]);
    expect(rates.topic('x')?.bytesPerSecond).toBe(40);
    expect(rates.group({ topic: 'x', name: 'g' })?.deliveredPerSecond).toBe(4);
    // A topic the rounds never listed was idle in each.
    expect(rates.series('idle')).toEqual([0, 0, 0]);
    // A round over two parts that lists x only in part 2 keeps it active; one without x makes it 0.
    const part = (p: number, topics: { name: string; messagesPerSecond: number; bytesPerSecond: number }[]) => ({
      round: 9,
      part: p,
      parts: 2,
      intervalMs: 2000,
      cluster: null,
      canary: null,
      cost: null,
      totals: null,
      topics,
      groups: [],
    });
    rates.record(part(1, []), ['x']);
    rates.record(part(2, [{ name: 'x', messagesPerSecond: 7, bytesPerSecond: 1 }]), ['x']);
    expect(rates.series('x')).toEqual([3, 4, 7]);
    rates.record(part(1, []), ['x']);
    rates.record(part(2, []), ['x']);
    expect(rates.series('x')).toEqual([4, 7, 0]);
    expect(rates.delivered({ topic: 'x', name: 'g' })).toBe(0);
    rates.retain(new Set(), new Set());
    expect(rates.series('x')).toEqual([]);
    expect(rates.group({ topic: 'x', name: 'g' })).toBeUndefined();
  });

  it('draws a sparkline scaled to its largest value, flat at the bottom when idle', () => {
    expect(sparklinePoints([0, 5, 10], 100, 20)).toBe('0.0,20.0 50.0,10.0 100.0,0.0');
    expect(sparklinePoints([0, 0], 10, 20)).toBe('0.0,20.0 10.0,20.0');
    expect(sparklinePoints([3], 10, 20)).toBe('');
  });

  it('filters by every word, case-insensitively', () => {
    expect(matchesFilter('orders orders.>', 'ORD')).toBe(true);
    expect(matchesFilter('orders billing', 'orders bill')).toBe(true);
    expect(matchesFilter('orders', 'orders bill')).toBe(false);
  });
});
