/**
 * Soak (issue 9): publishes, subscriber churn on every transport (SSE, WebSocket, long-poll, with
 * resumes), stalled readers (sockets that never read) and bad input (malformed JSON, bad filters,
 * garbage bytes, partial headers, pipelined streams, invalid WebSocket messages, oversized bodies),
 * all at once for `LIVEGATE_SOAK_SECONDS` (60 here; `npm run soak` runs 600). At the end the
 * limiter, the connection gauges and the subscriptions are back at zero exactly, no background task
 * failed, and the heap after GC is back near its baseline.
 */
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { LivegateServer } from '../../src/http/server.js';
import { startTestServer } from '../harness/livegate.js';
import { metricValue } from '../harness/metrics-text.js';
import { waitFor } from '../harness/wait.js';

const SECONDS = Number(process.env.LIVEGATE_SOAK_SECONDS ?? '60');
/** Heap growth allowed after GC: the window holds the same number of events at both ends. */
const HEAP_MARGIN_BYTES = 32 * 1024 * 1024;
const WINDOW_EVENTS = 2000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function settledHeap(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const between = (min: number, max: number): number => min + Math.floor(Math.random() * (max - min));

function draft(i: number): Record<string, unknown> {
  return {
    topic: i % 3 === 0 ? 'soak.b' : 'soak.a',
    type: 'tick',
    labels: { pod: `pod-${i % 17}`, severity: i % 5 === 0 ? 'critical' : 'info' },
    data: { i, pad: 'x'.repeat(between(50, 3000)) },
  };
}

/**
 * One HTTP request on its own connection (no keep-alive pool), so the sockets the soak opened are
 * all closed at the end and `livegate_sockets_open` can be checked exactly.
 */
function call(
  server: LivegateServer,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: '127.0.0.1',
      port: server.port,
      method,
      path,
      agent: false,
      headers:
        body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function publish(server: LivegateServer, drafts: unknown[]): Promise<string[]> {
  const res = await call(server, 'POST', '/api/v2/events', JSON.stringify(drafts));
  const ids = (JSON.parse(res.body) as { ids?: string[] }).ids;
  if (res.status !== 202 || ids === undefined) throw new Error(`publish: ${res.status} ${res.body.slice(0, 200)}`);
  return ids;
}

/** What the workers did, for the summary and the sanity checks. */
const tally = {
  published: 0,
  sseEvents: 0,
  wsEvents: 0,
  pollEvents: 0,
  sseOpened: 0,
  wsOpened: 0,
  polls: 0,
  stalled: 0,
  bad: 0,
  errors: [] as string[],
};

describe(`soak for ${SECONDS} s`, () => {
  let server: LivegateServer;
  let baselineHeap = 0;
  let lastId = '';

  beforeAll(async () => {
    server = await startTestServer({
      replay: { maxEvents: WINDOW_EVENTS },
      queue: { maxEvents: 64, maxBytes: 64 * 1024 },
      sse: { heartbeatMs: 1000 },
      stats: { intervalMs: 1000 },
      sockets: { headersTimeoutMs: 2000, requestTimeoutMs: 4000 },
    });
    // Fill the replay window first, so it holds as many events at the baseline as at the end.
    for (let i = 0; i < WINDOW_EVENTS; i += 100) {
      const ids = await publish(
        server,
        Array.from({ length: 100 }, (_, k) => draft(i + k)),
      );
      lastId = ids.at(-1)!;
    }
    baselineHeap = await settledHeap();
  });

  afterAll(async () => {
    await server?.close();
  });

  it(
    'ends with the limiter, the gauges and the heap back at their baselines',
    async () => {
      const deadline = Date.now() + SECONDS * 1000;
      const running = (): boolean => Date.now() < deadline;
      const wsUrl = `${server.url.replace(/^http/, 'ws')}/ws/dashboard`;
      const guard = (name: string, loop: () => Promise<void>) => async (): Promise<void> => {
        while (running()) {
          try {
            await loop();
          } catch (err) {
            if (tally.errors.length < 20) tally.errors.push(`${name}: ${String(err)}`);
          }
        }
      };

      const publisher = guard('publish', async () => {
        const n = between(1, 6);
        const ids = await publish(
          server,
          Array.from({ length: n }, (_, k) => draft(tally.published + k)),
        );
        tally.published += n;
        lastId = ids.at(-1)!;
        await sleep(between(5, 25));
      });

      const sseChurn = guard('sse', async () => {
        const resume = Math.random() < 0.5 ? `&lastEventId=${encodeURIComponent(lastId)}` : '';
        await new Promise<void>((resolve) => {
          const req = httpRequest({
            host: '127.0.0.1',
            port: server.port,
            path: `/api/v2/events/stream?topics=soak.a,soak.b&match=${encodeURIComponent('{severity=~"crit.*|info"}')}${resume}`,
            agent: false,
          });
          req.on('response', (res) => {
            tally.sseOpened++;
            res.on('data', (chunk: Buffer) => (tally.sseEvents += chunk.toString().split('\nid: ').length - 1));
            res.on('error', () => {});
            setTimeout(() => req.destroy(), between(100, 1500));
          });
          req.on('error', () => {});
          req.on('close', () => resolve());
          req.end();
        });
      });

      const wsChurn = guard('ws', async () => {
        await new Promise<void>((resolve) => {
          const ws = new WebSocket(wsUrl);
          ws.on('open', () => {
            tally.wsOpened++;
            ws.send(JSON.stringify({ op: 'subscribe', id: 's1', topics: ['soak.a'] }));
            ws.send(JSON.stringify({ op: 'subscribe', id: 's2', topics: ['soak.b'], match: ['{pod="pod-3"}'] }));
            setTimeout(() => (Math.random() < 0.5 ? ws.close() : ws.terminate()), between(100, 1500));
          });
          ws.on('message', (data: Buffer) => {
            if (data.toString().startsWith('{"op":"event"')) tally.wsEvents++;
          });
          ws.on('error', () => {});
          ws.on('close', () => resolve());
        });
      });

      const pollChurn = guard('poll', async () => {
        const res = await call(
          server,
          'GET',
          `/api/v2/events/poll?topics=soak.a&timeout=1&since=${encodeURIComponent(lastId)}`,
        );
        const body = JSON.parse(res.body) as { events?: unknown[] };
        tally.polls++;
        tally.pollEvents += body.events?.length ?? 0;
      });

      const stalledReaders = guard('stalled', async () => {
        // A stream request on a socket that never reads: its queue fills, it is cut off or closed at the end.
        const socket = connect(server.port, '127.0.0.1');
        socket.on('error', () => {});
        socket.on('connect', () => {
          socket.write('GET /api/v2/events/stream?topics=soak.a,soak.b HTTP/1.1\r\nHost: soak\r\n\r\n');
          socket.pause();
        });
        // And a WebSocket whose socket stops reading after the handshake.
        const ws = new WebSocket(wsUrl);
        ws.on('error', () => {});
        ws.on('open', () => {
          ws.send(JSON.stringify({ op: 'subscribe', id: 's', topics: ['soak.a', 'soak.b'] }));
          (ws as unknown as { _socket: Socket })._socket.pause();
        });
        tally.stalled += 2;
        // Long enough, at times, to fill the kernel buffers too, so the slow-consumer cut-off is exercised.
        await sleep(between(3000, 20000));
        socket.destroy();
        ws.terminate();
      });

      const badInput = guard('bad', async () => {
        const kind = tally.bad++ % 8;
        if (kind === 0) {
          await call(server, 'POST', '/api/v2/events', '{"topic":');
        } else if (kind === 1) {
          await call(server, 'GET', `/api/v2/events/stream?match=${encodeURIComponent('{pod=~"("}')}`);
        } else if (kind === 2 || kind === 3 || kind === 4) {
          const bytes = [
            '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 garbage\r\n\r\n',
            'GET /healthz HTTP/1.1\r\nHost: soak\r\n',
            'GET /api/v2/events/stream HTTP/1.1\r\nHost: soak\r\n\r\nGET /api/v2/events/stream HTTP/1.1\r\nHost: soak\r\n\r\n',
          ][kind - 2]!;
          const socket = connect(server.port, '127.0.0.1');
          socket.on('error', () => {});
          socket.on('data', () => {});
          socket.on('connect', () => socket.write(bytes));
          // Partial headers are closed by the headers timeout (2 s); the others are dropped here.
          await new Promise<void>((resolve) => {
            const timer = setTimeout(
              () => {
                socket.destroy();
                resolve();
              },
              kind === 3 ? 5000 : 500,
            );
            socket.on('close', () => {
              clearTimeout(timer);
              resolve();
            });
          });
        } else if (kind === 5) {
          await new Promise<void>((resolve) => {
            const ws = new WebSocket(wsUrl);
            ws.on('open', () => {
              ws.send('{not json');
              ws.send(JSON.stringify({ op: 'frobnicate' }));
              ws.send(JSON.stringify({ op: 'subscribe', id: 'x', match: ['{a=~"("}'] }));
              ws.send(Buffer.from([1, 2, 3]));
              setTimeout(() => ws.close(), 200);
            });
            ws.on('error', () => {});
            ws.on('close', () => resolve());
          });
        } else if (kind === 6) {
          await call(
            server,
            'POST',
            '/api/v2/events',
            JSON.stringify({ topic: 'soak.a', type: 't', data: 'x'.repeat(2 * 1024 * 1024) }),
          ).catch(() => {});
        } else {
          await call(server, 'GET', '/api/v2/events/poll?since=not-an-id&timeout=0');
        }
        await sleep(between(20, 100));
      });

      await Promise.all([
        publisher(),
        ...Array.from({ length: 4 }, sseChurn),
        ...Array.from({ length: 3 }, wsChurn),
        ...Array.from({ length: 2 }, pollChurn),
        ...Array.from({ length: 2 }, stalledReaders),
        badInput(),
      ]);

      const scrape = async (): Promise<string> => (await call(server, 'GET', '/metrics')).body;
      await waitFor(
        async () => {
          const text = await scrape();
          return (
            server.hub.sessionCount === 0 &&
            metricValue(text, 'livegate_connection_slots') === 0 &&
            metricValue(text, 'livegate_connections') === 0 &&
            metricValue(text, 'livegate_subscriptions') === 0
          );
        },
        { timeoutMs: 20_000, what: 'every connection, slot and subscription to be gone' },
      );
      const text = await scrape();
      const summary = {
        ...tally,
        slowConsumers: metricValue(text, 'livegate_slow_consumer_disconnects_total'),
        socketsRefused: metricValue(text, 'livegate_sockets_refused_total'),
        heapBaselineMB: Math.round(baselineHeap / 1e5) / 10,
      };
      expect(metricValue(text, 'livegate_connection_slots')).toBe(0);
      expect(metricValue(text, 'livegate_connection_slot_addresses')).toBe(0);
      expect(metricValue(text, 'livegate_connections')).toBe(0);
      expect(metricValue(text, 'livegate_subscriptions')).toBe(0);
      expect(metricValue(text, 'livegate_queue_depth')).toBe(0);
      expect(metricValue(text, 'livegate_task_failures_total')).toBe(0);
      expect(metricValue(text, 'livegate_timer_task_failures_total')).toBe(0);
      let sockets = -1;
      await waitFor(
        async () => {
          sockets = metricValue(await scrape(), 'livegate_sockets_open');
          // Only the scrape's own connection is left.
          return sockets <= 1;
        },
        { timeoutMs: 20_000, what: `the raw sockets to close (open: ${sockets})` },
      );
      // The load really ran on every transport.
      expect(tally.published, JSON.stringify(summary)).toBeGreaterThan(SECONDS * 20);
      expect(tally.sseOpened, JSON.stringify(summary)).toBeGreaterThan(SECONDS);
      expect(tally.wsOpened, JSON.stringify(summary)).toBeGreaterThan(SECONDS);
      expect(tally.polls, JSON.stringify(summary)).toBeGreaterThan(SECONDS);
      expect(tally.sseEvents + tally.wsEvents + tally.pollEvents, JSON.stringify(summary)).toBeGreaterThan(0);

      const heap = await settledHeap();
      console.log(`soak: ${JSON.stringify({ ...summary, heapEndMB: Math.round(heap / 1e5) / 10 })}`);
      expect(heap, JSON.stringify(summary)).toBeLessThan(baselineHeap + HEAP_MARGIN_BYTES);
    },
    (SECONDS + 120) * 1000,
  );
});
