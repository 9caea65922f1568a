/**
 * One measured run: start the target, open the subscribers in worker threads, publish, drain,
 * collect counters, latency and server CPU/RSS, stop everything. Every phase has a time bound.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { mergeEncoded, summarize, type LatencySummary } from './hist.js';
import { ProcSampler, scrapeGauges } from './proc.js';
import { publish, type PublishResult } from './publisher.js';
import { freePort, ServerProcess } from './server-process.js';
import { isSlow, type ScenarioParams } from './scenarios.js';
import type {
  ConnPlan,
  MainToWorker,
  SubscriberEndpoint,
  SubscriberKind,
  WorkerCounters,
  WorkerInit,
  WorkerToMain,
} from './protocol.js';
import type { Target, TargetContext, Transport } from '../targets/index.js';

export interface RunOptions {
  root: string;
  buildDir: string;
  host: string;
  workers: number;
  /** CPUs the generator may use (for its CPU percentage). */
  generatorCpus: number;
  serverCpus: string | undefined;
  connectConcurrency: number;
  spreadSourceAddresses: boolean;
  livegateArgs: string[];
  officialSocketIoClient: boolean;
  /** Pause after the server answers, before measuring its baseline (idle runs wait at least their settle time). */
  settleMs: number;
  log: (msg: string) => void;
}

/** Transport of a run: one of the target's, or `mixed` (half SSE, half WS) for livegate idle. */
export type RunTransport = Transport | 'mixed';

