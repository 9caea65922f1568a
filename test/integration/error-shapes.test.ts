/**
 * Every error a client meets has the documented shape, byte for byte, whatever path renders it:
 * HTTP `{"error":{"code","message","field"?}}`, the SSE `error` event's data `{"code","message"}`,
 * the WebSocket `{"op":"error","id"?,"code","message","field"?}` and close frames whose reason is
 * the catalogue's message. Token expiry is in auth/expiry.test.ts, socket refusals in
 * socket-limits.test.ts.
 */
import type { FastifyInstance } from 'fastify';
import { ERROR_CATALOGUE, WS_CLOSE } from '@livegate/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { LivegateServer } from '../../src/http/server.js';
import type { Source, SourceContext, SubscribeExtension } from '../../src/sources/source.js';
import { startTestServer } from '../harness/livegate.js';
import { RawSse } from '../harness/raw-sse.js';
import { TestSse } from '../harness/sse-client.js';
import { waitFor } from '../harness/wait.js';
import { TestWs } from '../harness/ws-client.js';

/** A source whose streams end with a catalogue error as soon as they open. */
class RefusingSource implements Source {
  readonly name = 'refusing';

  readonly routes = {
    prefix: '/api/test/refusing',
    plugin: (app: FastifyInstance, ctx: SourceContext) => {
      app.get('/stream', (request, reply) => {
        const stream = ctx.streams.sse(request, reply, { principal: ctx.streams.authenticate(request) });
        stream.close('forbidden', 'this stream is not for you');
      });
    },
  };

  readonly subscribeExtension: SubscribeExtension<null> = {
    key: 'refusing',
    parse: () => null,
    open: (stream) => {
      // After the `subscribed` reply has gone out.
      queueMicrotask(() => stream.close('internal', 'the source failed'));
      return { release: () => {} };
    },
  };

  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}

/** A raw `ws` client keeping every text frame exactly as received. */
async function rawWs(url: string): Promise<{ socket: WebSocket; frames: string[] }> {
  const socket = new WebSocket(url.replace(/^http/, 'ws'));
  const frames: string[] = [];
  socket.on('message', (data) => frames.push(data.toString()));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  await waitFor(() => frames.some((f) => f.startsWith('{"op":"hello"')), { timeoutMs: 10_000, what: 'hello' });
  return { socket, frames };
}

describe('error shapes on every path', () => {
  let server: LivegateServer;

  beforeAll(async () => {
    server = await startTestServer({}, { sources: [new RefusingSource()] });
  });
  afterAll(() => server.close());

  /** Closes the only open connection of this node from the admin API. */
  async function closeOnlyConnection(): Promise<void> {
    await waitFor(() => server.hub.sessionCount === 1, { timeoutMs: 10_000, what: 'one open connection' });
    const id = server.hub.sessionInfo()[0]!.id;
    const res = await fetch(`${server.url}/api/v2/connections/${id}`, { method: 'DELETE' });
    expect(res.status).toBe(204);
  }

  const ADMIN_CLOSED = `{"code":"closed_by_admin","message":"${ERROR_CATALOGUE.closed_by_admin.message}"}`;

  it('ends an SSE stream closed by an administrator with exactly one error frame', async () => {
    const sse = await RawSse.open(`${server.url}/api/v2/events/stream?topics=app.x`);
    try {
      await sse.control('hello');
      await closeOnlyConnection();
      await sse.end(10_000);
      expect(sse.text.endsWith(`event: error\ndata: ${ADMIN_CLOSED}\n\n`)).toBe(true);
    } finally {
      sse.close();
    }
  });

  it('gives the `eventsource` client the same error data when an administrator closes its stream', async () => {
    const sse = new TestSse(`${server.url}/api/v2/events/stream?topics=app.x`);
    try {
      await sse.next((m) => m.event === 'hello', 10_000);
      await closeOnlyConnection();
      expect((await sse.next((m) => m.event === 'error', 10_000)).raw).toBe(ADMIN_CLOSED);
    } finally {
      sse.close();
    }
    await waitFor(() => server.hub.sessionCount === 0, { timeoutMs: 10_000, what: 'the stream to close' });
  });

  it('closes a WebSocket closed by an administrator with 4010 and the catalogue message', async () => {
    const ws = await TestWs.open(`${server.url}/ws/dashboard`);
    await closeOnlyConnection();
    expect(await ws.closed(10_000)).toBe(WS_CLOSE.closedByAdmin);
    expect(ws.closeReason).toBe(ERROR_CATALOGUE.closed_by_admin.message);
  });

  it('answers WebSocket requests with error ops in the documented byte order', async () => {
    const { socket, frames } = await rawWs(`${server.url}/ws/dashboard`);
    try {
      socket.send('{"op":"nope","id":"x"}');
      socket.send('not json');
      socket.send(Buffer.from([1, 2]), { binary: true });
      await waitFor(() => frames.length >= 4, { timeoutMs: 10_000, what: 'three error ops' });
      expect(frames.slice(1)).toEqual([
        '{"op":"error","id":"x","code":"unknown_op","message":"unknown op \\"nope\\"; known: subscribe, unsubscribe, refresh, ping","field":"op"}',
        '{"op":"error","code":"invalid_json","message":"message is not valid JSON"}',
        `{"op":"error","code":"binary_not_supported","message":"${ERROR_CATALOGUE.binary_not_supported.message}"}`,
      ]);
    } finally {
      socket.close();
    }
  });

  it('ends a source’s own SSE stream with the error event of the code it closes with', async () => {
    const sse = await RawSse.open(`${server.url}/api/test/refusing/stream`);
    try {
      await sse.end(10_000);
      expect(
        sse.text.endsWith('event: error\ndata: {"code":"forbidden","message":"this stream is not for you"}\n\n'),
      ).toBe(true);
    } finally {
      sse.close();
    }
  });

  it('drops a WebSocket extension subscription with an error op naming the subscription', async () => {
    const { socket, frames } = await rawWs(`${server.url}/ws/dashboard`);
    try {
      socket.send('{"op":"subscribe","id":"r1","refusing":{}}');
      await waitFor(() => frames.some((f) => f.startsWith('{"op":"error"')), { timeoutMs: 10_000, what: 'error op' });
      const subscribed = JSON.parse(frames.find((f) => f.startsWith('{"op":"subscribed"'))!) as {
        subscription: string;
      };
      expect(frames.find((f) => f.startsWith('{"op":"error"'))).toBe(
        `{"op":"error","subscription":"${subscribed.subscription}","code":"internal","message":"the source failed"}`,
      );
    } finally {
      socket.close();
    }
  });

  it('answers an unknown path with the documented error body', async () => {
    const res = await fetch(`${server.url}/api/v2/nothing-here?x=1`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.text()).toBe('{"error":{"code":"not_found","message":"no route for GET /api/v2/nothing-here"}}');
  });

  it('answers a bad stream request with the documented error body, field included', async () => {
    const res = await fetch(`${server.url}/api/v2/events/stream?named=2`);
    expect(res.status).toBe(400);
    expect(await res.text()).toBe(
      '{"error":{"code":"invalid_param","message":"named must be 0 or 1","field":"named"}}',
    );
  });
});
