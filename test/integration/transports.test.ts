import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LivegateServer } from '../../src/http/server.js';
import { publishEvents, startTestServer } from '../harness/livegate.js';
import { TestSse } from '../harness/sse-client.js';
import { waitFor } from '../harness/wait.js';
import { TestWs } from '../harness/ws-client.js';

let server: LivegateServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

describe('SSE', () => {
  it('answers with the event-stream headers and a retry line first', async () => {
    const controller = new AbortController();
    const res = await fetch(`${server.url}/api/v2/events/stream?topics=t1`, { signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    // Close-delimited: frames go to the socket as they are, without chunk framing.
    expect(res.headers.get('transfer-encoding')).toBeNull();
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    expect(new TextDecoder().decode(value)).toMatch(/^retry: 2000\n\n/);
    controller.abort();
  });

  it('delivers matching events as unnamed messages with their id, and skips others', async () => {
    const sse = new TestSse(
      `${server.url}/api/v2/events/stream?topics=sse1&match=${encodeURIComponent('{env="prod"}')}`,
    );
    await sse.next((m) => m.event === 'hello');
    const ids = await publishEvents(server, [
      { topic: 'sse1', type: 'a', labels: { env: 'dev' }, data: 1 },
      { topic: 'sse1', type: 'b', labels: { env: 'prod' }, data: 2 },
      { topic: 'other', type: 'c', labels: { env: 'prod' }, data: 3 },
    ]);
    const [event] = await sse.waitForEvents(1);
    expect(event).toMatchObject({ id: ids[1], topic: 'sse1', type: 'b', data: 2, labels: { env: 'prod' } });
    expect(sse.messages.find((m) => m.event === 'message')!.id).toBe(ids[1]);
    sse.close();
  });

  it('adds the event name when named=1', async () => {
    const controller = new AbortController();
    const res = await fetch(`${server.url}/api/v2/events/stream?topics=named1&named=1`, { signal: controller.signal });
    const reader = res.body!.getReader();
    let text = '';
    const [id] = await publishEvents(server, { topic: 'named1', type: 'thing_happened' });
    while (!text.includes('thing_happened')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toContain(`event: thing_happened\nid: ${id}\ndata: {"id":"${id}"`);
    controller.abort();
  });

  it('resumes after Last-Event-ID with exactly the missed matching events', async () => {
    const ids = await publishEvents(
      server,
      [1, 2, 3, 4].map((n) => ({ topic: 'resume1', type: 't', data: n })),
    );
    const sse = new TestSse(`${server.url}/api/v2/events/stream?topics=resume1`, {
      headers: { 'Last-Event-ID': ids[1]! },
    });
    const events = await sse.waitForEvents(2);
    expect(events.map((e) => e.data)).toEqual([3, 4]);
    const later = await publishEvents(server, { topic: 'resume1', type: 't', data: 5 });
    const all = await sse.waitForEvents(3);
    expect(all.map((e) => e.id)).toEqual([ids[2], ids[3], later[0]]);
    sse.close();
  });

  it('answers an id from another epoch with reset and a snapshot', async () => {
    const sse = new TestSse(`${server.url}/api/v2/events/stream?topics=health&lastEventId=zzzzzzzzzzzz-5`);
    const reset = await sse.next((m) => m.event === 'reset');
    expect(reset.data).toMatchObject({ reason: 'epoch_changed' });
    const [snapshot] = await sse.waitForEvents(1);
    expect(snapshot).toMatchObject({ topic: 'health', type: 'snapshot' });
    expect(sse.messages.findIndex((m) => m.event === 'reset')).toBeLessThan(
      sse.messages.findIndex((m) => m.event === 'message'),
    );
    sse.close();
  });
});

describe('WebSocket', () => {
  it('says hello, subscribes, and delivers events with the subscription id', async () => {
    const ws = await TestWs.open(`${server.url}/ws/dashboard`);
    const sub = await ws.subscribe({ topics: ['ws1'], types: ['alert_*'] });
    const ids = await publishEvents(server, [
      { topic: 'ws1', type: 'alert_firing', data: 1 },
      { topic: 'ws1', type: 'other', data: 2 },
      { topic: 'ws1', type: 'alert_resolved', data: 3 },
    ]);
    await ws.next((m) => m.op === 'event' && (m.event as { id: string }).id === ids[2]);
    expect(ws.events(sub).map((e) => e.data)).toEqual([1, 3]);
    ws.close();
  });

  it('carries several subscriptions on one socket and unsubscribes one without reconnecting', async () => {
    const ws = await TestWs.open(`${server.url}/ws/dashboard`);
    const a = await ws.subscribe({ topics: ['wsa'] });
    const b = await ws.subscribe({ topics: ['wsb'] });
    expect(a).not.toBe(b);
    await publishEvents(server, [
      { topic: 'wsa', type: 't', data: 'a1' },
      { topic: 'wsb', type: 't', data: 'b1' },
    ]);
    await ws.next((m) => m.subscription === b && m.op === 'event');
    ws.send({ op: 'unsubscribe', id: 'u1', subscription: a });
    await ws.next((m) => m.op === 'unsubscribed' && m.id === 'u1');
    await publishEvents(server, [
      { topic: 'wsa', type: 't', data: 'a2' },
      { topic: 'wsb', type: 't', data: 'b2' },
    ]);
    await ws.next((m) => m.op === 'event' && (m.event as { data: string }).data === 'b2');
    expect(ws.events(a).map((e) => e.data)).toEqual(['a1']);
    ws.close();
  });

  it('sends batches as one events message when batch is asked for', async () => {
    const ws = await TestWs.open(`${server.url}/ws/dashboard`);
    const sub = await ws.subscribe({ topics: ['batch1'], batch: 3, batchMs: 5000 });
    await publishEvents(
      server,
      [1, 2, 3].map((n) => ({ topic: 'batch1', type: 't', data: n })),
    );
    const batch = await ws.next((m) => m.op === 'events' && m.subscription === sub);
    expect((batch.events as { data: number }[]).map((e) => e.data)).toEqual([1, 2, 3]);
    ws.close();
  });

  it('answers ping with pong carrying the request id', async () => {
    const ws = await TestWs.open(`${server.url}/ws/dashboard`);
    ws.send({ op: 'ping', id: 'p1' });
    expect(await ws.next((m) => m.op === 'pong')).toMatchObject({ op: 'pong', id: 'p1' });
    ws.close();
  });
});

describe('long-poll', () => {
  it('answers at once with missed events and waits for new ones otherwise', async () => {
    const ids = await publishEvents(
      server,
      [1, 2].map((n) => ({ topic: 'poll1', type: 't', data: n })),
    );
    const first = (await (
      await fetch(`${server.url}/api/v2/events/poll?topics=poll1&since=${ids[0]}&timeout=5`)
    ).json()) as { events: { data: number }[]; lastEventId: string; reset: boolean };
    expect(first.events.map((e) => e.data)).toEqual([2]);
    expect(first.reset).toBe(false);
    let answered = false;
    const waiting = fetch(`${server.url}/api/v2/events/poll?topics=poll1&since=${first.lastEventId}&timeout=20`)
      .then((r) => r.json() as Promise<{ events: { id: string; data: number }[]; lastEventId: string }>)
      .finally(() => {
        answered = true;
      });
    // The poll is parked on the server (its session is open) and has not answered: nothing new yet.
    await waitFor(() => server.hub.listSessions().some((s) => s.kind === 'poll'), {
      timeoutMs: 15_000,
      what: 'the long-poll to wait on the server',
    });
    expect(answered).toBe(false);
    const [later] = await publishEvents(server, { topic: 'poll1', type: 't', data: 3 });
    const second = await waiting;
    // The answer is the event published after the request was parked, and nothing else.
    expect(second.events.map((e) => [e.id, e.data])).toEqual([[later, 3]]);
    expect(second.lastEventId).toBe(later);
  });

  it('times out with no events and a lastEventId to continue from', async () => {
    const res = await fetch(`${server.url}/api/v2/events/poll?topics=nothing-here&since=${server.hub.head}&timeout=0`);
    const body = (await res.json()) as { events: unknown[]; lastEventId: string; reset: boolean };
    expect(body).toEqual({ events: [], lastEventId: server.hub.head, reset: false });
  });

  it('shares one id space with SSE and WebSocket', async () => {
    const [id] = await publishEvents(server, { topic: 'shared1', type: 't', data: 'x' });
    const [next] = await publishEvents(server, { topic: 'shared1', type: 't', data: 'y' });
    const body = (await (
      await fetch(`${server.url}/api/v2/events/poll?topics=shared1&since=${id}&timeout=1`)
    ).json()) as { events: { id: string }[] };
    expect(body.events.map((e) => e.id)).toEqual([next]);
    const ws = await TestWs.open(`${server.url}/ws/dashboard`);
    const sub = await ws.subscribe({ topics: ['shared1'], since: id });
    await ws.next((m) => m.op === 'event' && m.subscription === sub);
    expect(ws.events(sub).map((e) => e.id)).toEqual([next]);
    ws.close();
  });
});

describe('resume with snapshots of added state topics (snapshot beside lastEventId)', () => {
  /**
   * Events on `topic` after `since`, a health change in between, and what a resume that asks for a
   * `health` snapshot must deliver: the missed `topic` events, then the snapshot at the head (with
   * the change in it), never the change itself.
   */
  async function scenario(topic: string): Promise<{ since: string; missed: string[]; component: string }> {
    const [since] = await publishEvents(server, { topic, type: 't', data: 0 });
    const [a1] = await publishEvents(server, { topic, type: 't', data: 1 });
    const component = `probe-${topic}`;
    const before = server.hub.publishedCount;
    server.health.set(component, 'unhealthy', 'down for test');
    await waitFor(() => server.hub.publishedCount > before, { timeoutMs: 15_000, what: 'the health change' });
    const [a2] = await publishEvents(server, { topic, type: 't', data: 2 });
    return { since: since!, missed: [a1!, a2!], component };
  }

  function expectResumed(
    events: Record<string, unknown>[],
    { missed, component }: { missed: string[]; component: string },
  ): void {
    expect(events.map((e) => (e.type === 'snapshot' ? `snapshot:${String(e.topic)}` : e.id))).toEqual([
      ...missed,
      'snapshot:health',
    ]);
    const snapshot = events.at(-1)!;
    // Taken at the head the catch-up reached: the last missed event, so the order stays monotonic.
    expect(snapshot.id).toBe(missed.at(-1));
    expect((snapshot.data as { components: Record<string, unknown> }).components[component]).toMatchObject({
      status: 'unhealthy',
    });
  }

  it('SSE: replays the other topics from lastEventId, skips the state topic and snapshots it at the head', async () => {
    const s = await scenario('snap-sse');
    const sse = new TestSse(
      `${server.url}/api/v2/events/stream?topics=snap-sse,health&lastEventId=${s.since}&snapshot=health`,
    );
    expectResumed(await sse.waitForEvents(3, 15_000), s);
    // Then live: the next health change arrives as itself.
    server.health.set(s.component, 'healthy');
    const live = await sse.next((m) => m.data.type === 'health_changed', 15_000);
    expect(live.data).toMatchObject({ topic: 'health', labels: { component: s.component, status: 'healthy' } });
    sse.close();
  });

  it('long-poll: the same in one answer, with lastEventId at the snapshot', async () => {
    const s = await scenario('snap-poll');
    const body = (await (
      await fetch(`${server.url}/api/v2/events/poll?topics=snap-poll,health&since=${s.since}&snapshot=health&timeout=5`)
    ).json()) as { events: Record<string, unknown>[]; lastEventId: string; reset: boolean };
    expectResumed(body.events, s);
    expect(body.reset).toBe(false);
    expect(body.lastEventId).toBe(s.missed.at(-1));
    server.health.set(s.component, 'healthy');
  });

  it('WebSocket: the subscribe op takes snapshot beside since', async () => {
    const s = await scenario('snap-ws');
    const ws = await TestWs.open(`${server.url}/ws/dashboard`);
    const sub = await ws.subscribe({ topics: ['snap-ws', 'health'], since: s.since, snapshot: ['health'] });
    await ws.next((m) => m.op === 'event' && (m.event as { type: string }).type === 'snapshot', 15_000);
    expectResumed(ws.events(sub), s);
    ws.close();
    server.health.set(s.component, 'healthy');
  });

  it('ignores snapshot without a resume id (a fresh subscription snapshots every state topic anyway)', async () => {
    const sse = new TestSse(`${server.url}/api/v2/events/stream?topics=health&snapshot=health`);
    const [first] = await sse.waitForEvents(1, 15_000);
    expect(first).toMatchObject({ topic: 'health', type: 'snapshot' });
    sse.close();
  });

  it('refuses a snapshot entry that is not a topic name, naming it', async () => {
    const res = await fetch(
      `${server.url}/api/v2/events/stream?topics=health&lastEventId=${server.hub.head}&snapshot=health,Bad%20Topic`,
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_param', field: 'snapshot[1]' } });
  });
});
