/** HDR histogram helpers: latencies are recorded in microseconds, reported in milliseconds. */
import hdr from 'hdr-histogram-js';

export type Histogram = ReturnType<typeof hdr.build>;

export function newHistogram(): Histogram {
  // 1 µs .. 1 h at 3 significant digits; auto-resizes beyond that.
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

/** Merge base64-encoded worker histograms into one. */
export function mergeEncoded(encoded: string[]): Histogram {
  const total = newHistogram();
  for (const e of encoded) {
    const h = hdr.decodeFromCompressedBase64(e);
    total.add(h);
    h.destroy();
  }
  return total;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

const ms = (us: number): number => Math.round(us) / 1000;

export function summarize(h: Histogram): LatencySummary {
  if (h.totalCount === 0) return { count: 0, p50: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  return {
    count: h.totalCount,
    p50: ms(h.getValueAtPercentile(50)),
    p95: ms(h.getValueAtPercentile(95)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
    mean: ms(h.mean),
  };
}
