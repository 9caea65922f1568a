/**
 * The Redis bus through Sentinel: a real master and a real `redis-server --sentinel` on free ports.
 * The bus asks the sentinel for the master and orders events through it.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveEvent } from '../../src/core/event.js';
import { RedisBus } from '../../src/bus/redis-bus.js';
import { redisConnector } from '../../src/bus/redis-connection.js';
import {
  freePort,
  makeTempDir,
  ManagedProcess,
  pingRedis,
  startRedis,
  waitFor,
  type RedisServer,
} from '../harness/index.js';

describe('RedisBus through Sentinel', () => {
  let master: RedisServer;
  let sentinel: ManagedProcess;
  let sentinelPort: number;
  let dirRemove: () => Promise<void>;

  beforeAll(async () => {
    master = await startRedis();
    sentinelPort = await freePort('127.0.0.1');
    const dir = await makeTempDir('sentinel');
    dirRemove = () => dir.remove();
    const conf = join(dir.path, 'sentinel.conf');
    await writeFile(
      conf,
      [
        `port ${sentinelPort}`,
        'bind 127.0.0.1',
        `dir ${dir.path}`,
        `sentinel monitor lgmaster 127.0.0.1 ${master.port} 1`,
        'sentinel down-after-milliseconds lgmaster 5000',
        '',
      ].join('\n'),
    );
    sentinel = new ManagedProcess({
      name: `sentinel:${sentinelPort}`,
      command: '/usr/bin/redis-server',
      args: [conf, '--sentinel'],
      ready: () => pingRedis('127.0.0.1', sentinelPort),
      readyTimeoutMs: 10_000,
    });
    await sentinel.start();
  });
  afterAll(async () => {
    await sentinel?.stop();
    await dirRemove?.();
    await master?.stop();
  });

  it('finds the master through the sentinel and orders events through it', async () => {
    const seen: LiveEvent[] = [];
    const bus = new RedisBus({
      stream: 'sentinel:test',
      blockMs: 200,
      connect: redisConnector({
        url: 'redis://',
        sentinels: [{ host: '127.0.0.1', port: sentinelPort }],
        sentinelName: 'lgmaster',
      }),
    });
    try {
      await bus.start((events) => seen.push(...events));
      const written = await bus.append([
        { topic: 't', type: 'x', source: 's', time: '2026-12-01T00:00:00.000Z', labels: {}, data: 1 },
      ]);
      await waitFor(() => seen.length === 1, { timeoutMs: 5000, what: 'the event back from the master' });
      expect(seen[0]!.id).toBe(written[0]!.id);
    } finally {
      await bus.stop();
    }
  });
});
