/**
 * The data behind the Metrics panel: Prometheus results (vector, matrix from a backfill, scalar)
 * folded into aligned columns for uPlot, one column per series, bounded in length.
 */

/** Most points kept per series. */
export const MAX_POINTS = 720;

/** A Prometheus result as the metric stream delivers it. */
export interface MetricResult {
  readonly resultType: string;
  readonly result: unknown;
}

interface VectorSample {
  metric?: Record<string, string>;
  value?: [number, string];
}
interface MatrixSeries {
  metric?: Record<string, string>;
  values?: [number, string][];
}

/** `up{instance="…", job="…"}`: the legend text of a series. */
export function seriesLabel(metric: Readonly<Record<string, string>> | undefined): string {
  const labels = { ...(metric ?? {}) };
  const name = labels.__name__ ?? '';
  delete labels.__name__;
  const inner = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(', ');
  return inner === '' ? name || '{}' : `${name}{${inner}}`;
}

/** Time-aligned columns: `times` in Unix seconds, one value column per series label. */
export class MetricSeries {
  times: number[] = [];
  readonly columns = new Map<string, (number | null)[]>();

  /** Forgets everything (a new query). */
  clear(): void {
    this.times = [];
    this.columns.clear();
  }

  /** Adds one result. Returns `false` for a result type that cannot be charted (`string`). */
  add(update: MetricResult): boolean {
    const points: [string, number, number][] = [];
    if (update.resultType === 'vector') {
      for (const s of update.result as VectorSample[]) {
        if (s.value) points.push([seriesLabel(s.metric), s.value[0], Number(s.value[1])]);
      }
    } else if (update.resultType === 'matrix') {
      for (const s of update.result as MatrixSeries[]) {
        const label = seriesLabel(s.metric);
        for (const [t, v] of s.values ?? []) points.push([label, t, Number(v)]);
      }
    } else if (update.resultType === 'scalar') {
      const [t, v] = update.result as [number, string];
      points.push(['scalar', t, Number(v)]);
    } else {
      return false;
    }
    for (const [label, t, v] of points) this.#put(label, t, v);
    this.#trim();
    return true;
  }

  #put(label: string, t: number, v: number): void {
    let i = this.times.length;
    // Results arrive in time order; a backfill's points fall before the live ones.
    while (i > 0 && this.times[i - 1]! > t) i--;
    if (i === 0 || this.times[i - 1] !== t) {
      this.times.splice(i, 0, t);
      for (const col of this.columns.values()) col.splice(i, 0, null);
    } else {
      i -= 1;
    }
    let col = this.columns.get(label);
    if (!col) {
      col = new Array<number | null>(this.times.length).fill(null);
      this.columns.set(label, col);
    }
    col[i] = Number.isFinite(v) ? v : null;
  }

  #trim(): void {
    const extra = this.times.length - MAX_POINTS;
    if (extra <= 0) return;
    this.times.splice(0, extra);
    for (const col of this.columns.values()) col.splice(0, extra);
  }
}
