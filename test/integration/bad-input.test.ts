/**
 * Bad input on every endpoint and WebSocket op: each case checks the status (or error op), the
 * stable `code` and the `field`, then proves the server still serves and kept no connection and no
 * limiter slot. The server runs with `maxPerIp: 2`, so a single leaked slot shows up at once: the
 * follow-up check opens two sockets side by side, which only works while no slot is held.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { LivegateServer } from '../../src/http/server.js';
import { publishEvents, startTestServer } from '../harness/livegate.js';
import { waitFor } from '../harness/wait.js';
import { TestWs, type WsMessage } from '../harness/ws-client.js';

const MAX_PER_IP = 2;
const MAX_SUBSCRIPTIONS = 3;
const KiB = 1024;

let server: LivegateServer;
let wsUrl: string;

beforeAll(async () => {
  server = await startTestServer({ limits: { maxPerIp: MAX_PER_IP, maxSubscriptions: MAX_SUBSCRIPTIONS } });
  wsUrl = `${server.url.replace(/^http/, 'ws')}/ws/dashboard`;
});
afterAll(async () => {
  await server.close();
});

interface ErrorJson {
  error: { code: string; message: string; field?: string };
}

/** Asserts a JSON error answer with exactly this status, code and field (`undefined`: no field). */
async function expectError(
  res: Response,
  status: number,
  code: string,
  field: string | undefined,
): Promise<ErrorJson['error']> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = JSON.parse(text) as ErrorJson;
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(body.error.field).toBe(field);
  return body.error;
}

/** The connections list as the admin API reports it. */
async function connectionCount(): Promise<number> {
  const res = await fetch(`${server.url}/api/v2/connections`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { count: number }).count;
}

/**
 * The server still works and holds nothing for the bad request: a publish is accepted, the
 * connection list is back to empty, and the whole per-address quota can be taken at once.
 */
async function assertServing(): Promise<void> {
  const [id] = await publishEvents(server, { topic: 'after.bad', type: 'ok' });
  expect(server.hub.head).toBe(id);
  await waitFor(() => server.hub.sessionCount === 0, { timeoutMs: 5000, what: 'every session to be closed' });
  expect(await connectionCount()).toBe(0);
  // A refused socket gives its slot back when the server sees it close, which can trail the
  // client's view by a moment; a slot kept for good fails this wait.
  await waitFor(
    async () => {
      const results = await Promise.allSettled(Array.from({ length: MAX_PER_IP }, () => TestWs.open(wsUrl)));
      const opened = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      for (const ws of opened) ws.close();
      await Promise.all(opened.map((ws) => ws.closed()));
      await waitFor(() => server.hub.sessionCount === 0, { timeoutMs: 5000, what: 'the quota sockets to be closed' });
      if (opened.length < MAX_PER_IP) {
        const reasons = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
        throw new Error(`only ${opened.length} of ${MAX_PER_IP} sockets opened: ${reasons.join('; ')}`);
      }
      return true;
    },
    { timeoutMs: 3000, what: `${MAX_PER_IP} sockets from one address to open side by side` },
  );
}

function post(body: string | undefined, contentType: string | null = 'application/json'): Promise<Response> {
  return fetch(`${server.url}/api/v2/events`, {
    method: 'POST',
    headers: contentType === null ? {} : { 'content-type': contentType },
    ...(body === undefined ? {} : { body }),
  });
}

/** Sends a request as raw bytes and collects everything until the server closes the socket. */
function rawHttp(text: string | Buffer, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1');
    let out = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`server did not close the socket within ${timeoutMs} ms; got ${JSON.stringify(out)}`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (out += d));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    socket.write(text);
  });
}

/** Splits a raw HTTP/1.1 answer into status, lower-cased headers and body. */
function parseRaw(raw: string): { status: number; headers: Record<string, string>; body: string } {
  const end = raw.indexOf('\r\n\r\n');
  expect(end, raw).toBeGreaterThan(0);
  const [statusLine, ...lines] = raw.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine!)?.[1]), headers, body: raw.slice(end + 4) };
}

