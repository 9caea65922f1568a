/**
 * What the Console page computes from the `console` topic, apart from rendering: the recent rates
 * of each topic and group (from `metrics_updated`, for the sparklines and rate columns), the lag
 * alerts (a group crossing `console.lagAlertThreshold`), and the sparkline geometry. Pure.
 */
import type { ConsoleGroup, ConsoleMetrics, GroupRates, TopicRates } from '../../packages/client/src/index.js';

/** Rounds kept for a sparkline. */
export const SPARK_POINTS = 30;

/** A group's key: topic and name never contain NUL. */
export function groupKeyOf(group: { readonly topic: string; readonly name: string }): string {
  return `${group.topic}\u0000${group.name}`;
}

/**
 * The latest rates of every topic and group, and each topic's recent messages/s. A round lists only
 * active topics and groups (possibly over several parts): one absent from a whole round had a rate
 * of 0, which is recorded when the round's last part arrives.
 */
export class RateHistory {
  readonly #topics = new Map<string, TopicRates>();
  readonly #groups = new Map<string, GroupRates>();
  readonly #series = new Map<string, number[]>();
  readonly #capacity: number;
  /** Topics and groups listed so far in the round being received. */
  #seenTopics = new Set<string>();
  #seenGroups = new Set<string>();
  #rounds = 0;

  constructor(capacity = SPARK_POINTS) {
    this.#capacity = capacity;
  }

  /** Rounds completely received so far. */
  get rounds(): number {
    return this.#rounds;
  }

  /** Takes one part of a round's `metrics_updated`; `known` are the topics the page shows now. */
  record(metrics: ConsoleMetrics, known: Iterable<string>): void {
    if (metrics.part === 1) {
      this.#seenTopics = new Set();
      this.#seenGroups = new Set();
    }
    for (const t of metrics.topics ?? []) {
      this.#topics.set(t.name, t);
      this.#seenTopics.add(t.name);
      this.#push(t.name, t.messagesPerSecond ?? 0);
    }
    for (const g of metrics.groups ?? []) {
      this.#groups.set(groupKeyOf(g), g);
      this.#seenGroups.add(groupKeyOf(g));
    }
    if (metrics.part !== metrics.parts) return;
    this.#rounds += 1;
    for (const name of known) {
      if (this.#seenTopics.has(name)) continue;
      this.#topics.set(name, { name, messagesPerSecond: 0, bytesPerSecond: 0 });
      this.#push(name, 0);
    }
    for (const [key, g] of this.#groups)
      if (!this.#seenGroups.has(key)) this.#groups.set(key, { ...g, deliveredPerSecond: 0 });
  }

  #push(name: string, value: number): void {
    let series = this.#series.get(name);
    if (series === undefined) this.#series.set(name, (series = []));
    series.push(value);
    if (series.length > this.#capacity) series.splice(0, series.length - this.#capacity);
  }

  /** Latest rates of a topic, if any round carried it. */
  topic(name: string): TopicRates | undefined {
    return this.#topics.get(name);
  }

  /** Deliveries/s of a group in the last round: 0 when the round did not list it, `null` before any round. */
  delivered(group: { readonly topic: string; readonly name: string }): number | null {
    return this.#groups.get(groupKeyOf(group))?.deliveredPerSecond ?? (this.#rounds > 0 ? 0 : null);
  }

  /** Latest rates of a group, when a round listed it. */
  group(group: { readonly topic: string; readonly name: string }): GroupRates | undefined {
    return this.#groups.get(groupKeyOf(group));
  }

  /** Messages/s of the last rounds, oldest first. */
  series(name: string): readonly number[] {
    return this.#series.get(name) ?? [];
  }

  /** Forgets topics and groups that are gone. */
  retain(topics: ReadonlySet<string>, groups: ReadonlySet<string>): void {
    for (const name of [...this.#topics.keys()]) if (!topics.has(name)) this.#topics.delete(name);
    for (const name of [...this.#series.keys()]) if (!topics.has(name)) this.#series.delete(name);
    for (const key of [...this.#groups.keys()]) if (!groups.has(key)) this.#groups.delete(key);
  }
}

/** Groups whose lag crossed the threshold since the last update, each way. */
export interface LagCrossings {
  readonly above: readonly ConsoleGroup[];
  readonly below: readonly ConsoleGroup[];
}

/**
 * Remembers which groups are at or above the lag threshold and reports crossings. Groups seen for
 * the first time (the snapshot, a new group) are not crossings: the page shows them highlighted,
 * and a toast comes only when a group the page watched goes over.
 */
export class LagWatch {
  readonly #above = new Map<string, boolean>();

  /** Compares `groups` with the last update; `threshold` is `cluster.lagAlertThreshold`. */
  update(groups: readonly ConsoleGroup[], threshold: number): LagCrossings {
    const above: ConsoleGroup[] = [];
    const below: ConsoleGroup[] = [];
    const seen = new Set<string>();
    for (const g of groups) {
      const key = groupKeyOf(g);
      seen.add(key);
      const now = g.lag >= threshold;
      const before = this.#above.get(key);
      if (before === false && now) above.push(g);
      if (before === true && !now) below.push(g);
      this.#above.set(key, now);
    }
    for (const key of [...this.#above.keys()]) if (!seen.has(key)) this.#above.delete(key);
    return { above, below };
  }
}

/**
 * The `points` of an SVG polyline drawing `values` in a `width` × `height` box (y grows down),
 * scaled to the largest value (a flat line at the bottom when all are 0). Fewer than two values
 * draw nothing.
 */
export function sparklinePoints(values: readonly number[], width: number, height: number): string {
  if (values.length < 2) return '';
  const max = Math.max(...values, 0);
  const step = width / (values.length - 1);
  return values
    .map((v, i) => {
      const y = max > 0 ? height - (Math.max(0, v) / max) * height : height;
      return `${(i * step).toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
}

/** Whether a topic or group name contains every word of a filter (case-insensitive). */
export function matchesFilter(text: string, filter: string): boolean {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  const hay = text.toLowerCase();
  return words.every((w) => hay.includes(w));
}
