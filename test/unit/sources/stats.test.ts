import { describe, expect, it } from 'vitest';
import { percentiles } from '../../../src/sources/stats/percentiles.js';
import { StatsReducer, STATS_TOPIC, STATS_UPDATED } from '../../../src/sources/stats/stats-reducer.js';

describe('percentiles', () => {
  it('uses nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentiles(values, [50, 95, 99, 100])).toEqual([50, 95, 99, 100]);
  });

  it('answers null for an empty sample', () => {
    expect(percentiles([], [50, 99])).toEqual([null, null]);
  });

  it('returns the only value for a single sample', () => {
    expect(percentiles([7], [1, 50, 99])).toEqual([7, 7, 7]);
  });
});

describe('StatsReducer', () => {
  it('keeps only the latest stats_updated payload for snapshots', () => {
    const reducer = new StatsReducer();
    expect(reducer.snapshot()).toEqual({ stats: null });
    const base = { id: 'e-1', seq: 1, topic: STATS_TOPIC, source: 'livegate', time: '', labels: {} };
    reducer.apply({ ...base, type: STATS_UPDATED, data: { n: 1 } });
    reducer.apply({ ...base, type: 'something_else', data: { n: 2 } });
    reducer.apply({ ...base, type: STATS_UPDATED, data: { n: 3 } });
    expect(reducer.snapshot()).toEqual({ stats: { n: 3 } });
  });
});
