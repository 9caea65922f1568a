/**
 * Connection limits (per client address and global), trusted-proxy address resolution and the
 * Origin policy, over real sockets. Other client addresses come from binding client sockets to
 * 127.0.0.2, 127.0.0.3, … (all of 127/8 is loopback on Linux).
 */
import { request as httpRequest, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { LivegateServer } from '../../src/http/server.js';
import { publishEvents, startTestServer } from '../harness/livegate.js';
import { waitFor } from '../harness/wait.js';

/** An HTTP answer read to its end. */
interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A streaming request (SSE or a waiting poll) the test closes itself. */
interface OpenRequest {
  readonly req: ClientRequest;
  /** Resolves when the status line and headers arrive. */
  readonly response: Promise<IncomingMessage>;
  close(): void;
}

interface ClientOptions {
  localAddress?: string;
  headers?: Record<string, string>;
}

/** Starts a GET through `http.request`, which (unlike fetch) can bind the client address. */
function startGet(server: LivegateServer, path: string, options: ClientOptions = {}): OpenRequest {
  const req = httpRequest({
    host: '127.0.0.1',
    port: server.port,
    path,
    agent: false,
    headers: options.headers ?? {},
    ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
  });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', resolve);
    req.on('error', reject);
  });
  // A test may close the request before it is answered; that error is expected.
  response.catch(() => {});
  req.end();
  return { req, response, close: () => req.destroy() };
}

/** Reads a whole (non-streaming) answer. */
async function readAnswer(response: Promise<IncomingMessage>): Promise<Answer> {
  const res = await response;
  res.setEncoding('utf8');
  let body = '';
  for await (const chunk of res) body += chunk as string;
  return { status: res.statusCode ?? 0, headers: res.headers, body };
}

/** Opens an SSE stream and waits for its 200 headers. */
async function openSse(server: LivegateServer, options: ClientOptions = {}): Promise<OpenRequest> {
  const open = startGet(server, '/api/v2/events/stream?topics=limits', options);
  const res = await open.response;
  expect(res.statusCode).toBe(200);
  return open;
}

