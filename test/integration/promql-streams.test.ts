/**
 * Metric streams end to end: livegate serving `GET /api/v1/metrics/stream` and the WebSocket
 * `metrics` subscription against a real Prometheus scraping itself, read by the real `eventsource`
 * and `ws` clients.
 */
import { EventSource } from 'eventsource';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LivegateServer } from '../../src/http/server.js';
import { startPrometheus, waitFor, type Prometheus } from '../harness/index.js';
import { startTestServer } from '../harness/livegate.js';
import { TestWs } from '../harness/ws-client.js';

interface Received {
  readonly event: string;
  readonly data: Record<string, unknown>;
  readonly at: number;
}

/** A real EventSource on a metric stream that records every named event. */
class MetricSse {
  readonly received: Received[] = [];
  readonly source: EventSource;
  opened = 0;
  constructor(url: string) {
    this.source = new EventSource(url);
    this.source.onopen = () => this.opened++;
    for (const name of ['hello', 'connected', 'metric-update', 'heartbeat', 'error', 'shutdown']) {
      this.source.addEventListener(name, (e) => {
        const data = (e as MessageEvent).data as string | undefined;
        if (data === undefined) return; // a connection failure, not a server event
        this.received.push({ event: name, data: JSON.parse(data) as Record<string, unknown>, at: Date.now() });
      });
    }
  }
  named(event: string): Received[] {
    return this.received.filter((r) => r.event === event);
  }
  wait(what: string, predicate: () => unknown, timeoutMs = 20_000) {
    return waitFor(predicate, { timeoutMs, what });
  }
  close(): void {
    this.source.close();
  }
}

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

const streamUrl = (server: LivegateServer, query: string, interval?: number, extra = '') =>
  `${server.url}/api/v1/metrics/stream?${new URLSearchParams({
    query,
    ...(interval === undefined ? {} : { interval: String(interval) }),
  }).toString()}${extra}`;

interface Status {
  streams: { connection_id: string; query: string; interval: number; updates: number; errors: number }[];
  runners: { normalizedQuery: string; query: string; interval: number; scope: string; viewers: number }[];
}

async function status(target: LivegateServer): Promise<Status> {
  const res = await fetch(`${target.url}/api/v1/metrics/stream/status`);
  expect(res.status).toBe(200);
  return (await res.json()) as Status;
}

let prom: Prometheus;
let server: LivegateServer;
const open: MetricSse[] = [];
const sse = (url: string) => {
  const s = new MetricSse(url);
  open.push(s);
  return s;
};

beforeAll(async () => {
  prom = await startPrometheus();
  server = await startTestServer({ prometheus: { url: prom.url, timeoutMs: 2000 } });
});

afterEach(async () => {
  for (const s of open.splice(0)) s.close();
  await waitFor(async () => ((await status(server)).streams.length === 0 ? true : null), {
    timeoutMs: 5000,
    what: 'every metric stream of the test to close',
  });
});

afterAll(async () => {
  await server?.close();
  await prom?.stop();
});

