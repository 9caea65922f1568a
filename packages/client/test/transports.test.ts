import { EventSource } from 'eventsource';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createClient } from '../src/client.js';
import { createLongPollTransport } from '../src/transports/long-poll.js';
import { createSseTransport } from '../src/transports/sse.js';
import type { Transport, TransportParams } from '../src/transports/transport.js';
import { createWebSocketTransport } from '../src/transports/websocket.js';
import type { LivegateEvent } from '../src/types.js';
import { ev, snapshot } from './support/events.js';
import { FakeServer, frame, json, startStream, until } from './support/fake-server.js';
import { Recorder } from './support/recorder.js';

let server: FakeServer;
let transports: Transport[] = [];

beforeEach(async () => {
  server = await FakeServer.start();
});

afterEach(async () => {
  for (const t of transports) t.close();
  transports = [];
  await server.close();
});

function params(rec: Recorder, extra: Partial<TransportParams> = {}): TransportParams {
  return {
    baseUrl: new URL(server.url),
    filter: { topics: ['alerts', 'deploys'], match: ['{severity="critical"}', '{team="db",env="prod"}'] },
    since: null,
    token: null,
    handlers: rec.handlers,
    withCredentials: false,
    pollTimeoutSeconds: 25,
    WebSocket,
    EventSource,
    fetch: globalThis.fetch,
    ...extra,
  };
}

function open<T extends Transport>(transport: T): T {
  transports.push(transport);
  return transport;
}

