import { hostname } from 'node:os';
/**
 * The connections API (list and close, with and without the admin token) and the probes:
 * `/healthz`, `/readyz`, `/metrics` and `/api/v2/info`.
 */
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LivegateServer } from '../../src/http/server.js';
import { publishEvents, startTestServer } from '../harness/livegate.js';
import { waitFor } from '../harness/wait.js';
import { RawSse } from '../harness/raw-sse.js';
import { TestWs } from '../harness/ws-client.js';

const PACKAGE_VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

interface ConnectionRow {
  id: string;
  transport: string;
  ip: string;
  principal: string;
  since: string;
  subscriptions: { id: string; topics: string[]; types: string[]; sources: string[]; match: string[]; mode: string }[];
  queued: number;
  bufferedBytes: number;
  sent: number;
  dropped: number;
  userAgent?: string;
}

async function listConnections(
  server: LivegateServer,
  headers: Record<string, string> = {},
): Promise<{ count: number; connections: ConnectionRow[] }> {
  const res = await fetch(`${server.url}/api/v2/connections`, { headers });
  expect(res.status).toBe(200);
  return (await res.json()) as { count: number; connections: ConnectionRow[] };
}

async function waitForSessions(server: LivegateServer, count: number): Promise<void> {
  await waitFor(() => server.hub.sessionCount === count, {
    timeoutMs: 5000,
    what: `${count} open sessions (have ${server.hub.sessionCount})`,
  });
}

async function expectError(res: Response, status: number, code: string): Promise<void> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect((JSON.parse(text) as { error: { code: string } }).error.code).toBe(code);
}

/** Sum of a metric's samples whose labels include every given `name="value"` pair. */
function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

