/**
 * The Redis bus on a real three-master Redis Cluster (three `redis-server --cluster-enabled yes`
 * on free ports, joined with `redis-cli --cluster create`): the hash-tagged stream key keeps the
 * stream and its meta hash in one slot, so the append script runs.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveEvent } from '../../src/core/event.js';
import { RedisBus } from '../../src/bus/redis-bus.js';
import { redisConnector, streamKeyFor } from '../../src/bus/redis-connection.js';
import { startRedis, waitFor, type RedisServer } from '../harness/index.js';

const run = promisify(execFile);

describe('RedisBus on Redis Cluster', () => {
  const masters: RedisServer[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) {
      masters.push(await startRedis({ extraArgs: ['--cluster-enabled', 'yes', '--cluster-node-timeout', '5000'] }));
    }
    await run('/usr/bin/redis-cli', [
      '--cluster',
      'create',
      ...masters.map((m) => `127.0.0.1:${m.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    await waitFor(
      async () =>
        (await run('/usr/bin/redis-cli', ['-p', String(masters[0]!.port), 'cluster', 'info'])).stdout.includes(
          'cluster_state:ok',
        ),
      { timeoutMs: 20_000, what: 'cluster_state:ok' },
    );
  }, 60_000);
  afterAll(async () => {
    await Promise.all(masters.map((m) => m.stop()));
  });

  it('orders events across two buses through the cluster', async () => {
    const stream = streamKeyFor('livegate:events', true);
    expect(stream).toBe('{livegate:events}');
    const connect = redisConnector({ url: masters[0]!.url, cluster: true });
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
});
