import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LivegateServer } from '../../src/http/server.js';
import { publishEvents, startTestServer } from '../harness/livegate.js';
import { TestSse } from '../harness/sse-client.js';
import { TestWs } from '../harness/ws-client.js';

let server: LivegateServer;

beforeAll(async () => {
  server = await startTestServer({ sse: { heartbeatMs: 150 }, ws: { pingIntervalMs: 200, idleTimeoutMs: 2000 } });
});
afterAll(async () => {
  await server.close();
});

describe('heartbeats', () => {
  it('move an idle SSE client resume id forward past events its filter skips', async () => {
    const sse = new TestSse(`${server.url}/api/v2/events/stream?topics=quiet`);
    await sse.next((m) => m.event === 'hello');
    const [skipped] = await publishEvents(server, { topic: 'noisy', type: 't' });
    const beat = await sse.next((m) => m.event === 'heartbeat' && m.data.lastEventId === skipped);
    // The SSE frame carries `id:`, so EventSource itself would resume from here.
    expect(beat.id).toBe(skipped);
    expect(sse.events()).toEqual([]);
    sse.close();
  });

  it('are sent on idle WebSocket connections with the resume position', async () => {
    const ws = await TestWs.open(`${server.url}/ws/dashboard`);
    await ws.subscribe({ topics: ['quiet'] });
    const [skipped] = await publishEvents(server, { topic: 'noisy', type: 't' });
    const beat = await ws.next((m) => m.op === 'heartbeat' && m.lastEventId === skipped);
    expect(typeof beat.time).toBe('string');
    ws.close();
  });
});
