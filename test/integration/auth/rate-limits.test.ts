/**
 * Rate limits: connection attempts per client address, writes per key or address, WebSocket
 * messages per connection. HTTP refusals are `429 rate_limited` with `Retry-After`; a WebSocket
 * flood is closed with 1008. Client addresses come through a trusted proxy's X-Forwarded-For.
 * The limits' clock is held still, so no budget refills while a loaded machine runs the test
 * slowly: each budget is exactly its burst.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../src/http/auth/publish-keys.js';
import type { LivegateServer } from '../../../src/http/server.js';
import { startTestServer } from '../../harness/livegate.js';
import { TestWs } from '../../harness/ws-client.js';

const from = (ip: string) => ({ 'x-forwarded-for': ip });

describe('rate limits', () => {
  let server: LivegateServer;
  beforeAll(async () => {
    server = await startTestServer(
      {
        trustedProxies: ['127.0.0.1'],
        limits: { connectsPerSecond: 3, publishesPerSecond: 3, retryAfterSeconds: 7 },
        ws: { maxMessagesPerSecond: 5 },
        auth: {
          writeAllowFrom: ['203.0.113.0/24'],
          publishKeys: [{ name: 'ci', sha256: sha256Hex('ci-key-1'), topics: ['deploys'] }],
        },
        stats: { intervalMs: 0 },
      },
      { limitsClock: { now: () => 0 } },
    );
  });
  afterAll(() => server.close());

  /** Sends `count` requests and returns the first refusal (status, code, Retry-After) or null. */
  async function firstRefusal(count: number, send: () => Promise<Response>) {
    for (let i = 0; i < count; i++) {
      const res = await send();
      if (res.status === 429) {
        const body = (await res.json()) as { error: { code: string } };
        return { at: i, code: body.error.code, retryAfter: res.headers.get('retry-after') };
      }
      await res.body?.cancel();
    }
    return null;
  }

  it('refuses a client address that opens connections too fast with 429 and Retry-After', async () => {
    const refusal = await firstRefusal(10, () =>
      fetch(`${server.url}/api/v2/events/poll?timeout=0`, { headers: from('203.0.113.10') }),
    );
    expect(refusal).toMatchObject({ code: 'rate_limited' });
    expect(refusal!.at).toBe(3);
    expect(Number(refusal!.retryAfter)).toBeGreaterThanOrEqual(1);
    // Another address is not affected.
    expect((await fetch(`${server.url}/api/v2/events/poll?timeout=0`, { headers: from('203.0.113.11') })).status).toBe(
      200,
    );
  });

  it('refuses a WebSocket handshake over the connect rate with 429', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      try {
        const ws = await TestWs.open(`${server.url}/ws/dashboard`, { headers: from('203.0.113.20') });
        ws.close();
        statuses.push(101);
      } catch (err) {
        statuses.push(Number(/handshake refused: (\d+)/.exec((err as Error).message)?.[1]));
      }
    }
    expect(statuses).toContain(429);
  });

  it('limits writes per publisher key and, without credentials, per address', async () => {
    const publish = (headers: Record<string, string>) => () =>
      fetch(`${server.url}/api/v2/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ topic: 'deploys', type: 'x' }),
      });
    const byKey = await firstRefusal(10, publish({ authorization: 'Bearer ci-key-1', ...from('203.0.113.30') }));
    expect(byKey).toMatchObject({ code: 'rate_limited' });
    expect(byKey!.at).toBe(3);
    expect(Number(byKey!.retryAfter)).toBeGreaterThanOrEqual(1);
    // The same key from another address shares the key's budget.
    expect(
      await firstRefusal(1, publish({ authorization: 'Bearer ci-key-1', ...from('203.0.113.31') })),
    ).not.toBeNull();
    const byAddress = await firstRefusal(10, publish(from('203.0.113.40')));
    expect(byAddress).toMatchObject({ code: 'rate_limited' });
  });

  it('closes a WebSocket that floods messages with 1008', async () => {
    const ws = await TestWs.open(`${server.url}/ws/dashboard`, { headers: from('203.0.113.50') });
    for (let i = 0; i < 50; i++) ws.send({ op: 'ping', id: `p${i}` });
    expect(await ws.closed(10_000)).toBe(1008);
    expect(ws.closeReason).toContain('ws.maxMessagesPerSecond');
    // The slot is given back.
    await expect.poll(() => server.hub.sessionCount, { timeout: 10_000 }).toBe(0);
  });
});
