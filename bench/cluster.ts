/**
 * `npm run bench -- --scenario cluster` — livegate nodes sharing one Redis stream.
 *
 * Starts its own `redis-server` (no persistence) on a free port and 1, 2 and 3 livegate processes
 * with `bus.kind: redis`, then measures:
 *
 * - **publish**: events/s accepted through Redis when `--publishers` concurrent publishers post
 *   single-event requests as fast as they are answered, round-robin over the nodes; with a few
 *   WebSocket subscribers per node, the p50/p99 publish → delivery latency on every node;
 * - **fanout**: three nodes, `--subscribers` WebSocket subscribers spread over them, `--rate`
 *   events/s: deliveries/s, p99 latency, CPU ms per 1,000 deliveries per node, loss/duplicates.
 *
 * Latency is measured from the moment the publisher sent the request (the event carries it) to
 * the moment a subscriber parsed the event; publisher and subscribers run in this process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { newHistogram, summarize, type LatencySummary } from './lib/hist.js';
import { cpuMs } from './lib/proc.js';
import { freePort, ServerProcess } from './lib/server-process.js';

/** Options of {@link runCluster}, from the bench command line. */
export interface ClusterOptions {
  readonly root: string;
  readonly durationS: number;
  readonly publishers: number;
  readonly subscribers: number;
  readonly rate: number;
  readonly nodeCounts: readonly number[];
  readonly smoke: boolean;
}

/** One measured configuration. */
export interface ClusterRow {
  readonly part: 'publish' | 'fanout';
  readonly nodes: number;
  readonly subscribers: number;
  readonly publishedPerS: number;
  readonly deliveriesPerS: number;
  readonly latency: LatencySummary;
  readonly cpuMsPer1k: number;
  readonly missing: number;
  readonly duplicates: number;
  readonly failedPublishes: number;
}

const HOST = '127.0.0.1';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function startRedis(): Promise<{ port: number; stop(): Promise<void> }> {
  const port = await freePort(HOST);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'livegate-bench-redis-'));
  const child: ChildProcess = spawn(
    '/usr/bin/redis-server',
    ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: HOST, port });
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.once('data', (chunk) => {
        socket.destroy();
        resolve(chunk.toString('utf8').startsWith('+PONG'));
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) break;
    if (Date.now() > deadline) throw new Error('redis-server did not start');
    await sleep(50);
  }
  return {
    port,
    async stop() {
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      await gone;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startNodes(
  root: string,
  redisPort: number,
  count: number,
  stream: string,
): Promise<{ port: number; proc: ServerProcess }[]> {
  const nodes: { port: number; proc: ServerProcess }[] = [];
  for (let i = 0; i < count; i++) {
    const port = await freePort(HOST);
    const proc = await ServerProcess.start(
      {
        command: process.execPath,
        args: [path.join(root, 'dist/src/cli/main.js'), 'serve'],
        env: {
          LIVEGATE_HOST: HOST,
          LIVEGATE_PORT: String(port),
          LIVEGATE_BUS_KIND: 'redis',
          LIVEGATE_BUS_REDIS_URL: `redis://${HOST}:${redisPort}`,
          LIVEGATE_BUS_REDIS_STREAM: stream,
          LIVEGATE_NODE_ID: `bench-${i + 1}`,
          LIVEGATE_LIMITS_MAX_PER_IP: '100000',
          LIVEGATE_LIMITS_MAX_CONNECTIONS: '100000',
          LIVEGATE_LOG_LEVEL: 'warn',
        },
      },
      { cpus: undefined, host: HOST, port, readyPath: '/readyz', timeoutMs: 20_000, cwd: root },
    );
    nodes.push({ port, proc });
  }
  return nodes;
}

/** A WebSocket subscriber counting events by their sequence number `n`. */
class Subscriber {
  readonly seen = new Set<number>();
  duplicates = 0;
  private constructor(readonly socket: WebSocket) {}

  static open(port: number, onLatency: (ms: number) => void): Promise<Subscriber> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`ws://${HOST}:${port}/ws/dashboard`);
      const sub = new Subscriber(socket);
      socket.on('error', reject);
      socket.on('open', () => socket.send(JSON.stringify({ op: 'subscribe', id: 's', topics: ['bench'] })));
      socket.on('message', (raw: Buffer) => {
        const msg = JSON.parse(raw.toString('utf8')) as {
          op: string;
          events?: { data: { n: number; t: number } }[];
          event?: { data: { n: number; t: number } };
        };
        if (msg.op === 'subscribed') resolve(sub);
        const events = msg.op === 'event' ? [msg.event!] : msg.op === 'events' ? msg.events! : [];
        const now = Date.now();
        for (const e of events) {
          if (sub.seen.has(e.data.n)) sub.duplicates++;
          else sub.seen.add(e.data.n);
          onLatency(now - e.data.t);
        }
      });
    });
  }

  close(): void {
    this.socket.terminate();
  }
}

