/**
 * The console end to end: livegate started from config with `console.nats.servers` pointing at a
 * real `nats-server -js`, viewers on the WebSocket, changes made through the console API and
 * directly with the `nats` client, and an outage of NATS. Waits are on events with generous
 * deadlines (the machine is shared); no timing is asserted.
 */
import { AckPolicy, connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LivegateServer } from '../../src/http/server.js';
import type { ConsoleGroup, ConsoleMetrics, ConsoleSnapshot, ConsoleTopic } from '../../src/sources/console/model.js';
import { startTestServer } from '../harness/livegate.js';
import { startNats, type NatsServer } from '../harness/nats.js';
import { waitFor } from '../harness/wait.js';
import { TestWs } from '../harness/ws-client.js';

interface Ev {
  topic: string;
  type: string;
  source: string;
  labels: Record<string, string>;
  data: unknown;
}

const DEADLINE = 20_000;
/** The test's own publishes wait this long for their acks: 1,000 at once outlast nats' 5 s default on a loaded machine. */
const JS_OPTS = { timeout: 30_000 };
let nats: NatsServer;
let client: NatsConnection;
let server: LivegateServer;
let viewer: TestWs;

beforeAll(async () => {
  nats = await startNats();
  client = await connect({ servers: nats.url, reconnectTimeWait: 100, maxReconnectAttempts: -1 });
  server = await startTestServer({
    console: { cluster: 'test', nats: { servers: [nats.url] }, metricsIntervalMs: 500, reconcileMs: 5_000 },
  });
  viewer = await TestWs.open(`${server.url}/ws/dashboard`);
  await viewer.subscribe({ topics: ['console', 'health'] });
  await waitForEvent(0, (e) => e.type === 'metrics_updated' && connectedMetrics(e), 'a connected round');
}, 60_000);

afterAll(async () => {
  viewer?.close();
  await server?.close();
  await client?.close();
  await nats?.stop();
});

function connectedMetrics(e: Ev): boolean {
  return (e.data as ConsoleMetrics).cluster?.connected === true;
}

/** Events the viewer received so far. */
function events(): Ev[] {
  return viewer.events() as unknown as Ev[];
}

/** The first event from position `mark` on that matches. */
async function waitForEvent(mark: number, match: (e: Ev) => boolean, what: string): Promise<Ev> {
  return waitFor(() => events().slice(mark).find(match), { timeoutMs: DEADLINE, what });
}

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${server.url}/api/v1/console${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : (JSON.parse(text) as unknown) };
}

const isType =
  <T>(type: string, match: (data: T) => boolean) =>
  (e: Ev): boolean =>
    e.topic === 'console' && e.type === type && match(e.data as T);