/** A WebSocket handshake that is expected to be refused: resolves with the HTTP answer. */
function refusedHandshake(
  url: string,
  options: ConstructorParameters<typeof WebSocket>[2] = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, options);
    socket.on('open', () => {
      socket.terminate();
      reject(new Error(`handshake to ${url} was accepted`));
    });
    socket.on('error', () => {});
    socket.on('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
  });
}

let pings = 0;
/** Proves a socket still works after an error: ping → pong with the same id. */
async function expectPong(ws: TestWs): Promise<void> {
  const id = `ping${++pings}`;
  ws.send({ op: 'ping', id });
  expect(await ws.next((m) => m.op === 'pong' && m.id === id)).toEqual({ op: 'pong', id });
  expect(ws.closeCode).toBeUndefined();
}

/** Sends one bad message on a fresh socket and returns the error op it was answered with. */
async function wsError(message: unknown, send?: (ws: TestWs) => void): Promise<{ ws: TestWs; error: WsMessage }> {
  const ws = await TestWs.open(wsUrl);
  if (send !== undefined) send(ws);
  else ws.send(message);
  const error = await ws.next((m) => m.op === 'error');
  return { ws, error };
}

async function closeAndCheck(ws: TestWs): Promise<void> {
  ws.close();
  await ws.closed();
  await assertServing();
}