async function scrape(server: LivegateServer): Promise<string> {
  const res = await fetch(`${server.url}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

describe('connections API without auth', () => {
  let server: LivegateServer;
  const cleanup: (() => void)[] = [];
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    for (const fn of cleanup.splice(0)) fn();
    await waitForSessions(server, 0);
  });
  afterAll(async () => {
    await server.close();
  });

  it('lists an open SSE, WebSocket and long-poll connection with their details', async () => {
    const started = Date.now();
    const sse = await RawSse.open(
      `${server.url}/api/v2/events/stream?topics=adm.sse&match=${encodeURIComponent('{env="prod"}')}`,
      { 'User-Agent': 'dash/1.0' },
    );
    cleanup.push(() => sse.close());
    const sseId = (await sse.control('hello')).connection as string;
    const ws = await TestWs.open(`${server.url}/ws/dashboard`);
    cleanup.push(() => ws.close());
    const wsId = ws.messages.find((m) => m.op === 'hello')!.connection as string;
    const sub = await ws.subscribe({ topics: ['adm.ws'], types: ['t*'] });
    const poll = new AbortController();
    cleanup.push(() => poll.abort());
    void fetch(`${server.url}/api/v2/events/poll?topics=adm.poll&since=${server.hub.head}&timeout=30`, {
      signal: poll.signal,
    }).catch(() => {});
    await waitForSessions(server, 3);
    const ids = await publishEvents(
      server,
      [1, 2].map((n) => ({ topic: 'adm.ws', type: 't', data: n })),
    );
    await ws.next((m) => m.op === 'event' && (m.event as { id: string }).id === ids[1]);

    const list = await listConnections(server);
    expect(list.count).toBe(3);
    const rows = new Map(list.connections.map((c) => [c.transport, c]));
    expect([...rows.keys()].sort()).toEqual(['poll', 'sse', 'ws']);
    for (const row of list.connections) {
      expect(row).toMatchObject({ ip: '127.0.0.1', principal: 'anonymous', queued: 0, dropped: 0 });
      expect(row.id).toMatch(/^c\d+$/);
      expect(typeof row.sent).toBe('number');
      expect(typeof row.bufferedBytes).toBe('number');
      expect(Date.parse(row.since)).toBeGreaterThanOrEqual(started - 1000);
      expect(Date.parse(row.since)).toBeLessThanOrEqual(Date.now());
      expect(row.subscriptions).toHaveLength(1);
    }
    expect(rows.get('sse')!.id).toBe(sseId);
    expect(rows.get('sse')!.userAgent).toBe('dash/1.0');
    expect(rows.get('sse')!.subscriptions[0]).toMatchObject({
      topics: ['adm.sse'],
      types: [],
      sources: [],
      match: ['{env="prod"}'],
    });
    expect(rows.get('ws')!.id).toBe(wsId);
    expect(rows.get('ws')!.sent).toBe(2);
    expect(rows.get('ws')!.subscriptions[0]).toMatchObject({
      id: sub,
      topics: ['adm.ws'],
      types: ['t*'],
      mode: 'live',
    });
    expect(rows.get('poll')!.subscriptions[0]).toMatchObject({ topics: ['adm.poll'] });
  });

  it('closes a WebSocket with 4010 on DELETE', async () => {
    const ws = await TestWs.open(`${server.url}/ws/dashboard`);
    cleanup.push(() => ws.close());
    const id = ws.messages.find((m) => m.op === 'hello')!.connection as string;
    const res = await fetch(`${server.url}/api/v2/connections/${id}`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect(await ws.closed()).toBe(4010);
    expect(ws.closeReason).toBe('connection closed by an administrator');
    await waitForSessions(server, 0);
    expect((await listConnections(server)).count).toBe(0);
  });

  it('sends an SSE client an error event with closed_by_admin and ends the stream on DELETE', async () => {
    const sse = await RawSse.open(`${server.url}/api/v2/events/stream?topics=adm.close`);
    cleanup.push(() => sse.close());
    const id = (await sse.control('hello')).connection as string;
    const res = await fetch(`${server.url}/api/v2/connections/${id}`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    await sse.end();
    expect(
      sse.text.endsWith(
        'event: error\ndata: {"code":"closed_by_admin","message":"connection closed by an administrator"}\n\n',
      ),
    ).toBe(true);
    await waitForSessions(server, 0);
  });

  it('answers a waiting long-poll at once on DELETE', async () => {
    const waiting = fetch(`${server.url}/api/v2/events/poll?topics=adm.poll2&since=${server.hub.head}&timeout=30`);
    await waitForSessions(server, 1);
    const [row] = (await listConnections(server)).connections;
    const head = server.hub.head;
    expect((await fetch(`${server.url}/api/v2/connections/${row!.id}`, { method: 'DELETE' })).status).toBe(204);
    const res = await waiting;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ events: [], lastEventId: head, reset: false });
    await waitForSessions(server, 0);
  });

  it('answers DELETE of a connection that is already gone with 404', async () => {
    const ws = await TestWs.open(`${server.url}/ws/dashboard`);
    const id = ws.messages.find((m) => m.op === 'hello')!.connection as string;
    expect((await fetch(`${server.url}/api/v2/connections/${id}`, { method: 'DELETE' })).status).toBe(204);
    await ws.closed();
    await expectError(await fetch(`${server.url}/api/v2/connections/${id}`, { method: 'DELETE' }), 404, 'not_found');
  });
});

describe('with auth.adminToken', () => {
  let server: LivegateServer;
  const cleanup: (() => void)[] = [];
  const admin = { Authorization: 'Bearer s3cret' };
  beforeAll(async () => {
    server = await startTestServer({ auth: { adminToken: 's3cret' } });
  });
  afterEach(async () => {
    for (const fn of cleanup.splice(0)) fn();
    await waitForSessions(server, 0);
  });
  afterAll(async () => {
    await server.close();
  });

  const draft = JSON.stringify({ topic: 'auth.t', type: 't' });
  // No credential: `unauthorized`; a credential that is not a known key or token: `invalid_token`.
  for (const [name, headers, code] of [
    ['no Authorization header', {}, 'unauthorized'],
    ['a wrong bearer token', { Authorization: 'Bearer nope' }, 'invalid_token'],
    ['a token that differs only in its last character', { Authorization: 'Bearer s3creT' }, 'invalid_token'],
    ['Basic credentials', { Authorization: 'Basic czNjcmV0' }, 'invalid_token'],
  ] as const) {
    it(`answers publish and the connections API with 401 ${code} for ${name}`, async () => {
      const head = server.hub.head;
      await expectError(
        await fetch(`${server.url}/api/v2/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: draft,
        }),
        401,
        code,
      );
      expect(server.hub.head).toBe(head);
      await expectError(await fetch(`${server.url}/api/v2/connections`, { headers }), 401, code);
      await expectError(await fetch(`${server.url}/api/v2/connections/c1`, { method: 'DELETE', headers }), 401, code);
    });
  }

  it('accepts publish and the connections API with the admin token', async () => {
    const [id] = await publishEvents(server, { topic: 'auth.t', type: 't' }, admin);
    expect(server.hub.head).toBe(id);
    expect((await listConnections(server, admin)).count).toBe(0);
  });

  it('lets readers subscribe without a token on every transport, and keeps them open against an unauthorized DELETE', async () => {
    const sse = await RawSse.open(`${server.url}/api/v2/events/stream?topics=auth.read`);
    cleanup.push(() => sse.close());
    await sse.control('hello');
    const ws = await TestWs.open(`${server.url}/ws/dashboard`);
    cleanup.push(() => ws.close());
    const sub = await ws.subscribe({ topics: ['auth.read'] });
    const since = server.hub.head;
    const poll = fetch(`${server.url}/api/v2/events/poll?topics=auth.read&since=${since}&timeout=10`);
    await waitForSessions(server, 3);

    const wsId = ws.messages.find((m) => m.op === 'hello')!.connection as string;
    await expectError(
      await fetch(`${server.url}/api/v2/connections/${wsId}`, { method: 'DELETE' }),
      401,
      'unauthorized',
    );

    const [id] = await publishEvents(server, { topic: 'auth.read', type: 't', data: 'hi' }, admin);
    await ws.next((m) => m.op === 'event' && m.subscription === sub && (m.event as { id: string }).id === id);
    await waitFor(() => sse.text.includes(`id: ${id}\n`), {
      timeoutMs: 5000,
      intervalMs: 5,
      what: 'the event on the SSE stream',
    });
    const polled = (await (await poll).json()) as { events: { id: string }[] };
    expect(polled.events.map((e) => e.id)).toEqual([id]);
    expect(ws.closeCode).toBeUndefined();
    expect(sse.ended).toBe(false);
    const principals = (await listConnections(server, admin)).connections.map((c) => c.principal);
    expect(principals).toEqual(['anonymous', 'anonymous']);
  });

  it('refuses a reader that presents a wrong token instead of treating it as anonymous', async () => {
    await expectError(
      await fetch(`${server.url}/api/v2/events/stream`, { headers: { Authorization: 'Bearer nope' } }),
      401,
      'invalid_token',
    );
    await expectError(
      await fetch(`${server.url}/api/v2/events/poll?timeout=0&access_token=nope`),
      401,
      'invalid_token',
    );
    await expect(TestWs.open(`${server.url}/ws/dashboard?access_token=nope`)).rejects.toThrow('handshake refused: 401');
    expect(server.hub.sessionCount).toBe(0);
  });
});

