/**
 * The canary's publish→ack latencies: a ring of the last samples and their percentiles.
 *
 * @module
 */
import { percentiles } from '../stats/percentiles.js';
import type { CanaryLatency } from './model.js';

/** A fixed-size ring of latency samples in ms. */
export class LatencyRing {
  readonly #values: number[] = [];
  readonly #capacity: number;
  #next = 0;

  /** @param capacity - Samples kept. Defaults to `200`. */
  constructor(capacity = 200) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new TypeError('LatencyRing: capacity must be an integer >= 1');
    this.#capacity = capacity;
  }

  /** Adds samples, overwriting the oldest once full. */
  add(samples: readonly number[]): void {
    for (const value of samples) {
      if (this.#values.length < this.#capacity) this.#values.push(value);
      else this.#values[this.#next] = value;
      this.#next = (this.#next + 1) % this.#capacity;
    }
  }

  /** p50/p95/p99 of the kept samples, rounded to 0.01 ms; `null`s when empty. */
  summary(): CanaryLatency {
    const [p50, p95, p99] = percentiles([...this.#values], [50, 95, 99]).map((v) =>
      v === null ? null : Math.round(v * 100) / 100,
    );
    return { samples: this.#values.length, p50Ms: p50 ?? null, p95Ms: p95 ?? null, p99Ms: p99 ?? null };
  }
}
