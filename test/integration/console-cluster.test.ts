/**
 * The console on two livegate nodes sharing one Redis stream: one node (the lease holder) follows
 * NATS, both serve the same `console` state and read API, each change is announced once, and when
 * the holder stops the other takes over from the state on the bus without announcing again what
 * was already known.
 */
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LivegateServer } from '../../src/http/server.js';
import type { ConsoleTopic } from '../../src/sources/console/model.js';
import { startTestServer } from '../harness/livegate.js';
import { startNats, type NatsServer } from '../harness/nats.js';
import { startRedis, type RedisServer } from '../harness/redis.js';
import { waitFor } from '../harness/wait.js';
import { TestWs } from '../harness/ws-client.js';

const DEADLINE = 20_000;
let redis: RedisServer;
let nats: NatsServer;
let client: NatsConnection;
const nodes: LivegateServer[] = [];
const viewers: TestWs[] = [];

async function node(id: string): Promise<LivegateServer> {
  const server = await startTestServer({
    bus: { kind: 'redis', redis: { url: redis.url, stream: 'console-cluster' } },
    node: { id },
    cluster: { leaseMs: 1_000 },
    console: { cluster: 'shared', nats: { servers: [nats.url] }, metricsIntervalMs: 500, reconcileMs: 5_000 },
  });
  nodes.push(server);
  return server;
}

async function viewer(server: LivegateServer): Promise<TestWs> {
  const ws = await TestWs.open(`${server.url}/ws/dashboard`);
  viewers.push(ws);
  await ws.subscribe({ topics: ['console'] });
  return ws;
}

const created = (ws: TestWs, name: string) =>
  ws.events().filter((e) => e.type === 'topic_created' && (e.data as ConsoleTopic).name === name);

async function names(server: LivegateServer): Promise<string[]> {
  const res = await fetch(`${server.url}/api/v1/console/topics`);
  const body = (await res.json()) as { topics: ConsoleTopic[] };
  return body.topics.map((t) => t.name);
}

beforeAll(async () => {
  [redis, nats] = await Promise.all([startRedis(), startNats()]);
  client = await connect({ servers: nats.url });
}, 60_000);

afterAll(async () => {
  for (const ws of viewers) ws.close();
  await Promise.all(nodes.map((n) => n.close()));
  await client?.close();
  await Promise.all([nats?.stop(), redis?.stop()]);
});

describe('the console on two nodes', () => {
  let a: LivegateServer;
  let b: LivegateServer;
  let onA: TestWs;
  let onB: TestWs;

  it('announces a stream once, to viewers on both nodes, and both answer the read API alike', async () => {
    [a, b] = [await node('a'), await node('b')];
    [onA, onB] = [await viewer(a), await viewer(b)];
    await (await client.jetstreamManager()).streams.add({ name: 'first', subjects: ['first.>'] });
    for (const ws of [onA, onB])
      await waitFor(() => created(ws, 'first').length > 0, { timeoutMs: DEADLINE, what: 'topic_created of first' });
    expect(created(onA, 'first')).toHaveLength(1);
    expect(created(onB, 'first')).toHaveLength(1);
    await waitFor(async () => (await names(a)).includes('first') && (await names(b)).includes('first'), {
      timeoutMs: DEADLINE,
      what: 'both nodes to list first',
    });
  });

  it('takes writes on either node: the other relays them to the lease holder', async () => {
    const post = (server: LivegateServer, name: string, extra: Record<string, unknown> = {}) =>
      fetch(`${server.url}/api/v1/console/topics`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name, ...extra }),
      });
    const [fromA, fromB] = await Promise.all([post(a, 'via_a'), post(b, 'via_b')]);
    expect([fromA.status, fromB.status]).toEqual([201, 201]);
    expect(await fromB.json()).toMatchObject({ name: 'via_b', subjects: ['via_b.>'] });
    for (const ws of [onA, onB])
      for (const name of ['via_a', 'via_b'])
        await waitFor(() => created(ws, name).length === 1, { timeoutMs: DEADLINE, what: `topic_created of ${name}` });
    // Refusals come back from the holder with their status (the same settings again would be a no-op 201).
    const again = await post(a, 'via_b', { maxMessages: 5 });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: { code: 'conflict', field: 'name' } });
    const gone = await fetch(`${b.url}/api/v1/console/topics/via_a`, { method: 'DELETE' });
    expect(gone.status).toBe(204);
    const missing = await fetch(`${a.url}/api/v1/console/topics/via_a`, { method: 'DELETE' });
    expect(missing.status).toBe(404);
  });

  it('moves to the other node when the holder stops, without announcing known topics again', async () => {
    // a started alone, so it took the lease; b has been relaying to it.
    const holder = a;
    const survivor = holder === a ? b : a;
    const onSurvivor = survivor === a ? onA : onB;
    const mark = onSurvivor.events().length;
    await holder.close();
    nodes.splice(nodes.indexOf(holder), 1);
    await (await client.jetstreamManager()).streams.add({ name: 'after', subjects: ['after.>'] });
    await waitFor(() => created(onSurvivor, 'after').length > 0, {
      timeoutMs: DEADLINE,
      what: 'the survivor to take the lease and announce after',
    });
    const again = onSurvivor
      .events()
      .slice(mark)
      .filter((e) => e.type === 'topic_created' && (e.data as ConsoleTopic).name !== 'after');
    expect(again).toEqual([]);
    const res = await fetch(`${survivor.url}/api/v1/console/topics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'later' }),
    });
    expect(res.status).toBe(201);
  });
});
