import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { LivegateError } from '../../src/errors.js';
import type { LivegateServer } from '../../src/http/server.js';
import type {
  DemandChange,
  Source,
  SourceContext,
  SourceStream,
  SubscribeExtension,
} from '../../src/sources/source.js';
import { startTestServer } from '../harness/livegate.js';
import { TestSse } from '../harness/sse-client.js';
import { TestWs } from '../harness/ws-client.js';
import { waitFor } from '../harness/wait.js';

/**
 * A source like the PromQL streams: it publishes `tick` events on topic `ticks` only while someone
 * subscribes to that topic (the demand signal), serves `GET /api/test/ticks/stream?every=N` on its
 * own URL through the shared SSE machinery, and takes `{"op":"subscribe","ticker":{"every":N}}` on
 * the shared WebSocket.
 */
class TickSource implements Source {
  readonly name = 'ticker';
  readonly changes: DemandChange[] = [];
  readonly streams = new Set<SourceStream>();
  released = 0;
  published = 0;
  private ctx: SourceContext | undefined;
  private timer: NodeJS.Timeout | undefined;

  readonly demand = {
    topics: ['ticks'],
    onDemand: (change: DemandChange) => {
      this.changes.push(change);
      if (change.active) this.startPublishing();
      else this.stopPublishing();
    },
  };

  readonly routes = {
    prefix: '/api/test/ticks',
    plugin: (app: FastifyInstance, ctx: SourceContext) => {
      app.get('/stream', (request, reply) => {
        const every = parseEvery((request.query as Record<string, unknown>).every, 'every');
        const principal = ctx.streams.authenticate(request);
        const stream = ctx.streams.sse(request, reply, {
          principal,
          onClose: () => this.streams.delete(stream),
        });
        this.streams.add(stream);
        for (let i = 1; i <= every; i++) stream.send('tick', { n: i });
      });
    },
  };

  readonly subscribeExtension: SubscribeExtension<number> = {
    key: 'ticker',
    parse: (raw) => {
      if (typeof raw !== 'object' || raw === null)
        throw new LivegateError('invalid_message', 'ticker must be an object', { field: 'ticker' });
      return parseEvery((raw as Record<string, unknown>).every, 'ticker.every');
    },
    open: (stream, every) => {
      this.streams.add(stream);
      for (let i = 1; i <= every; i++) stream.send('tick', { n: i });
      return {
        release: () => {
          this.released++;
          this.streams.delete(stream);
        },
      };
    },
  };

  async start(ctx: SourceContext): Promise<void> {
    this.ctx = ctx;
  }

  async stop(): Promise<void> {
    this.stopPublishing();
  }

  private startPublishing(): void {
    this.timer = setInterval(() => {
      this.published++;
      void this.ctx!.publish([{ topic: 'ticks', type: 'tick', data: { n: this.published } }]);
    }, 20);
  }

  private stopPublishing(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}

function parseEvery(value: unknown, field: string): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 100)
    throw new LivegateError('invalid_param', `${field} must be an integer from 1 to 100`, { field });
  return n;
}

