/**
 * Runners against a real Prometheus: N viewers of one query cost one Prometheus query per interval
 * (counted from Prometheus' own `prometheus_http_requests_total{handler="/api/v1/query"}`),
 * evaluations are aligned on the wall clock, and a Prometheus outage turns into error results
 * followed by updates again, without the viewer doing anything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileMetricQuery } from '../../src/sources/promql/metric-query.js';
import type { MetricError, MetricUpdate, MetricViewer } from '../../src/sources/promql/metric-update.js';
import { PrometheusClient } from '../../src/sources/promql/prometheus-client.js';
import { RunnerRegistry } from '../../src/sources/promql/runner-registry.js';
import { startPrometheus, waitFor, type Prometheus } from '../harness/index.js';

class RecordingViewer implements MetricViewer {
  readonly updates: MetricUpdate[] = [];
  readonly errors: MetricError[] = [];
  readonly order: ('update' | 'error')[] = [];
  update(update: MetricUpdate, json: string): void {
    expect(JSON.parse(json)).toEqual(update);
    this.updates.push(update);
    this.order.push('update');
  }
  error(error: MetricError): void {
    this.errors.push(error);
    this.order.push('error');
  }
}

/** Sum of `prometheus_http_requests_total{handler="/api/v1/query"}` over codes, read from /metrics. */
async function instantQueryCount(prom: Prometheus): Promise<number> {
  const text = await (await fetch(`${prom.url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('prometheus_http_requests_total{') && line.includes('handler="/api/v1/query"')) {
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return sum;
}

const aligned = (u: MetricUpdate, seconds: number) => Date.parse(u.evaluatedAt) % (seconds * 1000) === 0;

let prom: Prometheus;
let client: PrometheusClient;
let registry: RunnerRegistry;

beforeAll(async () => {
  prom = await startPrometheus();
  client = new PrometheusClient({ url: prom.url, timeoutMs: 2000 });
  registry = new RunnerRegistry({ source: client });
});

afterAll(async () => {
  registry?.stopAll();
  client?.close();
  await prom?.stop();
});

describe('runner registry against Prometheus', () => {
  it('runs one Prometheus query per interval for 20 viewers of one query written 20 ways', async () => {
    const spacings = Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0
        ? `rate(${' '.repeat(i)}prometheus_http_requests_total[1m]${' '.repeat(i)})`
        : `RATE ( prometheus_http_requests_total [ 1m ] ) # viewer ${i}`.replace('RATE', 'rate'),
    );
    const viewers = spacings.map(() => new RecordingViewer());
    const members = spacings.map((q, i) => registry.join(compileMetricQuery(q, 5, null), viewers[i]!));
    expect(registry.size).toBe(1);
    expect(registry.viewers).toBe(20);

    // The first aligned evaluation every viewer has seen.
    const first = await waitFor(
      () => {
        const u = viewers[0]!.updates.find((x) => aligned(x, 5));
        return u && viewers.every((v) => v.updates.some((x) => x.evaluatedAt === u.evaluatedAt)) ? u : null;
      },
      { timeoutMs: 15_000, what: 'an aligned evaluation delivered to all 20 viewers' },
    );
    const before = await instantQueryCount(prom);
    const target = new Date(Date.parse(first.evaluatedAt) + 10_000).toISOString();
    await waitFor(() => viewers.every((v) => v.updates.some((x) => x.evaluatedAt === target)), {
      timeoutMs: 20_000,
      what: `the evaluation at ${target} delivered to all viewers`,
    });
    const after = await waitFor(
      async () => ((await instantQueryCount(prom)) >= before + 2 ? instantQueryCount(prom) : 0),
      {
        timeoutMs: 5000,
        what: 'Prometheus to count the two queries',
      },
    );
    expect(after - before).toBe(2);
    for (const v of viewers) {
      const times = v.updates.filter((x) => aligned(x, 5)).map((x) => x.evaluatedAt);
      expect(times).toEqual(viewers[0]!.updates.filter((x) => aligned(x, 5)).map((x) => x.evaluatedAt));
      expect(v.updates.at(-1)!.resultType).toBe('vector');
    }

    for (const m of members) m.leave();
    expect(registry.size).toBe(0);
    // No viewer, no query: one boundary later Prometheus has seen none.
    const idle = await instantQueryCount(prom);
    const nextBoundary = Math.ceil(Date.now() / 5000) * 5000 + 1500;
    await waitFor(() => Date.now() > nextBoundary, { timeoutMs: 8000, what: 'the next interval boundary to pass' });
    expect(await instantQueryCount(prom)).toBe(idle);
  }, 60_000);

  it('keeps runners apart for different intervals or scopes', () => {
    const a = registry.join(compileMetricQuery('up', 5, null), new RecordingViewer());
    const b = registry.join(compileMetricQuery('up', 10, null), new RecordingViewer());
    const c = registry.join(
      compileMetricQuery('up', 5, { label: 'namespace', namespaces: ['x'] }),
      new RecordingViewer(),
    );
    const d = registry.join(compileMetricQuery(' up ', 5, null), new RecordingViewer());
    expect(registry.size).toBe(3);
    expect(d.runner).toBe(a.runner);
    for (const m of [a, b, c, d]) m.leave();
    expect(registry.size).toBe(0);
  });

  it('reports a query Prometheus rejects as an error result', async () => {
    const viewer = new RecordingViewer();
    const m = registry.join(compileMetricQuery('rate(up)', 5, null), viewer);
    const err = await waitFor(() => viewer.errors[0], { timeoutMs: 10_000, what: 'an error result' });
    expect(err.code).toBe('prometheus_query_failed');
    expect(err.message).toMatch(/range vector/);
    m.leave();
  });

  it('turns a Prometheus outage into errors, then updates again without the viewer rejoining', async () => {
    const viewer = new RecordingViewer();
    const m = registry.join(compileMetricQuery('up', 5, null), viewer);
    await waitFor(() => viewer.updates.length > 0, { timeoutMs: 10_000, what: 'a first update' });
    await prom.kill();
    const err = await waitFor(() => viewer.errors[0], { timeoutMs: 15_000, what: 'an error while Prometheus is down' });
    expect(err.code).toBe('prometheus_unavailable');
    await prom.restart();
    await waitFor(() => viewer.order.lastIndexOf('update') > viewer.order.indexOf('error'), {
      timeoutMs: 20_000,
      what: 'an update after Prometheus came back',
    });
    expect(m.runner.status().errors).toBeGreaterThan(0);
    m.leave();
  }, 60_000);
});