describe('POST /api/v2/events with bad input', () => {
  const bodyCases: {
    name: string;
    body: string | undefined;
    contentType?: string | null;
    status: number;
    code: string;
    field: string | undefined;
  }[] = [
    { name: 'malformed JSON', body: '{"topic":"a","type":', status: 400, code: 'invalid_json', field: undefined },
    { name: 'an empty JSON body', body: '', status: 400, code: 'invalid_json', field: undefined },
    {
      name: 'no body and no content type',
      body: undefined,
      contentType: null,
      status: 400,
      code: 'invalid_body',
      field: 'body',
    },
    {
      name: 'a text/plain body holding a valid draft',
      body: '{"topic":"a","type":"b"}',
      contentType: 'text/plain',
      status: 415,
      code: 'unsupported_media_type',
      field: undefined,
    },
    {
      name: 'an application/xml body',
      body: '<event/>',
      contentType: 'application/xml',
      status: 415,
      code: 'unsupported_media_type',
      field: undefined,
    },
    { name: 'a number', body: '42', status: 400, code: 'invalid_body', field: 'body' },
    { name: 'a string', body: '"hello"', status: 400, code: 'invalid_body', field: 'body' },
    { name: 'null', body: 'null', status: 400, code: 'invalid_body', field: 'body' },
    { name: 'an empty array', body: '[]', status: 400, code: 'invalid_body', field: 'body' },
    {
      name: 'an array holding a number',
      body: '[{"topic":"a","type":"b"},7]',
      status: 400,
      code: 'invalid_event',
      field: '[1]',
    },
  ];
  for (const c of bodyCases) {
    it(`answers ${c.name} with ${c.status} ${c.code}`, async () => {
      const head = server.hub.head;
      await expectError(await post(c.body, c.contentType), c.status, c.code, c.field);
      expect(server.hub.head).toBe(head);
      await assertServing();
    });
  }

  it('refuses more than 1000 drafts with 413 too_many_events and publishes none of them', async () => {
    const head = server.hub.head;
    const drafts = Array.from({ length: 1001 }, (_, i) => ({ topic: 'many', type: 't', data: i }));
    const error = await expectError(await post(JSON.stringify(drafts)), 413, 'too_many_events', 'body');
    expect(error.message).toContain('1000');
    expect(error.message).toContain('1001');
    expect(server.hub.head).toBe(head);
    await assertServing();
  });

  it('accepts exactly 1000 drafts', async () => {
    const drafts = Array.from({ length: 1000 }, (_, i) => ({ topic: 'many', type: 't', data: i }));
    const res = await post(JSON.stringify(drafts));
    expect(res.status).toBe(202);
    expect(((await res.json()) as { ids: string[] }).ids).toHaveLength(1000);
  });

  it('refuses a body over 512 KB with 413 payload_too_large', async () => {
    const head = server.hub.head;
    const body = JSON.stringify({ topic: 'big', type: 't', data: 'x'.repeat(512 * KiB) });
    await expectError(await post(body), 413, 'payload_too_large', undefined);
    expect(server.hub.head).toBe(head);
    await assertServing();
  });

  const draftCases: { name: string; draft: unknown; field: string; message?: RegExp }[] = [
    {
      name: 'an unknown field',
      draft: { topic: 'a', type: 'b', colour: 'red' },
      field: 'colour',
      message: /unknown field "colour"/,
    },
    { name: 'a missing topic', draft: { type: 'b' }, field: 'topic', message: /missing/ },
    { name: 'an upper-case topic', draft: { topic: 'Bad Topic', type: 'b' }, field: 'topic', message: /lowercase/ },
    { name: 'a numeric topic', draft: { topic: 5, type: 'b' }, field: 'topic', message: /number/ },
    { name: 'a type with a space', draft: { topic: 'a', type: 'has space' }, field: 'type' },
    { name: 'the reserved type snapshot', draft: { topic: 'a', type: 'snapshot' }, field: 'type', message: /reserved/ },
    { name: 'a source starting with a slash', draft: { topic: 'a', type: 'b', source: '/x' }, field: 'source' },
    {
      name: 'labels that are an array',
      draft: { topic: 'a', type: 'b', labels: ['x'] },
      field: 'labels',
      message: /array/,
    },
    {
      name: 'a non-string label value',
      draft: { topic: 'a', type: 'b', labels: { env: 3 } },
      field: 'labels',
      message: /"env" must have a string value/,
    },
    {
      name: 'a bad label name',
      draft: { topic: 'a', type: 'b', labels: { '1env': 'x' } },
      field: 'labels',
      message: /invalid label name "1env"/,
    },
    {
      name: 'too many labels',
      draft: {
        topic: 'a',
        type: 'b',
        labels: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`l${i}`, 'v'])),
      },
      field: 'labels',
      message: /too many labels: 65; max 64/,
    },
    {
      name: 'an unparseable time',
      draft: { topic: 'a', type: 'b', time: 'yesterday' },
      field: 'time',
      message: /"yesterday"/,
    },
    { name: 'a numeric time', draft: { topic: 'a', type: 'b', time: 1700000000 }, field: 'time' },
  ];
  for (const c of draftCases) {
    it(`answers a draft with ${c.name} with 400 invalid_event on ${c.field}`, async () => {
      const head = server.hub.head;
      const error = await expectError(await post(JSON.stringify(c.draft)), 400, 'invalid_event', c.field);
      if (c.message !== undefined) expect(error.message).toMatch(c.message);
      expect(server.hub.head).toBe(head);
      await assertServing();
    });
    it(`prefixes the field with the index when the draft with ${c.name} is in an array`, async () => {
      const head = server.hub.head;
      const body = JSON.stringify([{ topic: 'fine', type: 'ok' }, { topic: 'fine', type: 'ok' }, c.draft]);
      await expectError(await post(body), 400, 'invalid_event', `[2].${c.field}`);
      // The good drafts before the bad one are not published either.
      expect(server.hub.head).toBe(head);
      await assertServing();
    });
  }
});

