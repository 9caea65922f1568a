/**
 * The SDK against the real livegate server: real sockets, the `ws` and `eventsource` packages,
 * Node's fetch, and the server from `src/http/server.ts` started in-process. Nothing is faked;
 * where a test needs a network fault it causes a real one (admin close, destroyed sockets, a
 * reader that stops reading, a server restarted on the same port). Every wait has a deadline.
 *
 * The server is loaded with a dynamic import of a computed URL: the package's test tsconfig has
 * `rootDir: ..`, so a static import of the root `src/` would not type-check. The few server fields
 * the tests touch are declared below.
 */
import { request as httpRequest, type Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { EventSource } from 'eventsource';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createClient, type LivegateClient } from '../../src/client.js';
import type { LivegateError } from '../../src/errors.js';
import { createStore } from '../../src/store.js';
import { createSseTransport } from '../../src/transports/sse.js';
import type { TransportFactory } from '../../src/transports/transport.js';
import { createWebSocketTransport } from '../../src/transports/websocket.js';
import type { ClientEvents, ClientOptions, LivegateEvent, TransportName } from '../../src/types.js';

// ── the real server ─────────────────────────────────────────────────────────────────────────────

const SERVER_MODULE = new URL('../../../../src/http/server.ts', import.meta.url).href;
const CONFIG_MODULE = new URL('../../../../src/config/load.ts', import.meta.url).href;

type ServerTransport = 'sse' | 'ws' | 'poll';

interface ServerSession {
  readonly id: string;
  readonly kind: ServerTransport;
  close(reason: { code: string; message: string; wsCode: number }): void;
}

/** The part of `LivegateServer` (src/http/server.ts) these tests use. */
interface LiveServer {
  readonly url: string;
  readonly port: number;
  readonly hub: { readonly sessions: ReadonlyMap<string, ServerSession>; readonly bus: { readonly epoch: string } };
  readonly health: { set(component: string, status: 'healthy' | 'degraded' | 'unhealthy', detail?: string): void };
  readonly metrics: {
    readonly slowConsumers: {
      get(): Promise<{ values: { value: number; labels: Record<string, string | number> }[] }>;
    };
  };
  readonly app: { readonly server: HttpServer };
  close(): Promise<void>;
}

interface ServerOverrides {
  readonly transports?: ServerTransport[];
  readonly queue?: { maxEvents?: number; maxBytes?: number };
  readonly replay?: { maxEvents?: number; maxBytes?: number };
  readonly auth?: { adminToken: string };
}

/** A server plus the sockets of its event streams, so a test can cut them like a network fault. */
interface TestServer extends LiveServer {
  readonly sockets: Record<ServerTransport, Set<Duplex>>;
}

const servers = new Set<LiveServer>();

/**
 * Starts livegate on 127.0.0.1 at `port` (0: a free one) with a silent logger, no stats events,
 * raised per-IP limits and a short SSE `retry`, through `loadConfig` + `startLivegate`.
 */
async function startServer(overrides: ServerOverrides = {}, port = 0): Promise<TestServer> {
  const [{ startLivegate }, { loadConfig }] = (await Promise.all([import(SERVER_MODULE), import(CONFIG_MODULE)])) as [
    { startLivegate(options: { config: unknown }): Promise<LiveServer> },
    { loadConfig(sources: { overrides: unknown }): unknown },
  ];
  const config = loadConfig({
    overrides: {
      ...overrides,
      host: '127.0.0.1',
      port,
      stats: { intervalMs: 0 },
      sse: { retryMs: 50 },
      limits: { maxPerIp: 10_000, maxConnections: 10_000, connectsPerSecond: 0, publishesPerSecond: 0 },
      ws: { maxMessagesPerSecond: 0 },
      log: { level: process.env.LIVEGATE_TEST_LOG === '1' ? 'debug' : 'silent' },
    },
  });
  const server = await startLivegate({ config });
  servers.add(server);
  const sockets: TestServer['sockets'] = { sse: new Set(), ws: new Set(), poll: new Set() };
  const track = (set: Set<Duplex>, socket: Duplex): void => {
    // Polls reuse keep-alive sockets: one close listener per socket, not one per request.
    if (set.has(socket)) return;
    set.add(socket);
    socket.once('close', () => set.delete(socket));
  };
  server.app.server.on('request', (req: { url?: string; socket: Duplex }) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/api/v2/events/stream') track(sockets.sse, req.socket);
    else if (path === '/api/v2/events/poll') track(sockets.poll, req.socket);
  });
  server.app.server.on('upgrade', (_req: unknown, socket: Duplex) => track(sockets.ws, socket));
  return Object.assign(server, { sockets });
}

/** Closes `server` and starts a new one (new epoch) on the same port. */
async function restartOnSamePort(server: TestServer, overrides: ServerOverrides = {}): Promise<TestServer> {
  await server.close();
  servers.delete(server);
  return startServer(overrides, server.port);
}

