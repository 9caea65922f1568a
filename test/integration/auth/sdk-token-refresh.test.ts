/**
 * The SDK with `getToken()` against a server whose tokens live three seconds: it moves to a new
 * token before each `exp` and rides through three expiries without losing or repeating an event,
 * on every transport.
 */
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createClient, type LivegateClient } from '../../../packages/client/src/index.js';
import { sha256Hex } from '../../../src/http/auth/publish-keys.js';
import type { LivegateServer } from '../../../src/http/server.js';
import { publishEvents, startTestServer } from '../../harness/livegate.js';
import { signHs256, TEST_SECRET } from '../../harness/tokens.js';
import { waitFor } from '../../harness/wait.js';

const PUBLISHER = { authorization: 'Bearer pub-key-1' };
const LIFETIME_S = 3;

describe('the SDK with getToken() through token expiries', () => {
  let server: LivegateServer;

  beforeAll(async () => {
    server = await startTestServer({
      auth: {
        mode: 'jwt',
        // The server cuts a connection off at exp + skew; 2 s of skew leaves room for a loaded
        // machine's late timers while the SDK still has to move before every exp to pass.
        jwt: { secret: TEST_SECRET, clockSkewSeconds: 2 },
        publishKeys: [{ name: 'pub', sha256: sha256Hex('pub-key-1'), topics: ['app*'] }],
      },
      stats: { intervalMs: 0 },
    });
  });
  afterAll(() => server.close());

  for (const transport of ['sse', 'ws', 'poll'] as const) {
    it(`${transport}: three expiries, every event once, in order`, async () => {
      const topic = `app.seq.${transport}`;
      const issued: number[] = [];
      const client: LivegateClient = createClient({
        url: server.url,
        EventSource,
        WebSocket,
        transports: [transport],
        topics: [topic],
        watchOnline: false,
        minReconnectDelayMs: 20,
        maxReconnectDelayMs: 250,
        getToken: async () => {
          issued.push(Date.now());
          return signHs256(TEST_SECRET, {
            sub: 'alice',
            expiresIn: LIFETIME_S,
            claims: { livegate: { subscribe: ['app*'] } },
          });
        },
      });
      const received: number[] = [];
      client.on('*', (event: { topic: string; data: unknown }) => {
        if (event.topic === topic) received.push((event.data as { n: number }).n);
      });
      try {
        await waitFor(() => client.state === 'open', { timeoutMs: 15_000, intervalMs: 20, what: 'the client to open' });
        const started = Date.now();
        let n = 0;
        // Publish steadily until three tokens have come and gone (each lives at most LIFETIME_S).
        while (Date.now() - started < (3 * LIFETIME_S + 1) * 1000) {
          await publishEvents(server, { topic, type: 'tick', data: { n: n++ } }, PUBLISHER);
          await waitFor(() => received.length >= n || Date.now() - started > 60_000, {
            timeoutMs: 20_000,
            intervalMs: 10,
            what: `event ${n - 1} on ${transport}`,
          }).catch(() => undefined);
        }
        await waitFor(() => received.length >= n, {
          timeoutMs: 20_000,
          intervalMs: 20,
          what: `all ${n} events (have ${received.length})`,
        });
        expect(received).toEqual([...Array(n).keys()]);
        // A token per connection: the first, then at least one per expiry.
        expect(issued.length).toBeGreaterThanOrEqual(4);
        // The client moved ahead of each exp; the server did not have to cut it off.
        expect(client.getStatus().counters).toMatchObject({ drops: 0 });
        expect(client.getStatus().counters.tokenRefreshes).toBeGreaterThanOrEqual(3);
        expect(client.getStatus().error).toBeNull();
      } finally {
        client.close();
      }
    }, 90_000);
  }
});
