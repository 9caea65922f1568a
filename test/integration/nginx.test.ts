/**
 * The shipped nginx config (deploy/nginx/livegate.conf) in front of livegate, with Debian's nginx:
 * SSE unbuffered, WebSocket upgrade, long-poll, and the client address through X-Forwarded-For.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LivegateServer } from '../../src/http/server.js';
import { publishEvents, startTestServer } from '../harness/livegate.js';
import { startNginx, type NginxServer } from '../harness/nginx.js';
import { TestSse } from '../harness/sse-client.js';
import { TestWs } from '../harness/ws-client.js';
import { waitFor } from '../harness/wait.js';

describe('nginx in front of livegate (deploy/nginx/livegate.conf)', () => {
  let node: LivegateServer;
  let nginx: NginxServer;

  beforeAll(async () => {
    node = await startTestServer({ trustedProxies: ['127.0.0.1'] });
    nginx = await startNginx([Number(new URL(node.url).port)]);
  });
  afterAll(async () => {
    await nginx?.stop();
    await node?.close();
  });

  it('streams SSE events through nginx as they are published, not buffered', async () => {
    const sse = new TestSse(`${nginx.url}/api/v2/events/stream?topics=deploys`);
    try {
      await sse.next((m) => m.event === 'hello');
      for (let i = 0; i < 3; i++) {
        const [id] = await publishEvents(node, [{ topic: 'deploys', type: 'step', data: { i } }]);
        // Each event arrives on its own, before the next is published: nothing waits in a buffer.
        await sse.next((m) => m.event === 'message' && m.id === id);
      }
    } finally {
      sse.close();
    }
  });

  it('upgrades WebSocket connections through nginx', async () => {
    const ws = await TestWs.open(`${nginx.url.replace('http', 'ws')}/ws/dashboard`);
    try {
      const subscription = await ws.subscribe({ topics: ['deploys'] });
      const [id] = await publishEvents(node, [{ topic: 'deploys', type: 'step' }]);
      await waitFor(() => ws.events(subscription).some((e) => e.id === id), {
        timeoutMs: 5000,
        what: 'the event over WebSocket through nginx',
      });
    } finally {
      ws.close();
    }
  });

  it('answers long-polls through nginx, waiting for the next event', async () => {
    const first = await fetch(`${nginx.url}/api/v2/events/poll?topics=deploys&timeout=0`);
    expect(first.status).toBe(200);
    const { lastEventId } = (await first.json()) as { lastEventId: string };
    const waiting = fetch(`${nginx.url}/api/v2/events/poll?topics=deploys&since=${lastEventId}&timeout=20`);
    const [id] = await publishEvents(node, [{ topic: 'deploys', type: 'late' }]);
    const answer = (await (await waiting).json()) as { events: { id: string }[] };
    expect(answer.events.map((e) => e.id)).toEqual([id]);
  });

  it('passes the client address in X-Forwarded-For to a node that trusts the proxy', async () => {
    const sse = new TestSse(`${nginx.url}/api/v2/events/stream?topics=deploys`, {
      headers: { 'x-forwarded-for': '203.0.113.5' },
    });
    try {
      await sse.next((m) => m.event === 'hello');
      const list = (await (await fetch(`${node.url}/api/v2/connections`)).json()) as {
        connections: { ip: string; transport: string }[];
      };
      expect(list.connections.map((c) => c.ip)).toContain('203.0.113.5');
    } finally {
      sse.close();
    }
  });
});