describe('SSE transport', () => {
  it('opens on hello and delivers unnamed events; filter, resume id and token travel in the query', async () => {
    server.onSse = (_req, res) => {
      startStream(res);
      res.write(frame({ connection: 'c7', epoch: 'epocha', heartbeatMs: 15000 }, { event: 'hello' }));
      res.write(frame(ev(5), { id: 'epocha-5' }));
      res.write(frame(ev(6), { id: 'epocha-6' }));
    };
    const rec = new Recorder();
    open(createSseTransport(params(rec, { since: 'epocha-4', token: 'sekret' })));
    await until(() => rec.has('events epocha-6'), 'two events');
    expect(rec.log).toEqual(['open c7 15000', 'events epocha-5', 'events epocha-6']);
    const url = server.requests[0]!;
    expect(url.pathname).toBe('/api/v2/events/stream');
    expect(url.searchParams.get('topics')).toBe('alerts,deploys');
    expect(url.searchParams.getAll('match')).toEqual(['{severity="critical"}', '{team="db",env="prod"}']);
    expect(url.searchParams.get('lastEventId')).toBe('epocha-4');
    expect(url.searchParams.get('access_token')).toBe('sekret');
  });

  it('reports heartbeats and resets, and tells the server error control from a connection failure', async () => {
    server.onSse = (_req, res) => {
      startStream(res);
      res.write(frame({ connection: 'c1', epoch: 'e', heartbeatMs: 1000 }, { event: 'hello' }));
      res.write(frame({ time: 'now', lastEventId: 'epocha-9' }, { event: 'heartbeat' }));
      res.write(frame({ reason: 'epoch_changed', lastEventId: 'epochb-1' }, { event: 'reset' }));
      res.write(frame({ code: 'slow_consumer', message: 'resume from your last id' }, { event: 'error' }));
      res.end();
    };
    const rec = new Recorder();
    open(createSseTransport(params(rec)));
    await until(() => rec.closed, 'the stream to end');
    expect(rec.log).toEqual([
      'open c1 1000',
      'heartbeat epocha-9',
      'reset epoch_changed',
      'closed slow_consumer retry',
    ]);
  });

  it('asks why a stream never opened: a 401 means do not retry', async () => {
    server.onSse = (_req, res) =>
      json(res, 401, { error: { code: 'unauthorized', message: 'the bearer token is not valid' } });
    const rec = new Recorder();
    open(createSseTransport(params(rec)));
    await until(() => rec.closed, 'the failure');
    expect(rec.error).toMatchObject({
      code: 'unauthorized',
      disposition: 'fatal',
      status: 401,
      message: 'the bearer token is not valid',
    });
  });

  it('skips to another transport when the endpoint is missing or switched off', async () => {
    server.onSse = (_req, res) => json(res, 404, { error: { code: 'transport_disabled', message: 'SSE is off' } });
    const rec = new Recorder();
    open(createSseTransport(params(rec)));
    await until(() => rec.closed, 'the failure');
    expect(rec.error).toMatchObject({ code: 'transport_disabled', disposition: 'skip' });
  });

  it('passes the shutdown retry hint on', async () => {
    server.onSse = (_req, res) => {
      startStream(res);
      res.write(frame({ connection: 'c1' }, { event: 'hello' }));
      res.write(frame({ reason: 'server_shutdown', retryMs: 3000 }, { event: 'shutdown' }));
    };
    const rec = new Recorder();
    open(createSseTransport(params(rec)));
    await until(() => rec.closed, 'the shutdown');
    expect(rec.error).toMatchObject({ code: 'shutting_down', disposition: 'retry', retryAfterMs: 3000 });
  });

  it('reports a stream cut after it opened as a lost connection, without reconnecting by itself', async () => {
    server.onSse = (_req, res) => {
      startStream(res, 50);
      res.write(frame({ connection: 'c1' }, { event: 'hello' }));
      setTimeout(() => res.destroy(), 20);
    };
    const rec = new Recorder();
    open(createSseTransport(params(rec)));
    await until(() => rec.closed, 'the cut');
    expect(rec.error).toMatchObject({ code: 'connection_lost', disposition: 'retry' });
    // EventSource would have reconnected after 50 ms on its own.
    await new Promise((r) => setTimeout(r, 300));
    expect(server.requests).toHaveLength(1);
  });

  it('warns about a malformed message and goes on', async () => {
    server.onSse = (_req, res) => {
      startStream(res);
      res.write('data: not json\n\n');
      res.write(frame(ev(1), { id: 'epocha-1' }));
    };
    const rec = new Recorder();
    open(createSseTransport(params(rec)));
    await until(() => rec.has('events epocha-1'), 'the good event');
    expect(rec.log).toEqual(['warning protocol_error', 'open - -', 'events epocha-1']);
  });

  it('calls nothing after close()', async () => {
    server.onSse = (_req, res) => {
      startStream(res);
      res.write(frame({ connection: 'c1' }, { event: 'hello' }));
      setTimeout(() => res.write(frame(ev(1), { id: 'epocha-1' })), 50);
    };
    const rec = new Recorder();
    const t = open(createSseTransport(params(rec)));
    await until(() => rec.log.length === 1, 'hello');
    t.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(rec.log).toEqual(['open c1 -']);
  });
});