describe('GET /api/v1/metrics/stream', () => {
  it('sends connected first, then metric-update for up and rate() at the interval', async () => {
    const up = sse(streamUrl(server, 'up', 5));
    const rate = sse(streamUrl(server, 'rate(prometheus_http_requests_total[1m])', 5));
    for (const s of [up, rate]) {
      await s.wait(
        'two aligned updates',
        () => s.named('metric-update').filter((u) => Date.parse(u.data.evaluatedAt as string) % 5000 === 0).length >= 2,
        25_000,
      );
      const names = s.received.map((r) => r.event).filter((n) => n !== 'hello');
      expect(names[0]).toBe('connected');
      const aligned = s.named('metric-update').filter((u) => Date.parse(u.data.evaluatedAt as string) % 5000 === 0);
      expect(
        Date.parse(aligned[1]!.data.evaluatedAt as string) - Date.parse(aligned[0]!.data.evaluatedAt as string),
      ).toBe(5000);
      const update = aligned[1]!.data;
      expect(update.resultType).toBe('vector');
      expect(Array.isArray(update.result)).toBe(true);
      expect(typeof update.queryMs).toBe('number');
    }
    const connected = up.named('connected')[0]!.data;
    expect(connected).toMatchObject({ query: 'up', interval: 5 });
    expect(connected.connection_id).toMatch(/^c\d+$/);
    const upResult = up.named('metric-update').at(-1)!.data.result as { metric: Record<string, string> }[];
    expect(upResult[0]!.metric).toMatchObject({ __name__: 'up', job: 'prometheus' });
  }, 40_000);

  it.each([
    ['query=sum(rate(up[5m])', 400, 'invalid_promql', 'query', /position 16/],
    ['interval=15', 400, 'invalid_promql', 'query', /required/],
    [`query=${'x'.repeat(1001)}`, 400, 'invalid_promql', 'query', /1000 characters/],
    ['query=up&interval=4', 400, 'invalid_param', 'interval', /5 to 300/],
    ['query=up&interval=301', 400, 'invalid_param', 'interval', /5 to 300/],
    ['query=up&interval=abc', 400, 'invalid_param', 'interval', /5 to 300/],
    ['query=up&range=0', 400, 'invalid_param', 'range', /1 to 86400/],
    ['query=up&range=86400&step=1', 400, 'invalid_param', 'step', /11000/],
    ['query=up&step=5', 400, 'invalid_param', 'step', /needs range/],
  ])('answers %s with %i %s', async (qs, status, code, field, message) => {
    const res = await fetch(`${server.url}/api/v1/metrics/stream?${qs}`);
    expect(res.status).toBe(status);
    const body = (await res.json()) as { error: { code: string; field: string; message: string } };
    expect(body.error).toMatchObject({ code, field });
    expect(body.error.message).toMatch(message);
  });

  it('turns a query Prometheus rejects into error events and keeps the stream open', async () => {
    const s = sse(streamUrl(server, 'rate(up)', 5));
    await s.wait('two error events', () => s.named('error').length >= 2, 20_000);
    expect(s.named('error')[0]!.data).toMatchObject({ code: 'prometheus_query_failed' });
    expect(s.opened).toBe(1);
  }, 30_000);

  it('backfills with one range query when range is given', async () => {
    const s = sse(streamUrl(server, 'up', 5, '&range=60&step=5'));
    await s.wait('the backfill', () => s.named('metric-update').length >= 1);
    expect(s.named('metric-update')[0]!.data.resultType).toBe('matrix');
  });
});

describe('sharing and outages', () => {
  it('runs one Prometheus query per interval for 20 viewers of one query written 20 ways', async () => {
    const variants = Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0
        ? `sum by (job) (rate(prometheus_http_requests_total[1m]))${' '.repeat(i)}`
        : `sum(rate( prometheus_http_requests_total [1m] )) by (job) # ${i}`,
    );
    const viewers = variants.map((q) => sse(streamUrl(server, q, 5)));
    const first = await waitFor(
      () => {
        const u = viewers[0]!.named('metric-update').find((x) => Date.parse(x.data.evaluatedAt as string) % 5000 === 0);
        return u &&
          viewers.every((v) => v.named('metric-update').some((x) => x.data.evaluatedAt === u.data.evaluatedAt))
          ? u
          : null;
      },
      { timeoutMs: 20_000, what: 'an aligned update at all 20 viewers' },
    );
    const st = await status(server);
    expect(st.runners).toHaveLength(1);
    expect(st.runners[0]).toMatchObject({
      viewers: 20,
      interval: 5,
      normalizedQuery: 'sum by (job) (rate(prometheus_http_requests_total[1m]))',
    });
    const before = await instantQueryCount(prom);
    const target = new Date(Date.parse(first.data.evaluatedAt as string) + 10_000).toISOString();
    await waitFor(() => viewers.every((v) => v.named('metric-update').some((x) => x.data.evaluatedAt === target)), {
      timeoutMs: 20_000,
      what: `the update of ${target} at all viewers`,
    });
    const after = await waitFor(
      async () => ((await instantQueryCount(prom)) >= before + 2 ? instantQueryCount(prom) : 0),
      {
        timeoutMs: 5000,
        what: 'Prometheus to count two queries',
      },
    );
    expect(after - before).toBe(2);
  }, 60_000);

  it('sends error events while Prometheus is down, then updates again without reconnecting', async () => {
    const s = sse(streamUrl(server, 'up', 5));
    await s.wait('a first update', () => s.named('metric-update').length > 0);
    await prom.kill();
    await s.wait('an error event', () => s.named('error').length > 0);
    expect(s.named('error')[0]!.data).toMatchObject({ code: 'prometheus_unavailable' });
    await prom.restart();
    const errorAt = s.received.findIndex((r) => r.event === 'error');
    await s.wait(
      'an update after the error',
      () => s.received.findLastIndex((r) => r.event === 'metric-update') > errorAt,
      25_000,
    );
    expect(s.opened).toBe(1);
  }, 60_000);
});

