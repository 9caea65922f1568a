import { request as httpRequest, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { LivegateServer } from '../../src/http/server.js';
import { publishEvents, startTestServer } from '../harness/livegate.js';
import { TestSse } from '../harness/sse-client.js';
import { TestWs } from '../harness/ws-client.js';

/**
 * The slow-consumer policy over real sockets: a reader that stops reading fills its socket, its
 * session waits for `drain`, its bounded queue overflows and the server cuts it off — while
 * healthy readers on the same server receive every event, in order, as it is published. The cut
 * client then resumes from its last id without loss.
 */

const TOPIC = 'load';
const PAYLOAD = 'x'.repeat(2000);
const BATCH = 10;
/** Far more than any kernel buffering seen on loopback; reaching it means no cut-off happened. */
const MAX_EVENTS = 20_000;

interface Envelope {
  readonly id: string;
  readonly topic: string;
  readonly data: { n: number; pad: string };
}

/** A WebSocket client that stops reading from its TCP socket once subscribed. */
class StalledWs {
  readonly messages: (Record<string, unknown> & { op: string })[] = [];
  connection = '';
  closeCode: number | undefined;
  readonly closed: Promise<number>;
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (raw) => this.messages.push(JSON.parse(raw.toString()) as (typeof this.messages)[number]));
    socket.on('error', () => {}); // a terminated socket may report ECONNRESET; `close` follows
    this.closed = new Promise((resolve) =>
      socket.once('close', (code) => {
        this.closeCode = code;
        resolve(code);
      }),
    );
  }

  static async open(url: string): Promise<StalledWs> {
    const client = new StalledWs(new WebSocket(`${url.replace(/^http/, 'ws')}/ws/dashboard`));
    await new Promise<void>((resolve, reject) => {
      client.socket.once('open', () => resolve());
      client.socket.once('error', reject);
    });
    client.socket.send(JSON.stringify({ op: 'subscribe', id: 'stall', topics: [TOPIC] }));
    await waitUntil(() => client.messages.some((m) => m.op === 'subscribed'), 'the stalled WebSocket to subscribe');
    client.connection = client.messages.find((m) => m.op === 'hello')!.connection as string;
    client.socket.pause(); // stop reading the TCP socket: the kernel buffers fill, then the server's
    return client;
  }

  events(): Envelope[] {
    return this.messages.filter((m) => m.op === 'event').map((m) => m.event as Envelope);
  }
}

/** A raw HTTP SSE reader whose response is paused once the stream says hello. */
class StalledSse {
  private text = '';
  connection = '';
  readonly ended: Promise<void>;
  private endedResolve!: () => void;
  private constructor(readonly response: IncomingMessage) {
    this.ended = new Promise((resolve) => (this.endedResolve = resolve));
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => (this.text += chunk));
    response.on('end', () => this.endedResolve());
    response.on('close', () => this.endedResolve());
    response.on('error', () => this.endedResolve()); // reset by the server: what arrived stays parsed
  }

  static async open(url: string): Promise<StalledSse> {
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpRequest(`${url}/api/v2/events/stream?topics=${TOPIC}`, { agent: false }, resolve);
      req.on('error', reject);
      req.end();
    });
    expect(response.statusCode).toBe(200);
    const client = new StalledSse(response);
    await waitUntil(() => client.frames().some((f) => f.event === 'hello'), 'the stalled SSE stream to say hello');
    client.connection = (client.frames().find((f) => f.event === 'hello')!.data as { connection: string }).connection;
    response.pause();
    return client;
  }

  /** Complete frames received so far. */
  frames(): { event: string; id: string | undefined; data: unknown }[] {
    const out: { event: string; id: string | undefined; data: unknown }[] = [];
    const complete = this.text.slice(0, this.text.lastIndexOf('\n\n') + 2);
    for (const frame of complete.split('\n\n')) {
      let event = 'message';
      let id: string | undefined;
      let data = '';
      for (const line of frame.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('id: ')) id = line.slice(4);
        else if (line.startsWith('data: ')) data += line.slice(6);
      }
      if (data !== '') out.push({ event, id, data: JSON.parse(data) });
    }
    return out;
  }

  events(): Envelope[] {
    return this.frames()
      .filter((f) => f.event === 'message')
      .map((f) => f.data as Envelope);
  }
}

/** Waits for a condition re-checked on every turn of the event loop, with a deadline. */
async function waitUntil(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** `livegate_slow_consumer_disconnects_total` by transport, from /metrics. */
async function slowConsumerCounts(server: LivegateServer): Promise<Record<string, number>> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const counts: Record<string, number> = { ws: 0, sse: 0, poll: 0 };
  for (const match of text.matchAll(/^livegate_slow_consumer_disconnects_total\{transport="(\w+)"\} (\d+)/gm))
    counts[match[1]!] = Number(match[2]);
  return counts;
}

let server: LivegateServer;

beforeAll(async () => {
  server = await startTestServer({
    queue: { maxEvents: 50, maxBytes: 64 * 1024 },
    // Everything published here must stay resumable.
    replay: { maxEvents: 1_000_000, maxBytes: 512 * 1024 * 1024 },
  });
});
afterAll(async () => {
  await server?.close();
});