let server: LivegateServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('the source seam', () => {
  it('tells a source when the first subscriber of its topic comes and the last one goes', async () => {
    const source = new TickSource();
    server = await startTestServer({}, { sources: [source] });
    // A subscription to every topic is no demand for `ticks`.
    const all = new TestSse(`${server.url}/api/v2/events/stream`);
    await all.next((m) => m.event === 'hello');
    expect(source.changes).toEqual([]);

    const sse = new TestSse(`${server.url}/api/v2/events/stream?topics=ticks`);
    const ws = await TestWs.open(`${server.url}/ws/dashboard`);
    await ws.subscribe({ topics: ['tick*'] });
    await sse.waitForEvents(2);
    expect(source.changes).toEqual([{ topic: 'ticks', active: true }]);

    sse.close();
    await waitFor(() => server!.hub.sessionCount === 2, { timeoutMs: 5000, what: 'the SSE session to close' });
    expect(source.changes).toHaveLength(1);
    ws.close();
    await waitFor(() => source.changes.length === 2, {
      timeoutMs: 5000,
      what: 'demand to end with the last subscriber',
    });
    expect(source.changes[1]).toEqual({ topic: 'ticks', active: false });
    const stoppedAt = source.published;
    all.close();
    await waitFor(() => server!.hub.sessionCount === 0, { timeoutMs: 5000, what: 'every session to close' });
    expect(source.published).toBe(stoppedAt);
  });

  it('serves a source stream on its own URL with named events, hello and heartbeats, and shutdown', async () => {
    const source = new TickSource();
    server = await startTestServer({ sse: { heartbeatMs: 150 } }, { sources: [source] });
    const sse = new TestSse(`${server.url}/api/test/ticks/stream?every=3`);
    const ticks: unknown[] = [];
    sse.source.addEventListener('tick', (e) => ticks.push(JSON.parse((e as MessageEvent).data as string)));
    await sse.next((m) => m.event === 'hello');
    await sse.next((m) => m.event === 'heartbeat');
    expect(ticks).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(server.hub.sessionInfo().map((s) => s.transport)).toEqual(['sse']);

    const closing = server.close();
    const notice = await sse.next((m) => m.event === 'shutdown');
    expect(notice.data.reason).toBe('server_shutdown');
    await closing;
    server = undefined;
    sse.close();
    expect(source.streams.size).toBe(0);
  });

  it('answers bad input on a source route as a structured error before any stream starts', async () => {
    server = await startTestServer({}, { sources: [new TickSource()] });
    const res = await fetch(`${server.url}/api/test/ticks/stream?every=1000`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: { code: 'invalid_param', message: 'every must be an integer from 1 to 100', field: 'every' },
    });
  });

  it('applies the connection limits to source streams', async () => {
    server = await startTestServer({ limits: { maxPerIp: 1 } }, { sources: [new TickSource()] });
    const first = new TestSse(`${server.url}/api/test/ticks/stream?every=1`);
    await first.next((m) => m.event === 'hello');
    const res = await fetch(`${server.url}/api/test/ticks/stream?every=1`);
    expect(res.status).toBe(429);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('too_many_connections_per_ip');
    first.close();
  });

  it('routes a subscribe extension to its source and releases it on unsubscribe and on close', async () => {
    const source = new TickSource();
    server = await startTestServer({}, { sources: [source] });
    const ws = await TestWs.open(`${server.url}/ws/dashboard`);
    ws.send({ op: 'subscribe', id: 'q1', ticker: { every: 2 } });
    const subscribed = await ws.next((m) => m.op === 'subscribed' && m.id === 'q1');
    const subscription = subscribed.subscription;
    expect(await ws.next((m) => m.op === 'tick')).toEqual({ op: 'tick', subscription, data: { n: 1 } });
    expect(await ws.next((m) => m.op === 'tick')).toEqual({ op: 'tick', subscription, data: { n: 2 } });
    const row = server.hub.sessionInfo()[0]!;
    expect(row.subscriptions).toEqual([expect.objectContaining({ id: subscription, extension: 'ticker' })]);

    ws.send({ op: 'unsubscribe', subscription });
    await ws.next((m) => m.op === 'unsubscribed' && m.subscription === subscription);
    expect(source.released).toBe(1);

    ws.send({ op: 'subscribe', ticker: { every: 1 } });
    await ws.next((m) => m.op === 'subscribed');
    ws.close();
    await waitFor(() => source.released === 2, { timeoutMs: 5000, what: 'the release hook on close' });
  });

  it('answers a bad extension subscribe with an error op naming the field', async () => {
    server = await startTestServer({}, { sources: [new TickSource()] });
    const ws = await TestWs.open(`${server.url}/ws/dashboard`);
    ws.send({ op: 'subscribe', id: 'bad', ticker: { every: 0 } });
    expect(await ws.next((m) => m.op === 'error')).toEqual({
      op: 'error',
      id: 'bad',
      code: 'invalid_param',
      message: 'ticker.every must be an integer from 1 to 100',
      field: 'ticker.every',
    });
    ws.send({ op: 'subscribe', ticker: { every: 1 }, topics: ['x'] });
    expect(await ws.next((m) => m.op === 'error')).toMatchObject({ code: 'invalid_message', field: 'topics' });
    ws.close();
  });
});
