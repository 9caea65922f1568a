/**
 * The Redis bus on a real three-master Redis Cluster (three `redis-server --cluster-enabled yes`
 * on free ports, joined with `redis-cli --cluster create`): the hash-tagged stream key keeps the
 * stream and its meta hash in one slot, so the append script runs. Start and stop are bounded
 * whatever the Cluster client does: a start that cannot reach a serving cluster fails with
 * `bus_unavailable`, and stop returns with a blocking read in flight or the master frozen.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveEvent } from '../../src/core/event.js';
import { RedisChannel } from '../../src/bus/redis-channel.js';
import { BusUnavailableError, RedisBus } from '../../src/bus/redis-bus.js';
import { redisConnector, streamKeyFor } from '../../src/bus/redis-connection.js';
import {
  redisCliAt,
  startRedis,
  startRedisCluster,
  waitFor,
  type RedisClusterServers,
  type RedisServer,
} from '../harness/index.js';

/** Resolves like `promise`, or rejects naming `what` once `ms` have passed: a hang becomes a failure. */
async function settlesWithin<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The stream key as Cluster mode stores it: hash-tagged, so stream and meta share a slot. */
const stream = streamKeyFor('livegate:events', true);

describe('RedisBus on Redis Cluster', () => {
  let cluster: RedisClusterServers;

  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3 });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('orders events across two buses through the cluster', async () => {
    expect(stream).toBe('{livegate:events}');
    const connect = redisConnector({ url: cluster.seedUrl, cluster: true });
    const seenA: LiveEvent[] = [];
    const seenB: LiveEvent[] = [];
    const a = new RedisBus({ stream, connect, blockMs: 200 });
    const b = new RedisBus({ stream, connect, blockMs: 200 });
    try {
      await a.start((events) => seenA.push(...events));
      await b.start((events) => seenB.push(...events));
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) {
        const bus = i % 2 === 0 ? a : b;
        const written = await bus.append([
          { topic: 't', type: 'x', source: 's', time: '2026-12-01T00:00:00.000Z', labels: {}, data: i },
        ]);
        ids.push(written[0]!.id);
      }
      await waitFor(() => seenA.length === 10 && seenB.length === 10, { timeoutMs: 20_000, what: '10 events on both' });
      expect(seenA.map((e) => e.id)).toEqual(ids);
      expect(seenB.map((e) => e.id)).toEqual(ids);
    } finally {
      await a.stop();
      await b.stop();
    }
    // Deadline for a loaded machine: cluster discovery and two readers, not a timing target.
  }, 90_000);

  /** A started bus whose `XREAD BLOCK` (10 minutes) is in flight on the master of its stream. */
  async function busBlockedInRead(): Promise<{ bus: RedisBus; master: RedisServer }> {
    const bus = new RedisBus({
      stream,
      connect: redisConnector({ url: cluster.seedUrl, cluster: true }),
      blockMs: 600_000,
    });
    await bus.start(() => {});
    const master = await cluster.masterFor(stream);
    await waitFor(async () => (await redisCliAt(master.port, 'client', 'list')).includes('cmd=xread'), {
      timeoutMs: 20_000,
      what: 'the bus blocked in XREAD on the master of its stream',
    });
    return { bus, master };
  }

  it('stops while its XREAD BLOCK is in flight on the cluster connection', async () => {
    // stop() must not wait for Redis to answer the read.
    const { bus } = await busBlockedInRead();
    await settlesWithin(bus.stop(), 30_000, 'stop() with an XREAD BLOCK in flight');
    expect(bus.health()).toEqual({ ok: false, detail: 'stopped' });
  }, 90_000);

  it('stops while the master of its stream is frozen mid-read', async () => {
    const { bus, master } = await busBlockedInRead();
    // SIGSTOP: the socket stays open and nothing answers, the way a hung server or a lost peer looks.
    process.kill(master.pid!, 'SIGSTOP');
    try {
      await settlesWithin(bus.stop(), 30_000, 'stop() with the master frozen');
    } finally {
      process.kill(master.pid!, 'SIGCONT');
    }
    // Frozen for less than cluster-node-timeout; the next test gets a serving cluster all the same.
    await cluster.waitHealthy(30_000);
  }, 90_000);
});

