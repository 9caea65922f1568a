/**
 * Property-based fuzzing (fast-check) of what a client controls on a server with tokens, keys and
 * tenancy on: every query parameter of the stream and poll endpoints, publish and ingest bodies,
 * credentials in every place, and WebSocket messages. Properties: never a 5xx, the server keeps
 * answering, and no connection slot leaks (`maxPerIp` is tiny, so one leaked slot refuses the next
 * connection).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../src/http/auth/publish-keys.js';
import type { LivegateServer } from '../../../src/http/server.js';
import { startTestServer } from '../../harness/livegate.js';
import { signHs256, TEST_SECRET } from '../../harness/tokens.js';
import { waitFor } from '../../harness/wait.js';
import { TestWs } from '../../harness/ws-client.js';

const RUNS = 60;

describe('fuzzing the authenticated server', () => {
  let server: LivegateServer;
  let good: string;

  beforeAll(async () => {
    server = await startTestServer({
      auth: {
        mode: 'jwt',
        jwt: { secret: TEST_SECRET },
        publishKeys: [{ name: 'pub', sha256: sha256Hex('pub-key-1'), topics: ['app*', 'alerts'] }],
      },
      limits: { maxPerIp: 2 },
      stats: { intervalMs: 0 },
    });
    good = await signHs256(TEST_SECRET, {
      sub: 'fuzz',
      claims: { livegate: { subscribe: ['app*', 'alerts'], match: ['{team="a"}'], publish: ['app*'] } },
    });
  });
  afterAll(() => server.close());

  /** Waits until every connection is gone: a slot that is never given back fails here. */
  async function noSessions(): Promise<void> {
    await waitFor(() => server.hub.sessionCount === 0, { timeoutMs: 10_000, intervalMs: 5, what: 'no open sessions' });
  }

  const text = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom('', '*', 'app*', 'alerts', 'billing', '{team="b"}', '{team=~".*"}', '{', '%', '\u0000', 'a,b'),
  );
  const credential = fc.oneof(
    fc.constant<string | null>(null),
    fc.constant('GOOD'),
    fc.string({ maxLength: 60 }),
    fc.constantFrom('Bearer', 'Bearer ', 'Basic !!', 'Basic cHViOnB1Yi1rZXktMQ==', 'Bearer pub-key-1', 'a.b.c', 'x.y.'),
  );
  const headerOf = (c: string | null): Record<string, string> => {
    if (c === null) return {};
    if (c === 'GOOD') return { authorization: `Bearer ${good}` };
    // Header values cannot hold control characters; the client library would refuse them.
    const value = c.replace(/[^\x20-\x7e]/g, '');
    return value === '' ? {} : { authorization: value };
  };

  it('stream and poll query parameters never get a 5xx and leak no slot', async () => {
    const names = [
      'topics',
      'match',
      'types',
      'sources',
      'lastEventId',
      'since',
      'named',
      'timeout',
      'access_token',
      'batch',
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/api/v2/events/stream', '/api/v2/events/poll'),
        fc.array(fc.tuple(fc.constantFrom(...names), text), { maxLength: 6 }),
        credential,
        async (path, params, cred) => {
          const query = new URLSearchParams();
          for (const [name, value] of params) query.append(name, name === 'timeout' ? value.slice(0, 1) : value);
          if (!params.some(([n]) => n === 'timeout')) query.set('timeout', '0');
          const controller = new AbortController();
          const res = await fetch(`${server.url}${path}?${query}`, {
            headers: headerOf(cred),
            signal: controller.signal,
          });
          expect(res.status).toBeLessThan(500);
          controller.abort();
          await res.body?.cancel().catch(() => undefined);
          await noSessions();
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('publish and ingest bodies never get a 5xx', async () => {
    const json = fc.jsonValue({ maxDepth: 3 });
    const draft = fc.record(
      {
        topic: text,
        type: text,
        labels: fc.dictionary(fc.string({ maxLength: 10 }), fc.oneof(fc.string({ maxLength: 10 }), json)),
        data: json,
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/api/v2/events', '/api/v2/alerts'),
        fc.oneof(json, draft, fc.array(draft, { maxLength: 5 })),
        fc.oneof(credential, fc.constant('Bearer pub-key-1')),
        async (path, body, cred) => {
          const res = await fetch(`${server.url}${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...headerOf(cred) },
            body: JSON.stringify(body),
          });
          expect(res.status).toBeLessThan(500);
          await res.body?.cancel();
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('WebSocket messages never crash the server or leak the slot', async () => {
    const op = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.record(
        {
          op: fc.constantFrom('subscribe', 'unsubscribe', 'refresh', 'ping', 'nope'),
          id: fc.oneof(fc.string({ maxLength: 70 }), fc.integer()),
          topics: fc.array(text, { maxLength: 3 }),
          match: fc.array(text, { maxLength: 3 }),
          since: text,
          token: fc.oneof(text, fc.constant('GOOD')),
          subscription: text,
          batch: fc.integer(),
        },
        { requiredKeys: ['op'] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 8 }), async (messages) => {
        const ws = await TestWs.open(`${server.url}/ws/dashboard?access_token=${good}`);
        for (const message of messages) {
          const m = message as Record<string, unknown> | null;
          ws.send(m !== null && typeof m === 'object' && m.token === 'GOOD' ? { ...m, token: good } : message);
        }
        // A ping after the fuzz: the socket still answers (or was closed with a code, never a crash).
        ws.send({ op: 'ping', id: 'after' });
        const answer = await Promise.race([ws.next((m) => m.id === 'after', 10_000), ws.closed(10_000)]);
        if (typeof answer === 'number') expect(answer).not.toBe(1011);
        ws.close();
        await noSessions();
      }),
      { numRuns: RUNS },
    );
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