describe('admin', () => {
  it('lists streams and runners, and DELETE ends one stream with a shutdown event', async () => {
    const a = sse(streamUrl(server, 'up', 10));
    const b = sse(streamUrl(server, ' up ', 10));
    await a.wait('connected', () => a.named('connected').length && b.named('connected').length);
    const st = await status(server);
    expect(st.streams.map((x) => x.query)).toEqual(['up', 'up']);
    expect(st.runners).toEqual([
      expect.objectContaining({ normalizedQuery: 'up', query: 'up', interval: 10, scope: '*', viewers: 2 }),
    ]);
    const id = a.named('connected')[0]!.data.connection_id as string;
    const res = await fetch(`${server.url}/api/v1/metrics/stream/${id}`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    await a.wait('shutdown', () => a.named('shutdown').length > 0);
    expect(a.named('shutdown')[0]!.data).toMatchObject({ reason: 'closed_by_admin' });
    a.close();
    await waitFor(async () => (await status(server)).runners[0]?.viewers === 1, {
      timeoutMs: 5000,
      what: 'one viewer left',
    });
    const missing = await fetch(`${server.url}/api/v1/metrics/stream/c999999`, { method: 'DELETE' });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
});

describe('limits, tenancy and shutdown (own servers)', () => {
  it('refuses the 101st stream with 503 and Retry-After', async () => {
    const own = await startTestServer({ prometheus: { url: prom.url } });
    const streams: MetricSse[] = [];
    try {
      for (let i = 0; i < 100; i++) streams.push(new MetricSse(streamUrl(own, 'up', 300)));
      await waitFor(() => streams.every((s) => s.named('connected').length > 0), {
        timeoutMs: 20_000,
        what: '100 streams connected',
      });
      const res = await fetch(streamUrl(own, 'up', 300));
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('too_many_metric_streams');
      const st = await status(own);
      expect(st.streams).toHaveLength(100);
      expect(st.runners).toHaveLength(1);
    } finally {
      for (const s of streams) s.close();
      await own.close();
    }
  }, 40_000);

  it('scopes every query with metrics.namespaces and refuses what cannot be scoped', async () => {
    const own = await startTestServer({ prometheus: { url: prom.url }, metrics: { namespaces: ['team-a'] } });
    try {
      const refused = await fetch(streamUrl(own, 'label_replace(up, "namespace", "x", "", "")', 15));
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { error: { code: string; field: string } }).error).toMatchObject({
        code: 'promql_forbidden',
        field: 'query',
      });
      const s = new MetricSse(streamUrl(own, 'up', 15));
      try {
        await s.wait('connected', () => s.named('connected').length > 0);
        const st = await status(own);
        expect(st.runners[0]).toMatchObject({
          normalizedQuery: 'up',
          query: 'up{namespace="team-a"}',
          scope: 'namespace=team-a',
        });
        await s.wait('an update', () => s.named('metric-update').length > 0);
        expect(s.named('metric-update')[0]!.data.result).toEqual([]);
      } finally {
        s.close();
      }
    } finally {
      await own.close();
    }
  });

  it('sends shutdown when the server stops', async () => {
    const own = await startTestServer({ prometheus: { url: prom.url } });
    const s = new MetricSse(streamUrl(own, 'up', 15));
    try {
      await s.wait('connected', () => s.named('connected').length > 0);
      await own.close();
      await s.wait('shutdown', () => s.named('shutdown').length > 0);
    } finally {
      s.close();
    }
  });
});

describe('WebSocket {"op":"subscribe","metrics":{…}}', () => {
  it('delivers metric-update messages for the subscription and refuses bad queries with an error op', async () => {
    const ws = await TestWs.open(`${server.url}/ws/dashboard`);
    try {
      ws.send({ op: 'subscribe', id: 'm1', metrics: { query: 'up', interval: 5 } });
      const subscribed = await ws.next((m) => m.op === 'subscribed' && m.id === 'm1');
      const update = await ws.next((m) => m.op === 'metric-update', 15_000);
      expect(update.subscription).toBe(subscribed.subscription);
      expect((update.data as { resultType: string }).resultType).toBe('vector');
      ws.send({ op: 'subscribe', id: 'm2', metrics: { query: 'sum(', interval: 5 } });
      const err = await ws.next((m) => m.op === 'error' && m.id === 'm2');
      expect(err).toMatchObject({ code: 'invalid_promql', field: 'metrics.query' });
      ws.send({ op: 'subscribe', id: 'm3', metrics: { query: 'up', interval: 1 } });
      expect(await ws.next((m) => m.op === 'error' && m.id === 'm3')).toMatchObject({
        code: 'invalid_param',
        field: 'metrics.interval',
      });
      expect((await status(server)).streams).toHaveLength(1);
      ws.send({ op: 'unsubscribe', id: 'u1', subscription: subscribed.subscription });
      await ws.next((m) => m.op === 'unsubscribed');
      await waitFor(async () => (await status(server)).streams.length === 0, {
        timeoutMs: 5000,
        what: 'the subscription to end',
      });
    } finally {
      ws.close();
    }
  }, 30_000);
});
