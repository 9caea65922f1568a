/**
 * Live charts (uPlot) of events/s, deliveries/s, connections and latency percentiles, fed by the
 * stats history. Charts are canvases: each sits in a `role="img"` element whose label states the
 * latest values, so the information is there without the picture.
 */
import uPlot from 'uplot';
import { h, setText } from './dom.js';
import { formatNumber, plural } from './format.js';
import type { SeriesName, StatsHistory } from './stats-model.js';

/** Narrowest time axis, in seconds: a few points still get a readable `hh:mm:ss` axis. */
const MIN_SPAN_SECONDS = 60;

interface ChartDef {
  readonly id: string;
  readonly title: string;
  readonly unit: string;
  readonly series: readonly { readonly name: SeriesName; readonly label: string }[];
}

const CHARTS: readonly ChartDef[] = [
  { id: 'events', title: 'Events/s', unit: '/s', series: [{ name: 'eventsPerSecond', label: 'events/s' }] },
  {
    id: 'deliveries',
    title: 'Deliveries/s',
    unit: '/s',
    series: [{ name: 'deliveriesPerSecond', label: 'deliveries/s' }],
  },
  {
    id: 'connections',
    title: 'Connections',
    unit: '',
    series: [
      { name: 'connTotal', label: 'total' },
      { name: 'connSse', label: 'SSE' },
      { name: 'connWs', label: 'WebSocket' },
      { name: 'connPoll', label: 'poll' },
    ],
  },
  {
    id: 'latency',
    title: 'Delivery latency',
    unit: ' ms',
    series: [
      { name: 'p50', label: 'p50' },
      { name: 'p95', label: 'p95' },
      { name: 'p99', label: 'p99' },
    ],
  },
];

const HEIGHT = 150;

interface Chart {
  readonly def: ChartDef;
  readonly body: HTMLElement;
  plot: uPlot | null;
}

/** The chart grid. */
export class ChartsView {
  readonly #history: StatsHistory;
  readonly #status: HTMLElement;
  readonly #charts: Chart[] = [];

  constructor(grid: HTMLElement, status: HTMLElement, history: StatsHistory) {
    this.#history = history;
    this.#status = status;
    for (const def of CHARTS) {
      const body = h('div', { class: 'chart-body', role: 'img', 'aria-label': `${def.title}: no data yet` });
      grid.append(h('figure', { class: 'chart', 'data-chart': def.id }, h('figcaption', {}, def.title), body));
      this.#charts.push({ def, body, plot: null });
    }
    new ResizeObserver(() => this.#resize()).observe(grid);
  }

  /** Redraws with the history's current data. */
  update(): void {
    const n = this.#history.times.length;
    if (n > 0) setText(this.#status, `Last ${plural(n, 'update')} of stats_updated, kept while this page is open.`);
    for (const chart of this.#charts) {
      if (chart.plot === null) this.#create(chart);
      else chart.plot.setData(this.#data(chart.def));
      chart.body.setAttribute('aria-label', this.#describe(chart.def));
    }
  }

  /** Rebuilds every chart (colours come from CSS variables and are read at creation). */
  rebuild(): void {
    for (const chart of this.#charts) {
      chart.plot?.destroy();
      chart.plot = null;
    }
    this.update();
  }

  /** x (seconds) then the chart's series; uPlot reads the arrays without copying them. */
  #data(def: ChartDef): uPlot.AlignedData {
    const columns = this.#history.columns;
    return [this.#history.times, ...def.series.map((s) => columns[s.name])] as unknown as uPlot.AlignedData;
  }

  #create(chart: Chart): void {
    const width = chart.body.clientWidth;
    if (width === 0) return;
    const style = getComputedStyle(document.documentElement);
    const color = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
    const axis = color('--chart-axis', '#666');
    const grid = color('--chart-grid', '#ddd');
    const palette = [1, 2, 3, 4].map((i) => color(`--chart-${i}`, '#1f6feb'));
    const unit = chart.def.unit;
    chart.plot = new uPlot(
      {
        width,
        height: HEIGHT,
        cursor: { drag: { x: false, y: false } },
        // Legend as a key only: values under the cursor would need the pointer anyway.
        legend: { show: chart.def.series.length > 1, live: false },
        scales: {
          // With one or two points uPlot would span years; always show at least the last minute.
          x: {
            time: true,
            range: (_u, min, max) => {
              const hi = max ?? Date.now() / 1000;
              const lo = Math.min(min ?? hi, hi - MIN_SPAN_SECONDS);
              return [lo, hi];
            },
          },
          y: { range: (_u, min, max) => [Math.min(0, min ?? 0), Math.max(1, (max ?? 1) * 1.1)] },
        },
        axes: [
          { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } },
          {
            stroke: axis,
            grid: { stroke: grid, width: 1 },
            ticks: { stroke: grid, width: 1 },
            size: 48,
            values: (_u, splits) => splits.map((v) => formatNumber(v)),
          },
        ],
        series: [
          {},
          ...chart.def.series.map((s, i) => ({
            label: s.label,
            stroke: palette[i % palette.length]!,
            width: 2,
            value: (_u: uPlot, v: number | null) => (v === null ? '–' : `${formatNumber(v)}${unit}`),
            ...(chart.def.series.length === 1 ? { fill: `${palette[0]}22` } : {}),
          })),
        ],
      },
      this.#data(chart.def),
      chart.body,
    );
  }

  #describe(def: ChartDef): string {
    const columns = this.#history.columns;
    const n = this.#history.times.length;
    if (n === 0) return `${def.title}: no data yet`;
    const latest = def.series.map((s) => `${s.label} ${formatNumber(columns[s.name][n - 1])}${def.unit}`).join(', ');
    return `${def.title}, last ${n} updates; latest ${latest}`;
  }

  #resize(): void {
    for (const chart of this.#charts) {
      const width = chart.body.clientWidth;
      if (chart.plot === null) {
        if (width > 0 && this.#history.times.length > 0) this.#create(chart);
      } else if (width > 0 && width !== chart.plot.width) chart.plot.setSize({ width, height: HEIGHT });
    }
  }
}
