/**
 * The Console page's panels: the cluster's health tiles, the topics table (live rates and a
 * sparkline of messages/s) and the consumer groups table (lag as a `<meter>` against the alert
 * threshold). Rows are kept per key and updated in place, so focus and the "just changed" flash
 * survive updates; at most {@link MAX_ROWS} rows are drawn, the filter narrows the rest.
 */
import type { ComponentHealth, ConsoleCluster, ConsoleGroup, ConsoleTopic } from '../../packages/client/src/index.js';
import { groupKeyOf, matchesFilter, sparklinePoints, type RateHistory } from './console-model.js';
import { fill, flash, h, setText, syncChildren } from './dom.js';
import { formatBytes, formatNumber, formatTime, renderAge } from './format.js';

/** Most rows drawn in one table. */
export const MAX_ROWS = 200;

const SVG = 'http://www.w3.org/2000/svg';
const SPARK_WIDTH = 96;
const SPARK_HEIGHT = 24;

function tile(label: string, value: string, sub = '', extra?: Element): HTMLElement {
  return h(
    'div',
    { class: 'tile' },
    h('dt', {}, label),
    h('dd', { class: 'tile-value' }, value),
    sub === '' ? null : h('dd', { class: 'tile-sub' }, sub),
    extra === undefined ? null : h('dd', {}, extra),
  );
}

function usage(label: string, used: number, limit: number | null): HTMLElement {
  const meter =
    limit === null || limit <= 0
      ? undefined
      : h('meter', {
          min: 0,
          max: limit,
          low: limit * 0.7,
          high: limit * 0.9,
          optimum: 0,
          value: Math.min(used, limit),
          'aria-label': `${label}: ${formatBytes(used)} of ${formatBytes(limit)}`,
        });
  return tile(label, formatBytes(used), limit === null ? 'no limit' : `of ${formatBytes(limit)}`, meter);
}

/** The cluster panel. */
export class ClusterView {
  readonly #tiles: HTMLElement;
  readonly #status: HTMLElement;
  readonly #banner: HTMLElement;

  constructor(tiles: HTMLElement, status: HTMLElement, banner: HTMLElement) {
    this.#tiles = tiles;
    this.#status = status;
    this.#banner = banner;
  }

  /**
   * @param cluster - From the snapshot or the latest `metrics_updated`; `null` before the first round.
   * @param health - The `console/<cluster>` component of the `health` topic, when reported.
   * @param extra - Canary latency and round cost of the latest round, when known.
   */
  render(
    cluster: ConsoleCluster | null,
    health: ComponentHealth | undefined,
    extra: {
      canary: { p50Ms: number | null; p95Ms: number | null; p99Ms: number | null } | null;
      cost: { requests: number; durationMs: number; complete: boolean } | null;
      totals: { messagesPerSecond: number; bytesPerSecond: number; deliveredPerSecond: number } | null;
    },
  ): void {
    const unhealthy = health !== undefined && health.status !== 'healthy';
    this.#banner.hidden = !unhealthy;
    setText(
      this.#banner,
      unhealthy ? `${health.component} is ${health.status}: ${health.detail ?? ''} — figures may be stale.` : '',
    );
    if (cluster === null) {
      setText(this.#status, 'Waiting for the first round…');
      fill(this.#tiles);
      return;
    }
    setText(
      this.#status,
      cluster.updatedAt === null ? 'Not measured yet' : `Measured ${formatTime(cluster.updatedAt)}`,
    );
    const js = cluster.jetstream;
    const canary = extra.canary;
    const cost = extra.cost;
    const totals = extra.totals;
    fill(
      this.#tiles,
      tile('Cluster', cluster.name, `${cluster.platform} · ${cluster.connected ? 'connected' : 'not connected'}`),
      tile('Server', cluster.server ?? '–', cluster.version === null ? '' : `version ${cluster.version}`),
      tile('Connections', formatNumber(cluster.connections)),
      js === null ? null : usage('Memory', js.memory, js.memoryLimit),
      js === null ? null : usage('Storage', js.storage, js.storageLimit),
      js === null ? null : tile('Streams', formatNumber(js.streams), `${formatNumber(js.consumers)} consumers`),
      totals === null
        ? null
        : tile(
            'Messages in/s',
            formatNumber(totals.messagesPerSecond),
            `${formatBytes(totals.bytesPerSecond)}/s · ${formatNumber(totals.deliveredPerSecond)} delivered/s`,
          ),
      canary === null
        ? null
        : tile(
            'Publish→ack p50',
            canary.p50Ms === null ? '–' : `${formatNumber(canary.p50Ms)} ms`,
            `p95 ${formatNumber(canary.p95Ms)} ms · p99 ${formatNumber(canary.p99Ms)} ms`,
          ),
      cost === null
        ? null
        : tile(
            'Last round',
            `${formatNumber(cost.durationMs)} ms`,
            `${cost.requests} requests${cost.complete ? '' : ' · partial (budget)'}`,
          ),
    );
  }
}

function sparkline(values: readonly number[], label: string): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'sparkline');
  svg.setAttribute('viewBox', `0 0 ${SPARK_WIDTH} ${SPARK_HEIGHT}`);
  svg.setAttribute('width', String(SPARK_WIDTH));
  svg.setAttribute('height', String(SPARK_HEIGHT));
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  const line = document.createElementNS(SVG, 'polyline');
  line.setAttribute('points', sparklinePoints(values, SPARK_WIDTH, SPARK_HEIGHT));
  svg.append(line);
  return svg;
}

