/**
 * The Redis Streams bus against a real `redis-server`: one total order shared by several buses
 * ("nodes"), replay from a position, reads for old resumes, epochs, and faults.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LiveEvent, StampedDraft } from '../../src/core/event.js';
import { BusUnavailableError, RedisBus, type RedisBusHealth } from '../../src/bus/redis-bus.js';
import { startRedis, waitFor, type RedisServer } from '../harness/index.js';

function draft(n: number, topic = 'deploys'): StampedDraft {
  return {
    topic,
    type: 'step',
    source: 'test',
    time: '2026-12-01T00:00:00.000Z',
    labels: { n: String(n) },
    data: { n },
  };
}

/** A bus plus everything its listener received. */
interface Node {
  readonly bus: RedisBus;
  readonly seen: LiveEvent[];
  readonly health: RedisBusHealth[];
}

describe('RedisBus', () => {
  let redis: RedisServer;
  let stream = 0;
  const nodes: Node[] = [];

  beforeAll(async () => {
    redis = await startRedis({ extraArgs: ['--appendonly', 'yes', '--appendfsync', 'always'] });
  });
  afterAll(async () => {
    await redis?.stop();
  });
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((node) => node.bus.stop()));
  });

  function newStream(): string {
    stream += 1;
    return `test:${stream}`;
  }

  async function node(streamKey: string, from: string | null = null, maxLen?: number): Promise<Node> {
    const seen: LiveEvent[] = [];
    const health: RedisBusHealth[] = [];
    const bus = new RedisBus({ url: redis.url, stream: streamKey, blockMs: 200, maxLen });
    bus.onHealth((h) => health.push(h));
    await bus.start((events) => seen.push(...events), from);
    const result = { bus, seen, health };
    nodes.push(result);
    return result;
  }

  it('gives every node the same ids in the same order, whoever publishes', async () => {
    const key = newStream();
    const [a, b, c] = [await node(key), await node(key), await node(key)];
    const published: string[] = [];
    for (let i = 0; i < 20; i++) {
      const from = [a, b, c][i % 3]!;
      const events = await from.bus.append([draft(i * 2), draft(i * 2 + 1)]);
      published.push(...events.map((e) => e.id));
    }
    for (const n of [a, b, c]) {
      await waitFor(() => n.seen.length === 40, { timeoutMs: 5000, what: '40 events on every node' });
      expect(n.seen.map((e) => e.id)).toEqual(published);
    }
    const seqs = a.seen.map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(new Set(published.map((id) => id.split('-')[0])).size).toBe(1);
    expect(a.seen[5]).toMatchObject({ topic: 'deploys', type: 'step', labels: { n: '5' }, data: { n: 5 } });
  });

  it('replays history before start resolves, from the beginning or after a position', async () => {
    const key = newStream();
    const writer = await node(key);
    const written = await writer.bus.append(Array.from({ length: 2500 }, (_, i) => draft(i)));
    const late = await node(key);
    expect(late.seen.map((e) => e.id)).toEqual(written.map((e) => e.id));
    const fromMiddle = await node(key, written[1999]!.id);
    expect(fromMiddle.seen.map((e) => e.seq)).toEqual(Array.from({ length: 500 }, (_, i) => 2001 + i));
  });

  it('reads after a position for old resumes, and answers reset for trimmed or foreign positions', async () => {
    const key = newStream();
    const n = await node(key, null, 100);
    const written = await n.bus.append(Array.from({ length: 50 }, (_, i) => draft(i)));
    const page = await n.bus.read(written[9]!.id, 5);
    expect(page).not.toBe('reset');
    expect((page as LiveEvent[]).map((e) => e.seq)).toEqual([11, 12, 13, 14, 15]);
    expect(await n.bus.read(`zzzzzzzzzzzz-3`, 5)).toBe('reset');
    expect(await n.bus.read(written[49]!.id, 5)).toEqual([]);
    // Trim far past the first ids: MAXLEN ~ keeps about 100 of 1,050.
    for (let i = 0; i < 10; i++) await n.bus.append(Array.from({ length: 100 }, (_, j) => draft(j)));
    expect(await n.bus.read(written[0]!.id, 5)).toBe('reset');
  });

  it('adopts a new epoch when the stream is flushed, and ids restart under it', async () => {
    const key = newStream();
    const n = await node(key);
    const before = await n.bus.append([draft(1)]);
    const admin = new Redis(redis.url);
    try {
      await admin.del(key, `${key}:meta`);
    } finally {
      admin.disconnect();
    }
    const after = await n.bus.append([draft(2)]);
    expect(after[0]!.id.split('-')[0]).not.toBe(before[0]!.id.split('-')[0]);
    expect(after[0]!.seq).toBe(1);
    await waitFor(() => n.seen.some((e) => e.id === after[0]!.id), { timeoutMs: 5000, what: 'event of the new epoch' });
    expect(n.bus.epoch).toBe(after[0]!.id.split('-')[0]);
  });

  it('rejects appends while Redis is down, reports health, and continues without a gap after', async () => {
    const key = newStream();
    const n = await node(key);
    const first = await n.bus.append([draft(1), draft(2)]);
    await redis.kill();
    await expect(n.bus.append([draft(3)])).rejects.toBeInstanceOf(BusUnavailableError);
    await waitFor(() => !n.bus.health().ok, { timeoutMs: 5000, what: 'bus unhealthy' });
    await redis.restart();
    const acknowledged = await waitFor(
      async () => {
        try {
          return await n.bus.append([draft(4)]);
        } catch {
          return null;
        }
      },
      { timeoutMs: 10_000, what: 'append accepted after restart' },
    );
    await waitFor(() => n.bus.health().ok, { timeoutMs: 5000, what: 'bus healthy again' });
    await waitFor(() => n.seen.length === 3, { timeoutMs: 5000, what: 'the event published after restart' });
    // appendonly + appendfsync always: what was acknowledged before the kill survived, same epoch.
    expect(n.seen.map((e) => e.id)).toEqual([...first, ...acknowledged].map((e) => e.id));
    expect(acknowledged[0]!.seq).toBe(3);
    expect(n.health.some((h) => !h.ok)).toBe(true);
    expect(n.health.at(-1)!.ok).toBe(true);
  });
});
