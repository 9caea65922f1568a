import { describe, expect, it } from 'vitest';
import { LatencyRing } from '../../../../src/sources/console/latency.js';
import type { ConsoleTopic } from '../../../../src/sources/console/model.js';
import { RateTracker } from '../../../../src/sources/console/rates.js';

const topic = (lastSeq: number, messages: number, bytes: number): ConsoleTopic => ({
  name: 't',
  subjects: ['t.>'],
  messages,
  bytes,
  firstSeq: lastSeq - messages + 1,
  lastSeq,
  consumers: 0,
  retention: 'limits',
  maxAgeSeconds: null,
});

describe('RateTracker', () => {
  it('has no rate on the first sample, then messages and bytes per second', () => {
    const r = new RateTracker();
    expect(r.sampleTopic(topic(0, 0, 0), 0)).toEqual({ name: 't', messagesPerSecond: null, bytesPerSecond: null });
    expect(r.sampleTopic(topic(1000, 1000, 100_000), 2000)).toEqual({
      name: 't',
      messagesPerSecond: 500,
      bytesPerSecond: 50_000,
    });
  });

  it('estimates bytes in from the average size when retention removed messages meanwhile', () => {
    const r = new RateTracker();
    r.sampleTopic(topic(100, 100, 10_000), 0);
    // 100 new messages written, 100 old ones dropped (max_msgs 100): stored bytes did not grow.
    expect(r.sampleTopic(topic(200, 100, 10_000), 1000)).toEqual({
      name: 't',
      messagesPerSecond: 100,
      bytesPerSecond: 10_000,
    });
  });

  it('treats a counter that went down as a restart (rate 0), and keeps per-group sample times', () => {
    const r = new RateTracker();
    r.sampleGroup('t', 'g', 100, 5, 0);
    expect(r.sampleGroup('t', 'g', 10, 5, 1000).deliveredPerSecond).toBe(0);
    expect(r.sampleGroup('t', 'g', 40, 2, 4000)).toEqual({ topic: 't', name: 'g', deliveredPerSecond: 10, lag: 2 });
    expect(
      r.groupRates([
        { topic: 't', name: 'g', lag: 2 },
        { topic: 't', name: 'new', lag: 7 },
      ]),
    ).toEqual([
      { topic: 't', name: 'g', deliveredPerSecond: 10, lag: 2 },
      { topic: 't', name: 'new', deliveredPerSecond: null, lag: 7 },
    ]);
    r.retain(new Set(), new Set());
    expect(r.groupRates([{ topic: 't', name: 'g', lag: 0 }])[0]!.deliveredPerSecond).toBeNull();
  });
});

describe('LatencyRing', () => {
  it('keeps the last samples and reports nearest-rank percentiles', () => {
    const ring = new LatencyRing(100);
    expect(ring.summary()).toEqual({ samples: 0, p50Ms: null, p95Ms: null, p99Ms: null });
    ring.add(Array.from({ length: 150 }, (_, i) => i + 1));
    expect(ring.summary()).toEqual({ samples: 100, p50Ms: 100, p95Ms: 145, p99Ms: 149 });
    expect(() => new LatencyRing(0)).toThrow(TypeError);
  });
});