describe('SSE and long-poll with bad query parameters', () => {
  const filterCases: { name: string; query: Record<string, string>; code: string; field: string; message: RegExp }[] = [
    {
      name: 'an unterminated matcher',
      query: { match: '{env="prod"' },
      code: 'invalid_filter',
      field: 'match[0]',
      message: /match\[0\] is not a valid matcher set: missing '}'/,
    },
    {
      name: 'a matcher with a bad regex',
      query: { match: '{severity=~"("}' },
      code: 'invalid_filter',
      field: 'match[0]',
      message: /invalid regular expression "\(" for label "severity"/,
    },
    {
      name: 'a matcher with a bad label name',
      query: { match: '{1bad="x"}' },
      code: 'invalid_filter',
      field: 'match[0]',
      message: /invalid label name "1bad"/,
    },
    {
      name: 'a bad topic pattern in second place',
      query: { topics: 'ok,Bad*' },
      code: 'invalid_filter',
      field: 'topics[1]',
      message: /topics\[1\] "Bad\*" is not a valid topic pattern/,
    },
    {
      name: 'a star inside a type',
      query: { types: 'a*b' },
      code: 'invalid_filter',
      field: 'types[0]',
      message: /'\*' may only end/,
    },
  ];
  for (const endpoint of ['stream', 'poll'] as const) {
    const url = (query: Record<string, string>) =>
      `${server.url}/api/v2/events/${endpoint}?${new URLSearchParams(query).toString()}`;
    for (const c of filterCases) {
      it(`${endpoint}: answers ${c.name} with 400 ${c.code} on ${c.field}, naming the problem`, async () => {
        const error = await expectError(await fetch(url(c.query)), 400, c.code, c.field);
        expect(error.message).toMatch(c.message);
        await assertServing();
      });
    }
    it(`${endpoint}: names the failing entry among several match parameters`, async () => {
      const res = await fetch(
        `${server.url}/api/v2/events/${endpoint}?match=${encodeURIComponent('{a="1"}')}&match=${encodeURIComponent('{b=}')}`,
      );
      await expectError(res, 400, 'invalid_filter', 'match[1]');
      await assertServing();
    });
  }

  for (const bad of ['garbage', 'abc-', 'UPPERCASE1-5', 'abcd-01', 'abcd--5', `${'a'.repeat(60)}-1`]) {
    it(`stream: answers lastEventId=${bad.slice(0, 20)} with 400 invalid_event_id on lastEventId`, async () => {
      await expectError(
        await fetch(`${server.url}/api/v2/events/stream?lastEventId=${encodeURIComponent(bad)}`),
        400,
        'invalid_event_id',
        'lastEventId',
      );
      await assertServing();
    });
    it(`poll: answers since=${bad.slice(0, 20)} with 400 invalid_event_id on since`, async () => {
      await expectError(
        await fetch(`${server.url}/api/v2/events/poll?since=${encodeURIComponent(bad)}`),
        400,
        'invalid_event_id',
        'since',
      );
      await assertServing();
    });
  }

  it('poll: answers a malformed lastEventId (the alias of since) with 400 invalid_event_id on since', async () => {
    await expectError(
      await fetch(`${server.url}/api/v2/events/poll?lastEventId=nope`),
      400,
      'invalid_event_id',
      'since',
    );
    await assertServing();
  });

  it('stream: answers a malformed Last-Event-ID header with 400 invalid_event_id on lastEventId', async () => {
    await expectError(
      await fetch(`${server.url}/api/v2/events/stream`, { headers: { 'Last-Event-ID': 'not an id' } }),
      400,
      'invalid_event_id',
      'lastEventId',
    );
    await assertServing();
  });

  for (const value of ['61', '-1', 'abc', '1.5', '1e2', '9'.repeat(30)]) {
    it(`poll: answers timeout=${value.slice(0, 10)} with 400 invalid_param on timeout, naming the range`, async () => {
      const error = await expectError(
        await fetch(`${server.url}/api/v2/events/poll?timeout=${encodeURIComponent(value)}`),
        400,
        'invalid_param',
        'timeout',
      );
      expect(error.message).toBe('timeout must be an integer from 0 to 60');
      await assertServing();
    });
  }

  for (const value of ['2', 'yes', 'true']) {
    it(`stream: answers named=${value} with 400 invalid_param on named`, async () => {
      const error = await expectError(
        await fetch(`${server.url}/api/v2/events/stream?named=${value}`),
        400,
        'invalid_param',
        'named',
      );
      expect(error.message).toBe('named must be 0 or 1');
      await assertServing();
    });
  }
});