/** Posts single-event requests round-robin over `ports`; `paced` spaces them at `rate` per second. */
async function publishLoop(
  ports: readonly number[],
  opts: { concurrency: number; durationMs: number; rate?: number },
): Promise<{ published: number; failed: number; elapsedMs: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  let next = 0;
  let failed = 0;
  const started = Date.now();
  const end = started + opts.durationMs;
  const post = (n: number): Promise<void> =>
    new Promise((resolve) => {
      const body = JSON.stringify({ topic: 'bench', type: 'tick', data: { n, t: Date.now() } });
      const req = http.request(
        {
          host: HOST,
          port: ports[n % ports.length],
          method: 'POST',
          path: '/api/v2/events',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          if (res.statusCode !== 202) failed++;
          res.on('end', resolve);
        },
      );
      req.on('error', () => {
        failed++;
        resolve();
      });
      req.end(body);
    });
  const worker = async (): Promise<void> => {
    while (Date.now() < end) {
      const n = next++;
      if (opts.rate !== undefined) {
        const due = started + (n * 1000) / opts.rate;
        if (due > Date.now()) await sleep(due - Date.now());
        if (Date.now() >= end) {
          next--;
          return;
        }
      }
      await post(n);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  agent.destroy();
  return { published: next, failed, elapsedMs: Date.now() - started };
}

async function measure(
  opts: ClusterOptions,
  redisPort: number,
  part: 'publish' | 'fanout',
  nodeCount: number,
  subscriberCount: number,
): Promise<ClusterRow> {
  const stream = `bench:${part}:${nodeCount}:${Date.now()}`;
  const nodes = await startNodes(opts.root, redisPort, nodeCount, stream);
  try {
    const hist = newHistogram();
    const subs: Subscriber[] = [];
    for (let i = 0; i < subscriberCount; i++) {
      subs.push(await Subscriber.open(nodes[i % nodes.length]!.port, (ms) => hist.recordValue(Math.max(1, ms * 1000))));
    }
    const cpuBefore = nodes.map((n) => cpuMs(n.proc.pid));
    const result = await publishLoop(
      nodes.map((n) => n.port),
      part === 'publish'
        ? { concurrency: opts.publishers, durationMs: opts.durationS * 1000 }
        : { concurrency: 8, durationMs: opts.durationS * 1000, rate: opts.rate },
    );
    const accepted = result.published - result.failed;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && subs.some((s) => s.seen.size < accepted)) await sleep(50);
    const cpu = nodes.reduce((sum, n, i) => sum + cpuMs(n.proc.pid) - cpuBefore[i]!, 0);
    const deliveries = subs.reduce((sum, s) => sum + s.seen.size, 0);
    const row: ClusterRow = {
      part,
      nodes: nodeCount,
      subscribers: subscriberCount,
      publishedPerS: Math.round((accepted * 1000) / result.elapsedMs),
      deliveriesPerS: Math.round((deliveries * 1000) / result.elapsedMs),
      latency: summarize(hist),
      cpuMsPer1k: deliveries > 0 ? Math.round((cpu / deliveries) * 1000 * 100) / 100 : 0,
      missing: subs.reduce((sum, s) => sum + Math.max(0, accepted - s.seen.size), 0),
      duplicates: subs.reduce((sum, s) => sum + s.duplicates, 0),
      failedPublishes: result.failed,
    };
    for (const s of subs) s.close();
    hist.destroy();
    return row;
  } finally {
    await Promise.all(nodes.map((n) => n.proc.stop()));
  }
}

/** Runs the cluster scenario and prints its table; returns the rows. */
export async function runCluster(opts: ClusterOptions): Promise<ClusterRow[]> {
  const redis = await startRedis();
  const rows: ClusterRow[] = [];
  try {
    for (const n of opts.nodeCounts) rows.push(await measure(opts, redis.port, 'publish', n, 3 * n));
    rows.push(await measure(opts, redis.port, 'fanout', 3, opts.subscribers));
  } finally {
    await redis.stop();
  }
  process.stdout.write(renderClusterTable(rows));
  return rows;
}

/** The table printed by {@link runCluster}. */
export function renderClusterTable(rows: readonly ClusterRow[]): string {
  const head =
    '| part | nodes | subs | published/s | deliveries/s | p50 ms | p99 ms | CPU ms/1k deliveries | missing | dup | failed publishes |';
  const sep = '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|';
  const lines = rows.map(
    (r) =>
      `| ${r.part} | ${r.nodes} | ${r.subscribers} | ${r.publishedPerS} | ${r.deliveriesPerS} | ${r.latency.p50} | ${r.latency.p99} | ${r.cpuMsPer1k} | ${r.missing} | ${r.duplicates} | ${r.failedPublishes} |`,
  );
  return `\ncluster (Redis Streams bus)\n${[head, sep, ...lines].join('\n')}\n`;
}
