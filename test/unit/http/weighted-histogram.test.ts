import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { WeightedHistogram } from '../../../src/http/weighted-histogram.js';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

describe('WeightedHistogram', () => {
  it('exposes exactly the text of a prom-client Histogram that saw each observation one by one', async () => {
    const theirs = new Registry();
    const reference = new Histogram({ name: 'x_seconds', help: 'h.', buckets: BUCKETS, registers: [theirs] });
    const ours = new Registry();
    const weighted = new WeightedHistogram('x_seconds', 'h.', BUCKETS, ours);
    const observations: [number, number][] = [
      [0.0001, 3],
      [0.0005, 2], // on a bound: counts in that bucket
      [0.004, 1000],
      [0.25, 7],
      [3, 1], // above the last bound: only +Inf
    ];
    for (const [value, count] of observations) {
      weighted.observe(value, count);
      for (let i = 0; i < count; i++) reference.observe(value);
    }
    // Same lines; the sum only to rounding (a thousand additions against one multiplication).
    const withoutSum = (text: string): string => text.replace(/^x_seconds_sum .*$/m, '');
    const sum = (text: string): number => Number(/^x_seconds_sum (.*)$/m.exec(text)![1]);
    const [a, b] = [await ours.metrics(), await theirs.metrics()];
    expect(withoutSum(a)).toBe(withoutSum(b));
    expect(sum(a)).toBeCloseTo(sum(b), 9);
    expect(weighted.total).toBe(1013);
  });

  it('ignores non-finite values and non-positive counts, and refuses unordered buckets', () => {
    const registry = new Registry();
    const h = new WeightedHistogram('y_seconds', 'h.', [1, 2], registry);
    h.observe(Number.NaN, 5);
    h.observe(1, 0);
    expect(h.total).toBe(0);
    expect(() => new WeightedHistogram('z_seconds', 'h.', [2, 1], registry)).toThrow(TypeError);
  });
});