interface Row {
  readonly el: HTMLTableRowElement;
  /** What the row was drawn from (data and rates): redrawn when it changes. */
  drawn: string;
  /** The row's data alone (not its rates): flashed when it changes. */
  data: string;
}

/** Keeps one `<tr>` per key; returns the rows in order, drawing only those whose input changed. */
class RowBook<T> {
  readonly #rows = new Map<string, Row>();
  readonly #keyOf: (item: T) => string;
  readonly #render: (item: T, el: HTMLTableRowElement) => string;

  /** `render` fills the row and returns the signature of its data (a change flashes the row). */
  constructor(keyOf: (item: T) => string, render: (item: T, el: HTMLTableRowElement) => string) {
    this.#keyOf = keyOf;
    this.#render = render;
  }

  /** `drawnOf` is the signature of everything a row shows, rates included. */
  rows(items: readonly T[], drawnOf: (item: T) => string): HTMLTableRowElement[] {
    const keep = new Set<string>();
    const out: HTMLTableRowElement[] = [];
    for (const item of items) {
      const key = this.#keyOf(item);
      keep.add(key);
      let row = this.#rows.get(key);
      const known = row !== undefined;
      if (row === undefined) this.#rows.set(key, (row = { el: h('tr', { 'data-key': key }), drawn: '', data: '' }));
      const drawn = drawnOf(item);
      if (row.drawn !== drawn) {
        row.drawn = drawn;
        const data = this.#render(item, row.el);
        if (known && data !== row.data) flash(row.el);
        row.data = data;
      }
      out.push(row.el);
    }
    for (const key of [...this.#rows.keys()]) if (!keep.has(key)) this.#rows.delete(key);
    return out;
  }
}

function td(value: string | Node, className = ''): HTMLTableCellElement {
  return h('td', className === '' ? {} : { class: className }, value);
}

/** The topics table. */
export class TopicsView {
  readonly #body: HTMLElement;
  readonly #status: HTMLElement;
  readonly #rates: RateHistory;
  readonly #book: RowBook<ConsoleTopic>;

  constructor(body: HTMLElement, status: HTMLElement, rates: RateHistory) {
    this.#body = body;
    this.#status = status;
    this.#rates = rates;
    this.#book = new RowBook(
      (t) => t.name,
      (t, el) => {
        const r = this.#rates.topic(t.name);
        const series = this.#rates.series(t.name);
        fill(
          el,
          h('th', { scope: 'row' }, t.name),
          td(t.subjects.join(', '), 'subjects'),
          td(formatNumber(t.messages), 'num'),
          td(formatBytes(t.bytes), 'num'),
          td(formatNumber(r?.messagesPerSecond ?? null), 'num'),
          td(r?.bytesPerSecond === null || r === undefined ? '–' : `${formatBytes(r.bytesPerSecond)}/s`, 'num'),
          td(
            sparkline(
              series,
              `${t.name}: messages per second over the last ${series.length} rounds, latest ${formatNumber(series.at(-1) ?? null)}`,
            ),
          ),
          td(formatNumber(t.consumers), 'num'),
        );
        return JSON.stringify([t.messages, t.bytes, t.consumers]);
      },
    );
  }

  render(topics: readonly ConsoleTopic[], filter: string, pending: boolean): void {
    const shown = topics.filter((t) => matchesFilter(`${t.name} ${t.subjects.join(' ')}`, filter));
    const drawn = shown.slice(0, MAX_ROWS);
    setText(
      this.#status,
      pending
        ? 'Waiting for the console…'
        : `${topics.length} topics${shown.length !== topics.length ? ` · ${shown.length} match` : ''}${
            drawn.length < shown.length ? ` · showing ${drawn.length}; filter to narrow` : ''
          }`,
    );
    const rows = this.#book.rows(drawn, (t) => {
      const r = this.#rates.topic(t.name);
      return JSON.stringify([t.messages, t.bytes, t.consumers, t.subjects, r, this.#rates.series(t.name).length]);
    });
    if (rows.length === 0)
      rows.push(
        h('tr', { class: 'empty' }, h('td', { colspan: 8 }, pending ? 'Waiting for the console…' : 'No topics.')),
      );
    syncChildren(this.#body, rows);
  }
}

/** The consumer groups table. */
export class GroupsView {
  readonly #body: HTMLElement;
  readonly #status: HTMLElement;
  readonly #rates: RateHistory;
  readonly #book: RowBook<ConsoleGroup>;
  #threshold = 1000;

  constructor(body: HTMLElement, status: HTMLElement, rates: RateHistory) {
    this.#body = body;
    this.#status = status;
    this.#rates = rates;
    this.#book = new RowBook<ConsoleGroup>(groupKeyOf, (g, el) => {
      const threshold = this.#threshold;
      const over = g.lag >= threshold;
      el.className = over ? 'lag-alert' : '';
      const lagCell = h(
        'td',
        { class: 'lag' },
        h('meter', {
          min: 0,
          max: threshold,
          low: threshold * 0.5,
          high: threshold * 0.9,
          optimum: 0,
          value: Math.min(g.lag, threshold),
          'aria-label': `Lag of ${g.name} on ${g.topic}: ${g.lag} of the alert threshold ${threshold}`,
        }),
        h('span', { class: 'num' }, formatNumber(g.lag)),
        over ? h('span', { class: 'badge lag-badge' }, 'over threshold') : null,
      );
      const active =
        g.lastActive === null
          ? 'never'
          : (() => {
              const t = h('time', {
                class: 'age',
                datetime: g.lastActive,
                'data-since': g.lastActive,
                'data-prefix': '',
                'data-suffix': ' ago',
                title: formatTime(g.lastActive),
              });
              renderAge(t);
              return t;
            })();
      fill(
        el,
        td(g.topic),
        h('th', { scope: 'row' }, g.name),
        lagCell,
        td(formatNumber(g.ackPending), 'num'),
        td(formatNumber(g.redelivered), 'num'),
        td(formatNumber(this.#rates.delivered(g)), 'num'),
        td(active),
      );
      return JSON.stringify([g.lag, g.ackPending, g.redelivered]);
    });
  }

  render(groups: readonly ConsoleGroup[], filter: string, threshold: number, pending: boolean): void {
    this.#threshold = threshold;
    const shown = groups.filter((g) => matchesFilter(`${g.topic} ${g.name}`, filter));
    // Lagging groups first, the worst on top; then by topic and name.
    const ordered = [...shown].sort((a, b) => {
      const over = Number(b.lag >= threshold) - Number(a.lag >= threshold);
      return over !== 0 ? over : a.lag >= threshold ? b.lag - a.lag : 0;
    });
    const drawn = ordered.slice(0, MAX_ROWS);
    const lagging = groups.filter((g) => g.lag >= threshold).length;
    setText(
      this.#status,
      pending
        ? 'Waiting for the console…'
        : `${groups.length} groups · ${lagging} at or over a lag of ${formatNumber(threshold)}${
            drawn.length < shown.length ? ` · showing ${drawn.length}; filter to narrow` : ''
          }`,
    );
    const rows = this.#book.rows(drawn, (g) =>
      JSON.stringify([g.lag, g.ackPending, g.redelivered, g.lastActive, threshold, this.#rates.delivered(g)]),
    );
    if (rows.length === 0)
      rows.push(
        h(
          'tr',
          { class: 'empty' },
          h('td', { colspan: 7 }, pending ? 'Waiting for the console…' : 'No consumer groups.'),
        ),
      );
    syncChildren(this.#body, rows);
  }
}
