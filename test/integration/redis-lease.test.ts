/** Leader election with a real `redis-server`: one holder, hand-over on stop and on a dead holder. */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisLease } from '../../src/bus/redis-lease.js';
import { startRedis, waitFor, type RedisServer } from '../harness/index.js';

describe('RedisLease', () => {
  let redis: RedisServer;
  const cleanup: (() => Promise<void> | void)[] = [];
  let n = 0;

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  function lease(name: string, owner: string, leaseMs = 600): { lease: RedisLease; conn: Redis; changes: boolean[] } {
    const conn = new Redis(redis.url, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    const l = new RedisLease({ name, owner, redis: conn, leaseMs });
    const changes: boolean[] = [];
    l.onChange((held) => changes.push(held));
    cleanup.push(() => conn.disconnect());
    cleanup.push(() => l.stop());
    return { lease: l, conn, changes };
  }

  async function connected(conn: Redis): Promise<void> {
    await waitFor(() => conn.status === 'ready', { timeoutMs: 5000, what: 'redis connection ready' });
  }

  it('is held by exactly one node', async () => {
    const name = `one-${++n}`;
    const nodes = [lease(name, 'a'), lease(name, 'b'), lease(name, 'c')];
    await Promise.all(nodes.map((x) => connected(x.conn)));
    await Promise.all(nodes.map((x) => x.lease.start()));
    expect(nodes.filter((x) => x.lease.held)).toHaveLength(1);
    // Stays with the same holder across lease lifetimes: observe 2.5 leases, in which an
    // unrenewed key would have expired twice.
    const holder = nodes.find((x) => x.lease.held)!;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(holder.lease.held).toBe(true);
    expect(nodes.filter((x) => x.lease.held)).toHaveLength(1);
    expect(nodes.every((x) => x.changes.length === (x === holder ? 1 : 0))).toBe(true);
    const probe = new Redis(redis.url);
    cleanup.push(() => probe.disconnect());
    expect(await probe.get(`livegate:lease:${name}`)).toBe(['a', 'b', 'c'][nodes.indexOf(holder)]);
  });

  it('passes to another node at once when the holder stops', async () => {
    const name = `stop-${++n}`;
    const [a, b] = [lease(name, 'a'), lease(name, 'b')];
    await Promise.all([connected(a.conn), connected(b.conn)]);
    await a.lease.start();
    await b.lease.start();
    expect(a.lease.held).toBe(true);
    expect(b.lease.held).toBe(false);
    await a.lease.stop();
    expect(a.changes).toEqual([true, false]);
    await waitFor(() => b.lease.held, { timeoutMs: 600, what: 'b takes over within a third of a lease' });
  });

  it('passes to another node within a lease when the holder dies without releasing', async () => {
    const name = `dead-${++n}`;
    const [a, b] = [lease(name, 'a'), lease(name, 'b')];
    await Promise.all([connected(a.conn), connected(b.conn)]);
    await a.lease.start();
    await b.lease.start();
    const died = Date.now();
    a.conn.disconnect(); // renewals fail from now on: a gives up locally, the key expires in Redis
    await waitFor(() => !a.lease.held, { timeoutMs: 1000, what: 'a gives up locally' });
    await waitFor(() => b.lease.held, { timeoutMs: 1500, what: 'b takes over' });
    expect(Date.now() - died).toBeLessThan(600 + 400 + 500);
    // Never two holders: a gave up before b took it.
    expect(a.changes).toEqual([true, false]);
  });
});
