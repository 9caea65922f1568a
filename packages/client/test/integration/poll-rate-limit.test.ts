/**
 * The SDK's long-poll loop against the real server with a tight `limits.connectsPerSecond`: a poll
 * that continues from the position the server's last answer gave is never counted as a new
 * connection, however fast events make the loop go, while forged positions are (the server side
 * of that is in test/integration/limits.test.ts). The server is loaded as in real-server.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type LivegateClient } from '../../src/client.js';
import type { LivegateError } from '../../src/errors.js';
import type { LivegateEvent } from '../../src/types.js';

const SERVER_MODULE = new URL('../../../../src/http/server.ts', import.meta.url).href;
const CONFIG_MODULE = new URL('../../../../src/config/load.ts', import.meta.url).href;

/** The part of `LivegateServer` these tests use. */
interface LiveServer {
  readonly url: string;
  readonly app: {
    readonly server: {
      on(
        event: 'request',
        listener: (req: { url?: string }, res: { statusCode: number; once(e: 'finish', l: () => void): void }) => void,
      ): void;
    };
  };
  close(): Promise<void>;
}

// A burst of 3: one counted request per client's connect (its first poll), three clients.
const CONNECTS_PER_SECOND = 3;
let server: LiveServer | undefined;
const clients: LivegateClient[] = [];

/** Polls the server answered, by status. */
const pollStatuses = new Map<number, number>();

async function startServer(): Promise<LiveServer> {
  const [{ startLivegate }, { loadConfig }] = (await Promise.all([import(SERVER_MODULE), import(CONFIG_MODULE)])) as [
    { startLivegate(options: { config: unknown }): Promise<LiveServer> },
    { loadConfig(sources: { overrides: unknown }): unknown },
  ];
  const config = loadConfig({
    overrides: {
      host: '127.0.0.1',
      port: 0,
      stats: { intervalMs: 0 },
      limits: { connectsPerSecond: CONNECTS_PER_SECOND, publishesPerSecond: 0 },
      log: { level: process.env.LIVEGATE_TEST_LOG === '1' ? 'debug' : 'silent' },
    },
  });
  const started = await startLivegate({ config });
  started.app.server.on('request', (req, res) => {
    if (!(req.url ?? '').startsWith('/api/v2/events/poll')) return;
    res.once('finish', () => pollStatuses.set(res.statusCode, (pollStatuses.get(res.statusCode) ?? 0) + 1));
  });
  return started;
}

async function publish(n: number): Promise<void> {
  const res = await fetch(`${server!.url}/api/v2/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ topic: 'seq', type: 'tick', data: { n } }),
  });
  expect(res.status).toBe(202);
}

/** Resolves with the first truthy value of `check`, or fails after `timeoutMs` naming `what`. */
async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

interface Watched {
  readonly numbers: number[];
  readonly errors: LivegateError[];
  readonly disconnects: string[];
  opens: number;
}

function connect(): Watched {
  const client = createClient({
    url: server!.url,
    transports: ['poll'],
    topics: ['seq'],
    pollTimeoutSeconds: 1,
    connectTimeoutMs: 5000,
    watchOnline: false,
  });
  clients.push(client);
  const w: Watched = { numbers: [], errors: [], disconnects: [], opens: 0 };
  client.on('*', (event: LivegateEvent) => {
    if (event.topic === 'seq') w.numbers.push((event.data as { n: number }).n);
  });
  client.on('connected', () => w.opens++);
  client.on('disconnected', (d) => w.disconnects.push(d.error.code));
  client.on('error', (e) => w.errors.push(e));
  return w;
}

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server?.close();
  server = undefined;
  pollStatuses.clear();
});

describe(`the SDK's long-poll loop under limits.connectsPerSecond ${CONNECTS_PER_SECOND}`, () => {
  it('is never refused, however fast events make it poll, for three clients behind one address', async () => {
    server = await startServer();
    const watched = [connect(), connect(), connect()];
    for (const w of watched) await until('the client open', () => w.opens === 1);
    const started = performance.now();
    const count = 60;
    for (let n = 1; n <= count; n++) {
      await publish(n);
      // One answer per event: every client polls again for each of them.
      await until(`event ${n} at every client`, () => watched.every((w) => w.numbers.at(-1) === n));
    }
    // Idle long enough for waits to time out: answers after a full wait continue too.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await publish(count + 1);
    await until('the last event at every client', () => watched.every((w) => w.numbers.at(-1) === count + 1));
    const elapsedSeconds = (performance.now() - started) / 1000;

    const expected = Array.from({ length: count + 1 }, (_, i) => i + 1);
    for (const w of watched) {
      expect(w.numbers).toEqual(expected);
      expect(w.errors).toEqual([]);
      expect(w.disconnects).toEqual([]);
      expect(w.opens).toBe(1);
    }
    expect(pollStatuses.get(429) ?? 0).toBe(0);
    // Counted as new connections, these polls (one address) would have been refused: there were
    // more than the burst plus what refilled in the time they took.
    const polls = pollStatuses.get(200) ?? 0;
    expect(polls).toBeGreaterThan(3 * count);
    expect(polls).toBeGreaterThan(CONNECTS_PER_SECOND * (1 + elapsedSeconds));
  }, 120_000);
});
