/**
 * `client.metrics(query, interval)` of `@livegate/client` against a livegate server and a real
 * Prometheus: updates arrive, a refused query ends the subscription with the server's error, and
 * `close()` ends the server's stream.
 */
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type LivegateClient, type MetricUpdate } from '../../packages/client/src/index.js';
import type { LivegateServer } from '../../src/http/server.js';
import { startPrometheus, waitFor, type Prometheus } from '../harness/index.js';
import { startTestServer } from '../harness/livegate.js';

let prom: Prometheus;
let server: LivegateServer;
let client: LivegateClient;

beforeAll(async () => {
  prom = await startPrometheus();
  server = await startTestServer({ prometheus: { url: prom.url } });
  client = createClient({ url: server.url, EventSource });
});

afterAll(async () => {
  client?.close();
  await server?.close();
  await prom?.stop();
});

async function streamCount(): Promise<number> {
  const res = await fetch(`${server.url}/api/v1/metrics/stream/status`);
  return ((await res.json()) as { streams: unknown[] }).streams.length;
}

describe('client.metrics', () => {
  it('delivers the backfill and live updates, then close() ends the server stream', async () => {
    const sub = client.metrics('up', 5, { range: 60, step: 5 });
    const updates: MetricUpdate[] = [];
    let connected: { query: string } | null = null;
    sub.on('connected', (c) => (connected = c));
    sub.on('update', (u) => updates.push(u));
    await waitFor(() => updates.some((u) => u.resultType === 'vector'), { timeoutMs: 15_000, what: 'a live update' });
    expect(connected).toMatchObject({ query: 'up' });
    expect(updates[0]!.resultType).toBe('matrix');
    expect(sub.latest?.resultType).toBe('vector');
    expect(await streamCount()).toBe(1);
    sub.close();
    await waitFor(async () => (await streamCount()) === 0, { timeoutMs: 5000, what: 'the server stream to end' });
  });

  it('ends the subscription with the server error for a refused query', async () => {
    const sub = client.metrics('sum(', 5);
    const closed = await new Promise<{ reason: { code: string; message: string } | null }>((resolve) =>
      sub.on('closed', resolve),
    );
    expect(closed.reason?.code).toBe('invalid_promql');
    expect(closed.reason?.message).toMatch(/position/);
  });

  it('refuses a bad interval at once', () => {
    expect(() => client.metrics('up', 4)).toThrow(/5 to 300/);
  });
});