describe('WebSocket transport', () => {
  const hello = { op: 'hello', connection: 'c3', epoch: 'epocha', heartbeatMs: 20000 };

  function acceptSubscriptions(): void {
    let n = 0;
    server.onWs = (socket) => socket.send(JSON.stringify(hello));
    server.onWsMessage = (socket, m) => {
      if (m.op === 'subscribe') socket.send(JSON.stringify({ op: 'subscribed', id: m.id, subscription: `s${++n}` }));
      if (m.op === 'unsubscribe')
        socket.send(JSON.stringify({ op: 'unsubscribed', id: m.id, subscription: m.subscription }));
    };
  }

  it('subscribes after hello with the filter and resume id, and opens once subscribed', async () => {
    acceptSubscriptions();
    const rec = new Recorder();
    open(createWebSocketTransport(params(rec, { since: 'epocha-2', token: 'sekret' })));
    await until(() => rec.log.length > 0, 'open');
    expect(rec.log).toEqual(['open c3 20000']);
    expect(server.received[0]).toEqual({
      op: 'subscribe',
      id: 'r1',
      topics: ['alerts', 'deploys'],
      match: ['{severity="critical"}', '{team="db",env="prod"}'],
      since: 'epocha-2',
    });
    expect(server.requests[0]!.pathname).toBe('/ws/dashboard');
    expect(server.requests[0]!.searchParams.get('access_token')).toBe('sekret');
  });

  it('delivers single events and batches of the subscription, and heartbeats', async () => {
    acceptSubscriptions();
    const rec = new Recorder();
    open(createWebSocketTransport(params(rec)));
    await until(() => rec.log.length > 0, 'open');
    const ws = server.sockets[0]!;
    ws.send(JSON.stringify({ op: 'event', subscription: 's1', event: ev(1) }));
    ws.send(JSON.stringify({ op: 'events', subscription: 's1', events: [ev(2), ev(3)] }));
    ws.send(JSON.stringify({ op: 'event', subscription: 's9', event: ev(4) }));
    ws.send(JSON.stringify({ op: 'heartbeat', time: 'now' }));
    ws.send(JSON.stringify({ op: 'reset', subscription: 's1', reason: 'window_trimmed' }));
    await until(() => rec.log.length === 5, 'all messages');
    expect(rec.log).toEqual([
      'open c3 20000',
      'events epocha-1',
      'events epocha-2,epocha-3',
      'heartbeat -',
      'reset window_trimmed',
    ]);
  });

  it('changes the filter on the same socket: new subscription from the last id, then unsubscribes the old one', async () => {
    acceptSubscriptions();
    const rec = new Recorder();
    const t = open(createWebSocketTransport(params(rec)));
    await until(() => rec.log.length > 0, 'open');
    const ws = server.sockets[0]!;
    ws.send(JSON.stringify({ op: 'event', subscription: 's1', event: ev(1) }));
    await until(() => rec.has('events epocha-1'), 'first event');
    const onSubscribe = server.onWsMessage;
    server.onWsMessage = (socket, m) => {
      if (m.op === 'subscribe') {
        // The old subscription still delivers while the change is in flight.
        socket.send(JSON.stringify({ op: 'event', subscription: 's1', event: ev(2) }));
      }
      onSubscribe(socket, m);
      if (m.op === 'subscribe')
        socket.send(JSON.stringify({ op: 'events', subscription: 's2', events: [ev(2), ev(3, { topic: 'builds' })] }));
    };
    await t.update!({ topics: ['alerts', 'deploys', 'builds'] }, 'epocha-1');
    await until(() => rec.has('events epocha-2,epocha-3') && server.received.length === 3, 'the new subscription');
    expect(rec.log).toEqual(['open c3 20000', 'events epocha-1', 'events epocha-2,epocha-3']);
    expect(server.received.slice(1)).toEqual([
      { op: 'subscribe', id: 'r2', topics: ['alerts', 'deploys', 'builds'], since: 'epocha-1' },
      { op: 'unsubscribe', id: 'r3', subscription: 's1' },
    ]);
    expect(server.sockets).toHaveLength(1);
  });

  it('keeps the old subscription when the server refuses the change', async () => {
    acceptSubscriptions();
    const rec = new Recorder();
    const t = open(createWebSocketTransport(params(rec)));
    await until(() => rec.log.length > 0, 'open');
    server.onWsMessage = (socket, m) => {
      socket.send(JSON.stringify({ op: 'event', subscription: 's1', event: ev(7) }));
      socket.send(
        JSON.stringify({ op: 'error', id: m.id, code: 'invalid_filter', message: 'bad matcher', field: 'match[0]' }),
      );
    };
    await expect(t.update!({ topics: ['x'], match: ['{bad'] }, 'epocha-6')).rejects.toMatchObject({
      code: 'invalid_filter',
      field: 'match[0]',
      disposition: 'fatal',
    });
    expect(rec.log).toEqual(['open c3 20000', 'events epocha-7']);
    expect(rec.closed).toBe(false);
  });

  it('ends with a do-not-retry error when the first subscribe is refused', async () => {
    server.onWs = (socket) => socket.send(JSON.stringify(hello));
    server.onWsMessage = (socket, m) =>
      socket.send(
        JSON.stringify({ op: 'error', id: m.id, code: 'invalid_filter', message: 'bad', field: 'topics[0]' }),
      );
    const rec = new Recorder();
    open(createWebSocketTransport(params(rec)));
    await until(() => rec.closed, 'the refusal');
    expect(rec.error).toMatchObject({ code: 'invalid_filter', disposition: 'fatal', field: 'topics[0]' });
  });

  it.each([
    [4001, 'token_expired', 'retry'],
    [4008, 'slow_consumer', 'retry'],
    [1001, 'shutting_down', 'retry'],
  ])('maps close code %i to %s (%s)', async (code, name, disposition) => {
    acceptSubscriptions();
    const rec = new Recorder();
    open(createWebSocketTransport(params(rec)));
    await until(() => rec.log.length > 0, 'open');
    server.sockets[0]!.close(code, 'bye');
    await until(() => rec.closed, 'the close');
    expect(rec.error).toMatchObject({ code: name, disposition, closeCode: code });
  });

  it('reads a handshake refused with 404 as a transport that cannot connect here', async () => {
    server.refuseUpgrade = { status: 404, body: '{"error":{"code":"transport_disabled","message":"off"}}' };
    const rec = new Recorder();
    open(createWebSocketTransport(params(rec)));
    await until(() => rec.closed, 'the refusal');
    expect(rec.error).toMatchObject({ disposition: 'skip' });
  });

  it('does not retry a handshake refused with 401 where the status is visible (ws package; browsers see only 1006)', async () => {
    server.refuseUpgrade = { status: 401, body: '{"error":{"code":"unauthorized","message":"no"}}' };
    const rec = new Recorder();
    open(createWebSocketTransport(params(rec)));
    await until(() => rec.closed, 'the refusal');
    expect(rec.error).toMatchObject({ code: 'unauthorized', disposition: 'fatal', status: 401 });
  });

  it('treats a handshake that fails without a status as a transport that cannot connect here', async () => {
    const rec = new Recorder();
    open(createWebSocketTransport(params(rec, { baseUrl: new URL('http://127.0.0.1:1') })));
    await until(() => rec.closed, 'the failure');
    expect(rec.error).toMatchObject({ code: 'connect_failed', disposition: 'skip' });
  });

  it('closes quietly, even before the handshake finished', async () => {
    acceptSubscriptions();
    const rec = new Recorder();
    const t = createWebSocketTransport(params(rec));
    t.close();
    t.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(rec.log).toEqual([]);
  });
});

