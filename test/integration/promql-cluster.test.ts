/**
 * Metric streams on several nodes (`bus.kind: redis`): the viewers of one query on every node share
 * one evaluation, made by the node holding the query's lease and broadcast over Redis pub/sub; when
 * that node stops, another node with viewers takes over and its viewers go on receiving updates.
 * Real Redis, real Prometheus, real `eventsource` clients.
 */
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LivegateServer } from '../../src/http/server.js';
import { startPrometheus, waitFor, type Prometheus } from '../harness/index.js';
import { startTestServer } from '../harness/livegate.js';
import { startRedis, type RedisServer } from '../harness/redis.js';

interface Update {
  readonly evaluatedAt: string;
  readonly resultType: string;
}

/** A real EventSource on a metric stream, recording its `metric-update` events. */
class Viewer {
  readonly updates: Update[] = [];
  readonly source: EventSource;
  constructor(url: string) {
    this.source = new EventSource(url);
    this.source.addEventListener('metric-update', (e) => {
      const data = (e as MessageEvent).data as string | undefined;
      if (data !== undefined) this.updates.push(JSON.parse(data) as Update);
    });
  }
  /** Evaluation times received, in order. */
  times(): string[] {
    return this.updates.map((u) => u.evaluatedAt);
  }
  close(): void {
    this.source.close();
  }
}

interface RunnerStatus {
  query: string;
  viewers: number;
  evaluations: number;
  evaluatedHere: boolean;
  received?: number;
}

async function runners(server: LivegateServer): Promise<RunnerStatus[]> {
  const res = await fetch(`${server.url}/api/v1/metrics/stream/status`);
  return ((await res.json()) as { runners: RunnerStatus[] }).runners;
}

describe('metric streams on several nodes', () => {
  let redis: RedisServer;
  let prom: Prometheus;
  const servers: LivegateServer[] = [];
  const viewers: Viewer[] = [];

  beforeAll(async () => {
    [redis, prom] = await Promise.all([startRedis(), startPrometheus()]);
  });
  afterAll(async () => {
    for (const v of viewers) v.close();
    await Promise.all(servers.map((s) => s.close()));
    await Promise.all([redis?.stop(), prom?.stop()]);
  });

  async function node(id: string): Promise<LivegateServer> {
    const server = await startTestServer({
      bus: { kind: 'redis', redis: { url: redis.url, stream: 'promql-cluster' } },
      node: { id },
      cluster: { leaseMs: 2000 },
      prometheus: { url: prom.url },
    });
    servers.push(server);
    return server;
  }

  function view(server: LivegateServer, query: string): Viewer {
    const viewer = new Viewer(`${server.url}/api/v1/metrics/stream?${new URLSearchParams({ query, interval: '5' })}`);
    viewers.push(viewer);
    return viewer;
  }

  it('evaluates a query on one node for the viewers of every node, and another node takes over when it stops', async () => {
    const [a, b] = [await node('a'), await node('b')];
    const onA = view(a, 'up');
    await waitFor(() => onA.updates.length > 0, { timeoutMs: 20_000, what: 'the first update on node a' });
    const onB = view(b, 'up');
    // Two aligned evaluations seen on both nodes: the same evaluation times, from one evaluator.
    await waitFor(
      () => {
        const shared = onB.times().filter((t) => onA.times().includes(t) && Date.parse(t) % 5000 === 0);
        return shared.length >= 2;
      },
      { timeoutMs: 30_000, what: 'two aligned evaluations on both nodes' },
    );
    const [ra] = await runners(a);
    const [rb] = await runners(b);
    expect([ra!.evaluatedHere, rb!.evaluatedHere].sort()).toEqual([false, true]);
    const [holder, follower] = ra!.evaluatedHere ? [a, b] : [b, a];
    const holderRunner = ra!.evaluatedHere ? ra! : rb!;
    const followerRunner = ra!.evaluatedHere ? rb! : ra!;
    expect(followerRunner.evaluations).toBe(0);
    expect(followerRunner.received).toBeGreaterThan(0);
    expect(holderRunner.evaluations).toBeGreaterThan(0);
    expect(holderRunner.viewers).toBe(1);

    // The holder stops (giving its lease up): the follower's viewer goes on getting updates, now
    // evaluated by the follower itself.
    const followerViewer = follower === a ? onA : onB;
    await holder.close();
    const before = followerViewer.updates.length;
    await waitFor(() => followerViewer.updates.length >= before + 2, {
      timeoutMs: 30_000,
      what: 'two more updates on the remaining node',
    });
    const [after] = await runners(follower);
    expect(after!.evaluatedHere).toBe(true);
    expect(after!.evaluations).toBeGreaterThan(0);
    const times = followerViewer.times();
    // Each evaluation once, in order.
    expect(new Set(times).size).toBe(times.length);
    expect([...times].sort()).toEqual(times);
  }, 90_000);
});