describe('a stalled reader', () => {
  it('is cut off and resumes without loss, while healthy readers receive every event in order', async () => {
    const before = await slowConsumerCounts(server);
    const startPosition = server.hub.head; // resume point for a reader that got no event at all
    const healthyWs = await TestWs.open(`${server.url}/ws/dashboard`);
    const healthyWsSub = await healthyWs.subscribe({ topics: [TOPIC] });
    const healthySse = new TestSse(`${server.url}/api/v2/events/stream?topics=${TOPIC}`);
    await healthySse.next((m) => m.event === 'hello');
    const stalledWs = await StalledWs.open(server.url);
    const stalledSse = await StalledSse.open(server.url);
    expect(server.hub.getSession(stalledWs.connection) !== undefined).toBe(true);
    expect(server.hub.getSession(stalledSse.connection) !== undefined).toBe(true);

    const published: string[] = [];
    // Batches that healthy readers received in full while a stalled session was open and waiting for drain.
    const deliveredWhileStalled = { ws: 0, sse: 0 };
    const healthyWsCount = (): number => healthyWs.events(healthyWsSub).length;
    // A deadline for a loaded machine (a batch's round trip took ~30 ms at load 40): the cut-off
    // is decided by the queue limits, not by time, so this only bounds a broken run.
    const deadline = Date.now() + 120_000;
    while (
      server.hub.getSession(stalledWs.connection) !== undefined ||
      server.hub.getSession(stalledSse.connection) !== undefined
    ) {
      if (published.length >= MAX_EVENTS || Date.now() > deadline) {
        throw new Error(
          `stalled sessions still open after ${published.length} events: ws ${server.hub.getSession(stalledWs.connection) !== undefined}, sse ${server.hub.getSession(stalledSse.connection) !== undefined}`,
        );
      }
      const wsStalled = server.hub.getSession(stalledWs.connection)?.blocked === true;
      const sseStalled = server.hub.getSession(stalledSse.connection)?.blocked === true;
      const ids = await publishEvents(
        server,
        Array.from({ length: BATCH }, (_, i) => ({
          topic: TOPIC,
          type: 'tick',
          data: { n: published.length + i, pad: PAYLOAD },
        })),
      );
      published.push(...ids);
      const total = published.length;
      if (healthyWsCount() < total) await healthyWs.next(() => healthyWsCount() >= total, 10_000);
      const last = ids[ids.length - 1];
      await healthySse.next((m) => m.event === 'message' && m.data.id === last, 10_000);
      if (wsStalled) deliveredWhileStalled.ws++;
      if (sseStalled) deliveredWhileStalled.sse++;
    }

    // Server side: both stalled sessions are gone, counted as slow consumers; the healthy are not.
    const after = await slowConsumerCounts(server);
    expect(after.ws! - before.ws!).toBe(1);
    expect(after.sse! - before.sse!).toBe(1);
    expect(deliveredWhileStalled.ws).toBeGreaterThan(0);
    expect(deliveredWhileStalled.sse).toBeGreaterThan(0);
    expect(
      server.hub
        .listSessions()
        .map((s) => s.kind)
        .sort(),
    ).toEqual(['sse', 'ws']);

    // Healthy readers: every event, in publish order, no gaps, never disconnected.
    expect(healthyWs.events(healthyWsSub).map((e) => e.id)).toEqual(published);
    expect(healthySse.events().map((e) => e.id)).toEqual(published);
    expect(healthyWs.closeCode).toBeUndefined();
    expect(healthySse.opened).toBe(1);
    expect(healthySse.messages.filter((m) => m.event === 'error')).toEqual([]);

    // The stalled WebSocket, once it reads again, finds its socket terminated (close 4008 if the
    // close frame made it, else 1006: the server does not wait behind the backlog).
    stalledWs.socket.resume();
    expect([4008, 1006]).toContain(await stalledWs.closed);
    // The stalled SSE reader reads what was buffered, then the stream ends.
    stalledSse.response.resume();
    await stalledSse.ended;
    const sseErrors = stalledSse.frames().filter((f) => f.event === 'error');
    for (const e of sseErrors) expect(e.data).toMatchObject({ code: 'slow_consumer' });

    // What each stalled reader got is an in-order prefix of what was published…
    for (const got of [stalledWs.events(), stalledSse.events()]) {
      expect(got.length).toBeLessThan(published.length);
      expect(got.map((e) => e.id)).toEqual(published.slice(0, got.length));
    }

    // …and resuming from its last id brings exactly the rest.
    const wsGot = stalledWs.events().length;
    const resumedWs = await TestWs.open(`${server.url}/ws/dashboard`);
    const resumedSub = await resumedWs.subscribe({
      topics: [TOPIC],
      since: wsGot > 0 ? published[wsGot - 1] : startPosition,
    });
    const wsRest = published.length - wsGot;
    if (resumedWs.events(resumedSub).length < wsRest)
      await resumedWs.next(() => resumedWs.events(resumedSub).length >= wsRest, 15_000);
    expect(resumedWs.events(resumedSub).map((e) => e.id)).toEqual(published.slice(wsGot));
    expect(resumedWs.messages.filter((m) => m.op === 'reset')).toEqual([]);

    const sseGot = stalledSse.events().length;
    const resumedSse = new TestSse(`${server.url}/api/v2/events/stream?topics=${TOPIC}`, {
      headers: { 'Last-Event-ID': sseGot > 0 ? published[sseGot - 1]! : startPosition },
    });
    const lastPublished = published[published.length - 1];
    await resumedSse.next((m) => m.event === 'message' && m.data.id === lastPublished, 15_000);
    expect(resumedSse.events().map((e) => e.id)).toEqual(published.slice(sseGot));
    expect(resumedSse.messages.filter((m) => m.event === 'reset')).toEqual([]);

    for (const c of [healthyWs, resumedWs]) c.close();
    for (const c of [healthySse, resumedSse]) c.close();
  }, 150_000);
});
