/**
 * The console source against a real `nats-server -js`: advisories, rounds, rates, lag, deletion,
 * an outage and the reconcile after it. A recording context stands in for the server so each
 * draft can be inspected; the end-to-end path through the hub is in console-api.test.ts.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AckPolicy, connect, type NatsConnection } from 'nats';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleGroup, ConsoleMetrics, ConsoleTopic } from '../../src/sources/console/model.js';
import { ConsoleSource } from '../../src/sources/console/console-source.js';
import { natsConnectionOptions } from '../../src/sources/console/nats/connect-options.js';
import { NatsPlatform } from '../../src/sources/console/nats/nats-platform.js';
import { startNats, type NatsServer } from '../harness/nats.js';
import { SourceRecorder } from '../harness/source-recorder.js';
import { makeTempDir } from '../harness/temp-dir.js';
import { waitFor } from '../harness/wait.js';

let nats: NatsServer;
let client: NatsConnection;
const running: ConsoleSource[] = [];
/** The test's own publishes wait this long for their acks: 1,000 at once outlast nats' 5 s default on a loaded machine. */
const JS_OPTS = { timeout: 30_000 };

beforeAll(async () => {
  nats = await startNats();
  client = await connect({ servers: nats.url, reconnectTimeWait: 100, maxReconnectAttempts: -1 });
});
afterEach(async () => {
  for (const source of running.splice(0)) await source.stop();
  const jsm = await client.jetstreamManager();
  for (const name of await jsm.streams.names().next()) await jsm.streams.delete(name);
});
afterAll(async () => {
  await client?.close();
  await nats?.stop();
});

type Login = { user: string; password: string };

async function startSource(options: ConstructorParameters<typeof ConsoleSource>[1] = {}, on = nats, login?: Login) {
  const recorder = new SourceRecorder();
  const platform = new NatsPlatform({ connection: natsConnectionOptions({ servers: [on.url], ...login }) });
  const source = new ConsoleSource(platform, { cluster: 'test', metricsIntervalMs: 300, ...options });
  running.push(source);
  await source.start(recorder.ctx);
  await recorder.waitForHealth('healthy', 5_000);
  return { source, recorder };
}

const metricsOf = (recorder: SourceRecorder) => recorder.of<ConsoleMetrics>('metrics_updated');