describe('WebSocket messages with bad input', () => {
  it('answers malformed JSON with invalid_json and keeps the socket', async () => {
    const { ws, error } = await wsError('{"op":"ping",');
    expect(error).toEqual({ op: 'error', code: 'invalid_json', message: 'message is not valid JSON' });
    await expectPong(ws);
    await closeAndCheck(ws);
  });

  for (const [name, text] of [
    ['an array', '[{"op":"ping"}]'],
    ['a number', '42'],
    ['a string', '"ping"'],
    ['null', 'null'],
  ] as const) {
    it(`answers ${name} with invalid_message and keeps the socket`, async () => {
      const { ws, error } = await wsError(text);
      expect(error).toEqual({
        op: 'error',
        code: 'invalid_message',
        message: 'a message must be a JSON object with an "op"',
      });
      await expectPong(ws);
      await closeAndCheck(ws);
    });
  }

  const opCases: { name: string; message: Record<string, unknown>; expected: Record<string, unknown> }[] = [
    { name: 'a missing op', message: { id: 'q1' }, expected: { id: 'q1', code: 'invalid_message', field: 'op' } },
    {
      name: 'a numeric op',
      message: { op: 5, id: 'q2' },
      expected: { id: 'q2', code: 'invalid_message', field: 'op' },
    },
    {
      name: 'an unknown op',
      message: { op: 'frobnicate', id: 'q3' },
      expected: {
        id: 'q3',
        code: 'unknown_op',
        field: 'op',
        message: 'unknown op "frobnicate"; known: subscribe, unsubscribe, refresh, ping',
      },
    },
    { name: 'a numeric id', message: { op: 'ping', id: 7 }, expected: { code: 'invalid_message', field: 'id' } },
    {
      name: 'an id over 64 characters',
      message: { op: 'ping', id: 'i'.repeat(65) },
      expected: { code: 'invalid_message', field: 'id' },
    },
    {
      name: 'an unknown field on ping',
      message: { op: 'ping', id: 'q4', extra: true },
      expected: { id: 'q4', code: 'invalid_message', field: 'extra' },
    },
    {
      name: 'an unknown field on subscribe',
      message: { op: 'subscribe', id: 'q5', topic: 'a' },
      expected: {
        id: 'q5',
        code: 'invalid_message',
        field: 'topic',
        message: 'unknown field "topic" for op "subscribe"',
      },
    },
    {
      name: 'topics as a string',
      message: { op: 'subscribe', id: 'q6', topics: 'a' },
      expected: { id: 'q6', code: 'invalid_message', field: 'topics', message: 'topics must be an array of strings' },
    },
    {
      name: 'types holding a number',
      message: { op: 'subscribe', id: 'q7', types: ['a', 1] },
      expected: { id: 'q7', code: 'invalid_message', field: 'types' },
    },
    {
      name: 'sources as an object',
      message: { op: 'subscribe', id: 'q8', sources: { a: 1 } },
      expected: { id: 'q8', code: 'invalid_message', field: 'sources' },
    },
    {
      name: 'match as a string',
      message: { op: 'subscribe', id: 'q9', match: '{a="b"}' },
      expected: { id: 'q9', code: 'invalid_message', field: 'match' },
    },
    {
      name: 'since as a number',
      message: { op: 'subscribe', id: 'q10', since: 5 },
      expected: { id: 'q10', code: 'invalid_message', field: 'since' },
    },
    {
      name: 'a malformed since',
      message: { op: 'subscribe', id: 'q11', since: 'nope' },
      expected: { id: 'q11', code: 'invalid_event_id', field: 'since' },
    },
    {
      name: 'batch as a string',
      message: { op: 'subscribe', id: 'q12', batch: '10' },
      expected: {
        id: 'q12',
        code: 'invalid_param',
        field: 'batch',
        message: 'batch must be an integer from 1 to 1000',
      },
    },
    {
      name: 'batch of zero',
      message: { op: 'subscribe', id: 'q13', batch: 0 },
      expected: { id: 'q13', code: 'invalid_param', field: 'batch' },
    },
    {
      name: 'a negative batchMs',
      message: { op: 'subscribe', id: 'q14', batchMs: -1 },
      expected: {
        id: 'q14',
        code: 'invalid_param',
        field: 'batchMs',
        message: 'batchMs must be an integer from 0 to 10000',
      },
    },
    {
      name: 'a fractional batchMs',
      message: { op: 'subscribe', id: 'q15', batchMs: 1.5 },
      expected: { id: 'q15', code: 'invalid_param', field: 'batchMs' },
    },
    {
      name: 'a bad matcher',
      message: { op: 'subscribe', id: 'q16', match: ['{a="1"}', '{env=~"("}'] },
      expected: { id: 'q16', code: 'invalid_filter', field: 'match[1]' },
    },
    {
      name: 'a bad topic',
      message: { op: 'subscribe', id: 'q17', topics: ['UPPER'] },
      expected: { id: 'q17', code: 'invalid_filter', field: 'topics[0]' },
    },
    {
      name: 'a numeric subscription to unsubscribe',
      message: { op: 'unsubscribe', id: 'q18', subscription: 1 },
      expected: { id: 'q18', code: 'invalid_message', field: 'subscription' },
    },
    {
      name: 'an unknown subscription to unsubscribe',
      message: { op: 'unsubscribe', id: 'q19', subscription: 's99' },
      expected: { id: 'q19', code: 'subscription_not_found', field: 'subscription' },
    },
  ];
  for (const c of opCases) {
    it(`answers ${c.name} with ${String(c.expected.code)}${c.expected.field === undefined ? '' : ` on ${String(c.expected.field)}`}, and subscribes nothing`, async () => {
      const { ws, error } = await wsError(c.message);
      const { message, ...rest } = c.expected;
      expect(error).toEqual({ op: 'error', message: message ?? expect.any(String), ...rest });
      await expectPong(ws);
      const connection = ws.messages.find((m) => m.op === 'hello')!.connection as string;
      expect(server.hub.getSession(connection)!.subscriptions.size).toBe(0);
      await closeAndCheck(ws);
    });
  }

  it('answers a second unsubscribe of the same subscription with subscription_not_found', async () => {
    const ws = await TestWs.open(wsUrl);
    const sub = await ws.subscribe({ topics: ['twice'] });
    ws.send({ op: 'unsubscribe', id: 'u1', subscription: sub });
    expect(await ws.next((m) => m.id === 'u1')).toEqual({ op: 'unsubscribed', id: 'u1', subscription: sub });
    ws.send({ op: 'unsubscribe', id: 'u2', subscription: sub });
    expect(await ws.next((m) => m.id === 'u2')).toEqual({
      op: 'error',
      id: 'u2',
      code: 'subscription_not_found',
      field: 'subscription',
      message: `no subscription "${sub}" on this connection`,
    });
    await expectPong(ws);
    await closeAndCheck(ws);
  });

  it('answers a binary frame with binary_not_supported and keeps the socket', async () => {
    const { ws, error } = await wsError(undefined, (w) =>
      w.socket.send(Buffer.from('{"op":"ping"}'), { binary: true }),
    );
    expect(error).toEqual({
      op: 'error',
      code: 'binary_not_supported',
      message: 'binary frames are not supported; send JSON text frames',
    });
    await expectPong(ws);
    await closeAndCheck(ws);
  });

  it('reads a frame of exactly 512 KB', async () => {
    const ws = await TestWs.open(wsUrl);
    const ping = '{"op":"ping","id":"big"}';
    ws.send(ping + ' '.repeat(512 * KiB - ping.length));
    expect(await ws.next((m) => m.op === 'pong')).toEqual({ op: 'pong', id: 'big' });
    await closeAndCheck(ws);
  });

  it('closes the socket with 1009 on a frame over 512 KB, and the server goes on', async () => {
    const ws = await TestWs.open(wsUrl);
    ws.send(`{"op":"ping","id":"${'x'.repeat(512 * KiB)}"}`);
    expect(await ws.closed()).toBe(1009);
    await assertServing();
  });

  it('closes the socket with 1007 on a text frame that is not UTF-8, and the server goes on', async () => {
    const ws = await TestWs.open(wsUrl);
    ws.socket.send(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), { binary: false });
    expect(await ws.closed()).toBe(1007);
    await assertServing();
  });

  it(`refuses subscription ${MAX_SUBSCRIPTIONS + 1} with too_many_subscriptions and accepts it once one is gone`, async () => {
    const ws = await TestWs.open(wsUrl);
    const subs: string[] = [];
    for (let i = 0; i < MAX_SUBSCRIPTIONS; i++) subs.push(await ws.subscribe({ topics: [`many${i}`] }));
    ws.send({ op: 'subscribe', id: 'over', topics: ['one.more'] });
    expect(await ws.next((m) => m.id === 'over')).toEqual({
      op: 'error',
      id: 'over',
      code: 'too_many_subscriptions',
      message: `at most ${MAX_SUBSCRIPTIONS} subscriptions per connection`,
    });
    await expectPong(ws);
    const connection = ws.messages.find((m) => m.op === 'hello')!.connection as string;
    expect(server.hub.getSession(connection)!.subscriptions.size).toBe(MAX_SUBSCRIPTIONS);
    ws.send({ op: 'unsubscribe', id: 'free', subscription: subs[0] });
    await ws.next((m) => m.id === 'free' && m.op === 'unsubscribed');
    const again = await ws.subscribe({ topics: ['one.more'] });
    const [id] = await publishEvents(server, { topic: 'one.more', type: 't' });
    await ws.next((m) => m.op === 'event' && m.subscription === again && (m.event as { id: string }).id === id);
    await closeAndCheck(ws);
  });

  it('answers each of many bad messages on one socket in order and stays usable', async () => {
    const ws = await TestWs.open(wsUrl);
    for (let i = 0; i < 50; i++) ws.send({ op: 'nope', id: `n${i}` });
    for (let i = 0; i < 50; i++)
      expect(await ws.next((m) => m.op === 'error')).toMatchObject({ id: `n${i}`, code: 'unknown_op' });
    await expectPong(ws);
    const sub = await ws.subscribe({ topics: ['still.works'] });
    const [id] = await publishEvents(server, { topic: 'still.works', type: 't' });
    await ws.next((m) => m.op === 'event' && m.subscription === sub && (m.event as { id: string }).id === id);
    await closeAndCheck(ws);
  });
});

