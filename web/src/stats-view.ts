/** The server tiles: connections, rates, latency, queues and memory from the latest `stats_updated`. */
import { h, setText } from './dom.js';
import { ageMs, formatBytes, formatDuration, formatNumber, plural } from './format.js';
import type { Stats } from './stats-model.js';

/** Alert counts by display state, from the dashboard's own alert state (see `countByDisplayState`). */
export type AlertTileCounts = Readonly<Record<'firing' | 'silenced' | 'inhibited', number>>;

interface Tile {
  readonly label: string;
  readonly value: (s: Stats, alerts: AlertTileCounts | null) => string;
  readonly sub?: (s: Stats, alerts: AlertTileCounts | null) => string;
  /** Shown only when the payload has the field (alert counts need an alert source). */
  readonly when?: (s: Stats) => boolean;
}

const ms = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : `${formatNumber(v)} ms`);

const TILES: readonly Tile[] = [
  {
    label: 'Connections',
    value: (s) => formatNumber(s.connections?.total),
    sub: (s) =>
      `SSE ${formatNumber(s.connections?.sse ?? 0)} · WS ${formatNumber(s.connections?.ws ?? 0)} · poll ${formatNumber(s.connections?.poll ?? 0)}`,
  },
  {
    label: 'Events/s',
    value: (s) => formatNumber(s.eventsPerSecond),
    sub: (s) => `over ${formatNumber(s.intervalSeconds)} s`,
  },
  {
    label: 'Deliveries/s',
    value: (s) => formatNumber(s.deliveriesPerSecond),
    sub: (s) => plural(s.subscriptions, 'subscription'),
  },
  {
    label: 'Latency p50',
    value: (s) => ms(s.latencyMs?.p50),
    sub: (s) => `p95 ${formatNumber(s.latencyMs?.p95)} · p99 ${formatNumber(s.latencyMs?.p99)} ms`,
  },
  {
    // The same counts as the alert panel's chips (one definition: `countByDisplayState`), so the
    // tile and the chips never disagree; firing means not silenced and not inhibited.
    label: 'Alerts firing',
    value: (s, a) => formatNumber(a?.firing ?? s.alerts?.byState?.active),
    sub: (s, a) =>
      a === null
        ? `${formatNumber(s.alerts?.byState?.suppressed ?? 0)} suppressed`
        : `${formatNumber(a.silenced)} silenced · ${formatNumber(a.inhibited)} inhibited`,
    when: (s) => s.alerts !== undefined,
  },
  {
    label: 'Slow consumers',
    value: (s) => formatNumber(s.slowConsumerDisconnects),
    sub: (s) => `${plural(s.droppedEvents, 'event')} dropped`,
  },
  { label: 'Replay window', value: (s) => plural(s.window?.events, 'event'), sub: (s) => formatBytes(s.window?.bytes) },
  {
    label: 'Memory',
    value: (s) => formatBytes(s.memory?.rssBytes),
    sub: (s) => `heap ${formatBytes(s.memory?.heapUsedBytes)}`,
  },
];

/** The tiles. */
export class StatsView {
  readonly #root: HTMLElement;
  readonly #updated: HTMLElement;
  readonly #tiles = new Map<string, { el: HTMLElement; value: HTMLElement; sub: HTMLElement }>();
  readonly #alertCounts: () => AlertTileCounts | null;
  #stats: Stats | null = null;

  /** @param alertCounts - the alert panel's counts, or `null` before alert state arrived. */
  constructor(root: HTMLElement, updated: HTMLElement, alertCounts: () => AlertTileCounts | null = () => null) {
    this.#root = root;
    this.#updated = updated;
    this.#alertCounts = alertCounts;
  }

  render(stats: Stats | null = this.#stats): void {
    this.#stats = stats;
    if (stats === null) return;
    const counts = this.#alertCounts();
    for (const tile of TILES) {
      let el = this.#tiles.get(tile.label);
      const show = tile.when?.(stats) ?? true;
      if (el === undefined) {
        const value = h('dd', { class: 'tile-value' });
        const sub = h('dd', { class: 'tile-sub' });
        el = {
          el: h('div', { class: 'tile', 'data-tile': tile.label }, h('dt', {}, tile.label), value, sub),
          value,
          sub,
        };
        this.#tiles.set(tile.label, el);
        this.#root.append(el.el);
      }
      el.el.hidden = !show;
      setText(el.value, tile.value(stats, counts));
      setText(el.sub, tile.sub?.(stats, counts) ?? '');
    }
    this.tick();
  }

  /** Refreshes "updated … ago". */
  tick(): void {
    const age = ageMs(this.#stats?.time);
    if (age !== null) setText(this.#updated, `Updated ${formatDuration(age)} ago`);
  }
}
