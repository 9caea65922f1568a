/**
 * Reading `stats_updated` payloads (see `src/sources/stats/stats-source.ts`). Pure.
 *
 * The server's stats snapshot is `{ stats: <payload> }` (`{ stats: null }` before the first
 * update) while each `stats_updated` carries the payload itself; the SDK's reducer stores either
 * as it comes, so {@link unwrapStats} accepts both.
 */

/** The fields the dashboard reads; every one may be missing. */
export interface Stats {
  readonly time?: string;
  readonly intervalSeconds?: number;
  readonly connections?: {
    readonly sse?: number;
    readonly ws?: number;
    readonly poll?: number;
    readonly total?: number;
  };
  readonly subscriptions?: number;
  readonly eventsPerSecond?: number | null;
  readonly deliveriesPerSecond?: number | null;
  readonly latencyMs?: {
    readonly p50?: number | null;
    readonly p95?: number | null;
    readonly p99?: number | null;
    readonly samples?: number;
  };
  readonly slowConsumerDisconnects?: number;
  readonly droppedEvents?: number;
  readonly window?: { readonly events?: number; readonly bytes?: number };
  readonly memory?: { readonly rssBytes?: number; readonly heapUsedBytes?: number };
  readonly alerts?: {
    readonly firing?: number;
    readonly byState?: Readonly<Record<string, number>>;
    readonly bySeverity?: Readonly<Record<string, number>>;
  };
  readonly silences?: { readonly active?: number; readonly pending?: number };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The stats payload inside a store value, or `null` when there is none yet. */
export function unwrapStats(data: unknown): Stats | null {
  if (!isObject(data)) return null;
  if ('stats' in data && !('time' in data)) return isObject(data.stats) ? (data.stats as Stats) : null;
  return Object.keys(data).length === 0 ? null : (data as Stats);
}

/** Series the charts draw, one value per stats update. */
export const SERIES = [
  'eventsPerSecond',
  'deliveriesPerSecond',
  'connTotal',
  'connSse',
  'connWs',
  'connPoll',
  'p50',
  'p95',
  'p99',
] as const;

/** One series name. */
export type SeriesName = (typeof SERIES)[number];

/** Values of one stats update, by series (`null` where unknown). */
export function pointOf(stats: Stats): Record<SeriesName, number | null> {
  const n = (v: number | null | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return {
    eventsPerSecond: n(stats.eventsPerSecond),
    deliveriesPerSecond: n(stats.deliveriesPerSecond),
    connTotal: n(stats.connections?.total),
    connSse: n(stats.connections?.sse),
    connWs: n(stats.connections?.ws),
    connPoll: n(stats.connections?.poll),
    p50: n(stats.latencyMs?.p50),
    p95: n(stats.latencyMs?.p95),
    p99: n(stats.latencyMs?.p99),
  };
}

/**
 * A bounded history of stats updates for the charts: times in seconds (uPlot's x axis) and one
 * column per series. Updates are keyed by their `time`; a repeated or older one is ignored (a
 * snapshot after a reconnect repeats the last update).
 */
export class StatsHistory {
  readonly limit: number;
  readonly times: number[] = [];
  readonly columns: Record<SeriesName, (number | null)[]>;

  constructor(limit = 360) {
    this.limit = limit;
    this.columns = Object.fromEntries(SERIES.map((s) => [s, []])) as unknown as Record<SeriesName, (number | null)[]>;
  }

  /** Adds an update; returns whether it was new. */
  add(stats: Stats): boolean {
    const t = stats.time === undefined ? Number.NaN : Date.parse(stats.time) / 1000;
    if (Number.isNaN(t) || (this.times.length > 0 && t <= this.times[this.times.length - 1]!)) return false;
    this.times.push(t);
    const point = pointOf(stats);
    for (const s of SERIES) this.columns[s].push(point[s]);
    if (this.times.length > this.limit) {
      this.times.shift();
      for (const s of SERIES) this.columns[s].shift();
    }
    return true;
  }
}
