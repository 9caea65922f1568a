/**
 * The Metrics panel: a PromQL query and an interval in, a live uPlot chart out (one line and one
 * legend entry per series), the server's error shown inline, and both inputs kept in the URL
 * (`?mq=…&mi=…`) so a link reopens the same chart.
 */
import type { LivegateClient, MetricSubscription } from '../../packages/client/src/index.js';
import uPlot from 'uplot';
import { setText } from './dom.js';
import { formatNumber } from './format.js';
import { MetricSeries } from './metric-series.js';

const HEIGHT = 220;
/** Backfill covers this many intervals, so the chart is not empty on open. */
const BACKFILL_INTERVALS = 60;

/** The elements of the panel. */
export interface MetricsElements {
  readonly form: HTMLFormElement;
  readonly query: HTMLInputElement;
  readonly interval: HTMLInputElement;
  readonly error: HTMLElement;
  readonly status: HTMLElement;
  readonly chart: HTMLElement;
}

export class MetricsView {
  readonly #el: MetricsElements;
  readonly #client: LivegateClient;
  readonly #series = new MetricSeries();
  #sub: MetricSubscription | null = null;
  #plot: uPlot | null = null;
  #labels: string[] = [];

  constructor(el: MetricsElements, client: LivegateClient) {
    this.#el = el;
    this.#client = client;
    const params = new URLSearchParams(window.location.search);
    el.query.value = params.get('mq') ?? '';
    el.interval.value = params.get('mi') ?? '15';
    el.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.#persist();
      this.#start();
    });
    new ResizeObserver(() => this.#resize()).observe(el.chart);
    if (el.query.value.trim() !== '') this.#start();
  }

  /** Rebuilds the chart (theme change: colours are read at creation). */
  rebuild(): void {
    this.#plot?.destroy();
    this.#plot = null;
    this.#draw();
  }

  #persist(): void {
    const url = new URL(window.location.href);
    url.searchParams.set('mq', this.#el.query.value);
    url.searchParams.set('mi', this.#el.interval.value);
    window.history.replaceState(null, '', url);
  }

  #showError(message: string | null): void {
    this.#el.error.hidden = message === null;
    setText(this.#el.error, message ?? '');
  }

  #start(): void {
    this.#sub?.close();
    this.#sub = null;
    this.#series.clear();
    this.rebuild();
    const query = this.#el.query.value.trim();
    const interval = Number(this.#el.interval.value);
    if (query === '') return this.#showError('Type a PromQL query, e.g. up');
    if (!Number.isInteger(interval) || interval < 5 || interval > 300) {
      return this.#showError('The interval is a whole number of seconds from 5 to 300.');
    }
    this.#showError(null);
    setText(this.#el.status, 'Connecting…');
    const sub = this.#client.metrics(query, interval, {
      range: Math.min(86_400, interval * BACKFILL_INTERVALS),
      step: interval,
    });
    this.#sub = sub;
    sub.on('connected', ({ query: normalized }) => {
      setText(this.#el.status, `${normalized} every ${interval} s`);
    });
    sub.on('update', (update) => {
      if (!this.#series.add(update)) {
        this.#showError(`A ${update.resultType} result cannot be charted.`);
        return;
      }
      this.#showError(null);
      this.#draw();
    });
    sub.on('error', (error) => this.#showError(`${error.code}: ${error.message}`));
    sub.on('closed', ({ reason }) => {
      if (reason !== null) setText(this.#el.status, 'Stopped.');
    });
  }

  #draw(): void {
    const labels = [...this.#series.columns.keys()];
    if (this.#plot !== null && labels.join('\n') !== this.#labels.join('\n')) {
      this.#plot.destroy();
      this.#plot = null;
    }
    this.#labels = labels;
    const data = [
      this.#series.times,
      ...labels.map((l) => this.#series.columns.get(l)!),
    ] as unknown as uPlot.AlignedData;
    this.#el.chart.setAttribute(
      'aria-label',
      labels.length === 0
        ? 'Metrics chart: no data yet'
        : `Metrics chart: ${labels.length} series, ${this.#series.times.length} points`,
    );
    if (labels.length === 0) return;
    if (this.#plot !== null) {
      this.#plot.setData(data);
      return;
    }
    const width = this.#el.chart.clientWidth;
    if (width === 0) return;
    const style = getComputedStyle(document.documentElement);
    const color = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
    const axis = color('--chart-axis', '#666');
    const grid = color('--chart-grid', '#ddd');
    const palette = [1, 2, 3, 4].map((i) => color(`--chart-${i}`, '#1f6feb'));
    this.#plot = new uPlot(
      {
        width,
        height: HEIGHT,
        cursor: { drag: { x: false, y: false } },
        legend: { show: true, live: true },
        scales: { x: { time: true } },
        axes: [
          { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } },
          {
            stroke: axis,
            grid: { stroke: grid, width: 1 },
            ticks: { stroke: grid, width: 1 },
            size: 56,
            values: (_u, splits) => splits.map((v) => formatNumber(v)),
          },
        ],
        series: [
          {},
          ...labels.map((label, i) => ({
            label,
            stroke: palette[i % palette.length]!,
            width: 2,
            spanGaps: false,
            value: (_u: uPlot, v: number | null) => (v === null ? '–' : formatNumber(v)),
          })),
        ],
      },
      data,
      this.#el.chart,
    );
  }

  #resize(): void {
    const width = this.#el.chart.clientWidth;
    if (this.#plot === null) {
      if (width > 0) this.#draw();
    } else if (width > 0 && width !== this.#plot.width) this.#plot.setSize({ width, height: HEIGHT });
  }
}