describe('the console topic', () => {
  it('gives a new subscriber the snapshot first, with the cluster health', async () => {
    const ws = await TestWs.open(`${server.url}/ws/dashboard`);
    try {
      const sub = await ws.subscribe({ topics: ['console'] });
      const first = await waitFor(() => ws.events(sub)[0], { timeoutMs: DEADLINE, what: 'the snapshot' });
      expect(first).toMatchObject({ topic: 'console', type: 'snapshot' });
      const snapshot = first.data as ConsoleSnapshot;
      expect(Array.isArray(snapshot.topics)).toBe(true);
      expect(Array.isArray(snapshot.groups)).toBe(true);
      expect(snapshot.cluster).toMatchObject({ name: 'test', platform: 'nats-jetstream', connected: true });
    } finally {
      ws.close();
    }
  });

  it('announces a topic created through the API to a WebSocket viewer, and lists it', async () => {
    const mark = events().length;
    const created = await api('POST', '/topics', { name: 'orders', maxAgeSeconds: 3600 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'orders', subjects: ['orders.>'], maxAgeSeconds: 3600, messages: 0 });
    const event = await waitForEvent(
      mark,
      isType<ConsoleTopic>('topic_created', (t) => t.name === 'orders'),
      'topic_created',
    );
    expect(event).toMatchObject({ source: 'console/test', labels: { cluster: 'test', topic: 'orders' } });

    const listed = await api('GET', '/topics');
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ offset: 0, topics: [expect.objectContaining({ name: 'orders' })] });
    const { body: again } = await api('POST', '/topics', { name: 'orders' });
    expect(again).toMatchObject({ error: { code: 'conflict', field: 'name' } });
    const overlap = await api('POST', '/topics', { name: 'orders2', subjects: ['orders.eu'] });
    expect(overlap).toMatchObject({ status: 409, body: { error: { code: 'conflict', field: 'subjects' } } });
  });

  it('raises messages/s in metrics_updated after 1,000 messages', async () => {
    await api('POST', '/topics', { name: 'rates', subjects: ['rates.>'] });
    const js = client.jetstream(JS_OPTS);
    const mark = events().length;
    const payload = new Uint8Array(64);
    await Promise.all(Array.from({ length: 1_000 }, (_, i) => js.publish(`rates.${i % 10}`, payload)));
    const event = await waitForEvent(
      mark,
      isType<ConsoleMetrics>('metrics_updated', (m) =>
        m.topics.some((t) => t.name === 'rates' && (t.messagesPerSecond ?? 0) > 0),
      ),
      'a metrics_updated with messages/s for rates',
    );
    const rates = (event.data as ConsoleMetrics).topics.find((t) => t.name === 'rates')!;
    expect(rates.bytesPerSecond).toBeGreaterThan(0);
    await waitForEvent(
      mark,
      isType<ConsoleTopic>('topic_updated', (t) => t.name === 'rates' && t.messages === 1_000),
      'topic_updated with 1,000 messages',
    );
  });

  it('shows lag growing for a durable consumer that does not consume, and 0 once it consumes', async () => {
    await api('POST', '/topics', { name: 'billing' });
    const jsm = await client.jetstreamManager();
    const mark = events().length;
    await jsm.consumers.add('billing', { durable_name: 'invoicer', ack_policy: AckPolicy.Explicit });
    await waitForEvent(
      mark,
      isType<ConsoleGroup>('group_created', (g) => g.name === 'invoicer'),
      'group_created',
    );
    const js = client.jetstream(JS_OPTS);
    for (let i = 0; i < 20; i += 1) await js.publish('billing.new', new Uint8Array(8));
    await waitForEvent(
      mark,
      isType<ConsoleGroup>('group_updated', (g) => g.name === 'invoicer' && g.lag === 20),
      'group_updated with lag 20',
    );
    const groups = await api('GET', '/groups?topic=billing');
    expect(groups.body).toMatchObject({ total: 1, groups: [{ topic: 'billing', name: 'invoicer', lag: 20 }] });

    const consumer = await js.consumers.get('billing', 'invoicer');
    let acked = 0;
    while (acked < 20) {
      const batch = await consumer.fetch({ max_messages: 20 - acked, expires: 2_000 });
      for await (const message of batch) {
        message.ack();
        acked += 1;
      }
    }
    await waitForEvent(
      mark,
      isType<ConsoleGroup>('group_updated', (g) => g.name === 'invoicer' && g.lag === 0 && g.ackPending === 0),
      'group_updated with lag 0',
    );
  });

  it('announces a stream created directly with the nats client', async () => {
    const jsm = await client.jetstreamManager();
    const mark = events().length;
    await jsm.streams.add({ name: 'direct', subjects: ['direct.>'] });
    await waitForEvent(
      mark,
      isType<ConsoleTopic>('topic_created', (t) => t.name === 'direct'),
      'topic_created of direct',
    );
  });

  it('deletes a topic: group_deleted for its groups, then topic_deleted', async () => {
    await api('POST', '/topics', { name: 'doomed' });
    const jsm = await client.jetstreamManager();
    await jsm.consumers.add('doomed', { durable_name: 'reader', ack_policy: AckPolicy.Explicit });
    await waitForEvent(
      0,
      isType<ConsoleGroup>('group_created', (g) => g.topic === 'doomed'),
      'group_created',
    );
    const mark = events().length;
    const deleted = await api('DELETE', '/topics/doomed');
    expect(deleted.status).toBe(204);
    await waitForEvent(
      mark,
      isType<ConsoleTopic>('topic_deleted', (t) => t.name === 'doomed'),
      'topic_deleted',
    );
    const types = events()
      .slice(mark)
      .filter((e) => (e.labels['topic'] ?? '') === 'doomed')
      .map((e) => e.type);
    expect(types.indexOf('group_deleted')).toBeLessThan(types.indexOf('topic_deleted'));
    expect(await api('DELETE', '/topics/doomed')).toMatchObject({
      status: 404,
      body: { error: { code: 'not_found', field: 'name' } },
    });
    expect(await api('GET', '/groups?topic=doomed')).toMatchObject({
      status: 404,
      body: { error: { code: 'not_found', field: 'topic' } },
    });
  });
});

describe('the console on /metrics', () => {
  it('counts rounds, requests and what it publishes', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const value = (series: string): number => Number(new RegExp(`^${series} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(value('livegate_console_rounds_total\\{cluster="test",result="complete"\\}')).toBeGreaterThan(0);
    expect(value('livegate_console_requests_total\\{cluster="test"\\}')).toBeGreaterThan(0);
    expect(value('livegate_console_topics\\{cluster="test"\\}')).toBeGreaterThan(0);
    expect(value('livegate_console_round_duration_seconds_count\\{cluster="test"\\}')).toBeGreaterThan(0);
  });
});

describe('the console through a NATS outage', () => {
  it('turns console/test unhealthy when NATS stops, answers 503, and recovers with a matching snapshot', async () => {
    const health = (status: string) => (e: Ev) =>
      e.topic === 'health' &&
      e.type === 'health_changed' &&
      (e.data as { component: string; status: string }).component === 'console/test' &&
      (e.data as { status: string }).status === status;
    const mark = events().length;
    await nats.kill();
    await waitForEvent(mark, health('unhealthy'), 'console/test unhealthy');
    expect(await api('GET', '/topics')).toMatchObject({
      status: 503,
      body: { error: { code: 'console_unavailable' } },
    });
    expect(await api('POST', '/topics', { name: 'later' })).toMatchObject({ status: 503 });

    const restartMark = events().length;
    await nats.restart();
    await waitForEvent(restartMark, health('healthy'), 'console/test healthy again');
    const jsm = await waitFor(async () => client.jetstreamManager(), {
      timeoutMs: DEADLINE,
      what: 'the test client back',
    });
    const names = await waitFor(async () => (await jsm.streams.names().next()).sort(), {
      timeoutMs: DEADLINE,
      what: 'the stream names after the restart',
    });
    // A new viewer's snapshot lists exactly what NATS holds (once the first round after the restart ran).
    await waitFor(
      async () => {
        const ws = await TestWs.open(`${server.url}/ws/dashboard`);
        try {
          const sub = await ws.subscribe({ topics: ['console'] });
          const snap = await waitFor(() => ws.events(sub)[0], { timeoutMs: DEADLINE, what: 'snapshot' });
          const data = snap.data as ConsoleSnapshot;
          return (
            data.cluster?.connected === true && JSON.stringify(data.topics.map((t) => t.name)) === JSON.stringify(names)
          );
        } finally {
          ws.close();
        }
      },
      { timeoutMs: DEADLINE, intervalMs: 500, what: 'a snapshot matching NATS' },
    );
    expect((await api('GET', '/topics')).status).toBe(200);
  });
});