describe('long-poll transport', () => {
  it('connects with one immediate poll, then long-polls from the returned position', async () => {
    const answers = [
      { events: [snapshot(3, 'alerts', { alerts: [] })], lastEventId: 'epocha-3', reset: false },
      { events: [ev(4), ev(5)], lastEventId: 'epocha-7', reset: false },
    ];
    server.onPoll = (_req, res) => {
      const next = answers.shift();
      if (next !== undefined) json(res, 200, next);
    };
    const rec = new Recorder();
    open(createLongPollTransport(params(rec, { token: 'sekret', pollTimeoutSeconds: 25 })));
    await until(() => server.requests.length === 3, 'the third poll');
    expect(rec.log).toEqual([
      'open - 25000',
      'events epocha-3',
      'heartbeat epocha-3',
      'events epocha-4,epocha-5',
      'heartbeat epocha-7',
    ]);
    const [first, second, third] = server.requests;
    expect(first!.searchParams.get('timeout')).toBe('0');
    expect(first!.searchParams.has('since')).toBe(false);
    expect(second!.searchParams.get('since')).toBe('epocha-3');
    expect(second!.searchParams.get('timeout')).toBe('25');
    expect(third!.searchParams.get('since')).toBe('epocha-7');
    expect(server.requestHeaders[0]!.authorization).toBe('Bearer sekret');
    expect(first!.searchParams.has('access_token')).toBe(false);
  });

  it('reports a reset before the snapshot events of the same answer', async () => {
    server.onPoll = (_req, res) =>
      json(res, 200, {
        events: [snapshot(1, 'health', { components: {} }, 'epochb')],
        lastEventId: 'epochb-1',
        reset: true,
      });
    const rec = new Recorder();
    open(createLongPollTransport(params(rec, { since: 'epocha-99' })));
    await until(() => rec.log.length >= 3, 'the first answer');
    expect(rec.log.slice(0, 4)).toEqual(['open - 25000', 'reset reset', 'events epochb-1', 'heartbeat epochb-1']);
  });

  it('ends with do-not-retry on 401 and with the Retry-After hint on 429', async () => {
    server.onPoll = (_req, res) => json(res, 401, { error: { code: 'unauthorized', message: 'no' } });
    const a = new Recorder();
    open(createLongPollTransport(params(a)));
    await until(() => a.closed, '401');
    expect(a.error).toMatchObject({ code: 'unauthorized', disposition: 'fatal' });

    server.onPoll = (_req, res) =>
      json(res, 429, { error: { code: 'too_many_connections_per_ip', message: 'slow down' } }, { 'retry-after': '4' });
    const b = new Recorder();
    open(createLongPollTransport(params(b)));
    await until(() => b.closed, '429');
    expect(b.error).toMatchObject({ code: 'too_many_connections_per_ip', disposition: 'retry', retryAfterMs: 4000 });
  });

  it('cannot connect to a closed port, and says so as a skippable failure', async () => {
    const rec = new Recorder();
    open(createLongPollTransport(params(rec, { baseUrl: new URL('http://127.0.0.1:1') })));
    await until(() => rec.closed, 'the failure');
    expect(rec.error).toMatchObject({ code: 'connect_failed', disposition: 'skip' });
  });

  it('aborts the poll in flight on close()', async () => {
    let aborted = false;
    server.onPoll = (req, res) => {
      if (new URL(req.url!, 'http://x').searchParams.get('timeout') === '0')
        json(res, 200, { events: [], lastEventId: 'epocha-1', reset: false });
      else req.on('close', () => (aborted = true));
    };
    const rec = new Recorder();
    const t = open(createLongPollTransport(params(rec)));
    await until(() => server.requests.length === 2, 'the long poll');
    t.close();
    await until(() => aborted, 'the abort');
    expect(rec.closed).toBe(false);
  });
});