/** One HTTP request on its own connection (no pooling shared with the SDK's fetch). */
function httpJson(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpRequest(
      url,
      {
        method,
        agent: false,
        headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: text === '' ? null : (JSON.parse(text) as unknown) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function publish(server: { url: string }, drafts: readonly object[], token?: string): Promise<void> {
  const res = await httpJson(
    'POST',
    `${server.url}/api/v2/events`,
    drafts,
    token === undefined ? {} : { authorization: `Bearer ${token}` },
  );
  if (res.status !== 202) throw new Error(`publish failed: ${res.status} ${JSON.stringify(res.body)}`);
}

interface ConnectionRow {
  readonly id: string;
  readonly transport: ServerTransport;
  readonly subscriptions: { id: string; topics: string[] }[];
}

async function connections(server: { url: string }, token?: string): Promise<ConnectionRow[]> {
  const res = await httpJson(
    'GET',
    `${server.url}/api/v2/connections`,
    undefined,
    token === undefined ? {} : { authorization: `Bearer ${token}` },
  );
  expect(res.status).toBe(200);
  return (res.body as { connections: ConnectionRow[] }).connections;
}

async function closeConnection(server: { url: string }, id: string, token?: string): Promise<void> {
  const res = await httpJson(
    'DELETE',
    `${server.url}/api/v2/connections/${id}`,
    undefined,
    token === undefined ? {} : { authorization: `Bearer ${token}` },
  );
  expect(res.status).toBe(204);
}

/** Destroys the TCP sockets of a transport's current streams: a network fault, not a goodbye. */
function dropSockets(server: TestServer, kind: ServerTransport): number {
  const sockets = [...server.sockets[kind]];
  for (const socket of sockets) socket.destroy();
  return sockets.length;
}

// ── waiting ─────────────────────────────────────────────────────────────────────────────────────

/** Resolves with the first truthy value of `check`, or fails after `timeoutMs` naming `what`. */
async function until<T>(what: string, check: () => T | null | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== null && value !== undefined && value !== false) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Runs `check` (which throws while unmet) until it passes, or rethrows its failure after `timeoutMs`. */
async function eventually(check: () => Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (performance.now() > deadline) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// ── the client under test ───────────────────────────────────────────────────────────────────────

const clients = new Set<LivegateClient>();

/** A client plus everything it reported, in order. */
interface Watched {
  readonly client: LivegateClient;
  /** Delivered envelopes, snapshots included. */
  readonly events: LivegateEvent[];
  readonly states: ClientEvents['state'][];
  readonly connected: ClientEvents['connected'][];
  readonly disconnected: ClientEvents['disconnected'][];
  readonly transports: ClientEvents['transport'][];
  readonly resets: ClientEvents['reset'][];
  readonly errors: LivegateError[];
  /** Everything above as short lines, for order checks and failure messages. */
  readonly timeline: string[];
  /** `data.n` of the delivered events of `topic`, in delivery order. */
  numbers(topic: string): number[];
}

function connect(server: { url: string }, options: Partial<ClientOptions> = {}): Watched {
  const client = createClient({
    url: server.url,
    WebSocket,
    EventSource,
    minReconnectDelayMs: 20,
    maxReconnectDelayMs: 250,
    connectTimeoutMs: 5000,
    watchOnline: false,
    ...options,
  });
  clients.add(client);
  const w: Watched = {
    client,
    events: [],
    states: [],
    connected: [],
    disconnected: [],
    transports: [],
    resets: [],
    errors: [],
    timeline: [],
    numbers: (topic) =>
      w.events.filter((e) => e.topic === topic && e.type !== 'snapshot').map((e) => (e.data as { n: number }).n),
  };
  client.on('*', (event) => {
    w.events.push(event);
    if (event.type === 'snapshot') w.timeline.push(`snapshot ${event.topic} ${event.id}`);
  });
  client.on('state', (s) => {
    w.states.push(s);
    w.timeline.push(
      `state ${s.oldState}→${s.newState} ${s.transport ?? '-'}${s.error === null ? '' : ` ${s.error.code}`}`,
    );
  });
  client.on('connected', (c) => {
    w.connected.push(c);
    w.timeline.push(`connected ${c.transport} ${c.connection ?? '-'} resumed=${c.resumed}`);
  });
  client.on('disconnected', (d) => {
    w.disconnected.push(d);
    w.timeline.push(`disconnected ${d.transport} ${d.error.code} retry=${d.willRetry}`);
  });
  client.on('transport', (t) => {
    w.transports.push(t);
    w.timeline.push(`transport ${t.oldTransport ?? '-'}→${t.newTransport} (${t.reason})`);
  });
  client.on('reset', (r) => {
    w.resets.push(r);
    w.timeline.push(`reset ${r.reason} ${r.transport}`);
  });
  client.on('error', (e) => {
    w.errors.push(e);
    w.timeline.push(`error ${e.code}`);
  });
  return w;
}

afterEach(async () => {
  for (const client of clients) client.close();
  clients.clear();
  await Promise.all([...servers].map((s) => s.close()));
  servers.clear();
});

/**
 * Numbered events on topic `seq`, alternately `parity="even"`/`"odd"`, each publish also adding an
 * event on another topic (`noise`) that no test subscribes to.
 */
class NumberedStream {
  next = 0;
  readonly evens: number[] = [];
  constructor(
    private readonly server: { url: string },
    private readonly token?: string,
  ) {}

  /** Publishes `count` numbered events (in requests of 10) and returns once the server took them. */
  async publish(count: number): Promise<void> {
    for (let left = count; left > 0; left -= 10) {
      const drafts: object[] = [];
      for (let i = 0; i < Math.min(10, left); i++) {
        const n = this.next++;
        const parity = n % 2 === 0 ? 'even' : 'odd';
        if (parity === 'even') this.evens.push(n);
        drafts.push({ topic: 'seq', type: 'tick', labels: { parity }, data: { n } });
      }
      drafts.push({ topic: 'noise', type: 'tick', labels: { parity: 'even' }, data: { n: -1 } });
      await publish(this.server, drafts, this.token);
    }
  }

  get lastEven(): number {
    return this.evens.at(-1)!;
  }
}

const EVEN_TICKS = { topics: ['seq'], match: ['{parity="even"}'] } as const;

// ── 1. transport selection ──────────────────────────────────────────────────────────────────────

describe('transport fallback against the real server', () => {
  it.each([
    {
      enabled: 'sse,ws,poll',
      expected: 'sse' as TransportName,
      kind: 'sse' as ServerTransport,
      skipped: [] as [TransportName, string][],
    },
    {
      enabled: 'ws,poll',
      expected: 'ws' as TransportName,
      kind: 'ws' as ServerTransport,
      skipped: [['sse', 'transport_disabled']] as [TransportName, string][],
    },
    {
      enabled: 'poll',
      expected: 'poll' as TransportName,
      kind: 'poll' as ServerTransport,
      skipped: [
        ['sse', 'transport_disabled'],
        ['ws', 'not_found'],
      ] as [TransportName, string][],
    },
  ])(
    'server transports [$enabled]: the default order opens over $expected',
    async ({ enabled, expected, kind, skipped }) => {
      const server = await startServer({ transports: enabled.split(',') as ServerTransport[] });
      const w = connect(server, { topics: ['seq'] });
      await until(`the client to open (${w.timeline.join(' | ')})`, () => w.client.state === 'open');

      expect(w.client.transport).toBe(expected);
      expect(w.client.getStatus().transport).toBe(expected);
      expect(w.states).toEqual([{ oldState: 'connecting', newState: 'open', transport: expected, error: null }]);
      expect(w.transports).toEqual([{ oldTransport: null, newTransport: expected, reason: 'reconnect' }]);
      expect(w.connected.map((c) => c.transport)).toEqual([expected]);
      // Each disabled transport was tried once, refused with a 404, and skipped at once (no backoff).
      expect(
        w.disconnected.map((d) => [
          d.transport,
          d.error.code,
          d.error.status,
          d.error.disposition,
          d.willRetry,
          d.delayMs,
        ]),
      ).toEqual(skipped.map(([transport, code]) => [transport, code, 404, 'skip', true, 0]));
      expect(w.client.getStatus().counters.connectFailures).toBe(skipped.length);

      // The server agrees, and events flow over it.
      await publish(server, [{ topic: 'seq', type: 'tick', data: { n: 1 } }]);
      await until('the event', () => w.numbers('seq').length === 1);
      const rows = await until('the connection in the server list', () => {
        const sessions = [...server.hub.sessions.values()];
        return sessions.length > 0 ? sessions : null;
      });
      expect(new Set(rows.map((s) => s.kind))).toEqual(new Set([kind]));
      if (kind !== 'poll') {
        expect(w.client.getStatus().connection).toBe(rows[0]!.id);
        expect((await connections(server)).map((c) => [c.id, c.transport])).toEqual([[rows[0]!.id, kind]]);
      }
    },
  );
});

// ── 2. resume after a server restart ────────────────────────────────────────────────────────────

describe('server restart on the same port', () => {
  it.each(['sse', 'ws', 'poll'] as const)(
    '%s: reconnects by itself, gets reset (epoch changed) then fresh snapshots; the store shows the new server',
    async (transport) => {
      const first = await startServer();
      first.health.set('marker', 'healthy', 'server-1');
      const w = connect(first, { transports: [transport], topics: ['health', 'seq'] });
      const health = createStore(w.client, 'health');
      const detail = (): string | undefined => health.getState().data?.components.marker?.detail;
      await until('the first server’s health', () => health.getState().status === 'ready' && detail() === 'server-1');
      await publish(first, [{ topic: 'seq', type: 'tick', data: { n: 1 } }]);
      await until('the event', () => w.numbers('seq').length === 1);
      const oldEpoch = first.hub.bus.epoch;
      expect(w.client.lastEventId?.startsWith(`${oldEpoch}-`)).toBe(true);
      const storeLog: string[] = [];
      health.subscribe(() => storeLog.push(`${health.getState().status} ${detail()}`));
      const mark = w.timeline.length;

      const second = await restartOnSamePort(first);
      second.health.set('marker', 'degraded', 'server-2');
      expect(second.hub.bus.epoch).not.toBe(oldEpoch);

      await until(
        `the new server’s health (${w.timeline.slice(mark).join(' | ')})`,
        () => health.getState().status === 'ready' && detail() === 'server-2',
      );
      expect(health.getState().data?.components.marker?.status).toBe('degraded');
      expect(w.client.state).toBe('open');
      expect(w.client.transport).toBe(transport);
      // The server could not resume the old epoch's id: one reset, then the snapshot of the new server.
      // (Long-poll answers carry `reset: true` without a reason, so the SDK reports "reset".)
      expect(w.resets).toEqual([{ reason: 'epoch_changed', transport }]);
      const after = w.timeline.slice(mark);
      const resetAt = after.findIndex((line) => line.startsWith('reset '));
      const snapshotAt = after.findIndex((line) => line.startsWith(`snapshot health ${second.hub.bus.epoch}-`));
      expect(resetAt, after.join(' | ')).toBeGreaterThanOrEqual(0);
      expect(snapshotAt, after.join(' | ')).toBeGreaterThan(resetAt);
      // The store went stale on the reset (keeping the old data) and was rebuilt by the new snapshot.
      expect(storeLog[0]).toBe('stale server-1');
      expect(storeLog).toContain('ready server-2');
      if (transport === 'poll') {
        // Each poll is its own request: the shutdown answered the waiting one, and the next poll
        // (sent after the SDK's pause for an early empty answer) reached the new server with the
        // old id as `since`. A reconnect only happens if a poll hits the gap between the servers.
        expect(w.connected.every((c) => c.transport === 'poll')).toBe(true);
        expect(w.states.at(-1)?.newState).toBe('open');
      } else {
        // The client resumed with the old id (that is what made the server reset it) and reconnected by itself.
        const reconnect = w.connected.at(-1)!;
        expect(reconnect).toMatchObject({ transport, resumed: true, epoch: second.hub.bus.epoch });
        expect(w.states.map((s) => `${s.oldState}→${s.newState}`)).toEqual([
          'connecting→open',
          'open→reconnecting',
          'reconnecting→open',
        ]);
        expect(w.disconnected.map((d) => [d.error.code, d.willRetry])).toContainEqual(['shutting_down', true]);
      }
      expect(w.client.lastEventId?.startsWith(`${second.hub.bus.epoch}-`)).toBe(true);

      // Live events of the new server flow.
      await publish(second, [{ topic: 'seq', type: 'tick', data: { n: 2 } }]);
      await until('the new server’s event', () => w.numbers('seq').includes(2));
      expect(w.numbers('seq')).toEqual([1, 2]);
    },
  );
});

describe('resume ids the server cannot honour', () => {
  it.each(['sse', 'ws', 'poll'] as const)(
    '%s: a malformed lastEventId (400 invalid_event_id) is dropped; the client starts over with snapshots',
    async (transport) => {
      const server = await startServer();
      const w = connect(server, { transports: [transport], topics: ['health', 'seq'], lastEventId: 'not-an-event-id' });
      const health = createStore(w.client, 'health');
      await until(
        `open with the health snapshot (${w.timeline.join(' | ')})`,
        () => w.client.state === 'open' && health.getState().status === 'ready',
      );
      expect(w.disconnected.map((d) => [d.transport, d.error.code, d.willRetry, d.delayMs])).toEqual([
        [transport, 'invalid_event_id', true, 0],
      ]);
      expect(w.resets).toEqual([{ reason: 'invalid_event_id', transport }]);
      expect(w.connected.map((c) => [c.transport, c.resumed])).toEqual([[transport, false]]);
      expect(w.client.lastEventId?.startsWith(`${server.hub.bus.epoch}-`)).toBe(true);
      await publish(server, [{ topic: 'seq', type: 'tick', data: { n: 1 } }]);
      await until('the event', () => w.numbers('seq').length === 1);
    },
  );

  it.each(['sse', 'ws', 'poll'] as const)(
    '%s: a persisted lastEventId of another epoch gets reset, then snapshots',
    async (transport) => {
      const server = await startServer();
      const w = connect(server, { transports: [transport], topics: ['health', 'seq'], lastEventId: 'otherepoch1-42' });
      const health = createStore(w.client, 'health');
      await until('the health snapshot', () => health.getState().status === 'ready');
      expect(w.connected.map((c) => [c.transport, c.resumed])).toEqual([[transport, true]]);
      expect(w.resets).toEqual([{ reason: 'epoch_changed', transport }]);
      expect(w.disconnected).toEqual([]);
      expect(w.client.lastEventId?.startsWith(`${server.hub.bus.epoch}-`)).toBe(true);
    },
  );
});

// ── 3. no loss, no duplicates across forced reconnects ──────────────────────────────────────────

/**
 * Cuts the client's connection on the server: `admin` closes it through
 * `DELETE /api/v2/connections/:id` (the server flushes what is queued, then says goodbye), `drop`
 * destroys its TCP socket (whatever is in flight is lost in transit). Returns whether the client
 * must reconnect: an admin close of a long-poll session only answers the poll early.
 */
async function forceDisconnect(server: TestServer, w: Watched, how: 'admin' | 'drop'): Promise<boolean> {
  const transport = w.client.transport;
  if (transport === 'poll') {
    // A poll session exists only while a request waits; cut one of those.
    const session = await until('a waiting poll', () =>
      [...server.hub.sessions.values()].find((s) => s.kind === 'poll'),
    );
    if (how === 'admin') {
      // In-process: over HTTP the poll may be answered by the events published meanwhile.
      session.close({ code: 'closed_by_admin', message: 'connection closed by an administrator', wsCode: 4010 });
      return false;
    }
    return dropSockets(server, 'poll') > 0;
  }
  const id = await until('a connection id', () => w.client.getStatus().connection);
  if (how === 'admin') await closeConnection(server, id);
  else expect(dropSockets(server, transport === 'sse' ? 'sse' : 'ws')).toBeGreaterThan(0);
  return true;
}

describe('no event lost or repeated across forced reconnects', () => {
  it.each(['sse', 'ws', 'poll'] as const)('%s: every matching event exactly once, in order', async (transport) => {
    const server = await startServer();
    const w = connect(server, { transports: [transport], ...EVEN_TICKS });
    await until('open', () => w.client.state === 'open');
    const stream = new NumberedStream(server);
    let cuts = 0;
    for (let round = 0; round < 6; round++) {
      await stream.publish(20);
      const opens = w.connected.length;
      // Cut while the next events are being published: some are in flight, some land while away.
      const [mustReconnect] = await Promise.all([
        forceDisconnect(server, w, round % 2 === 0 ? 'admin' : 'drop'),
        stream.publish(20),
      ]);
      await stream.publish(10);
      if (mustReconnect) {
        cuts++;
        await until(
          `reconnect #${cuts} (${w.timeline.slice(-6).join(' | ')})`,
          () => w.connected.length > opens && w.client.state === 'open',
        );
      }
    }
    await stream.publish(20);
    await until(
      `every even tick (last ${stream.lastEven}, got ${w.numbers('seq').at(-1)})`,
      () => w.numbers('seq').at(-1) === stream.lastEven,
    );

    expect(w.numbers('seq')).toEqual(stream.evens);
    expect(w.events.filter((e) => e.topic !== 'seq')).toEqual([]);
    expect(w.resets).toEqual([]);
    expect(w.errors).toEqual([]);
    expect(cuts).toBeGreaterThanOrEqual(transport === 'poll' ? 3 : 6);
    expect(w.client.getStatus().counters.drops).toBe(cuts);
    expect(w.disconnected.every((d) => d.willRetry && d.transport === transport)).toBe(true);
    expect(w.client.transport).toBe(transport);
  });

  it('switches transport mid-stream (SSE → WebSocket → long-poll, then a probe back to SSE) without loss or duplicates', async () => {
    const server = await startServer();
    // A transport is "blocked" the way a proxy would block it: its requests reach a path the server
    // answers with 404, so the SDK's own transport sees a real refusal and falls back.
    const blocked = new Set<TransportName>();
    const gated =
      (name: TransportName, factory: TransportFactory): TransportFactory =>
      (params) =>
        factory(blocked.has(name) ? { ...params, baseUrl: new URL('/blocked/', params.baseUrl) } : params);
    const w = connect(server, {
      ...EVEN_TICKS,
      reprobeAfterMs: 150,
      transportFactories: {
        sse: gated('sse', createSseTransport),
        ws: gated('ws', createWebSocketTransport),
      },
    });
    await until('open over SSE', () => w.client.state === 'open' && w.client.transport === 'sse');
    const stream = new NumberedStream(server);
    await stream.publish(20);

    blocked.add('sse');
    await Promise.all([forceDisconnect(server, w, 'drop'), stream.publish(20)]);
    await until(
      `the fallback to WebSocket (${w.timeline.slice(-6).join(' | ')})`,
      () => w.client.state === 'open' && w.client.transport === 'ws',
    );
    await stream.publish(20);

    blocked.add('ws');
    await Promise.all([forceDisconnect(server, w, 'admin'), stream.publish(20)]);
    await until(
      `the fallback to long-poll (${w.timeline.slice(-6).join(' | ')})`,
      () => w.client.state === 'open' && w.client.transport === 'poll',
    );
    await stream.publish(20);
    const statesBeforeProbe = w.states.length;

    // Unblocked: the re-probe finds a better transport and switches while events keep coming.
    blocked.clear();
    while (w.client.transport !== 'sse') {
      await stream.publish(4);
      await until(
        `tick ${stream.lastEven} while probing (${w.timeline.slice(-6).join(' | ')})`,
        () => w.numbers('seq').at(-1) === stream.lastEven,
        15_000,
      );
    }
    await stream.publish(20);
    await until('every even tick', () => w.numbers('seq').at(-1) === stream.lastEven);

    expect(w.numbers('seq')).toEqual(stream.evens);
    expect(w.resets).toEqual([]);
    expect(w.transports.slice(0, 3)).toEqual([
      { oldTransport: null, newTransport: 'sse', reason: 'reconnect' },
      { oldTransport: 'sse', newTransport: 'ws', reason: 'reconnect' },
      { oldTransport: 'ws', newTransport: 'poll', reason: 'reconnect' },
    ]);
    expect(w.transports.slice(3).every((t) => t.reason === 'probe')).toBe(true);
    expect(w.transports.at(-1)).toMatchObject({ newTransport: 'sse', reason: 'probe' });
    // A probe switch happens next to the working connection: the state never left `open`.
    expect(w.states.length).toBe(statesBeforeProbe);
    expect(w.client.state).toBe('open');
    expect(w.client.getStatus().counters.transportSwitches).toBe(w.transports.length - 1);
  });
});

// ── a reader that can stall ─────────────────────────────────────────────────────────────────────

/**
 * Node's fetch, with response bodies that can stop being read: {@link ReadGate.stall} holds every
 * response of the requests made so far (what arrives stays in the socket's buffers, or is held
 * right after it was read), {@link ReadGate.resume} lets them go on. Requests made after a stall
 * are not held. The SDK gets it as `fetch` (long-poll) and inside `EventSource` (SSE).
 */
class ReadGate {
  readonly #gates: { wait: Promise<void>; open: () => void }[] = [];

  stall(): void {
    for (const gate of this.#gates) gate.wait = new Promise((resolve) => (gate.open = resolve));
  }

  resume(): void {
    for (const gate of this.#gates) {
      gate.open();
      gate.wait = Promise.resolve();
    }
  }

  readonly fetch = async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const gate = { wait: Promise.resolve(), open: () => undefined as void };
    this.#gates.push(gate);
    const res = await fetch(url, init);
    if (res.body === null) return res;
    const reader = res.body.getReader();
    const body = new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          await gate.wait;
          const { done, value } = await reader.read();
          await gate.wait; // a read already under way when the stall began is held too
          if (done) controller.close();
          else controller.enqueue(value);
        },
        cancel: (reason) => reader.cancel(reason),
      },
      { highWaterMark: 0 },
    );
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };

  /** An `EventSource` class whose streams go through {@link ReadGate.fetch}. */
  readonly EventSource = ((gateFetch) =>
    class GatedEventSource extends EventSource {
      constructor(url: string, init?: { withCredentials?: boolean }) {
        super(url, { ...init, fetch: gateFetch });
      }
    })(this.fetch);
}

// ── 4. live filter changes ──────────────────────────────────────────────────────────────────────

/**
 * Publishes rounds of three events with the same `n` on topics `a`, `b` and `c` until stopped,
 * each round once the client has seen the previous round's `a` event (so events keep flowing
 * while a change is in progress, at the pace the client reads).
 */
class Rounds {
  n = 0;
  #stop = false;
  readonly done: Promise<void>;
  constructor(server: { url: string }, w: Watched) {
    this.done = (async () => {
      while (!this.#stop) {
        const n = this.n;
        await publish(
          server,
          ['a', 'b', 'c'].map((topic) => ({
            topic,
            type: 'tick',
            labels: { parity: n % 2 === 0 ? 'even' : 'odd' },
            data: { n },
          })),
        );
        this.n++;
        await until(`a-tick ${n}`, () => w.numbers('a').includes(n));
      }
    })();
    // A test that fails before stop() must not leave an unhandled rejection behind.
    this.done.catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.#stop = true;
    await this.done;
  }
}

/** `ns` are consecutive integers (a contiguous stretch of a round-numbered stream). */
function expectContiguous(ns: readonly number[], what: string): void {
  expect(ns.length, `${what}: none delivered`).toBeGreaterThan(0);
  expect(ns, what).toEqual(Array.from({ length: ns.length }, (_, i) => ns[0]! + i));
}

describe('live filter changes', () => {
  it('WebSocket: subscribe and setFilter change the subscription on the same connection, losing nothing', async () => {
    const server = await startServer();
    const w = connect(server, { transports: ['ws'], topics: ['a'] });
    await until('open', () => w.client.state === 'open');
    const id = w.client.getStatus().connection!;
    const subscriptionsOf = async (): Promise<string[][]> => {
      const rows = await connections(server);
      expect(rows.map((r) => r.id)).toEqual([id]);
      return rows[0]!.subscriptions.map((s) => s.topics);
    };
    const rounds = new Rounds(server, w);
    await until('ten rounds', () => rounds.n >= 10);

    await w.client.subscribe('b');
    const bSubscribed = rounds.n;
    // The old subscription is unsubscribed right after the new one is confirmed.
    await eventually(async () => expect(await subscriptionsOf()).toEqual([['a', 'b']]));
    await until('ten more rounds', () => rounds.n >= bSubscribed + 10);

    const beforeC = rounds.n;
    await w.client.setFilter({ topics: ['a', 'c'] });
    const cSubscribed = rounds.n;
    await eventually(async () => expect(await subscriptionsOf()).toEqual([['a', 'c']]));
    await until('ten more rounds', () => rounds.n >= cSubscribed + 10);

    // Adding a state topic asks for a fresh snapshot (the swap is stitched at the server's head).
    const health = createStore(w.client, 'health');
    await w.client.subscribe('health');
    await until('the health snapshot', () => health.getState().status === 'ready');
    await eventually(async () => expect(await subscriptionsOf()).toEqual([['a', 'c', 'health']]));
    const healthSubscribed = rounds.n;
    await until('ten more rounds', () => rounds.n >= healthSubscribed + 10);
    await rounds.stop();

    expect(w.numbers('a'), 'every a-tick exactly once, in order').toEqual(
      Array.from({ length: rounds.n }, (_, i) => i),
    );
    const b = w.numbers('b');
    expectContiguous(b, 'b-ticks');
    expect(b[0]).toBeLessThanOrEqual(bSubscribed);
    // b-ticks stop where the change to [a, c] resumed: at the last event delivered when it started.
    // Round beforeC-1 was published after a-tick beforeC-2 arrived, so every event up to it (and
    // b-tick beforeC-3, just before it) was delivered when the change started.
    expect(b.at(-1)).toBeGreaterThanOrEqual(beforeC - 3);
    expect(b.at(-1)).toBeLessThanOrEqual(cSubscribed);
    const c = w.numbers('c');
    expectContiguous(c, 'c-ticks');
    expect(c[0]).toBeLessThanOrEqual(cSubscribed);
    expect(c.at(-1)).toBe(rounds.n - 1);
    const seqs = w.events.filter((e) => e.type !== 'snapshot').map((e) => e.seq);
    expect(seqs, 'delivered in server order').toEqual([...seqs].sort((x, y) => x - y));
    expect(new Set(seqs).size).toBe(seqs.length);
    // One connection throughout.
    expect(w.client.getStatus().connection).toBe(id);
    expect(w.connected.length).toBe(1);
    expect(w.client.getStatus().counters).toMatchObject({ opens: 1, drops: 0, attempts: 1 });
    expect(w.states.map((s) => s.newState)).toEqual(['open']);
    expect(w.resets).toEqual([]);
  });

  it.each(['sse', 'poll'] as const)(
    '%s: a change reconnects next to the old request with lastEventId, losing nothing',
    async (transport) => {
      const server = await startServer();
      const requests: string[] = [];
      server.app.server.on('request', (req: { url?: string }) => requests.push(req.url ?? ''));
      const w = connect(server, { transports: [transport], topics: ['a'], pollTimeoutSeconds: 2 });
      await until('open', () => w.client.state === 'open');
      const rounds = new Rounds(server, w);
      await until('ten rounds', () => rounds.n >= 10);

      const streamPath = transport === 'sse' ? '/api/v2/events/stream' : '/api/v2/events/poll';
      const resumeParam = transport === 'sse' ? 'lastEventId' : 'since';
      const changeTo = async (change: () => Promise<void>, topics: string): Promise<void> => {
        const before = w.client.getStatus().connection;
        const seen = requests.length;
        await change();
        const url = requests
          .slice(seen)
          .map((u) => new URL(u, server.url))
          .find((u) => u.pathname === streamPath && u.searchParams.get('topics') === topics);
        expect(url, `a ${streamPath} request for ${topics}`).toBeDefined();
        expect(url!.searchParams.get(resumeParam)).toMatch(new RegExp(`^${server.hub.bus.epoch}-\\d+$`));
        expect(w.connected.at(-1)).toMatchObject({ transport, resumed: true });
        if (transport === 'sse') {
          const after = w.client.getStatus().connection;
          expect(after).not.toBe(before);
          // Make-before-break: the old stream is closed once the new one answered.
          await until('only the new stream on the server', () => {
            const ids = [...server.hub.sessions.keys()];
            return ids.length === 1 && ids[0] === after;
          });
        }
      };

      await changeTo(() => w.client.subscribe('b'), 'a,b');
      const bSubscribed = rounds.n;
      await until('ten more rounds', () => rounds.n >= bSubscribed + 10);
      const beforeC = rounds.n;
      await changeTo(() => w.client.setFilter({ topics: ['a', 'c'] }), 'a,c');
      const cSubscribed = rounds.n;
      await until('ten more rounds', () => rounds.n >= cSubscribed + 10);
      await rounds.stop();

      expect(w.numbers('a'), 'every a-tick exactly once, in order').toEqual(
        Array.from({ length: rounds.n }, (_, i) => i),
      );
      const b = w.numbers('b');
      expectContiguous(b, 'b-ticks');
      expect(b[0]).toBeLessThanOrEqual(bSubscribed);
      // b-ticks stop where the change to [a, c] resumed: at the last event delivered when it started.
      // Round beforeC-1 was published after a-tick beforeC-2 arrived, so every event up to it (and
      // b-tick beforeC-3, just before it) was delivered when the change started.
      expect(b.at(-1)).toBeGreaterThanOrEqual(beforeC - 3);
      expect(b.at(-1)).toBeLessThanOrEqual(cSubscribed);
      const c = w.numbers('c');
      expectContiguous(c, 'c-ticks');
      expect(c.at(-1)).toBe(rounds.n - 1);
      const seqs = w.events.map((e) => e.seq);
      expect(seqs, 'delivered in server order').toEqual([...seqs].sort((x, y) => x - y));
      expect(new Set(seqs).size).toBe(seqs.length);
      expect(
        w.states.map((s) => s.newState),
        'the state never left open',
      ).toEqual(['open']);
      expect(w.resets).toEqual([]);
      expect(w.client.getStatus().counters.drops).toBe(0);
    },
  );

  /**
   * The old stream lags behind the new one (its answer is held in the client's socket buffers):
   * the change is confirmed and the old stream closed while events 5–9 are still on their way on
   * it. Returns the `n` of the a-ticks delivered and how many were published.
   */
  async function changeWhileOldStreamLags(transport: 'sse' | 'poll', add: string): Promise<[number[], number]> {
    const server = await startServer();
    const gate = new ReadGate();
    const w = connect(server, {
      transports: [transport],
      topics: ['a'],
      EventSource: gate.EventSource,
      fetch: gate.fetch,
      pollTimeoutSeconds: 5,
    });
    await until('open', () => w.client.state === 'open');
    let n = 0;
    const publishTicks = (count: number): Promise<void> =>
      publish(
        server,
        Array.from({ length: count }, () => ({ topic: 'a', type: 'tick', data: { n: n++ } })),
      );
    await publishTicks(5);
    await until('the first ticks', () => w.numbers('a').length === 5);
    gate.stall(); // the open stream (SSE) or the waiting poll stops being read
    await publishTicks(5);
    await w.client.subscribe(add);
    gate.resume();
    await publishTicks(1);
    await until(`tick ${n - 1} (${w.timeline.join(' | ')})`, () => w.numbers('a').at(-1) === n - 1);
    expect(w.resets).toEqual([]);
    if (add === 'health') {
      // The added state topic starts from its snapshot, which follows the replayed events.
      await until('the health snapshot', () => w.events.some((e) => e.topic === 'health' && e.type === 'snapshot'));
      const seqs = w.events.map((e) => e.seq);
      expect(seqs, 'delivered in server order').toEqual([...seqs].sort((x, y) => x - y));
    }
    return [w.numbers('a'), n];
  }

  it.each(['sse', 'poll'] as const)(
    '%s: a change that resumes loses nothing while the old stream lags behind the new one',
    async (transport) => {
      const [delivered, published] = await changeWhileOldStreamLags(transport, 'b');
      expect(delivered).toEqual(Array.from({ length: published }, (_, i) => i));
    },
  );

  // A change that adds the state topic `health` resumes from the last delivered id and asks the
  // server to snapshot `health` at the head (`snapshot=health` beside `lastEventId`), so the events
  // the lagging old stream still carried come again on the new one.
  it.each(['sse', 'poll'] as const)(
    '%s: a change that adds a state topic resumes the others and snapshots it, losing nothing while the old stream lags',
    async (transport) => {
      const [delivered, published] = await changeWhileOldStreamLags(transport, 'health');
      expect(delivered).toEqual(Array.from({ length: published }, (_, i) => i));
    },
  );
});

// ── 5. slow consumer ────────────────────────────────────────────────────────────────────────────

const PAD = 'x'.repeat(2000);

describe('slow consumer cut-off', () => {
  it.each([
    { transport: 'ws', readAgain: 'at once' },
    { transport: 'ws', readAgain: 'after the server dropped the socket' },
    { transport: 'sse', readAgain: 'at once' },
    { transport: 'sse', readAgain: 'after the server dropped the socket' },
  ] as const)(
    '$transport: a client that stops reading is cut off (queue.maxEvents 20), reads again $readAgain, and resumes without loss',
    async ({ transport, readAgain }) => {
      const server = await startServer({
        queue: { maxEvents: 20 },
        replay: { maxEvents: 100_000, maxBytes: 1024 * 1024 * 1024 },
      });
      const kind = transport === 'sse' ? 'sse' : 'ws';
      const wsSockets: WebSocket[] = [];
      class TrackedWebSocket extends WebSocket {
        constructor(url: string) {
          super(url);
          wsSockets.push(this);
        }
      }
      const gate = new ReadGate();
      const w = connect(server, {
        transports: [transport],
        topics: ['load'],
        WebSocket: TrackedWebSocket,
        EventSource: gate.EventSource,
      });
      await until('open', () => w.client.state === 'open');
      const id = w.client.getStatus().connection!;
      let n = 0;
      const publishLoad = async (count: number): Promise<void> => {
        const drafts = Array.from({ length: count }, () => ({
          topic: 'load',
          type: 'tick',
          data: { n: n++, pad: PAD },
        }));
        await publish(server, drafts);
      };
      await publishLoad(10);
      await until('the first events', () => w.numbers('load').length === 10);

      // Stop reading: kernel buffers fill, the session waits for drain, its queue overflows.
      if (transport === 'ws') wsSockets[0]!.pause();
      else gate.stall();
      const serverSockets = [...server.sockets[kind]];
      while (server.hub.sessions.has(id)) {
        if (n > 50_000) throw new Error('no cut-off after 50,000 events');
        await publishLoad(100);
      }
      const cutAt = n;
      const slow = (await server.metrics.slowConsumers.get()).values.find((v) => v.labels.transport === kind);
      expect(slow?.value).toBe(1);
      // The server gives a stalled peer a grace to take its goodbye (WebSocket 250 ms, SSE 1 s), then
      // destroys the socket; reading again only after that, the client finds a cut connection.
      if (readAgain !== 'at once') {
        await until('the server to drop the socket', () => serverSockets.every((socket) => socket.destroyed));
      }

      if (transport === 'ws') wsSockets[0]!.resume();
      else gate.resume();
      await publishLoad(10);
      await until(
        `every event (${n}; got ${w.numbers('load').length}; ${w.timeline.slice(-6).join(' | ')})`,
        () => w.numbers('load').at(-1) === n - 1,
        20_000,
      );

      expect(w.numbers('load')).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(cutAt).toBeGreaterThan(30);
      expect(w.resets).toEqual([]);
      expect(w.client.getStatus().counters.drops).toBe(1);
      expect(w.disconnected).toHaveLength(1);
      expect(w.disconnected[0]).toMatchObject({ transport, willRetry: true });
      expect(['slow_consumer', 'connection_lost']).toContain(w.disconnected[0]!.error.code);
      expect(w.connected.map((c) => [c.transport, c.resumed])).toEqual([
        [transport, false],
        [transport, true],
      ]);
      expect(w.client.state).toBe('open');
    },
  );
});

// ── 6. auth and errors that must not be retried ─────────────────────────────────────────────────

describe('auth and do-not-retry errors', () => {
  it('an admin token protects publishing and the connections API, not reading', async () => {
    const server = await startServer({ auth: { adminToken: 't' } });
    const reader = connect(server, { ...EVEN_TICKS });
    const admin = connect(server, { ...EVEN_TICKS, transports: ['ws'], token: 't' });
    await until('both open', () => reader.client.state === 'open' && admin.client.state === 'open');
    expect(reader.client.transport).toBe('sse');

    expect((await httpJson('POST', `${server.url}/api/v2/events`, [{ topic: 'seq', type: 'tick' }])).status).toBe(401);
    expect((await httpJson('GET', `${server.url}/api/v2/connections`)).status).toBe(401);
    const stream = new NumberedStream(server, 't');
    await stream.publish(10);
    await until(
      'the readers get the events',
      () => reader.numbers('seq').at(-1) === stream.lastEven && admin.numbers('seq').at(-1) === stream.lastEven,
    );
    // An admin close of the anonymous reader: it comes back by itself and misses nothing.
    const opens = reader.connected.length;
    await closeConnection(server, reader.client.getStatus().connection!, 't');
    await stream.publish(10);
    await until(
      'the reader back',
      () => reader.connected.length > opens && reader.numbers('seq').at(-1) === stream.lastEven,
    );
    expect(reader.numbers('seq')).toEqual(stream.evens);
    expect(admin.numbers('seq')).toEqual(stream.evens);
    expect(reader.errors).toEqual([]);
  });

  /** Waits for the client to close itself and checks it gave up at once, with the error surfaced. */
  async function expectGivesUp(w: Watched, code: string, status: number): Promise<void> {
    await until(`the client to close (${w.timeline.join(' | ')})`, () => w.client.state === 'closed');
    const error = w.client.getStatus().error;
    expect(error).toMatchObject({ code, status, disposition: 'fatal' });
    expect(w.errors).toEqual([error]);
    expect(w.disconnected).toEqual([
      { transport: w.disconnected[0]!.transport, error, willRetry: false, delayMs: null },
    ]);
    expect(w.states.map((s) => `${s.oldState}→${s.newState}`)).toEqual(['connecting→closed']);
    expect(w.states[0]!.error).toBe(error);
    expect(w.client.getStatus().counters).toMatchObject({ attempts: 1, opens: 0, connectFailures: 1 });
  }

  it.each(['sse', 'ws', 'poll'] as const)(
    '%s: a wrong token (401) closes the client instead of retrying',
    async (transport) => {
      const server = await startServer({ auth: { adminToken: 't' } });
      const w = connect(server, { transports: [transport], topics: ['seq'], token: 'wrong' });
      // A credential that is sent and not known is `invalid_token` (no credential would be
      // `unauthorized`); the ws package shows the handshake's status only, not its body.
      await expectGivesUp(w, transport === 'ws' ? 'unauthorized' : 'invalid_token', 401);
      expect(server.hub.sessions.size).toBe(0);
    },
  );

  it.each(['sse', 'ws', 'poll'] as const)(
    '%s: an invalid match selector (400 invalid_filter) closes the client instead of retrying',
    async (transport) => {
      const server = await startServer();
      const w = connect(server, { transports: [transport], topics: ['seq'], match: ['{severity='] });
      // WebSocket refuses the subscribe op with an error op on an open socket (no HTTP status).
      await until(`the client to close (${w.timeline.join(' | ')})`, () => w.client.state === 'closed');
      const error = w.client.getStatus().error!;
      expect(error).toMatchObject({ code: 'invalid_filter', disposition: 'fatal' });
      expect(error.field).toMatch(/^match/);
      if (transport === 'ws') {
        expect(w.disconnected).toEqual([{ transport, error, willRetry: false, delayMs: null }]);
        expect(w.client.getStatus().counters).toMatchObject({ attempts: 1, opens: 0 });
        expect(w.states.map((s) => `${s.oldState}→${s.newState}`)).toEqual(['connecting→closed']);
        expect(w.errors).toEqual([error]);
      } else {
        await expectGivesUp(w, 'invalid_filter', 400);
      }
    },
  );

  it('WebSocket from a foreign origin (403) closes the client instead of retrying', async () => {
    const server = await startServer();
    class ForeignOriginWebSocket extends WebSocket {
      constructor(url: string) {
        super(url, { origin: 'https://evil.example' });
      }
    }
    const w = connect(server, { transports: ['ws'], topics: ['seq'], WebSocket: ForeignOriginWebSocket });
    // The ws package reveals the handshake status but not the body: the code is the status's.
    await expectGivesUp(w, 'forbidden', 403);
  });

  it('a refused subscription change rejects and keeps the previous filter and connection', async () => {
    const server = await startServer();
    const w = connect(server, { transports: ['ws'], ...EVEN_TICKS });
    await until('open', () => w.client.state === 'open');
    const id = w.client.getStatus().connection;
    await expect(w.client.setFilter({ topics: ['seq'], match: ['{bad='] })).rejects.toMatchObject({
      code: 'invalid_filter',
    });
    expect(w.client.filter).toEqual({ topics: ['seq'], match: ['{parity="even"}'] });
    const stream = new NumberedStream(server);
    await stream.publish(10);
    await until('events after the refused change', () => w.numbers('seq').at(-1) === stream.lastEven);
    expect(w.numbers('seq')).toEqual(stream.evens);
    expect(w.client.state).toBe('open');
    expect(w.client.getStatus().connection).toBe(id);
  });
});
