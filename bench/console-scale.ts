/**
 * `npm run bench -- --scenario console` — the console's cost on a large streaming cluster.
 *
 * Starts its own `nats-server -js` (monitoring on, memory streams) on free ports, creates
 * `--streams` streams (default 2,000) and `--consumers` durable consumers (default 5,000, spread
 * evenly), then a livegate process following it (`--console-nats-servers`, 2 s interval, default
 * request budget), and a WebSocket viewer of the `console` topic. It reports:
 *
 * - **first view**: from livegate's start to every topic and group announced;
 * - **rounds** over `--rounds` steady intervals: each round's JetStream requests and duration (the
 *   `cost` in part 1 of `metrics_updated`), whether the round saw everything, the events and bytes
 *   of `metrics_updated` per round, and the server's CPU per round (`/proc/<pid>/stat`);
 * - **full sweep**: rounds between two complete rounds, i.e. how stale a group's lag can be;
 * - **advisory latency**: a stream created with the nats client → `topic_created` at the viewer,
 *   while the rounds run;
 * - **snapshot**: size and time of a new viewer's `console` snapshot; `GET /api/v1/console/topics`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AckPolicy, connect, StorageType, type NatsConnection } from 'nats';
import WebSocket from 'ws';
import { cpuMs, rssBytes } from './lib/proc.js';
import { freePort, ServerProcess } from './lib/server-process.js';

/** Options of {@link runConsoleScale}. */
export interface ConsoleScaleOptions {
  readonly streams: number;
  readonly consumers: number;
  readonly rounds: number;
  readonly intervalMs: number;
  /** Streams receiving messages during the measured rounds (one 100-byte message each per 500 ms). */
  readonly active: number;
}

interface Cost {
  readonly requests: number;
  readonly durationMs: number;
  readonly topicsWithGroupsRefreshed: number;
  readonly complete: boolean;
}

interface RoundSample {
  readonly round: number;
  readonly parts: number;
  readonly bytes: number;
  readonly cost: Cost | null;
}

