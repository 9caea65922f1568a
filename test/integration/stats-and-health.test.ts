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

describe('health topic', () => {
  it('publishes health_changed only when a status changes, and readyz follows it', async () => {
    const sse = new TestSse(`${server.url}/api/v2/events/stream?topics=health`);
    const [snapshot] = await sse.waitForEvents(1);
    expect(snapshot).toMatchObject({ type: 'snapshot', data: { components: { bus: { status: 'healthy' } } } });
    server.health.set('probe-x', 'unhealthy', 'down for test');
    server.health.set('probe-x', 'unhealthy', 'down for test');
    const change = await sse.next((m) => m.data.type === 'health_changed');
    expect(change.data).toMatchObject({
      labels: { component: 'probe-x', status: 'unhealthy' },
      data: { component: 'probe-x', status: 'unhealthy', previous: null },
    });
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
    server.health.set('probe-x', 'healthy');
    await sse.next((m) => m.data.type === 'health_changed' && (m.data.data as { status: string }).status === 'healthy');
    expect(sse.events().filter((e) => e.type === 'health_changed')).toHaveLength(2);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    sse.close();
  });
});
