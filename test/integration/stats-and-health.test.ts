import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LivegateServer } from '../../src/http/server.js';
import { publishEvents, startTestServer } from '../harness/livegate.js';
import { TestSse } from '../harness/sse-client.js';

let server: LivegateServer;

beforeAll(async () => {
  server = await startTestServer({ stats: { intervalMs: 200 } });
});
afterAll(async () => {
  await server.close();
});

describe('stats topic', () => {
  it('sends a snapshot, then stats_updated with connection counts and rates', async () => {
    const sse = new TestSse(`${server.url}/api/v2/events/stream?topics=stats`);
    const [snapshot] = await sse.waitForEvents(1);
    expect(snapshot).toMatchObject({ topic: 'stats', type: 'snapshot' });
    await publishEvents(server, [{ topic: 'x', type: 'y' }]);
    const update = await sse.next(
      (m) => m.data.type === 'stats_updated' && (m.data.data as { connections: { sse: number } }).connections.sse >= 1,
    );
    const stats = update.data.data as Record<string, unknown>;
    expect(stats).toMatchObject({
      connections: {
        sse: expect.any(Number),
        ws: expect.any(Number),
        poll: expect.any(Number),
        total: expect.any(Number),
      },
    });
    expect(stats).toHaveProperty('eventsPerSecond');
    expect(stats).toHaveProperty('deliveriesPerSecond');
    expect(stats).toHaveProperty('latencyMs.p99');
    expect(stats).toHaveProperty('memory.rssBytes');
    sse.close();
  });
});

describe('stats rates', () => {
  it('counts exactly the events published and delivered between two updates', async () => {
    const N = 40;
    const stats = new TestSse(`${server.url}/api/v2/events/stream?topics=stats`);
    const reader = new TestSse(`${server.url}/api/v2/events/stream?topics=rate-test`);
    await stats.waitForEvents(1, 15_000);
    await reader.next((m) => m.event === 'hello', 15_000);
    // A baseline update collected after both subscriptions exist: later periods start from it.
    const baseline = await stats.next(
      (m) => m.data.type === 'stats_updated' && (m.data.data as { connections: { sse: number } }).connections.sse >= 2,
      15_000,
    );
    await publishEvents(
      server,
      Array.from({ length: N }, (_, i) => ({ topic: 'rate-test', type: 'tick', data: { i } })),
    );
    await reader.waitForEvents(N, 15_000);
    const seqAfter = (m: { data: Record<string, unknown> }): number => Number(m.data.seq);
    const after = stats.messages.length;
    // The second update received after the publish and the deliveries were complete was collected after them.
    await stats.next((m) => m.data.type === 'stats_updated' && stats.messages.indexOf(m) >= after, 15_000);
    const last = await stats.next((m) => m.data.type === 'stats_updated' && stats.messages.indexOf(m) > after, 15_000);
    const periods = stats.messages
      .filter(
        (m) => m.data.type === 'stats_updated' && seqAfter(m) > seqAfter(baseline) && seqAfter(m) <= seqAfter(last),
      )
      .map((m) => m.data.data as { intervalSeconds: number; eventsPerSecond: number; deliveriesPerSecond: number });
    const total = (rate: (p: (typeof periods)[number]) => number): number =>
      periods.reduce((sum, p) => sum + Math.round(rate(p) * p.intervalSeconds), 0);
    // Rates are per second over each period: rate × period length gives the count back.
    expect(total((p) => p.eventsPerSecond)).toBe(N);
    // Deliveries: the N events to the reader, plus the stats updates themselves to `stats`.
    const deliveries = total((p) => p.deliveriesPerSecond);
    expect(deliveries).toBeGreaterThanOrEqual(N);
    expect(deliveries).toBeLessThanOrEqual(N + periods.length + 1);
    stats.close();
    reader.close();
  });
});

describe('health topic and probes', () => {
  it('publishes health_changed only when a status changes; an unhealthy source shows in /healthz?verbose and /readyz stays 200', async () => {
    const sse = new TestSse(`${server.url}/api/v2/events/stream?topics=health`);
    const [snapshot] = await sse.waitForEvents(1, 15_000);
    expect(snapshot).toMatchObject({ type: 'snapshot', data: { components: { bus: { status: 'healthy' } } } });
    server.health.set('probe-x', 'unhealthy', 'down for test');
    server.health.set('probe-x', 'unhealthy', 'down for test');
    const change = await sse.next((m) => m.data.type === 'health_changed', 15_000);
    expect(change.data).toMatchObject({
      labels: { component: 'probe-x', status: 'unhealthy' },
      data: { component: 'probe-x', status: 'unhealthy', previous: null },
    });

    // Readiness is the bus and shutdown only: one source down must not take the node out of rotation.
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      shuttingDown: false,
      bus: { kind: 'memory', ok: true },
      sources: { required: false, unhealthy: ['probe-x'] },
    });
    const verbose = (await (await fetch(`${server.url}/healthz?verbose`)).json()) as {
      status: string;
      components: { component: string; status: string; detail?: string }[];
    };
    expect(verbose.status).toBe('ok');
    expect(verbose.components).toContainEqual(
      expect.objectContaining({ component: 'probe-x', status: 'unhealthy', detail: 'down for test' }),
    );
    expect(verbose.components).toContainEqual(expect.objectContaining({ component: 'bus', status: 'healthy' }));
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: 'ok' });

    server.health.set('probe-x', 'healthy');
    await sse.next(
      (m) => m.data.type === 'health_changed' && (m.data.data as { status: string }).status === 'healthy',
      15_000,
    );
    expect(sse.events().filter((e) => e.type === 'health_changed')).toHaveLength(2);
    expect(((await (await fetch(`${server.url}/readyz`)).json()) as { sources: unknown }).sources).toEqual({
      required: false,
      unhealthy: [],
    });
    sse.close();
  });

  it('with readyz.requireSources answers /readyz 503 while a source is unhealthy, and 200 again once it recovers', async () => {
    const strict = await startTestServer({ stats: { intervalMs: 0 }, readyz: { requireSources: true } });
    try {
      expect((await fetch(`${strict.url}/readyz`)).status).toBe(200);
      strict.health.set('probe-y', 'unhealthy', 'down for test');
      const notReady = await fetch(`${strict.url}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toMatchObject({
        status: 'not_ready',
        sources: { required: true, unhealthy: ['probe-y'] },
      });
      strict.health.set('probe-y', 'degraded', 'slow');
      expect((await fetch(`${strict.url}/readyz`)).status).toBe(200);
    } finally {
      await strict.close();
    }
  });
});