describe('probes', () => {
  let server: LivegateServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers /healthz with 200', async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz with 200 and a healthy bus, and /healthz?verbose with every component', async () => {
    const res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ready',
      shuttingDown: false,
      bus: { kind: 'memory', ok: true },
      sources: { required: false, unhealthy: [] },
    });
    const verbose = (await (await fetch(`${server.url}/healthz?verbose`)).json()) as {
      components: { component: string; status: string }[];
    };
    expect(verbose.components).toContainEqual(expect.objectContaining({ component: 'bus', status: 'healthy' }));
  });

  it('exposes the livegate metrics beside the standard unprefixed process metrics', async () => {
    const text = await scrape(server);
    for (const name of [
      'livegate_connections',
      'livegate_deliveries_total',
      'livegate_events_published_total',
      'livegate_delivery_latency_seconds_bucket',
      'livegate_slow_consumer_disconnects_total',
      'livegate_queue_depth',
      'livegate_build_info',
    ]) {
      expect(text).toMatch(new RegExp(`^(# (HELP|TYPE) )?${name}[ {]`, 'm'));
    }
    const names = new Set<string>();
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const match = line.startsWith('#') ? /^# (?:HELP|TYPE) (\S+)/.exec(line) : /^([^\s{]+)/.exec(line);
      if (match !== null) names.add(match[1]!);
    }
    expect(names.size).toBeGreaterThan(10);
    // Ours carry the livegate_ prefix; prom-client's defaults keep their standard names.
    expect([...names].filter((n) => !/^(livegate|process|nodejs)_/.test(n))).toEqual([]);
  });

  it('counts N deliveries and N published events after publishing N events to a subscriber', async () => {
    const N = 7;
    const ws = await TestWs.open(`${server.url}/ws/dashboard`);
    const sub = await ws.subscribe({ topics: ['metrics.n'] });
    const before = await scrape(server);
    expect(metricValue(before, 'livegate_connections', { transport: 'ws' })).toBe(1);
    const ids = await publishEvents(
      server,
      Array.from({ length: N }, (_, i) => ({ topic: 'metrics.n', type: 'tick', data: i })),
    );
    await ws.next((m) => m.op === 'event' && (m.event as { id: string }).id === ids[N - 1]);
    expect(ws.events(sub)).toHaveLength(N);
    const after = await scrape(server);
    const sent = { transport: 'ws', result: 'sent' };
    expect(
      metricValue(after, 'livegate_deliveries_total', sent) - metricValue(before, 'livegate_deliveries_total', sent),
    ).toBe(N);
    const published = { topic: 'metrics.n', type: 'tick' };
    expect(
      metricValue(after, 'livegate_events_published_total', published) -
        metricValue(before, 'livegate_events_published_total', published),
    ).toBe(N);
    expect(
      metricValue(after, 'livegate_delivery_latency_seconds_count') -
        metricValue(before, 'livegate_delivery_latency_seconds_count'),
    ).toBe(N);
    ws.close();
    await waitForSessions(server, 0);
    expect(metricValue(await scrape(server), 'livegate_connections', { transport: 'ws' })).toBe(0);
  });

  it('describes the server at /api/v2/info', async () => {
    const [id] = await publishEvents(server, { topic: 'info.t', type: 't' });
    const res = await fetch(`${server.url}/api/v2/info`);
    expect(res.status).toBe(200);
    const info = (await res.json()) as Record<string, unknown> & { epoch: string; window: Record<string, number> };
    expect(Object.keys(info).sort()).toEqual([
      'bus',
      'epoch',
      'head',
      'name',
      'node',
      'stateTopics',
      'transports',
      'version',
      'window',
    ]);
    expect(info).toMatchObject({
      name: 'livegate',
      version: PACKAGE_VERSION,
      bus: 'memory',
      transports: ['sse', 'ws', 'poll'],
      head: id,
      // node.id defaults to host name and pid.
      node: `${hostname()}:${process.pid}`,
    });
    expect(info.epoch).toMatch(/^[a-z0-9]{12}$/);
    expect(id!.startsWith(`${info.epoch}-`)).toBe(true);
    expect(info.stateTopics).toContain('health');
    expect(Object.keys(info.window).sort()).toEqual(['bytes', 'events', 'firstSeq', 'headSeq']);
    expect(info.window.headSeq).toBe(Number(id!.split('-')[1]));
    expect(info.window.events).toBe(server.hub.windowInfo().events);
    expect(info.window.bytes).toBeGreaterThan(0);
  });
});
