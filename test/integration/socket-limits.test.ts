/**
 * Socket-level limits (issue 9, finding 2): raw TCP sockets are counted on accept, before any HTTP
 * parsing, per peer address and in total; a socket that dribbles its headers is closed within the
 * headers timeout; streams outlive the request timeout.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import type { LivegateServer } from '../../src/http/server.js';
import { startTestServer } from '../harness/livegate.js';
import { metricValue } from '../harness/metrics-text.js';
import { waitFor } from '../harness/wait.js';

interface RawSocket {
  readonly socket: Socket;
  received(): string;
  closed(): boolean;
}

function raw(server: LivegateServer, localAddress: string, bytes: string): RawSocket {
  const socket = connect({ port: server.port, host: '127.0.0.1', localAddress });
  let received = '';
  let closed = false;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  socket.on('error', () => {});
  socket.on('close', () => (closed = true));
  socket.on('connect', () => {
    if (bytes !== '') socket.write(bytes);
  });
  return { socket, received: () => received, closed: () => closed };
}

async function metric(server: LivegateServer, name: string, labels: Record<string, string> = {}): Promise<number> {
  return metricValue(await (await fetch(`${server.url}/metrics`)).text(), name, labels);
}

const PARTIAL = 'GET /healthz HTTP/1.1\r\nHost: livegate\r\n';
const opened: RawSocket[] = [];

/** A server for one describe block with these socket settings; each test's sockets are closed after it. */
function useServer(sockets: NonNullable<ConfigInput['sockets']>): () => LivegateServer {
  let server: LivegateServer | undefined;
  beforeAll(async () => {
    server = await startTestServer({ sockets });
  });
  afterEach(async () => {
    for (const s of opened.splice(0)) s.socket.destroy();
    // What stays open is this test's own fetch connection (keep-alive) from 127.0.0.1.
    await waitFor(async () => (await metric(live(), 'livegate_sockets_open')) <= 2, {
      timeoutMs: 15_000,
      what: 'the sockets of the test to close',
    });
  });
  afterAll(async () => {
    await server?.close();
  });
  return live;
  function live(): LivegateServer {
    if (server === undefined) throw new Error('server not started');
    return server;
  }
}

describe('sockets (maxPerIp 4, max 10)', () => {
  // Timeouts far away, so only the limits close these sockets.
  const server = useServer({ maxPerIp: 4, max: 10, headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 });

  it('answers the 5th socket from one address 429 too_many_connections_per_ip before reading its request', async () => {
    for (let i = 0; i < 4; i++) opened.push(raw(server(), '127.0.2.1', PARTIAL));
    await waitFor(async () => (await metric(server(), 'livegate_sockets_open')) >= 4, {
      timeoutMs: 15_000,
      what: 'four sockets counted',
    });
    const fifth = raw(server(), '127.0.2.1', '');
    opened.push(fifth);
    await waitFor(() => fifth.closed(), { timeoutMs: 15_000, what: 'the fifth socket to be closed' });
    // The same answer, byte for byte, as every other error: the catalogue's status, JSON body and Retry-After.
    const body = '{"error":{"code":"too_many_connections_per_ip","message":"too many sockets from this address"}}';
    expect(fifth.received()).toBe(
      `HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n` +
        `Retry-After: 5\r\nConnection: close\r\n\r\n${body}`,
    );
    // Another address is not affected.
    const other = raw(server(), '127.0.2.2', 'GET /healthz HTTP/1.1\r\nHost: livegate\r\n\r\n');
    opened.push(other);
    await waitFor(() => other.received().includes('200 OK'), { timeoutMs: 15_000, what: '/healthz from 127.0.2.2' });
    expect(await metric(server(), 'livegate_sockets_refused_total', { reason: 'per_ip' })).toBeGreaterThanOrEqual(1);
  });

  it('answers sockets beyond the total 503 too_many_connections, whatever their address', async () => {
    for (let i = 0; i < 10; i++) opened.push(raw(server(), `127.0.3.${i + 1}`, PARTIAL));
    await waitFor(async () => (await metric(server(), 'livegate_sockets_refused_total', { reason: 'total' })) >= 1, {
      timeoutMs: 15_000,
      what: 'a socket refused for the total',
    });
    const refused = opened.find((s) => s.received().startsWith('HTTP/1.1 503'));
    await waitFor(() => opened.some((s) => s.received().includes('"too_many_connections"')), {
      timeoutMs: 15_000,
      what: `a 503 too_many_connections answer (${refused?.received() ?? 'none yet'})`,
    });
    const answer = opened.find((s) => s.received().includes('"too_many_connections"'))!.received();
    expect(answer).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n[^]*\r\nRetry-After: 5\r\n/);
    expect(answer.slice(answer.indexOf('\r\n\r\n') + 4)).toBe(
      '{"error":{"code":"too_many_connections","message":"server socket limit reached"}}',
    );
  });
});

describe('sockets (headersTimeoutMs 1000, requestTimeoutMs 2000)', () => {
  const server = useServer({ headersTimeoutMs: 1000, requestTimeoutMs: 2000 });

  it('closes a socket that does not finish its headers within the headers timeout', async () => {
    const slow = raw(server(), '127.0.4.1', 'GET /healthz HTTP/1.1\r\n');
    opened.push(slow);
    const started = Date.now();
    await waitFor(() => slow.closed(), { timeoutMs: 15_000, what: 'the partial-header socket to be closed' });
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408 /);
    // Well under Node's default (60 s headers timeout, checked every 30 s).
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('closes a socket that connects and sends nothing within the headers timeout', async () => {
    const silent = raw(server(), '127.0.4.2', '');
    opened.push(silent);
    await waitFor(() => silent.closed(), { timeoutMs: 15_000, what: 'the silent socket to be closed' });
  });

  it('keeps an SSE stream open past the request timeout', async () => {
    const stream = raw(server(), '127.0.5.1', 'GET /api/v2/events/stream HTTP/1.1\r\nHost: livegate\r\n\r\n');
    opened.push(stream);
    await waitFor(() => stream.received().includes('hello'), { timeoutMs: 15_000, what: 'the stream to start' });
    // A partial-header socket opened now is closed by the timeout check; the stream, older, must survive it.
    const probe = raw(server(), '127.0.5.2', 'GET /healthz HTTP/1.1\r\n');
    opened.push(probe);
    await waitFor(() => probe.closed(), { timeoutMs: 15_000, what: 'the probe to be closed by the headers timeout' });
    const probe2 = raw(
      server(),
      '127.0.5.3',
      'POST /api/v2/events HTTP/1.1\r\nHost: livegate\r\nContent-Length: 100\r\n\r\n{',
    );
    opened.push(probe2);
    await waitFor(() => probe2.closed(), {
      timeoutMs: 15_000,
      what: 'a dribbling body to be closed by the request timeout',
    });
    expect(stream.closed()).toBe(false);
    expect(server().hub.sessionCount).toBe(1);
  });
});
