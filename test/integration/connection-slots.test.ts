/**
 * The connection limiter cannot leak (issue 9, finding 3): every path after `acquire` gives the
 * slot back, pipelined stream requests are refused, and the limiter's own count
 * (`livegate_connection_slots`) always equals the connection gauge (`livegate_connections`).
 */
import { connect, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { LivegateServer } from '../../src/http/server.js';
import { startTestServer } from '../harness/livegate.js';
import { metricValue } from '../harness/metrics-text.js';
import { waitFor } from '../harness/wait.js';

const STREAM = 'GET /api/v2/events/stream HTTP/1.1\r\nHost: livegate\r\n\r\n';

async function scrape(server: LivegateServer): Promise<string> {
  return (await fetch(`${server.url}/metrics`)).text();
}

/** Slots the limiter holds, and connections the gauge shows, as the metrics report them. */
async function slotsAndConnections(server: LivegateServer): Promise<{ slots: number; connections: number }> {
  const text = await scrape(server);
  return {
    slots: metricValue(text, 'livegate_connection_slots'),
    connections: metricValue(text, 'livegate_connections'),
  };
}

/** A raw TCP client that writes `bytes` at once and collects what it reads. */
function rawClient(server: LivegateServer, bytes: string): { socket: Socket; received: () => string } {
  const socket = connect(server.port, '127.0.0.1');
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  socket.on('error', () => {});
  socket.on('connect', () => socket.write(bytes));
  return { socket, received: () => received };
}

const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
});

describe('connection slots (maxPerIp 10)', () => {
  let server: LivegateServer;
  beforeAll(async () => {
    server = await startTestServer({ limits: { maxPerIp: 10, maxConnections: 20 } });
  });
  afterEach(async () => {
    await waitFor(() => server.hub.sessionCount === 0, { timeoutMs: 15_000, what: 'every session to close' });
  });
  afterAll(async () => {
    await server.close();
  });

  it('refuses the second of two pipelined stream requests and leaks no slot when the connections close', async () => {
    const clients = Array.from({ length: 6 }, () => rawClient(server, STREAM + STREAM));
    sockets.push(...clients.map((c) => c.socket));
    for (const client of clients) {
      await waitFor(() => client.received().includes('event: hello') || client.received().includes('"hello"'), {
        timeoutMs: 15_000,
        what: `the first stream of a pipelined connection to start (got ${JSON.stringify(client.received())})`,
      });
    }
    // One stream per connection: the pipelined second request got no session and no slot.
    await waitFor(async () => (await slotsAndConnections(server)).slots === 6, {
      timeoutMs: 15_000,
      what: 'six slots for six connections',
    });
    expect(server.hub.sessionCount).toBe(6);
    expect(await slotsAndConnections(server)).toEqual({ slots: 6, connections: 6 });

    for (const client of clients) client.socket.destroy();
    await waitFor(async () => (await slotsAndConnections(server)).slots === 0, {
      timeoutMs: 15_000,
      what: `every slot back (have ${JSON.stringify(await slotsAndConnections(server))})`,
    });
    expect(await slotsAndConnections(server)).toEqual({ slots: 0, connections: 0 });

    // The address is not locked out: ten streams from it are admitted again.
    const again = Array.from({ length: 10 }, () => rawClient(server, STREAM));
    sockets.push(...again.map((c) => c.socket));
    await waitFor(() => server.hub.sessionCount === 10, { timeoutMs: 15_000, what: 'ten new streams' });
    for (const client of again) client.socket.destroy();
  });

  it('keeps the slot count equal to the connection gauge on every transport, open and closed', async () => {
    const sse = rawClient(server, STREAM);
    const poll = rawClient(server, 'GET /api/v2/events/poll?timeout=30&topics=none HTTP/1.1\r\nHost: livegate\r\n\r\n');
    sockets.push(sse.socket, poll.socket);
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws/dashboard`);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    await waitFor(() => server.hub.sessionCount === 3, { timeoutMs: 15_000, what: 'three sessions' });
    expect(await slotsAndConnections(server)).toEqual({ slots: 3, connections: 3 });
    ws.close();
    sse.socket.destroy();
    poll.socket.destroy();
    await waitFor(async () => (await slotsAndConnections(server)).slots === 0, {
      timeoutMs: 15_000,
      what: 'every slot back',
    });
    expect(await slotsAndConnections(server)).toEqual({ slots: 0, connections: 0 });
  });

  it('gives the slot back when a poll cannot subscribe and when a stream request is refused after admission checks', async () => {
    // An invalid resume id is refused before admission; a pipelined poll behind a stream waits and is freed on close.
    const client = rawClient(
      server,
      STREAM + 'GET /api/v2/events/poll?timeout=30 HTTP/1.1\r\nHost: livegate\r\n\r\n' + STREAM,
    );
    sockets.push(client.socket);
    await waitFor(() => client.received().includes('hello'), { timeoutMs: 15_000, what: 'the stream to start' });
    client.socket.destroy();
    await waitFor(async () => (await slotsAndConnections(server)).slots === 0, {
      timeoutMs: 15_000,
      what: `every slot back (have ${JSON.stringify(await slotsAndConnections(server))})`,
    });
    expect(await slotsAndConnections(server)).toEqual({ slots: 0, connections: 0 });
  });
});
