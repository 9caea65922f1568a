import type { CompiledFilter } from './filter.js';

/** A change of demand for one topic. */
export interface DemandChange {
  /** The topic, one of {@link DemandSpec.topics}. */
  readonly topic: string;
  /** `true` when the first subscription naming the topic appeared, `false` when the last one went. */
  readonly active: boolean;
}

/**
 * What a source wants to be told about: subscriptions that name one of `topics` (exactly, or by a
 * pattern such as `metrics.*`). A subscription to every topic does not count: a dashboard that
 * takes everything should not start every on-demand source.
 */
export interface DemandSpec {
  readonly topics: readonly string[];
  /** Called synchronously on each change, in the order subscriptions come and go. */
  onDemand(change: DemandChange): void;
}

/**
 * Counts, per watched topic, the subscriptions that name it and tells the registered listeners
 * when a count leaves or returns to zero.
 */
export class DemandTracker {
  private readonly specs: DemandSpec[] = [];
  private readonly counts = new Map<string, number>();

  constructor(private readonly onError: (err: unknown, context: string) => void) {}

  /** Adds a listener. */
  register(spec: DemandSpec): void {
    this.specs.push(spec);
    for (const topic of spec.topics) if (!this.counts.has(topic)) this.counts.set(topic, 0);
  }

  /** Subscribers currently naming `topic` (0 for a topic nobody watches). */
  count(topic: string): number {
    return this.counts.get(topic) ?? 0;
  }

  /** A subscription with this filter was added. */
  added(filter: CompiledFilter): void {
    if (this.counts.size === 0 || filter.topics === null) return;
    for (const [topic, count] of this.counts) {
      if (!filter.coversTopic(topic)) continue;
      this.counts.set(topic, count + 1);
      if (count === 0) this.emit({ topic, active: true });
    }
  }

  /** A subscription with this filter was removed. */
  removed(filter: CompiledFilter): void {
    if (this.counts.size === 0 || filter.topics === null) return;
    for (const [topic, count] of this.counts) {
      if (!filter.coversTopic(topic) || count === 0) continue;
      this.counts.set(topic, count - 1);
      if (count === 1) this.emit({ topic, active: false });
    }
  }

  private emit(change: DemandChange): void {
    for (const spec of this.specs) {
      if (!spec.topics.includes(change.topic)) continue;
      try {
        spec.onDemand(change);
      } catch (err) {
        this.onError(err, `demand listener for ${change.topic}`);
      }
    }
  }
}
