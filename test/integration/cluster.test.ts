/**
 * Three livegate nodes on one real Redis stream (`bus.kind: redis`): the same ids in the same
 * order on every node, resume on any node, a late joiner with the same state, Redis killed and
 * restarted without losing what was acknowledged, a node stopped mid-stream, and nginx in front.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LivegateServer } from '../../src/http/server.js';
import { publishEvents, startTestServer } from '../harness/livegate.js';
import { startNginx } from '../harness/nginx.js';
import { startRedis, type RedisServer } from '../harness/redis.js';
import { TestSse } from '../harness/sse-client.js';
import { TestWs } from '../harness/ws-client.js';
import { waitFor } from '../harness/wait.js';

describe('several nodes on the Redis bus', () => {
  let redis: RedisServer;
  let streamNo = 0;
  const servers: LivegateServer[] = [];
  const cleanup: (() => void | Promise<void>)[] = [];

  beforeAll(async () => {
    // Acknowledged means on disk: a killed Redis loses nothing that was answered 202.
    redis = await startRedis({ extraArgs: ['--appendonly', 'yes', '--appendfsync', 'always'] });
  });
  afterAll(async () => {
    await redis?.stop();
  });
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function nodes(count: number, stream = `cluster:${++streamNo}`): Promise<LivegateServer[]> {
    const started: LivegateServer[] = [];
    for (let i = 0; i < count; i++) started.push(await node(stream, `n${i + 1}`));
    return started;
  }

  async function node(stream: string, id: string): Promise<LivegateServer> {
    const server = await startTestServer({
      bus: { kind: 'redis', redis: { url: redis.url, stream } },
      node: { id },
      trustedProxies: ['127.0.0.1'],
      alerts: { ingest: true },
    });
    servers.push(server);
    return server;
  }

  function sse(url: string, headers?: Record<string, string>): TestSse {
    const client = new TestSse(url, headers === undefined ? {} : { headers });
    cleanup.push(() => client.close());
    return client;
  }

  it('delivers the same ids in the same order on every node, wherever they were published', async () => {
    const [a, b, c] = await nodes(3);
    const onB = sse(`${b!.url}/api/v2/events/stream?topics=deploys`);
    const onC = await TestWs.open(`${c!.url.replace('http', 'ws')}/ws/dashboard`);
    cleanup.push(() => onC.close());
    await onB.next((m) => m.event === 'hello');
    const subscription = await onC.subscribe({ topics: ['deploys'] });
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const target = [a, b, c][i % 3]!;
      ids.push(...(await publishEvents(target, [{ topic: 'deploys', type: 'step', data: { i } }])));
    }
    const viaSse = await onB.waitForEvents(12, 10_000);
    await waitFor(() => onC.events(subscription).length === 12, { timeoutMs: 10_000, what: '12 events on C' });
    expect(viaSse.map((e) => e.id)).toEqual(ids);
    expect(onC.events(subscription).map((e) => e.id)).toEqual(ids);
    const info = (await (await fetch(`${c!.url}/api/v2/info`)).json()) as { node: string; bus: string; head: string };
    expect(info).toMatchObject({ node: 'n3', bus: 'redis', head: ids.at(-1) });
  });

  it('resumes on another node from an id given by the first, on SSE and long-poll', async () => {
    const [a, b, c] = await nodes(3);
    const first = await publishEvents(
      a!,
      [1, 2, 3].map((n) => ({ topic: 'jobs', type: 't', data: { n } })),
    );
    const later = await publishEvents(
      b!,
      [4, 5].map((n) => ({ topic: 'jobs', type: 't', data: { n } })),
    );
    const resumed = sse(`${c!.url}/api/v2/events/stream?topics=jobs`, { 'last-event-id': first[1]! });
    const events = await resumed.waitForEvents(3, 10_000);
    expect(events.map((e) => e.id)).toEqual([first[2], ...later]);
    expect(resumed.messages.some((m) => m.event === 'reset')).toBe(false);
    const poll = (await (
      await fetch(`${b!.url}/api/v2/events/poll?topics=jobs&since=${first[0]}&timeout=0`)
    ).json()) as {
      events: { id: string }[];
      reset: boolean;
    };
    expect(poll.reset).toBe(false);
    expect(poll.events.map((e) => e.id)).toEqual([first[1], first[2], ...later]);
  });

  it("resumes from before a node's replay window by reading the Redis stream, on SSE, WebSocket and long-poll", async () => {
    // A window of 20 events; the stream keeps them all (maxLen 100,000).
    const server = await startTestServer({
      bus: { kind: 'redis', redis: { url: redis.url, stream: `cluster:${++streamNo}` } },
      node: { id: 'small-window' },
      replay: { maxEvents: 20 },
    });
    servers.push(server);
    const ids: string[] = [];
    for (let batch = 0; batch < 6; batch++)
      ids.push(
        ...(await publishEvents(
          server,
          Array.from({ length: 200 }, (_, i) => ({
            topic: 'jobs',
            type: 't',
            labels: { parity: i % 2 === 0 ? 'even' : 'odd' },
            data: { n: batch * 200 + i },
          })),
        )),
      );
    await waitFor(
      async () => ((await (await fetch(`${server.url}/api/v2/info`)).json()) as { head: string }).head === ids.at(-1),
      {
        timeoutMs: 10_000,
        what: 'the node to read all 1,200 events',
      },
    );
    const since = ids[4]!; // far before the window, which holds the last 20
    const expected = ids.slice(5);

    const viaSse = sse(`${server.url}/api/v2/events/stream?topics=jobs`, { 'last-event-id': since });
    const sseEvents = await viaSse.waitForEvents(expected.length, 20_000);
    expect(sseEvents.map((e) => e.id)).toEqual(expected);
    expect(viaSse.messages.some((m) => m.event === 'reset')).toBe(false);

    const ws = await TestWs.open(`${server.url.replace('http', 'ws')}/ws/dashboard`);
    cleanup.push(() => ws.close());
    const sub = await ws.subscribe({ topics: ['jobs'], match: ['parity="odd"'], since });
    const odd = expected.filter((_, i) => ((i + 5) % 200) % 2 === 1);
    await waitFor(() => ws.events(sub).length >= odd.length, {
      timeoutMs: 20_000,
      what: 'the odd events over WebSocket',
    });
    expect(ws.events(sub).map((e) => e.id)).toEqual(odd);
    expect(ws.messages.some((m) => m.op === 'reset')).toBe(false);

    // Long-poll pages through the history with the lastEventId of each answer.
    const polled: string[] = [];
    let position = since;
    while (polled.length < expected.length) {
      const page = (await (
        await fetch(`${server.url}/api/v2/events/poll?topics=jobs&since=${position}&timeout=0`)
      ).json()) as { events: { id: string }[]; reset: boolean; lastEventId: string };
      expect(page.reset).toBe(false);
      polled.push(...page.events.map((e) => e.id));
      position = page.lastEventId;
    }
    expect(polled).toEqual(expected);

    // Live events follow the history on the same connections, once.
    const [live] = await publishEvents(server, [{ topic: 'jobs', type: 't', labels: { parity: 'odd' }, data: {} }]);
    await viaSse.waitForEvents(expected.length + 1, 10_000);
    await waitFor(() => ws.events(sub).length === odd.length + 1, {
      timeoutMs: 10_000,
      what: 'the live event over WebSocket',
    });
    expect(viaSse.events().at(-1)!.id).toBe(live);
    expect(ws.events(sub).at(-1)!.id).toBe(live);
  });

  it('answers a resume with reset when the Redis stream no longer holds its position', async () => {
    const server = await startTestServer({
      bus: { kind: 'redis', redis: { url: redis.url, stream: `cluster:${++streamNo}`, maxLen: 1000 } },
      node: { id: 'trimmed' },
      replay: { maxEvents: 20 },
    });
    servers.push(server);
    const ids: string[] = [];
    for (let batch = 0; batch < 15; batch++)
      ids.push(
        ...(await publishEvents(
          server,
          Array.from({ length: 200 }, () => ({ topic: 'jobs', type: 't', data: {} })),
        )),
      );
    // MAXLEN ~ 1000 trims whole macro-nodes: the first events are gone from the stream.
    const viaSse = sse(`${server.url}/api/v2/events/stream?topics=jobs`, { 'last-event-id': ids[0]! });
    const reset = await viaSse.next((m) => m.event === 'reset', 10_000);
    expect(reset.data).toMatchObject({ reason: 'window_trimmed' });
  });

  it('gives a node that joins late the same state topics as the others', async () => {
    const stream = `cluster:${++streamNo}`;
    const [a] = await nodes(1, stream);
    const alerts = [
      { labels: { alertname: 'DiskFull', severity: 'critical', instance: 'db-1' }, annotations: { summary: 'disk' } },
      { labels: { alertname: 'HighLatency', severity: 'warning', instance: 'web-1' }, annotations: {} },
    ];
    const ingest = await fetch(`${a!.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts),
    });
    expect(ingest.status).toBe(200);
    const snapshotOf = async (server: LivegateServer): Promise<unknown> => {
      const body = (await (await fetch(`${server.url}/api/v2/events/poll?topics=alerts&timeout=0`)).json()) as {
        events: { type: string; data: { alerts: { fingerprint: string; labels: unknown; status: unknown }[] } }[];
      };
      const snapshot = body.events.find((e) => e.type === 'snapshot');
      return snapshot?.data.alerts.map((x) => ({ fingerprint: x.fingerprint, labels: x.labels, status: x.status }));
    };
    const before = await waitFor(
      async () => ((await snapshotOf(a!)) as unknown[] | undefined)?.length === 2 && snapshotOf(a!),
      {
        timeoutMs: 10_000,
        what: 'two alerts on the first node',
      },
    );
    const late = await node(stream, 'late');
    // No wait: the late node replayed the stream before it started serving.
    expect(await snapshotOf(late)).toEqual(before);
  });

  it('answers 503 while Redis is down, and continues with no gap and nothing acknowledged lost after a restart', async () => {
    const [a, b] = await nodes(2);
    const watcher = sse(`${b!.url}/api/v2/events/stream?topics=orders`);
    await watcher.next((m) => m.event === 'hello');
    const acknowledged = await publishEvents(a!, [{ topic: 'orders', type: 'placed', data: { n: 1 } }]);
    await redis.kill();
    const refused = await fetch(`${a!.url}/api/v2/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic: 'orders', type: 'placed', data: { n: 2 } }),
    });
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('bus_unavailable');
    await waitFor(async () => (await fetch(`${a!.url}/readyz`)).status === 503, {
      timeoutMs: 10_000,
      what: '/readyz 503 while Redis is down',
    });
    await redis.restart();
    const after = await waitFor(
      async () => {
        try {
          return await publishEvents(b!, [{ topic: 'orders', type: 'placed', data: { n: 3 } }]);
        } catch {
          return null;
        }
      },
      { timeoutMs: 15_000, what: 'a publish accepted after Redis restarted' },
    );
    const events = await watcher.waitForEvents(2, 15_000);
    expect(events.map((e) => e.id)).toEqual([...acknowledged, ...after]);
    expect(watcher.opened).toBe(1); // the stream stayed open through the outage
  });

  it('lets the clients of a stopped node resume on another with no loss or duplicate, through nginx', async () => {
    const [a, b] = await nodes(2);
    const proxy = await startNginx([a!.port, b!.port]);
    cleanup.push(() => proxy.stop());
    const client = sse(`${proxy.url}/api/v2/events/stream?topics=ticks`);
    await client.next((m) => m.event === 'hello');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(...(await publishEvents(a!, [{ topic: 'ticks', type: 't', data: { i } }])));
    await client.waitForEvents(5, 10_000);
    // Stop whichever node serves the client; it gets `shutdown`, reconnects through nginx to the
    // other node with Last-Event-ID, and resumes there.
    const serving = (
      await Promise.all(
        [a!, b!].map(
          async (s) => ((await (await fetch(`${s.url}/api/v2/connections`)).json()) as { count: number }).count,
        ),
      )
    ).findIndex((count) => count > 0);
    const [stopped, survivor] = serving === 0 ? [a!, b!] : [b!, a!];
    await stopped.close();
    servers.splice(servers.indexOf(stopped), 1);
    for (let i = 5; i < 10; i++)
      ids.push(...(await publishEvents(survivor, [{ topic: 'ticks', type: 't', data: { i } }])));
    const events = await client.waitForEvents(10, 20_000);
    expect(events.map((e) => e.id)).toEqual(ids);
    expect(client.messages.some((m) => m.event === 'shutdown')).toBe(true);
    expect(client.messages.some((m) => m.event === 'reset')).toBe(false);
  });
  it('works through nginx: publishes and every transport on three nodes see one order, long-poll pages across nodes, and a Redis restart loses nothing acknowledged', async () => {
    const three = await nodes(3);
    const proxy = await startNginx(three.map((n) => n.port));
    cleanup.push(() => proxy.stop());
    const post = (n: number): Promise<Response> =>
      fetch(`${proxy.url}/api/v2/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ topic: 'orders', type: 'placed', data: { n } }),
      });
    const viaSse = sse(`${proxy.url}/api/v2/events/stream?topics=orders`);
    const viaWs = await TestWs.open(`${proxy.url.replace('http', 'ws')}/ws/dashboard`);
    cleanup.push(() => viaWs.close());
    await viaSse.next((m) => m.event === 'hello');
    const wsSub = await viaWs.subscribe({ topics: ['orders'] });
    const start = ((await (await fetch(`${proxy.url}/api/v2/info`)).json()) as { head: string }).head;

    // Publishes through nginx, spread over the nodes by nginx: one order everywhere.
    const ids: string[] = [];
    for (let n = 0; n < 9; n++) {
      const res = await post(n);
      expect(res.status).toBe(202);
      ids.push(...((await res.json()) as { ids: string[] }).ids);
    }
    await viaSse.waitForEvents(9, 15_000);
    await waitFor(() => viaWs.events(wsSub).length === 9, {
      timeoutMs: 15_000,
      what: '9 events over WebSocket via nginx',
    });
    expect(viaSse.events().map((e) => e.id)).toEqual(ids);
    expect(viaWs.events(wsSub).map((e) => e.id)).toEqual(ids);

    // Long-poll through nginx from every position: each request may reach another node, and
    // `since` alone gives the same answer on any of them (no sticky sessions).
    for (const [i, since] of [start, ...ids].entries()) {
      const page = (await (
        await fetch(`${proxy.url}/api/v2/events/poll?topics=orders&since=${since}&timeout=0`)
      ).json()) as { events: { id: string }[]; reset: boolean };
      expect(page.reset).toBe(false);
      expect(page.events.map((e) => e.id)).toEqual(ids.slice(i));
    }

    // Redis down: refused through nginx with 503 (never a silent loss); back: no gap.
    await redis.kill();
    const refused = await post(100);
    expect(refused.status).toBe(503);
    await redis.restart();
    const after = await waitFor(
      async () => {
        const res = await post(101).catch(() => null);
        return res?.status === 202 ? ((await res.json()) as { ids: string[] }).ids : null;
      },
      { timeoutMs: 15_000, what: 'a publish through nginx accepted after Redis restarted' },
    );
    await viaSse.waitForEvents(10, 15_000);
    await waitFor(() => viaWs.events(wsSub).length === 10, {
      timeoutMs: 15_000,
      what: 'the event after the restart over WebSocket',
    });
    expect(viaSse.events().map((e) => e.id)).toEqual([...ids, ...after]);
    expect(viaWs.events(wsSub).map((e) => e.id)).toEqual([...ids, ...after]);
  });
});