describe('unknown routes and malformed requests', () => {
  for (const [method, path] of [
    ['GET', '/api/v2/nope'],
    ['POST', '/api/v1/events'],
    ['PUT', '/api/v2/events'],
    ['GET', '/nope'],
  ] as const) {
    it(`answers ${method} ${path} with 404 not_found JSON`, async () => {
      const error = await expectError(await fetch(`${server.url}${path}`, { method }), 404, 'not_found', undefined);
      expect(error.message).toBe(`no route for ${method} ${path}`);
      await assertServing();
    });
  }

  it('refuses a WebSocket handshake on an unknown path with a 404 JSON body', async () => {
    const answer = await refusedHandshake(`${server.url.replace(/^http/, 'ws')}/ws/nope?x=1`);
    expect(answer.status).toBe(404);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(JSON.parse(answer.body)).toEqual({
      error: { code: 'not_found', message: 'no WebSocket endpoint at /ws/nope' },
    });
    await assertServing();
  });

  const badHandshakes: { name: string; request: string; status: number; code: string }[] = [
    {
      name: 'an invalid Sec-WebSocket-Key',
      request:
        'GET /ws/dashboard HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: bad\r\n\r\n',
      status: 400,
      code: 'invalid_body',
    },
    {
      name: 'an unsupported Sec-WebSocket-Version',
      request:
        'GET /ws/dashboard HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 99\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      status: 400,
      code: 'invalid_body',
    },
    {
      name: 'an Upgrade to another protocol',
      request: 'GET /ws/dashboard HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n',
      status: 400,
      code: 'invalid_body',
    },
    {
      name: 'the POST method',
      request:
        'POST /ws/dashboard HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      status: 405,
      code: 'method_not_allowed',
    },
  ];
  for (const c of badHandshakes) {
    it(`refuses a handshake with ${c.name} with ${c.status} ${c.code} JSON, and gives its slot back`, async () => {
      // More refusals than the per-address quota: a slot kept by any of them would refuse the next.
      for (let i = 0; i <= MAX_PER_IP; i++) {
        const answer = parseRaw(await rawHttp(c.request));
        expect(answer.status).toBe(c.status);
        expect(answer.headers['content-type']).toBe('application/json');
        const body = JSON.parse(answer.body) as ErrorJson;
        expect(body.error.code).toBe(c.code);
      }
      await assertServing();
    });
  }

  it('answers DELETE /api/v2/connections/unknown with 404 not_found on id', async () => {
    const error = await expectError(
      await fetch(`${server.url}/api/v2/connections/unknown`, { method: 'DELETE' }),
      404,
      'not_found',
      'id',
    );
    expect(error.message).toBe('no connection "unknown"');
    await assertServing();
  });

  for (const [name, bytes] of [
    ['a request line that is not HTTP', 'GARBAGE\r\n\r\n'],
    ['a header line without a colon', 'GET /healthz HTTP/1.1\r\nHost: x\r\nNot a header\r\n\r\n'],
    [
      'a bad Content-Length',
      'POST /api/v2/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}',
    ],
    ['a NUL byte in the request line', 'GET /\0 HTTP/1.1\r\nHost: x\r\n\r\n'],
  ] as const) {
    it(`answers ${name} over a raw socket with 400 invalid_body JSON and closes it`, async () => {
      const answer = parseRaw(await rawHttp(bytes));
      expect(answer.status).toBe(400);
      expect(answer.headers['content-type']).toBe('application/json');
      expect(answer.headers.connection).toBe('close');
      expect(JSON.parse(answer.body)).toEqual({ error: { code: 'invalid_body', message: 'malformed HTTP request' } });
      await assertServing();
    });
  }

  it('answers request headers over the size limit with 431 payload_too_large JSON', async () => {
    const answer = parseRaw(
      await rawHttp(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20 * KiB)}\r\n\r\n`),
    );
    expect(answer.status).toBe(431);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(JSON.parse(answer.body)).toEqual({
      error: { code: 'payload_too_large', message: 'request headers too large' },
    });
    await assertServing();
  });

  it('serves requests on another socket while one sends a request byte by byte and stops', async () => {
    const stalled = connect(server.port, '127.0.0.1');
    stalled.on('error', () => {});
    await new Promise<void>((resolve) => stalled.once('connect', () => resolve()));
    stalled.write('GET /healthz HTTP/1.1\r\nHo');
    const res = await new Promise<number>((resolve, reject) => {
      httpRequest({ host: '127.0.0.1', port: server.port, path: '/healthz', agent: false }, (r) => {
        r.resume();
        resolve(r.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(res).toBe(200);
    stalled.destroy();
    await assertServing();
  });
});