/** A WebSocket handshake: the open socket, or the HTTP answer that refused it. */
function handshake(
  server: LivegateServer,
  options: ClientOptions = {},
): Promise<{ ws: WebSocket } | { refused: Answer }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws/dashboard`, {
      headers: options.headers ?? {},
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
    });
    ws.once('open', () => resolve({ ws }));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => {
      readAnswer(Promise.resolve(res)).then((refused) => resolve({ refused }), reject);
    });
  });
}

async function openWs(server: LivegateServer, options: ClientOptions = {}): Promise<WebSocket> {
  const result = await handshake(server, options);
  if (!('ws' in result)) throw new Error(`handshake refused: ${result.refused.status} ${result.refused.body}`);
  return result.ws;
}

async function refusedWs(server: LivegateServer, options: ClientOptions = {}): Promise<Answer> {
  const result = await handshake(server, options);
  if ('ws' in result) {
    result.ws.terminate();
    throw new Error('handshake was accepted');
  }
  return result.refused;
}

/** Asserts a refusal: status, code, JSON body and Retry-After. */
function expectRefused(answer: Answer, status: number, code: string, retryAfter: string | undefined): void {
  expect(answer.status, answer.body).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  expect((JSON.parse(answer.body) as { error: { code: string } }).error.code).toBe(code);
  expect(answer.headers['retry-after']).toBe(retryAfter);
}

/** Asserts the 4th connection is refused on every transport (SSE, WebSocket, long-poll). */
async function expectEveryTransportRefused(
  server: LivegateServer,
  status: number,
  code: string,
  options: ClientOptions = {},
): Promise<void> {
  const before = server.hub.sessionCount;
  expectRefused(await readAnswer(startGet(server, '/api/v2/events/stream', options).response), status, code, '5');
  expectRefused(await refusedWs(server, options), status, code, '5');
  expectRefused(
    await readAnswer(startGet(server, '/api/v2/events/poll?timeout=30', options).response),
    status,
    code,
    '5',
  );
  expect(server.hub.sessionCount).toBe(before);
}

async function waitForSessions(server: LivegateServer, count: number): Promise<void> {
  await waitFor(() => server.hub.sessionCount === count, {
    timeoutMs: 5000,
    what: `${count} open sessions (have ${server.hub.sessionCount})`,
  });
}

async function listedIps(server: LivegateServer): Promise<string[]> {
  const res = await fetch(`${server.url}/api/v2/connections`);
  const body = (await res.json()) as { connections: { ip: string }[] };
  return body.connections.map((c) => c.ip).sort();
}

/** Everything a test opened, closed in afterEach so one failure does not leak into the next. */
const opened: { close(): void }[] = [];
function track<T extends { close(): void }>(thing: T): T {
  opened.push(thing);
  return thing;
}

function closeAll(): void {
  for (const thing of opened.splice(0)) thing.close();
}

describe('connection limits (maxPerIp 3, maxConnections 5)', () => {
  let server: LivegateServer;
  beforeAll(async () => {
    server = await startTestServer({ limits: { maxPerIp: 3, maxConnections: 5 } });
  });
  afterEach(async () => {
    closeAll();
    await waitForSessions(server, 0);
  });
  afterAll(async () => {
    await server.close();
  });

  it('refuses the 4th connection from one address with 429 too_many_connections_per_ip and Retry-After on every transport', async () => {
    track(await openSse(server));
    track(await openWs(server));
    track(startGet(server, '/api/v2/events/poll?topics=limits&timeout=30'));
    await waitForSessions(server, 3);
    await expectEveryTransportRefused(server, 429, 'too_many_connections_per_ip');
    expect(await listedIps(server)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
  });

  for (const kind of ['sse', 'ws', 'poll'] as const) {
    it(`gives the slot back when a ${kind} connection closes`, async () => {
      const closing = track(
        kind === 'sse'
          ? await openSse(server)
          : kind === 'ws'
            ? await openWs(server)
            : startGet(server, '/api/v2/events/poll?topics=limits&timeout=30'),
      );
      track(await openWs(server));
      track(await openWs(server));
      await waitForSessions(server, 3);
      expectRefused(await refusedWs(server), 429, 'too_many_connections_per_ip', '5');
      closing.close();
      await waitForSessions(server, 2);
      track(await openWs(server));
      await waitForSessions(server, 3);
    });
  }

  it('gives the slot back when a long-poll is answered', async () => {
    track(await openWs(server));
    track(await openWs(server));
    const poll = startGet(server, `/api/v2/events/poll?topics=limits.answered&since=${server.hub.head}&timeout=30`);
    await waitForSessions(server, 3);
    const [id] = await publishEvents(server, { topic: 'limits.answered', type: 't' });
    const answer = await readAnswer(poll.response);
    expect(answer.status).toBe(200);
    expect((JSON.parse(answer.body) as { lastEventId: string }).lastEventId).toBe(id);
    await waitForSessions(server, 2);
    track(await openWs(server));
  });

  it('refuses any connection beyond maxConnections with 503 too_many_connections, whatever the address', async () => {
    for (let i = 0; i < 3; i++) track(await openWs(server));
    track(await openWs(server, { localAddress: '127.0.0.2' }));
    track(await openSse(server, { localAddress: '127.0.0.2' }));
    await waitForSessions(server, 5);
    expect(await listedIps(server)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1', '127.0.0.2', '127.0.0.2']);
    // 127.0.0.3 has no connection at all, so only the global limit can refuse it.
    await expectEveryTransportRefused(server, 503, 'too_many_connections', { localAddress: '127.0.0.3' });
    opened.pop()!.close();
    await waitForSessions(server, 4);
    track(await openWs(server, { localAddress: '127.0.0.3' }));
    await waitForSessions(server, 5);
  });

  it('ignores X-Forwarded-For when no proxy is trusted', async () => {
    for (const xff of ['10.0.0.1', '10.0.0.2', '10.0.0.3'])
      track(await openWs(server, { headers: { 'X-Forwarded-For': xff } }));
    await waitForSessions(server, 3);
    expect(await listedIps(server)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
    await expectEveryTransportRefused(server, 429, 'too_many_connections_per_ip', {
      headers: { 'X-Forwarded-For': '10.0.0.4' },
    });
  });
});

describe('connection attempts per second (limits.connectsPerSecond 5)', () => {
  let server: LivegateServer;
  beforeAll(async () => {
    // The limits' clock is held still: the budget is exactly its burst of 5 however slowly a loaded
    // machine runs the requests, so no assertion depends on time.
    server = await startTestServer({ limits: { connectsPerSecond: 5 } }, { limitsClock: { now: () => 0 } });
  });
  afterAll(async () => {
    await server.close();
  });

  /** A poll's answer, parsed; fails the test on anything but 200. */
  async function poll(path: string, localAddress: string): Promise<{ lastEventId: string; events: unknown[] }> {
    const answer = await readAnswer(startGet(server, path, { localAddress }).response);
    expect(answer.status, answer.body).toBe(200);
    return JSON.parse(answer.body) as { lastEventId: string; events: unknown[] };
  }

  /**
   * Sends `count` requests for `path` one after another; every refusal must be the documented
   * `rate_limited` answer. Returns the statuses, how many were served and the most the limit could
   * have let through (the burst: the still clock refills nothing).
   */
  async function hammer(
    path: string,
    localAddress: string,
    count = 60,
  ): Promise<{ statuses: number[]; served: number; allowed: number }> {
    const statuses: number[] = [];
    for (let i = 0; i < count; i++) {
      const answer = await readAnswer(startGet(server, path, { localAddress }).response);
      statuses.push(answer.status);
      if (answer.status === 200) continue;
      expect(answer.status).toBe(429);
      expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'rate_limited' } });
      expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    const allowed = 5;
    return { statuses, served: statuses.filter((status) => status === 200).length, allowed };
  }

  it('refuses new streams beyond the rate with 429 and Retry-After', async () => {
    // New polls (no position: snapshots) are counted: the burst of 5 passes, then 429.
    const fresh = await hammer('/api/v2/events/poll?topics=rate&timeout=0', '127.0.0.8');
    expect(fresh.statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(fresh.served).toBeLessThanOrEqual(fresh.allowed);
  });

  it('does not count the continuations of a long-poll client, each from the position its last answer gave', async () => {
    // A long-poll client answered at once makes one request per answer: 30 polls in a burst, each
    // from the previous answer's lastEventId and each answered with the event published meanwhile.
    let position = server.hub.head;
    for (let i = 0; i < 30; i++) {
      const waiting = poll(`/api/v2/events/poll?topics=chain&since=${position}&timeout=30`, '127.0.0.7');
      await waitFor(() => server.hub.listSessions().some((s) => s.kind === 'poll'), {
        timeoutMs: 10_000,
        what: 'the poll waiting',
      });
      const [id] = await publishEvents(server, [{ topic: 'chain', type: 't', data: { i } }]);
      const answer = await waiting;
      expect(answer.events).toHaveLength(1);
      expect(answer.lastEventId).toBe(id);
      position = answer.lastEventId;
    }
  });

  it('counts polls whose position it did not hand out: forged, replayed, or from an answer that earned nothing', async () => {
    const [head] = await publishEvents(server, [{ topic: 'forged', type: 't', data: {} }]);
    // A well-formed id of the current epoch at the head, as `/api/v2/info` shows it to anyone. Each
    // `timeout=0` answer is immediate and empty: it paces nothing, so it earns no pass either.
    const atHead = await hammer(`/api/v2/events/poll?topics=forged&since=${head}&timeout=0`, '127.0.0.9');
    expect(atHead.served).toBeLessThanOrEqual(atHead.allowed);
    // An earlier position is answered with events at once, again and again: counted all the same
    // (the first answer earns a pass from the head, not from the position replayed).
    const [older] = await publishEvents(server, [{ topic: 'forged', type: 't', data: {} }]);
    await publishEvents(server, [{ topic: 'forged', type: 't', data: {} }]);
    const replayed = await hammer(`/api/v2/events/poll?topics=forged&since=${older}&timeout=0`, '127.0.0.10');
    expect(replayed.served).toBeLessThanOrEqual(replayed.allowed);
    // Not a livegate id at all: refused before anything is opened.
    const junk = await readAnswer(
      startGet(server, '/api/v2/events/poll?topics=forged&since=anything&timeout=0', { localAddress: '127.0.0.11' })
        .response,
    );
    expect(junk.status).toBe(400);
    expect(JSON.parse(junk.body)).toMatchObject({ error: { code: 'invalid_event_id', field: 'since' } });
  });

  it('lets an earned position pass once: polls from it again are counted', async () => {
    const [first] = await publishEvents(server, [{ topic: 'forged', type: 't', data: {} }]);
    await publishEvents(server, [{ topic: 'forged', type: 't', data: {} }]);
    // Counted (a position this node never answered this address with), answered with one event:
    // that earns one pass from the answer's position.
    const answer = await poll(`/api/v2/events/poll?topics=forged&since=${first}&timeout=0`, '127.0.0.12');
    expect(answer.events).toHaveLength(1);
    const again = await hammer(`/api/v2/events/poll?topics=forged&since=${answer.lastEventId}&timeout=0`, '127.0.0.12');
    // What is left of the burst (4), what refilled, and the one pass: not one more.
    expect(again.served).toBeLessThanOrEqual(again.allowed);
    expect(again.statuses[0]).toBe(200);
  });
});

describe('trusted proxies', () => {
  let server: LivegateServer;
  beforeAll(async () => {
    server = await startTestServer({ limits: { maxPerIp: 3, maxConnections: 5 }, trustedProxies: ['127.0.0.1'] });
  });
  afterEach(async () => {
    closeAll();
    await waitForSessions(server, 0);
  });
  afterAll(async () => {
    await server.close();
  });

  it('counts connections through a trusted proxy against the X-Forwarded-For address', async () => {
    const via = (xff: string): ClientOptions => ({ headers: { 'X-Forwarded-For': xff } });
    track(await openWs(server, via('10.1.1.1')));
    track(await openSse(server, via('10.1.1.1')));
    track(startGet(server, '/api/v2/events/poll?topics=limits&timeout=30', via('10.1.1.1')));
    await waitForSessions(server, 3);
    await expectEveryTransportRefused(server, 429, 'too_many_connections_per_ip', via('10.1.1.1'));
    // Addresses left of the last untrusted one were written by the client and prove nothing.
    expectRefused(await refusedWs(server, via('10.9.9.9, 10.1.1.1')), 429, 'too_many_connections_per_ip', '5');
    track(await openWs(server, via('10.1.1.2')));
    track(await openWs(server, via('10.1.1.3')));
    await waitForSessions(server, 5);
    expect(await listedIps(server)).toEqual(['10.1.1.1', '10.1.1.1', '10.1.1.1', '10.1.1.2', '10.1.1.3']);
  });

  it('skips trusted proxies in the chain and ignores garbage entries', async () => {
    track(await openWs(server, { headers: { 'X-Forwarded-For': '10.2.2.2, not-an-ip, 127.0.0.1' } }));
    await waitForSessions(server, 1);
    expect(await listedIps(server)).toEqual(['10.2.2.2']);
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    track(await openWs(server, { localAddress: '127.0.0.2', headers: { 'X-Forwarded-For': '10.3.3.3' } }));
    await waitForSessions(server, 1);
    expect(await listedIps(server)).toEqual(['127.0.0.2']);
  });
});

describe('origin policy', () => {
  describe('with the default config', () => {
    let server: LivegateServer;
    beforeAll(async () => {
      server = await startTestServer();
    });
    afterEach(async () => {
      closeAll();
      await waitForSessions(server, 0);
    });
    afterAll(async () => {
      await server.close();
    });

    it('refuses a WebSocket handshake, an SSE request and a long-poll from https://evil.example with 403 origin_not_allowed', async () => {
      const evil = { headers: { Origin: 'https://evil.example' } };
      expectRefused(await refusedWs(server, evil), 403, 'origin_not_allowed', undefined);
      const sse = await readAnswer(startGet(server, '/api/v2/events/stream', evil).response);
      expectRefused(sse, 403, 'origin_not_allowed', undefined);
      expect(sse.headers['access-control-allow-origin']).toBeUndefined();
      const poll = await readAnswer(startGet(server, '/api/v2/events/poll?timeout=0', evil).response);
      expectRefused(poll, 403, 'origin_not_allowed', undefined);
      expect(server.hub.sessionCount).toBe(0);
    });

    it('refuses a foreign Origin equal to the Host header (DNS rebinding) with 403 on every transport', async () => {
      const host = `rebind.example:${server.port}`;
      const rebound = { headers: { Origin: `http://${host}`, Host: host } };
      expectRefused(await refusedWs(server, rebound), 403, 'origin_not_allowed', undefined);
      const sse = await readAnswer(startGet(server, '/api/v2/events/stream', rebound).response);
      expectRefused(sse, 403, 'origin_not_allowed', undefined);
      const poll = await readAnswer(startGet(server, '/api/v2/events/poll?timeout=0', rebound).response);
      expectRefused(poll, 403, 'origin_not_allowed', undefined);
      expect(server.hub.sessionCount).toBe(0);
    });

    it('refuses other localhost ports and *.localhost origins unless configured', async () => {
      for (const origin of ['http://localhost:3000', `http://dash.localhost:${server.port}`]) {
        expectRefused(await refusedWs(server, { headers: { Origin: origin } }), 403, 'origin_not_allowed', undefined);
      }
    });

    it('allows its own origin http://localhost:<port> on WebSocket and SSE, with the CORS header', async () => {
      const own = `http://localhost:${server.port}`;
      track(await openWs(server, { headers: { Origin: own } }));
      const sse = track(await openSse(server, { headers: { Origin: own } }));
      expect((await sse.response).headers['access-control-allow-origin']).toBe(own);
      await waitForSessions(server, 2);
    });

    it('allows a same-origin page served from the livegate host itself', async () => {
      track(await openWs(server, { headers: { Origin: server.url } }));
      await waitForSessions(server, 1);
    });
  });

  describe('with cors.origins [https://dash.example]', () => {
    let server: LivegateServer;
    beforeAll(async () => {
      server = await startTestServer({ cors: { origins: ['https://dash.example'] } });
    });
    afterEach(async () => {
      closeAll();
      await waitForSessions(server, 0);
    });
    afterAll(async () => {
      await server.close();
    });

    it('allows that origin on WebSocket and SSE, with the CORS header on the stream', async () => {
      const dash = { headers: { Origin: 'https://dash.example' } };
      track(await openWs(server, dash));
      const sse = track(await openSse(server, dash));
      expect((await sse.response).headers['access-control-allow-origin']).toBe('https://dash.example');
      await waitForSessions(server, 2);
    });

    it('answers a CORS preflight from that origin with access-control-allow-origin', async () => {
      const res = await fetch(`${server.url}/api/v2/events`, {
        method: 'OPTIONS',
        headers: {
          Origin: 'https://dash.example',
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'content-type,authorization',
        },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('https://dash.example');
      expect(res.headers.get('access-control-allow-methods')).toContain('POST');
      expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    });

    it('still refuses other origins, and gives them no CORS header on a preflight', async () => {
      expectRefused(
        await refusedWs(server, { headers: { Origin: 'https://evil.example' } }),
        403,
        'origin_not_allowed',
        undefined,
      );
      const res = await fetch(`${server.url}/api/v2/events`, {
        method: 'OPTIONS',
        headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
      });
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(server.hub.sessionCount).toBe(0);
    });
  });
});
