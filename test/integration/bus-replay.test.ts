import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '../../src/bus/memory-bus.js';
import type { LivegateServer } from '../../src/http/server.js';
import { publishEvents, startTestServer } from '../harness/livegate.js';
import { TestSse } from '../harness/sse-client.js';

const servers: LivegateServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/**
 * A node that starts on a bus already holding events (here: one memory bus handed from a first
 * server to a second, as a node joins a shared bus) fills its replay window and its state topics
 * from the bus before it serves anyone.
 */
describe('a server starting on a bus that already holds events', () => {
  it('has its window and its alerts state filled before it serves', async () => {
    const bus = new MemoryBus();
    const first = await startTestServer({ stats: { intervalMs: 0 } }, { bus });
    const ids = await publishEvents(first, [
      { topic: 'orders', type: 'created', data: 1 },
      { topic: 'orders', type: 'created', data: 2 },
    ]);
    const posted = await fetch(`${first.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        {
          labels: { alertname: 'Replayed', severity: 'critical' },
          startsAt: new Date(Date.now() - 1000).toISOString(),
          endsAt: new Date(Date.now() + 60_000).toISOString(),
        },
      ]),
    });
    expect(posted.status).toBe(200);
    const before = (await (await fetch(`${first.url}/api/v2/info`)).json()) as {
      head: string;
      window: { events: number };
    };
    await first.close();

    const second = await startTestServer({ stats: { intervalMs: 0 } }, { bus });
    servers.push(second);
    // Right after start resolves, before any client: the whole history is in the window.
    expect(second.hub.windowInfo().events).toBeGreaterThanOrEqual(before.window.events);
    expect(second.hub.epoch).toBe(bus.epoch);
    const info = (await (await fetch(`${second.url}/api/v2/info`)).json()) as { head: string };
    expect(Number(info.head.split('-')[1])).toBeGreaterThanOrEqual(Number(before.head.split('-')[1]));

    // The state topic was rebuilt from the bus: a new subscriber's snapshot holds the alert.
    const alerts = new TestSse(`${second.url}/api/v2/events/stream?topics=alerts`);
    const snapshot = await alerts.next((m) => m.data.type === 'snapshot');
    const names = JSON.stringify(snapshot.data.data);
    expect(names).toContain('Replayed');
    alerts.close();

    // A client of the first server resumes on the second from its last id, without loss.
    const resumed = new TestSse(`${second.url}/api/v2/events/stream?topics=orders&lastEventId=${ids[0]}`);
    const [replayed] = await resumed.waitForEvents(1);
    expect(replayed).toMatchObject({ id: ids[1], data: 2 });
    resumed.close();
  });
});