describe('console source on NATS JetStream', () => {
  it('announces a stream created with the nats client through its advisory, well before the next round', async () => {
    const { source, recorder } = await startSource({ metricsIntervalMs: 60_000, reconcileIntervalMs: 60_000 });
    await waitFor(() => source.lastCost !== null, { timeoutMs: 5_000, what: 'the first connected round' });
    const rounds = source.rounds;
    const jsm = await client.jetstreamManager();
    const started = Date.now();
    await jsm.streams.add({ name: 'direct', subjects: ['direct.>'] });
    const created = await recorder.waitFor<ConsoleTopic>('topic_created', (t) => t.name === 'direct', 1_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(created).toEqual({
      name: 'direct',
      subjects: ['direct.>'],
      messages: 0,
      bytes: 0,
      firstSeq: 0,
      lastSeq: 0,
      consumers: 0,
      retention: 'limits',
      maxAgeSeconds: null,
    });
    expect(source.rounds).toBe(rounds);
  });

  it('raises messages/s and bytes/s in the next metrics_updated after 1,000 messages', async () => {
    const jsm = await client.jetstreamManager();
    await jsm.streams.add({ name: 'rates', subjects: ['rates.>'] });
    const { recorder } = await startSource();
    // A connected round after the topic is known gives its first reading (idle topics are not listed in metrics).
    await recorder.waitFor<ConsoleTopic>('topic_created', (t) => t.name === 'rates', 5_000);
    const known = recorder.mark;
    await recorder.waitFor<ConsoleMetrics>('metrics_updated', (m) => m.cost !== null, 5_000, known);
    const js = client.jetstream(JS_OPTS);
    const payload = new Uint8Array(100);
    await Promise.all(Array.from({ length: 1_000 }, (_, i) => js.publish(`rates.${i % 10}`, payload)));
    const mark = recorder.mark;
    const metrics = await recorder.waitFor<ConsoleMetrics>(
      'metrics_updated',
      (m) => (m.topics.find((t) => t.name === 'rates')?.messagesPerSecond ?? 0) > 0,
      15_000,
      mark,
    );
    const rates = metrics.topics.find((t) => t.name === 'rates')!;
    // The publishes may spread over several intervals on a loaded machine, so the rate of one
    // interval is not a fixed number; what holds in every interval is that it counts the messages
    // that arrived in it: each 100-byte payload adds at least 100 bytes/s per message/s.
    expect(rates.messagesPerSecond).toBeGreaterThan(0);
    expect(rates.bytesPerSecond!).toBeGreaterThanOrEqual(100 * rates.messagesPerSecond!);
    // Once the messages stop, the topic is idle and leaves the listing; the totals still count it.
    const idle = await recorder.waitFor<ConsoleMetrics>(
      'metrics_updated',
      (m) => m.totals !== null && !m.topics.some((t) => t.name === 'rates'),
      15_000,
      recorder.mark,
    );
    expect(idle.totals?.topics).toBe(1);
    expect(metrics.cluster).toMatchObject({ name: 'test', platform: 'nats-jetstream', connected: true });
    expect(metrics.cluster?.jetstream?.storage).toBeGreaterThan(100_000);
    expect(metrics.cost?.requests).toBeGreaterThan(0);
    expect(metrics.totals?.messagesPerSecond).toBeGreaterThanOrEqual(rates.messagesPerSecond!);
  });

  it('shows a non-consuming durable consumer lag growing in group_updated, and consuming brings it to 0', async () => {
    const jsm = await client.jetstreamManager();
    await jsm.streams.add({ name: 'orders', subjects: ['orders.>'] });
    await jsm.consumers.add('orders', { durable_name: 'billing', ack_policy: AckPolicy.Explicit });
    const { recorder } = await startSource();
    await recorder.waitFor<ConsoleGroup>('group_created', (g) => g.name === 'billing' && g.lag === 0, 5_000);
    const js = client.jetstream(JS_OPTS);
    for (let i = 0; i < 10; i += 1) await js.publish('orders.new', new Uint8Array(10));
    await recorder.waitFor<ConsoleGroup>('group_updated', (g) => g.name === 'billing' && g.lag === 10, 5_000);
    for (let i = 0; i < 15; i += 1) await js.publish('orders.new', new Uint8Array(10));
    await recorder.waitFor<ConsoleGroup>('group_updated', (g) => g.name === 'billing' && g.lag === 25, 5_000);

    const consumer = await js.consumers.get('orders', 'billing');
    const batch = await consumer.fetch({ max_messages: 25, expires: 2_000 });
    for await (const message of batch) message.ack();
    const done = await recorder.waitFor<ConsoleGroup>(
      'group_updated',
      (g) => g.name === 'billing' && g.lag === 0 && g.ackPending === 0,
      5_000,
    );
    expect(done).toMatchObject({ topic: 'orders', name: 'billing', redelivered: 0 });
    expect(done.lastActive).not.toBeNull();
    const lags = recorder.of<ConsoleGroup>('group_updated', (g) => g.name === 'billing').map((g) => g.lag);
    expect(lags).toContain(10);
    expect(lags).toContain(25);
    // The delivery rate of the interval in which the 25 messages were fetched (it may come after
    // the lag-0 update on a loaded machine, so wait for it rather than read what arrived so far).
    await recorder.waitFor<ConsoleMetrics>(
      'metrics_updated',
      (m) => m.groups.some((g) => g.name === 'billing' && (g.deliveredPerSecond ?? 0) > 0),
      15_000,
    );
  });

  it('sends group_updated at most once per group per interval however busy the group is', async () => {
    const jsm = await client.jetstreamManager();
    await jsm.streams.add({ name: 'busy', subjects: ['busy.>'] });
    await jsm.consumers.add('busy', { durable_name: 'slow', ack_policy: AckPolicy.Explicit });
    const interval = 500;
    const { recorder } = await startSource({ metricsIntervalMs: interval });
    await recorder.waitFor<ConsoleGroup>('group_created', (g) => g.name === 'slow', 5_000);
    const js = client.jetstream(JS_OPTS);
    const stopAt = Date.now() + 2_500;
    while (Date.now() < stopAt) await js.publish('busy.x', new Uint8Array(1));
    await recorder.waitFor<ConsoleGroup>('group_updated', (g) => g.name === 'slow', 5_000);
    const times = recorder.drafts
      .map((d, i) => ({ d, at: recorder.publishedAt[i]! }))
      .filter(({ d }) => d.type === 'group_updated')
      .map(({ at }) => at);
    expect(times.length).toBeGreaterThanOrEqual(2);
    // Thousands of messages went in, yet updates are an interval apart (a few ms of publish jitter allowed).
    for (let i = 1; i < times.length; i += 1) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(interval - 20);
  });

  it('publishes group_deleted then topic_deleted when a stream is deleted', async () => {
    const jsm = await client.jetstreamManager();
    await jsm.streams.add({ name: 'gone', subjects: ['gone.>'] });
    await jsm.consumers.add('gone', { durable_name: 'reader', ack_policy: AckPolicy.Explicit });
    const { recorder } = await startSource({ metricsIntervalMs: 60_000, reconcileIntervalMs: 60_000 });
    await recorder.waitFor<ConsoleGroup>('group_created', (g) => g.name === 'reader', 5_000);
    const mark = recorder.mark;
    await jsm.streams.delete('gone');
    // A deadline for a loaded machine; the reconcile runs only every 60 s, so only the advisory can meet it.
    await recorder.waitFor<ConsoleTopic>('topic_deleted', (t) => t.name === 'gone', 10_000, mark);
    const types = recorder.drafts.slice(mark).map((d) => d.type);
    expect(types.indexOf('group_deleted')).toBeGreaterThanOrEqual(0);
    expect(types.indexOf('group_deleted')).toBeLessThan(types.indexOf('topic_deleted'));
  });

  it('bounds each round by its request budget and still completes a sweep over several rounds', async () => {
    const jsm = await client.jetstreamManager();
    for (let i = 0; i < 12; i += 1) {
      await jsm.streams.add({ name: `b${i}`, subjects: [`b${i}.>`] });
      await jsm.consumers.add(`b${i}`, { durable_name: 'g', ack_policy: AckPolicy.Explicit });
    }
    const { source, recorder } = await startSource({ maxRequestsPerRound: 5, concurrency: 1 });
    await waitFor(() => source.sweeps.completed >= 2, { timeoutMs: 10_000, what: 'two full sweeps' });
    const costs = metricsOf(recorder).flatMap((m) => (m.cost === null ? [] : [m.cost]));
    expect(Math.max(...costs.map((c) => c.requests))).toBeLessThanOrEqual(5 + 2);
    expect(costs.some((c) => !c.complete)).toBe(true);
    expect(new Set(recorder.of<ConsoleGroup>('group_created').map((g) => g.topic)).size).toBe(12);
  });
});

/**
 * nats-server sometimes never sends a stream's STREAM.DELETED advisory (it is queued on the stream's
 * own queue, which the deletion shuts down; see nats/advisories.ts), and on a loaded machine a
 * JetStream request of a round can time out. Users denied the advisory (one also the API audit) or
 * the account-info request make both happen every time, not by chance.
 */
describe('console source when NATS withholds an advisory or an answer', () => {
  const DELETED = '$JS.EVENT.ADVISORY.STREAM.DELETED.>';
  const noStreamAdvisory = { user: 'no-stream-advisory', password: 'p1' };
  const consumerAdvisoriesOnly = { user: 'consumer-advisories-only', password: 'p2' };
  const noAccountInfo = { user: 'no-account-info', password: 'p3' };
  let denied: NatsServer;
  let admin: NatsConnection;

  beforeAll(async () => {
    const dir = await makeTempDir('nats-conf');
    const user = (login: Login, deny: string[], verb = 'subscribe') =>
      `{ user: "${login.user}", password: "${login.password}", permissions: { ${verb}: { allow: [">"], deny: ${JSON.stringify(deny)} } } }`;
    await writeFile(
      join(dir.path, 'nats.conf'),
      `authorization { users = [\n  { user: "admin", password: "admin" }\n  ${user(noStreamAdvisory, [DELETED])}\n  ${user(consumerAdvisoriesOnly, [DELETED, '$JS.EVENT.ADVISORY.API'])}\n  ${user(noAccountInfo, ['$JS.API.INFO'], 'publish')}\n] }\n`,
    );
    denied = await startNats({ extraArgs: ['-c', join(dir.path, 'nats.conf')] });
    admin = await connect({ servers: denied.url, user: 'admin', pass: 'admin' });
  });
  afterAll(async () => {
    await admin?.close();
    await denied?.stop();
  });

  async function deleteAndExpectDeletion(login: Login, consumer: boolean) {
    const jsm = await admin.jetstreamManager();
    const name = consumer ? 'with_group' : 'bare';
    await jsm.streams.add({ name, subjects: [`${name}.>`] });
    if (consumer) await jsm.consumers.add(name, { durable_name: 'reader', ack_policy: AckPolicy.Explicit });
    const { source, recorder } = await startSource(
      { metricsIntervalMs: 60_000, reconcileIntervalMs: 60_000 },
      denied,
      login,
    );
    await waitFor(() => source.lastCost !== null, { timeoutMs: 10_000, what: 'the first connected round' });
    expect(source.topics().map((t) => t.name)).toContain(name);
    const mark = recorder.mark;
    await jsm.streams.delete(name);
    // The next round is 60 s away: only what the source hears at once can meet this deadline.
    await recorder.waitFor<ConsoleTopic>('topic_deleted', (t) => t.name === name, 10_000, mark);
    return recorder.drafts.slice(mark).map((d) => d.type);
  }

  it("publishes the deletion from its consumers' advisories: their group listing finds no stream", async () => {
    const types = await deleteAndExpectDeletion(consumerAdvisoriesOnly, true);
    expect(types.indexOf('group_deleted')).toBeGreaterThanOrEqual(0);
    expect(types.indexOf('group_deleted')).toBeLessThan(types.indexOf('topic_deleted'));
  });

  it('publishes the deletion of a stream without consumers from the API audit advisory', async () => {
    await deleteAndExpectDeletion(noStreamAdvisory, false);
  });

  it('still publishes the rates a round read when a later request of the round fails', async () => {
    const jsm = await admin.jetstreamManager();
    await jsm.streams.add({ name: 'metered', subjects: ['metered.>'] });
    // Every round fails at the account info; its topic readings are the next round's previous samples.
    const { recorder } = await startSource({}, denied, noAccountInfo);
    await recorder.waitFor<ConsoleTopic>('topic_created', (t) => t.name === 'metered', 10_000);
    await recorder.waitFor<ConsoleMetrics>('metrics_updated', (m) => m.cost !== null, 15_000);
    const js = admin.jetstream(JS_OPTS);
    await Promise.all(Array.from({ length: 100 }, () => js.publish('metered.x', new Uint8Array(10))));
    const metrics = await recorder.waitFor<ConsoleMetrics>(
      'metrics_updated',
      (m) => (m.topics.find((t) => t.name === 'metered')?.messagesPerSecond ?? 0) > 0,
      15_000,
    );
    expect(metrics.cost?.complete).toBe(false);
    expect(recorder.health.at(-1)).toMatchObject({ status: 'degraded' });
  });
});

describe('console source on a busy topic', () => {
  it('re-reads the groups of a topic that received messages every round, not only when the sweep comes by', async () => {
    const jsm = await client.jetstreamManager();
    for (let i = 0; i < 12; i += 1) {
      await jsm.streams.add({ name: `q${i}`, subjects: [`q${i}.>`] });
      await jsm.consumers.add(`q${i}`, { durable_name: 'g', ack_policy: AckPolicy.Explicit });
    }
    // About three topics' groups per round: a sweep of 12 takes four rounds.
    const { source, recorder } = await startSource({ maxRequestsPerRound: 5, concurrency: 1 });
    await waitFor(() => source.sweeps.completed >= 1, { timeoutMs: 15_000, what: 'a first sweep' });
    let publishing = true;
    const js = client.jetstream(JS_OPTS);
    const traffic = (async () => {
      while (publishing) {
        await js.publish('q7.x', new Uint8Array(1));
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const mark = recorder.mark;
    const sweeps = source.sweeps.completed;
    await waitFor(() => source.sweeps.completed >= sweeps + 2, { timeoutMs: 30_000, what: 'two more sweeps' });
    publishing = false;
    await traffic;
    const updates = recorder.drafts
      .slice(mark)
      .filter((d) => d.type === 'group_updated' && d.labels?.['topic'] === 'q7');
    // The round-robin alone would read q7 about once per sweep (two or three times here).
    expect(updates.length).toBeGreaterThanOrEqual(4);
  });
});

describe('console source through a NATS outage', () => {
  it('is unhealthy within 5 s of NATS stopping, recovers on restart and reconciles what changed meanwhile', async () => {
    const jsm = await client.jetstreamManager();
    await jsm.streams.add({ name: 'keep', subjects: ['keep.>'] });
    await jsm.streams.add({ name: 'lost', subjects: ['lost.>'] });
    const { source, recorder } = await startSource();
    await recorder.waitFor<ConsoleTopic>('topic_created', (t) => t.name === 'lost', 5_000);
    const healthMark = recorder.health.length;

    await nats.kill();
    const stoppedAt = Date.now();
    const down = await recorder.waitForHealth('unhealthy', 5_000, healthMark);
    expect(down.component).toBe('console/test');
    expect(down.at - stoppedAt).toBeLessThan(5_000);
    expect(() => source.topics()).toThrow(/not reachable/);
    await recorder.waitFor<ConsoleMetrics>('metrics_updated', (m) => m.cluster?.connected === false, 5_000);

    // Something livegate cannot hear while NATS is down: the stream's files vanish.
    await rm(join(nats.storeDir, 'jetstream', '$G', 'streams', 'lost'), { recursive: true, force: true });
    const mark = recorder.mark;
    await nats.restart();
    await recorder.waitForHealth('healthy', 10_000, healthMark);
    await recorder.waitFor<ConsoleTopic>('topic_deleted', (t) => t.name === 'lost', 5_000, mark);
    const names = await waitFor(async () => (await jsm.streams.names().next()).sort(), {
      timeoutMs: 10_000,
      what: 'the test client to list streams after the restart',
    });
    expect(source.topics().map((t) => t.name)).toEqual(names);
    expect(names).toEqual(['keep']);
  });
});