export interface RunResult {
  scenario: string;
  variant: string;
  target: string;
  transport: RunTransport;
  subscribers: number;
  skipped?: string;
  failed?: string;
  connected: number;
  connectFailures: number;
  rate: number;
  durationS: number;
  published: number;
  publishFailedEvents: number;
  publishMaxBacklog: number;
  publishMaxRequestMs: number;
  deliveries: number;
  deliveriesPerSec: number;
  offeredDeliveriesPerSec: number;
  latencyMs: LatencySummary;
  missing: number;
  duplicates: number;
  outOfOrder: number;
  unexpected: number;
  errors: number;
  disconnects: number;
  reconnects: number;
  resets: number;
  slow?: { connections: number; deliveries: number; missing: number; disconnects: number };
  server: {
    cpuMs: number;
    cpuMsPer1kDeliveries: number;
    cpuPercent: number;
    rssStartMB: number;
    rssPeakMB: number;
    rssEndMB: number;
  };
  idle?: { rssPerConnKB: number; heapPerConnKB: number | null; rssBeforeMB: number; rssAfterMB: number };
  generator: {
    workers: number;
    maxEventLoopUtilization: number;
    /** CPU time of the whole generator process (all threads) over the measured window, in % of its CPUs. */
    cpuPercent: number;
    /** Generator CPU µs per delivery. */
    cpuUsPerDelivery: number;
  };
  errorSamples: string[];
  notes: string[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const MB = 1024 * 1024;
const round = (v: number, d = 2): number => (Number.isFinite(v) ? Math.round(v * 10 ** d) / 10 ** d : 0);

function emptyResult(p: ScenarioParams, target: string, transport: RunTransport): RunResult {
  return {
    scenario: p.name,
    variant: p.variant,
    target,
    transport,
    subscribers: p.subscribers,
    connected: 0,
    connectFailures: 0,
    rate: p.rate,
    durationS: p.durationS,
    published: 0,
    publishFailedEvents: 0,
    publishMaxBacklog: 0,
    publishMaxRequestMs: 0,
    deliveries: 0,
    deliveriesPerSec: 0,
    offeredDeliveriesPerSec: 0,
    latencyMs: { count: 0, p50: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0 },
    missing: 0,
    duplicates: 0,
    outOfOrder: 0,
    unexpected: 0,
    errors: 0,
    disconnects: 0,
    reconnects: 0,
    resets: 0,
    server: { cpuMs: 0, cpuMsPer1kDeliveries: 0, cpuPercent: 0, rssStartMB: 0, rssPeakMB: 0, rssEndMB: 0 },
    generator: { workers: 0, maxEventLoopUtilization: 0, cpuPercent: 0, cpuUsPerDelivery: 0 },
    errorSamples: [],
    notes: [],
  };
}

export function skippedResult(p: ScenarioParams, target: string, transport: RunTransport, reason: string): RunResult {
  return { ...emptyResult(p, target, transport), skipped: reason };
}

function kindFor(target: Target, transport: Transport, ctx: TargetContext): SubscriberEndpoint {
  return target.endpoint(transport, ctx);
}

/** Connection plans: filters, slow ones, transport per connection (mixed alternates SSE/WS). */
function plan(p: ScenarioParams, kinds: SubscriberKind[]): ConnPlan[] {
  const plans: ConnPlan[] = [];
  for (let i = 0; i < p.subscribers; i++) {
    plans.push({
      i,
      kind: kinds[i % kinds.length]!,
      shard: p.filtered ? i % p.shards : -1,
      slow: isSlow(i, p.slowFraction),
      reconnect: p.churnPerSec > 0,
    });
  }
  return plans;
}

class WorkerHandle {
  readonly worker: Worker;
  connected: { ready: number; failed: number } | undefined;
  drained = false;
  result: { counters: WorkerCounters; histogram: string; fatal?: string } | undefined;
  deliveries = 0;
  exitError: string | undefined;
  private waiters: (() => void)[] = [];

  constructor(file: string) {
    this.worker = new Worker(file);
    this.worker.on('message', (m: WorkerToMain) => {
      if (m.type === 'connected') this.connected = { ready: m.ready, failed: m.failed };
      else if (m.type === 'progress') this.deliveries = m.deliveries;
      else if (m.type === 'drained') this.drained = true;
      else if (m.type === 'result') this.result = m;
      this.wake();
    });
    this.worker.on('error', (err) => {
      this.exitError = err.stack ?? err.message;
      this.wake();
    });
    this.worker.on('exit', (code) => {
      if (!this.result && !this.exitError) this.exitError = `worker exited with code ${code}`;
      this.wake();
    });
  }

  post(m: MainToWorker): void {
    this.worker.postMessage(m);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Wait until `cond` holds for this worker or `ms` pass. */
  async until(cond: () => boolean, deadline: number): Promise<boolean> {
    while (!cond()) {
      if (this.exitError) return false;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return true;
  }
}

export async function runOne(
  target: Target,
  transport: RunTransport,
  p: ScenarioParams,
  o: RunOptions,
): Promise<RunResult> {
  const r = emptyResult(p, target.name, transport);
  const port = await freePort(o.host);
  const ctx: TargetContext = {
    root: o.root,
    buildDir: o.buildDir,
    host: o.host,
    port,
    livegateArgs: o.livegateArgs,
    officialSocketIoClient: o.officialSocketIoClient,
  };
  const transports: Transport[] = transport === 'mixed' ? ['sse', 'ws'] : [transport];
  const endpoints: Partial<Record<SubscriberKind, SubscriberEndpoint>> = {};
  const kinds: SubscriberKind[] = [];
  for (const t of transports) {
    const ep = kindFor(target, t, ctx);
    endpoints[ep.kind] = ep;
    kinds.push(ep.kind);
  }

  let server: ServerProcess | undefined;
  const handles: WorkerHandle[] = [];
  const plans = plan(p, kinds);
  const nWorkers = Math.max(1, Math.min(o.workers, plans.length));
  try {
    // Workers load their modules while the server starts.
    const workerFile = path.join(o.buildDir, 'load', 'worker.mjs');
    for (let w = 0; w < nWorkers; w++) handles.push(new WorkerHandle(workerFile));
    const tStart = Date.now();
    server = await ServerProcess.start(target.spawn(ctx), {
      cpus: o.serverCpus,
      host: o.host,
      port,
      readyPath: target.metricsPath,
      timeoutMs: 60_000,
      cwd: o.root,
    });
    o.log(`    server up in ${Date.now() - tStart} ms`);
    const sampler = new ProcSampler(server.pid);
    sampler.start();
    await sleep(p.rate === 0 ? Math.max(o.settleMs, p.settleS * 1000) : o.settleMs);
    const before = sampler.sample();
    const heapBefore = p.rate === 0 ? await heapUsed(o.host, port, target.metricsPath) : undefined;
    r.server.rssStartMB = round(before.rss / MB);

    // Subscribers.
    const warmupN = Math.floor(p.rate * p.warmupS);
    const connectTimeoutMs = 20_000 + p.subscribers * 5;
    const per = Math.ceil(plans.length / nWorkers);
    for (let w = 0; w < nWorkers; w++) {
      const slice = plans.slice(w * per, (w + 1) * per);
      const h = handles[w]!;
      const init: WorkerInit = {
        workerIndex: w,
        endpoints,
        plans: slice,
        shards: p.filtered ? p.shards : 1,
        warmupN,
        connectConcurrency: o.connectConcurrency,
        connectTimeoutMs,
        churnPerSec: p.churnPerSec / nWorkers,
        churnMax: Math.ceil((p.churnPerSec * p.durationS) / nWorkers),
        spreadSourceAddresses: o.spreadSourceAddresses,
      };
      h.post({ type: 'init', init });
    }
    r.generator.workers = nWorkers;
    const tConnect = Date.now();
    const connectDeadline = tConnect + connectTimeoutMs + 5000;
    for (const h of handles) await h.until(() => h.connected !== undefined, connectDeadline);
    for (const h of handles) {
      if (h.exitError) throw new Error(`worker failed: ${h.exitError}`);
      r.connected += h.connected?.ready ?? 0;
    }
    o.log(`    ${r.connected}/${p.subscribers} subscribers ready in ${Date.now() - tConnect} ms`);
    if (r.connected === 0) throw new Error('no subscriber could connect');
    if (!server.alive) throw new Error(`server died while subscribers connected\n${server.output()}`);

    let pub: PublishResult | undefined;
    let cpuStart = before.cpuMs;
    let cpuStartAt = before.at;
    let genCpuStart: NodeJS.CpuUsage | undefined;
    if (p.rate === 0) {
      // Idle: measure memory once the connections have settled.
      await sleep(p.settleS * 1000);
      const after = sampler.sample();
      const heapAfter = await heapUsed(o.host, port, target.metricsPath);
      const n = Math.max(1, r.connected);
      r.idle = {
        rssPerConnKB: round((after.rss - before.rss) / 1024 / n),
        heapPerConnKB:
          heapBefore !== undefined && heapAfter !== undefined ? round((heapAfter - heapBefore) / 1024 / n) : null,
        rssBeforeMB: round(before.rss / MB),
        rssAfterMB: round(after.rss / MB),
      };
    } else {
      const s0 = sampler.sample();
      cpuStart = s0.cpuMs;
      cpuStartAt = s0.at;
      genCpuStart = process.cpuUsage();
      for (const h of handles) h.post({ type: 'start' });
      pub = await publish({
        host: o.host,
        port,
        path: target.publishPath,
        rate: p.rate,
        durationMs: p.durationS * 1000,
        shards: p.filtered ? p.shards : 1,
      });
      r.published = pub.published;
      r.publishFailedEvents = pub.failedEvents;
      r.publishMaxBacklog = pub.maxBacklog;
      r.publishMaxRequestMs = pub.maxRequestMs;
      r.errorSamples.push(...pub.errorSamples);
      for (const h of handles) h.post({ type: 'expect', total: pub.published });
      const tDrain = Date.now();
      const drainDeadline = Date.now() + p.drainS * 1000;
      let drained = true;
      for (const h of handles) drained = (await h.until(() => h.drained, drainDeadline)) && drained;
      if (!drained) r.notes.push(`not all deliveries completed within the ${p.drainS} s drain time`);
      o.log(`    published ${pub.published} events, drained in ${Date.now() - tDrain} ms`);
    }
    const end = sampler.stop();
    const genCpu = genCpuStart ? process.cpuUsage(genCpuStart) : undefined;

    for (const h of handles) h.post({ type: 'stop' });
    const resultDeadline = Date.now() + 15_000;
    for (const h of handles) await h.until(() => h.result !== undefined, resultDeadline);

    // Merge.
    const hists: string[] = [];
    let lastDelivery = 0;
    let slow: RunResult['slow'] = undefined;
    const slowCount = plans.filter((x) => x.slow).length;
    if (slowCount > 0) slow = { connections: slowCount, deliveries: 0, missing: 0, disconnects: 0 };
    for (const h of handles) {
      if (!h.result) throw new Error(`worker gave no result: ${h.exitError ?? 'timeout'}`);
      if (h.result.fatal) throw new Error(`worker failed: ${h.result.fatal}`);
      const c = h.result.counters;
      hists.push(h.result.histogram);
      r.connectFailures += c.connectFailures;
      r.deliveries += c.deliveries;
      r.missing += c.missing;
      r.duplicates += c.duplicates;
      r.outOfOrder += c.outOfOrder;
      r.unexpected += c.unexpected;
      r.errors += c.errors;
      r.disconnects += c.disconnects;
      r.reconnects += c.reconnects;
      r.resets += c.resets;
      r.generator.maxEventLoopUtilization = Math.max(r.generator.maxEventLoopUtilization, round(c.elu));
      lastDelivery = Math.max(lastDelivery, c.lastDeliveryAt);
      if (slow) {
        slow.deliveries += c.slowDeliveries;
        slow.missing += c.slowMissing;
        slow.disconnects += c.slowDisconnects;
      }
      for (const e of c.errorSamples)
        if (r.errorSamples.length < 8 && !r.errorSamples.includes(e)) r.errorSamples.push(e);
    }
    const h = mergeEncoded(hists);
    r.latencyMs = summarize(h);
    h.destroy();
    r.slow = slow;

    if (pub) {
      const windowMs = Math.max(pub.endedAt, lastDelivery) - pub.startedAt;
      r.deliveriesPerSec = round(r.deliveries / Math.max(0.001, windowMs / 1000), 0);
      const healthy = r.connected - (slow?.connections ?? 0);
      r.offeredDeliveriesPerSec = round((p.rate * healthy) / (p.filtered ? p.shards : 1), 0);
      const cpu = end.cpuMs - cpuStart;
      const all = r.deliveries + (slow?.deliveries ?? 0);
      r.server.cpuMs = round(cpu, 0);
      r.server.cpuMsPer1kDeliveries = all > 0 ? round((cpu / all) * 1000, 3) : 0;
      r.server.cpuPercent = round((cpu / Math.max(1, end.at - cpuStartAt)) * 100, 1);
      if (genCpu) {
        const us = genCpu.user + genCpu.system;
        r.generator.cpuPercent = round((us / 1000 / Math.max(1, end.at - cpuStartAt) / o.generatorCpus) * 100, 1);
        r.generator.cpuUsPerDelivery = all > 0 ? round(us / all, 2) : 0;
      }
      if (r.generator.cpuPercent > 85 || (o.workers <= o.generatorCpus && r.generator.maxEventLoopUtilization > 0.9)) {
        r.notes.push(
          `generator saturated (CPU ${r.generator.cpuPercent}% of its ${o.generatorCpus} CPU(s), ${r.generator.cpuUsPerDelivery} µs/delivery): latency includes generator queueing`,
        );
      }
      if (pub.maxBacklog > Math.max(100, p.rate / 2)) {
        r.notes.push(
          `publisher fell behind by up to ${pub.maxBacklog} events (slowest publish request ${pub.maxRequestMs} ms): the server could not keep up`,
        );
      }
      if (pub.published < pub.planned)
        r.notes.push(`publisher sent ${pub.published} of ${pub.planned} planned events before its time bound`);
    }
    r.server.rssPeakMB = round(sampler.peakRss / MB);
    r.server.rssEndMB = round(end.rss / MB);
    if (!server.alive) r.notes.push('server exited during the run');
    return r;
  } catch (err) {
    r.failed = err instanceof Error ? err.message : String(err);
    if (server) r.failed += server.alive ? '' : `\n${server.output()}`;
    return r;
  } finally {
    await Promise.all(handles.map((h) => h.worker.terminate().catch(() => 0)));
    await server?.stop();
  }
}

async function heapUsed(host: string, port: number, metricsPath: string): Promise<number | undefined> {
  // Median of three scrapes: heap moves with allocation between GCs.
  const vals: number[] = [];
  for (let i = 0; i < 3; i++) {
    const g = await scrapeGauges(host, port, metricsPath, ['nodejs_heap_size_used_bytes']);
    const v = g.nodejs_heap_size_used_bytes;
    if (v !== undefined) vals.push(v);
    if (i < 2) await sleep(150);
  }
  if (vals.length === 0) return undefined;
  vals.sort((a, b) => a - b);
  return vals[Math.floor(vals.length / 2)];
}