/** What the scenario measured. */
export interface ConsoleScaleResult {
  readonly streams: number;
  readonly consumers: number;
  readonly populateS: number;
  readonly firstViewS: number;
  readonly rounds: readonly RoundSample[];
  readonly cpuMsPerRound: number;
  readonly rssMiB: number;
  readonly roundsPerSweep: number | null;
  readonly advisoryMs: readonly number[];
  readonly snapshotBytes: number;
  readonly snapshotMs: number;
  readonly apiMs: number;
  readonly apiBytes: number;
  /** `topic_updated` plus `group_updated` events per measured round, and their bytes. */
  readonly updatesPerRound: number;
  readonly updateBytesPerRound: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function natsBinary(): string {
  for (const p of ['/usr/sbin/nats-server', '/usr/bin/nats-server']) if (fs.existsSync(p)) return p;
  return 'nats-server';
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

async function populate(nc: NatsConnection, streams: number, consumers: number): Promise<void> {
  const jsm = await nc.jetstreamManager({ timeout: 30_000 });
  const names = Array.from({ length: streams }, (_, i) => `s${String(i).padStart(5, '0')}`);
  await pool(names, 16, (name) =>
    jsm.streams.add({ name, subjects: [`${name}.>`], storage: StorageType.Memory, max_msgs: 1000 }),
  );
  const specs = Array.from({ length: consumers }, (_, i) => ({ stream: names[i % streams]!, durable: `g${i}` }));
  await pool(specs, 16, (c) =>
    jsm.consumers.add(c.stream, { durable_name: c.durable, ack_policy: AckPolicy.Explicit }),
  );
}

interface Envelope {
  readonly topic: string;
  readonly type: string;
  readonly data: Record<string, unknown>;
}

/** A WebSocket viewer of `console`, recording what it receives. */
class Viewer {
  readonly ws: WebSocket;
  readonly events: { at: number; bytes: number; event: Envelope }[] = [];
  #waiters: (() => void)[] = [];

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on('message', (raw: Buffer) => {
      const at = performance.now();
      const message = JSON.parse(raw.toString('utf8')) as { op: string; event?: Envelope; events?: Envelope[] };
      const list = message.op === 'event' ? [message.event!] : message.op === 'events' ? message.events! : [];
      for (const event of list) this.events.push({ at, bytes: raw.length / list.length, event });
      for (const w of this.#waiters.splice(0)) w();
    });
  }

  async open(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.ws.send(JSON.stringify({ op: 'subscribe', id: 's', topics: ['console'] }));
  }

  /** Resolves once `done()` holds, checked after every message; rejects after `timeoutMs`. */
  async until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`console bench: no ${what} within ${timeoutMs} ms`);
      await new Promise<void>((r) => {
        this.#waiters.push(r);
        setTimeout(r, 500);
      });
    }
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Runs the scenario once. `root` is the repository (for `dist/src/cli/main.js`). */
export async function runConsoleScale(
  root: string,
  opts: ConsoleScaleOptions,
  log: (line: string) => void,
): Promise<ConsoleScaleResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'livegate-console-bench-'));
  const [natsPort, monitorPort, port] = [
    await freePort('127.0.0.1'),
    await freePort('127.0.0.1'),
    await freePort('127.0.0.1'),
  ];
  const nats = await ServerProcess.start(
    {
      command: natsBinary(),
      args: ['-js', '-a', '127.0.0.1', '-p', String(natsPort), '-m', String(monitorPort), '-sd', dir],
      env: {},
    },
    { cpus: undefined, host: '127.0.0.1', port: monitorPort, readyPath: '/varz', timeoutMs: 20_000, cwd: root },
  );
  const natsUrl = `nats://127.0.0.1:${natsPort}`;
  // The monitoring port (the readiness probe) can answer a moment before the client port does.
  const nc = await connect({ servers: natsUrl, waitOnFirstConnect: true, reconnectTimeWait: 250 });
  let server: ServerProcess | undefined;
  const viewers: Viewer[] = [];
  try {
    log(`console: creating ${opts.streams} streams and ${opts.consumers} consumers`);
    const p0 = performance.now();
    await populate(nc, opts.streams, opts.consumers);
    const populateS = (performance.now() - p0) / 1000;

    const started = performance.now();
    server = await ServerProcess.start(
      {
        command: process.execPath,
        args: [
          path.join(root, 'dist/src/cli/main.js'),
          'serve',
          '--host',
          '127.0.0.1',
          '--port',
          String(port),
          '--console-nats-servers',
          natsUrl,
          '--console-nats-monitor-url',
          `http://127.0.0.1:${monitorPort}`,
          '--console-cluster',
          'bench',
          '--console-metrics-interval-ms',
          String(opts.intervalMs),
          '--replay-max-events',
          '100000',
          '--log-level',
          'warn',
        ],
        env: {},
      },
      { cpus: undefined, host: '127.0.0.1', port, readyPath: '/healthz', timeoutMs: 20_000, cwd: root },
    );
    const viewer = new Viewer(`ws://127.0.0.1:${port}/ws/dashboard`);
    viewers.push(viewer);
    await viewer.open();
    const count = (type: string): number => viewer.events.filter((e) => e.event.type === type).length;
    const known = (): { topics: number; groups: number } => {
      // Counted from the snapshot plus created events: the viewer may have joined after some.
      let topics = 0;
      let groups = 0;
      for (const { event } of viewer.events) {
        if (event.type === 'snapshot') {
          topics = (event.data['topics'] as unknown[]).length;
          groups = (event.data['groups'] as unknown[]).length;
        }
      }
      return { topics: topics + count('topic_created'), groups: groups + count('group_created') };
    };
    await viewer.until(
      () => known().topics >= opts.streams && known().groups >= opts.consumers,
      180_000,
      'full view of the cluster',
    );
    const firstViewS = (performance.now() - started) / 1000;
    log(`console: full view after ${firstViewS.toFixed(1)} s; measuring ${opts.rounds} rounds`);

    // Steady rounds.
    const mark = viewer.events.length;
    const roundOf = (e: Envelope): number => Number(e.data['round']);
    const firstRound = await (async () => {
      await viewer.until(
        () => viewer.events.slice(mark).some((e) => e.event.type === 'metrics_updated'),
        30_000,
        'metrics_updated',
      );
      return roundOf(viewer.events.slice(mark).find((e) => e.event.type === 'metrics_updated')!.event) + 1;
    })();
    const lastRound = firstRound + opts.rounds - 1;
    const roundStarted = (r: number): boolean =>
      viewer.events.some((e) => e.event.type === 'metrics_updated' && roundOf(e.event) >= r);
    await viewer.until(() => roundStarted(firstRound), 30_000, `round ${firstRound}`);
    const cpu0 = cpuMs(server.pid);
    const measureFrom = viewer.events.length;
    // Traffic on the first `active` streams: their rates are listed, their groups' lag grows.
    const payload = new Uint8Array(100);
    const traffic = setInterval(() => {
      for (let i = 0; i < opts.active; i += 1) nc.publish(`s${String(i).padStart(5, '0')}.x`, payload);
    }, 500);
    const advisoryMs: number[] = [];
    const jsm = await nc.jetstreamManager();
    for (let i = 0; i < 5; i += 1) {
      const name = `late${i}`;
      const t0 = performance.now();
      const from = viewer.events.length;
      await jsm.streams.add({ name, subjects: [`${name}.>`], storage: StorageType.Memory });
      await viewer.until(
        () => viewer.events.slice(from).some((e) => e.event.type === 'topic_created' && e.event.data['name'] === name),
        30_000,
        `topic_created of ${name}`,
      );
      const at = viewer.events.slice(from).find((e) => e.event.data['name'] === name)!.at;
      advisoryMs.push(Math.round((at - t0) * 10) / 10);
      await sleep(opts.intervalMs / 2);
    }
    await viewer.until(() => roundStarted(lastRound + 1), (opts.rounds + 10) * opts.intervalMs * 3, 'the last round');
    const cpu1 = cpuMs(server.pid);
    clearInterval(traffic);
    const rss = rssBytes(server.pid);
    const updates = viewer.events
      .slice(measureFrom)
      .filter((e) => e.event.type === 'topic_updated' || e.event.type === 'group_updated');
    const rounds: RoundSample[] = [];
    for (let r = firstRound; r <= lastRound; r += 1) {
      const parts = viewer.events.filter((e) => e.event.type === 'metrics_updated' && roundOf(e.event) === r);
      const first = parts.find((e) => Number(e.event.data['part']) === 1);
      rounds.push({
        round: r,
        parts: parts.length,
        bytes: Math.round(parts.reduce((n, e) => n + e.bytes, 0)),
        cost: (first?.event.data['cost'] as Cost | null | undefined) ?? null,
      });
    }
    const completes = rounds.filter((r) => r.cost?.complete).map((r) => r.round);
    const gaps = completes.slice(1).map((r, i) => r - completes[i]!);
    const roundsPerSweep = gaps.length === 0 ? null : gaps.reduce((a, b) => a + b, 0) / gaps.length;

    // A new viewer's snapshot, and the API.
    const late = new Viewer(`ws://127.0.0.1:${port}/ws/dashboard`);
    viewers.push(late);
    const s0 = performance.now();
    await late.open();
    await late.until(() => late.events.some((e) => e.event.type === 'snapshot'), 30_000, 'snapshot');
    const snapshot = late.events.find((e) => e.event.type === 'snapshot')!;
    const a0 = performance.now();
    const api = await fetch(`http://127.0.0.1:${port}/api/v1/console/topics?limit=10000`);
    const apiText = await api.text();
    const apiMs = performance.now() - a0;
    return {
      streams: opts.streams,
      consumers: opts.consumers,
      populateS: Math.round(populateS * 10) / 10,
      firstViewS: Math.round(firstViewS * 10) / 10,
      rounds,
      cpuMsPerRound: Math.round((cpu1 - cpu0) / (lastRound - firstRound + 1)),
      rssMiB: Math.round(rss / 1024 / 1024),
      roundsPerSweep,
      advisoryMs,
      snapshotBytes: Math.round(snapshot.bytes),
      snapshotMs: Math.round(snapshot.at - s0),
      apiMs: Math.round(apiMs),
      apiBytes: apiText.length,
      updatesPerRound: Math.round(updates.length / opts.rounds),
      updateBytesPerRound: Math.round(updates.reduce((n, e) => n + e.bytes, 0) / opts.rounds),
    };
  } finally {
    for (const v of viewers) v.close();
    await server?.stop();
    await nc.close().catch(() => undefined);
    await nats.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** `--scenario console` entry point; prints the measurements as Markdown. */
export async function consoleScenarioMain(argv: string[], root: string): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string' },
      streams: { type: 'string', default: '2000' },
      consumers: { type: 'string', default: '5000' },
      rounds: { type: 'string', default: '10' },
      interval: { type: 'string', default: '2000' },
      active: { type: 'string', default: '0' },
      smoke: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const smoke = values.smoke === true;
  const opts: ConsoleScaleOptions = {
    streams: smoke ? 20 : Number(values.streams),
    consumers: smoke ? 50 : Number(values.consumers),
    rounds: smoke ? 3 : Number(values.rounds),
    intervalMs: Number(values.interval),
    active: Number(values.active),
  };
  for (const [k, v] of Object.entries(opts))
    if (!Number.isInteger(v) || v < (k === 'active' ? 0 : 1))
      throw new TypeError(`--${k} must be a positive integer, got ${v}`);
  const r = await runConsoleScale(root, opts, (l) => process.stderr.write(`${l}\n`));
  const costs = r.rounds.flatMap((x) => (x.cost === null ? [] : [x.cost]));
  const ms = costs.map((c) => c.durationMs);
  const requests = costs.map((c) => c.requests);
  const lines = [
    `console at scale: ${r.streams} streams (${opts.active} active), ${r.consumers} consumers, ${opts.intervalMs} ms interval`,
    '',
    '| streams | consumers | first view | round ms p50 / max | requests/round p50 / max | complete rounds | rounds per sweep | metrics_updated/round | CPU ms/round | RSS | advisory → viewer p50 / max | snapshot | GET topics |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    `| ${r.streams} | ${r.consumers} | ${r.firstViewS} s | ${quantile(ms, 0.5)} / ${Math.max(...ms)} ms | ${quantile(requests, 0.5)} / ${Math.max(...requests)} | ${costs.filter((c) => c.complete).length}/${costs.length} | ${r.roundsPerSweep ?? '–'} | ${quantile(
      r.rounds.map((x) => x.parts),
      0.5,
    )} events, ${Math.round(
      quantile(
        r.rounds.map((x) => x.bytes),
        0.5,
      ) / 1024,
    )} KiB | ${r.cpuMsPerRound} | ${r.rssMiB} MiB | ${quantile(r.advisoryMs, 0.5)} / ${Math.max(...r.advisoryMs)} ms | ${Math.round(r.snapshotBytes / 1024)} KiB in ${r.snapshotMs} ms | ${Math.round(r.apiBytes / 1024)} KiB in ${r.apiMs} ms |`,
    '',
    `topic_updated + group_updated per round: ${r.updatesPerRound} events, ${Math.round(r.updateBytesPerRound / 1024)} KiB`,
    '',
    `populate: ${r.populateS} s; per round (round: requests, ms, complete): ${costs
      .map((c, i) => `${r.rounds[i]!.round}: ${c.requests}, ${c.durationMs}, ${c.complete ? 'yes' : 'no'}`)
      .join('; ')}`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
}