describe('RedisBus on a Redis Cluster that is not serving yet', () => {
  it('starts the bus, and serves the cluster channel, once the cluster begins to serve', async () => {
    // The masters hold no slots until joined: the bus arrives before the cluster serves, the way a
    // node starting beside a cluster that is still forming (or the CI's loaded machine) sees it.
    const late = await startRedisCluster({ masters: 3, join: false });
    const bus = new RedisBus({
      stream,
      connect: redisConnector({ url: late.seedUrl, cluster: true }),
      blockMs: 200,
      startTimeoutMs: 80_000,
    });
    const seen: LiveEvent[] = [];
    const heard: string[] = [];
    const channel = new RedisChannel({
      connect: redisConnector({ url: late.seedUrl, cluster: true }),
      prefix: '{livegate:events}:channel:',
      onError: () => {},
    });
    try {
      const started = bus.start((events) => seen.push(...events));
      channel.subscribe('c', (message) => heard.push(message));
      await late.join(60_000);
      await settlesWithin(started, 80_000, 'start() on a cluster joined after the start began');
      const written = await bus.append([
        { topic: 't', type: 'x', source: 's', time: '2026-12-01T00:00:00.000Z', labels: {}, data: 1 },
      ]);
      await waitFor(() => seen.length === 1, { timeoutMs: 20_000, what: 'the event back through the cluster' });
      expect(seen.map((e) => e.id)).toEqual([written[0]!.id]);
      // Pub/sub loses what is sent before the subscription exists: publish until one arrives.
      await waitFor(
        () => {
          channel.publish('c', 'hello');
          return heard.length > 0;
        },
        { timeoutMs: 20_000, intervalMs: 200, what: 'a message on the cluster channel' },
      );
      expect(heard[0]).toBe('hello');
    } finally {
      await channel.stop();
      await bus.stop();
      await late.stop();
    }
  }, 180_000);
});

describe('RedisBus on a Redis Cluster that never serves', () => {
  // One cluster-enabled node holding no slots: it answers, but never has cluster_state:ok.
  let lone: RedisServer;

  beforeAll(async () => {
    lone = await startRedis({ extraArgs: ['--cluster-enabled', 'yes'] });
  });
  afterAll(async () => {
    await lone?.stop();
  });

  it('fails to start with bus_unavailable, saying why, once startTimeoutMs has passed', async () => {
    const bus = new RedisBus({
      stream: '{never}',
      connect: redisConnector({ url: lone.url, cluster: true }),
      startTimeoutMs: 2000,
    });
    const failure = await settlesWithin(
      bus
        .start(() => {})
        .then(
          () => new Error('start() resolved on a cluster without slots'),
          (error: unknown) => error,
        ),
      60_000,
      'start() on a cluster without slots',
    );
    expect(failure).toBeInstanceOf(BusUnavailableError);
    expect((failure as BusUnavailableError).code).toBe('bus_unavailable');
    expect((failure as Error).message).toMatch(/^Redis was not ready within 2000 ms \(.+\); last error: \S/);
    expect(bus.health()).toMatchObject({ ok: false, detail: expect.stringMatching(/^Redis was not ready/) });
    await bus.stop();
  }, 90_000);

  it('ends a pending start with bus_unavailable when stopped', async () => {
    const bus = new RedisBus({ stream: '{never}', connect: redisConnector({ url: lone.url, cluster: true }) });
    const started = bus
      .start(() => {})
      .then(
        () => new Error('start() resolved on a cluster without slots'),
        (error: unknown) => error,
      );
    // The start cannot finish (no slots are served): stopping now ends it while it waits.
    await settlesWithin(bus.stop(), 30_000, 'stop() during start()');
    const failure = await settlesWithin(started, 30_000, 'start() after stop()');
    expect(failure).toBeInstanceOf(BusUnavailableError);
    expect((failure as Error).message).toMatch(/^the Redis bus was stopped while starting/);
  }, 90_000);
});
