import type { Metric, Registry } from 'prom-client';

/** A sample line of the histogram as prom-client's registry renders it. */
interface Sample {
  readonly labels: Record<string, string | number>;
  readonly value: number;
  readonly metricName: string;
}

/**
 * A label-less Prometheus histogram whose observations carry a weight: `observe(value, count)`
 * records `count` observations of `value` in one step. The fast delivery path writes one event to
 * a thousand sockets in one dispatch, all of the same age; prom-client's `Histogram.observe` would
 * be called a thousand times (each allocating), this is one bucket search and three additions.
 *
 * It exposes what prom-client's own histogram does (`<name>_bucket{le=…}` cumulative, `le="+Inf"`,
 * `<name>_sum`, `<name>_count`) through the registry's metric interface (`name`, `help`, `type`,
 * `aggregator`, `get()`), so the exposition is the same text.
 */
export class WeightedHistogram {
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  /**
   * @param collect called before every read ({@link get}, {@link total}): the owner hands over
   *   observations it holds back (see `Metrics`, which coalesces runs of equal ones).
   */
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[],
    registry: Registry,
    private readonly collect: () => void = () => {},
  ) {
    for (let i = 1; i < buckets.length; i++) {
      if (!(buckets[i]! > buckets[i - 1]!)) throw new TypeError(`WeightedHistogram ${name}: buckets must increase`);
    }
    this.counts = new Array<number>(buckets.length + 1).fill(0);
    // The registry reads metrics through `name`, `help`, `type` and `get()` only; prom-client's
    // type names its four classes, hence the cast.
    registry.registerMetric(this as unknown as Metric);
  }

  /** Records `count` observations of `value` (seconds). */
  observe(value: number, count = 1): void {
    if (!Number.isFinite(value) || count <= 0) return;
    const buckets = this.buckets;
    let i = 0;
    while (i < buckets.length && value > buckets[i]!) i++;
    this.counts[i]! += count;
    this.sum += value * count;
    this.count += count;
  }

  /** Total observations. */
  get total(): number {
    this.collect();
    return this.count;
  }

  /** Forgets every observation (`registry.resetMetrics()`). */
  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }

  get(): Promise<{ name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: Sample[] }> {
    this.collect();
    const values: Sample[] = [];
    let cumulative = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      cumulative += this.counts[i]!;
      values.push({ labels: { le: this.buckets[i]! }, value: cumulative, metricName: `${this.name}_bucket` });
    }
    values.push({ labels: { le: '+Inf' }, value: this.count, metricName: `${this.name}_bucket` });
    values.push({ labels: {}, value: this.sum, metricName: `${this.name}_sum` });
    values.push({ labels: {}, value: this.count, metricName: `${this.name}_count` });
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }
}
