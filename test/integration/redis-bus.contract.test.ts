/**
 * The bus contract (test/contract/bus-contract.ts) run against RedisBus on a real redis-server
 * the harness starts on a free loopback port: the same behaviour the memory bus shows, now on a
 * shared stream, with `join` as a second node on the same stream key.
 */
import { afterAll } from 'vitest';
import { RedisBus } from '../../src/bus/redis-bus.js';
import { runBusContract } from '../contract/bus-contract.js';
import { startRedis, type RedisServer } from '../harness/index.js';

let redis: Promise<RedisServer> | undefined;
let streams = 0;
/** Which stream each bus of the contract reads, so that `join` opens the same one. */
const streamOf = new WeakMap<RedisBus, string>();

async function server(): Promise<RedisServer> {
  redis ??= startRedis();
  return redis;
}

async function busOn(stream: string): Promise<RedisBus> {
  const bus = new RedisBus({ url: (await server()).url, stream, blockMs: 200 });
  streamOf.set(bus, stream);
  return bus;
}

runBusContract('redis', {
  make: () => busOn(`contract:${++streams}`),
  join: (first) => busOn(streamOf.get(first as RedisBus)!),
});

afterAll(async () => {
  await (await redis)?.stop();
});
