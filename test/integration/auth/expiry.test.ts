/**
 * Long-lived connections end at their token's `exp` (SSE `error` event, WebSocket close 4001, a
 * waiting poll 401), and a WebSocket `refresh` moves the end without reconnecting.
 */
import { ERROR_CATALOGUE } from '@livegate/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LivegateServer } from '../../../src/http/server.js';
import { startTestServer } from '../../harness/livegate.js';
import { RawSse } from '../../harness/raw-sse.js';
import { TestSse } from '../../harness/sse-client.js';
import { signHs256, TEST_SECRET, type TokenSpec } from '../../harness/tokens.js';
import { waitFor } from '../../harness/wait.js';
import { TestWs } from '../../harness/ws-client.js';

const RIGHTS = { livegate: { subscribe: ['app*'], match: ['{team="a"}'] } };
/** The error a connection gets at its token's `exp`, as bytes: code and message from the catalogue. */
const EXPIRED_DATA = '{"code":"token_expired","message":"the token has expired; get a new one"}';

describe('token expiry on open connections', () => {
  let server: LivegateServer;
  const token = (spec: TokenSpec = {}) => signHs256(TEST_SECRET, { sub: 'alice', claims: RIGHTS, ...spec });

  beforeAll(async () => {
    server = await startTestServer({
      auth: { mode: 'jwt', jwt: { secret: TEST_SECRET, clockSkewSeconds: 0 } },
      stats: { intervalMs: 0 },
    });
  });
  afterAll(() => server.close());

  it('ends an SSE stream at exp with exactly the documented error event, then ends the stream', async () => {
    const sse = await RawSse.open(`${server.url}/api/v2/events/stream?topics=app.x`, {
      authorization: `Bearer ${await token({ expiresIn: 2 })}`,
    });
    try {
      await sse.control('hello');
      await sse.control('error', 15_000);
      await sse.end(15_000);
      // The last bytes of the stream: one `error` frame whose data is the catalogue's code and message.
      expect(sse.text.endsWith(`event: error\ndata: ${EXPIRED_DATA}\n\n`)).toBe(true);
    } finally {
      sse.close();
    }
  });

  it('gives the `eventsource` client the same error event data at exp', async () => {
    const sse = new TestSse(`${server.url}/api/v2/events/stream?topics=app.x`, {
      headers: { authorization: `Bearer ${await token({ expiresIn: 2 })}` },
    });
    try {
      const error = await sse.next((m) => m.event === 'error', 15_000);
      expect(error.raw).toBe(EXPIRED_DATA);
    } finally {
      sse.close();
    }
  });

  it('closes a WebSocket at exp with 4001 and the catalogue message as the reason', async () => {
    const ws = await TestWs.open(`${server.url}/ws/dashboard?access_token=${await token({ expiresIn: 2 })}`);
    await ws.subscribe({ topics: ['app.x'] });
    expect(await ws.closed(15_000)).toBe(4001);
    expect(ws.closeReason).toBe(ERROR_CATALOGUE.token_expired.message);
  });

  it('answers a poll waiting at exp with exactly the documented 401 error body', async () => {
    const res = await fetch(
      `${server.url}/api/v2/events/poll?topics=app.x&since=${server.hub.head}&timeout=30&access_token=${await token({ expiresIn: 2 })}`,
    );
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('retry-after')).toBeNull();
    expect(await res.text()).toBe(`{"error":${EXPIRED_DATA}}`);
  });

  it('keeps a WebSocket open past the first exp after a refresh', async () => {
    const first = await token({ expiresIn: 2 });
    const { exp } = JSON.parse(Buffer.from(first.split('.')[1]!, 'base64url').toString()) as { exp: number };
    const ws = await TestWs.open(`${server.url}/ws/dashboard?access_token=${first}`);
    try {
      await ws.subscribe({ topics: ['app.x'] });
      ws.send({ op: 'refresh', id: 'r1', token: await token({ expiresIn: 120 }) });
      const answer = await ws.next((m) => m.id === 'r1', 10_000);
      expect(answer).toMatchObject({ op: 'refreshed' });
      expect(Date.parse(answer.expiresAt as string)).toBeGreaterThan(exp * 1000);
      // Past the first token's exp (by the wall clock the server uses), the socket is still open.
      await waitFor(() => Date.now() > exp * 1000 + 1500, { timeoutMs: 15_000, intervalMs: 50, what: 'the first exp' });
      ws.send({ op: 'ping', id: 'p1' });
      expect(await ws.next((m) => m.id === 'p1', 10_000)).toMatchObject({ op: 'pong' });
      expect(ws.closeCode).toBeUndefined();
    } finally {
      ws.close();
    }
  });

  it('refuses a refresh for another subject, expired or invalid, and keeps the connection', async () => {
    const ws = await TestWs.open(`${server.url}/ws/dashboard?access_token=${await token()}`);
    try {
      ws.send({ op: 'refresh', id: 'other', token: await token({ sub: 'mallory' }) });
      expect(await ws.next((m) => m.id === 'other')).toMatchObject({ op: 'error', code: 'forbidden' });
      ws.send({ op: 'refresh', id: 'expired', token: await token({ expiresIn: -5 }) });
      expect(await ws.next((m) => m.id === 'expired')).toMatchObject({ op: 'error', code: 'token_expired' });
      ws.send({ op: 'refresh', id: 'junk', token: 'not-a-token' });
      expect(await ws.next((m) => m.id === 'junk')).toMatchObject({ op: 'error', code: 'invalid_token' });
      ws.send({ op: 'ping', id: 'p' });
      expect(await ws.next((m) => m.id === 'p')).toMatchObject({ op: 'pong' });
      expect(ws.closeCode).toBeUndefined();
    } finally {
      ws.close();
    }
  });

  for (const [what, claims] of [
    ['a topic less', { livegate: { subscribe: ['app.only'], match: ['{team="a"}'] } }],
    ['an extra matcher', { livegate: { subscribe: ['app*'], match: ['{team="a"}', '{env="prod"}'] } }],
  ] as const) {
    it(`refuses a refresh with fewer rights (${what}) and ends the connection: the old rights end at once`, async () => {
      const ws = await TestWs.open(`${server.url}/ws/dashboard?access_token=${await token()}`);
      try {
        await ws.subscribe({ topics: ['app.x'] });
        ws.send({ op: 'refresh', id: 'fewer', token: await token({ claims }) });
        const refusal = await ws.next((m) => m.id === 'fewer');
        expect(refusal).toMatchObject({ op: 'error', code: 'forbidden', field: 'token' });
        expect(refusal.message).toMatch(/fewer rights.*reconnect/);
        expect(await ws.closed(10_000)).toBe(4003);
        // Reconnecting with the narrower token works, under its rights.
        const again = await TestWs.open(`${server.url}/ws/dashboard?access_token=${await token({ claims })}`);
        try {
          await again.subscribe({ topics: ['app.only'] });
        } finally {
          again.close();
        }
      } finally {
        ws.close();
      }
    });
  }
});