describe('createClient in Node 20 with the ws and eventsource packages', () => {
  it('falls back from a disabled SSE endpoint to WebSocket and delivers events', async () => {
    server.onSse = (_req, res) => json(res, 404, { error: { code: 'transport_disabled', message: 'off' } });
    let n = 0;
    server.onWs = (socket) =>
      socket.send(JSON.stringify({ op: 'hello', connection: 'c1', epoch: 'epocha', heartbeatMs: 30000 }));
    server.onWsMessage = (socket, m) => {
      if (m.op !== 'subscribe') return;
      const sub = `s${++n}`;
      socket.send(JSON.stringify({ op: 'subscribed', id: m.id, subscription: sub }));
      socket.send(
        JSON.stringify({
          op: 'events',
          subscription: sub,
          events: [
            snapshot(1, 'alerts', { alerts: [] }),
            ev(2, { topic: 'alerts', type: 'alert_firing', data: { fingerprint: 'f' } }),
          ],
        }),
      );
    };
    const client = createClient({ url: server.url, topics: ['alerts'], WebSocket, EventSource });
    const got: LivegateEvent[] = [];
    client.on('*', (e) => got.push(e));
    try {
      await until(() => got.length === 2, 'events over WebSocket');
      expect(client.transport).toBe('ws');
      expect(client.state).toBe('open');
      expect(got.map((e) => e.type)).toEqual(['snapshot', 'alert_firing']);
      expect(client.lastEventId).toBe('epocha-2');
    } finally {
      client.close();
    }
  });

  it('long-polls with fetch alone when no EventSource or WebSocket is available', async () => {
    server.onPoll = (req, res) => {
      const since = new URL(req.url!, 'http://x').searchParams.get('since');
      if (since === null) json(res, 200, { events: [ev(1)], lastEventId: 'epocha-1', reset: false });
    };
    const client = createClient({ url: server.url, topics: ['t'], EventSource: undefined, WebSocket: undefined });
    try {
      await until(() => client.lastEventId === 'epocha-1', 'the first poll');
      expect(client.transport).toBe('poll');
    } finally {
      client.close();
    }
  });
});
