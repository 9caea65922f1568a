/**
 * Subscriber worker (worker_threads): opens its share of connections, records end-to-end latency
 * in an HDR histogram (microseconds), checks every connection's event numbers for loss,
 * duplicates and order, and optionally pauses (slow) or churns (close + resume) connections.
 */
import { parentPort } from 'node:worker_threads';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import hdr from 'hdr-histogram-js';
import {
  expectedCount,
  nowMs,
  parsed,
  sourceAddress,
  type ConnPlan,
  type MainToWorker,
  type SubscriberEndpoint,
  type WorkerCounters,
  type WorkerInit,
  type WorkerToMain,
} from '../lib/protocol.js';
import { newHistogram } from '../lib/hist.js';
import { Received } from './tracker.js';
import type { ClientHandlers, SubscriberClient } from './client.js';
import { openSse } from './sse-client.js';
import { openWs } from './ws-client.js';
import { openSocketIo } from './socketio-client.js';

if (!parentPort) throw new Error('bench worker must run in a worker thread');
const port = parentPort;
const send = (m: WorkerToMain): void => port.postMessage(m);

const RECONNECT_DELAY_MS = 50;
const MAX_RECONNECT_ATTEMPTS = 20;

let init!: WorkerInit;
const histogram = newHistogram();
const counters: WorkerCounters = {
  connections: 0,
  ready: 0,
  connectFailures: 0,
  deliveries: 0,
  slowDeliveries: 0,
  missing: 0,
  duplicates: 0,
  outOfOrder: 0,
  unexpected: 0,
  slowMissing: 0,
  errors: 0,
  disconnects: 0,
  slowDisconnects: 0,
  reconnects: 0,
  resets: 0,
  lastDeliveryAt: 0,
  elu: 0,
  errorSamples: [],
};
const conns: Conn[] = [];
let started = false;
let stopping = false;
let expectTotal = -1;
let eluStart: EventLoopUtilization | undefined;

function noteError(msg: string): void {
  counters.errors++;
  if (counters.errorSamples.length < 5 && !counters.errorSamples.includes(msg)) counters.errorSamples.push(msg);
}

class Conn implements ClientHandlers {
  readonly received = new Received();
  client: SubscriberClient | undefined;
  state: 'idle' | 'connecting' | 'ready' | 'closed' = 'idle';
  everReady = false;
  lastId: string | undefined;
  /** Planned close in progress (churn): resume right away. */
  resuming = false;
  attempts = 0;
  private onFirstOutcome: ((ok: boolean) => void) | undefined;

  constructor(
    readonly plan: ConnPlan,
    readonly ep: SubscriberEndpoint,
  ) {}

  open(onOutcome?: (ok: boolean) => void): void {
    this.onFirstOutcome = onOutcome;
    this.state = 'connecting';
    const opts = {
      localAddress: init.spreadSourceAddresses ? sourceAddress(this.plan.i) : undefined,
      resumeId: this.lastId,
      shard: this.plan.shard,
    };
    switch (this.ep.kind) {
      case 'sse':
        this.client = openSse(this.ep, opts, this);
        break;
      case 'ws-plain':
      case 'ws-livegate':
        this.client = openWs(this.ep, opts, this);
        break;
      case 'socketio':
        this.client = openSocketIo(this.ep, opts, this);
        break;
    }
  }

  onReady(): void {
    this.state = 'ready';
    this.attempts = 0;
    if (!this.everReady) {
      this.everReady = true;
      counters.ready++;
    }
    const cb = this.onFirstOutcome;
    this.onFirstOutcome = undefined;
    cb?.(true);
    if (started && this.plan.slow) this.client?.pause();
  }

  onEvent(id: string | undefined): void {
    const n = parsed.n;
    const t = parsed.t;
    if (id !== undefined) this.lastId = id;
    const shard = this.plan.shard;
    this.received.add(n, shard < 0 || n % init.shards === shard);
    const now = nowMs();
    if (this.plan.slow) {
      counters.slowDeliveries++;
      return;
    }
    counters.deliveries++;
    counters.lastDeliveryAt = now;
    if (n >= init.warmupN) {
      const us = Math.round((now - t) * 1000);
      histogram.recordValue(us > 0 ? us : 0);
    }
  }

  onControl(name: string, data: string): void {
    if (name === 'reset') counters.resets++;
    else if (name === 'error') noteError(`control error: ${data.slice(0, 200)}`);
  }

  onClose(reason: string, isError: boolean): void {
    const wasReady = this.state === 'ready';
    this.state = 'closed';
    this.client = undefined;
    const cb = this.onFirstOutcome;
    this.onFirstOutcome = undefined;
    if (cb) {
      noteError(`connect: ${reason}`);
      cb(false);
      return;
    }
    if (stopping) return;
    if (wasReady) {
      if (this.plan.slow) counters.slowDisconnects++;
      else counters.disconnects++;
    }
    if (isError && !wasReady) noteError(reason);
    else if (isError && counters.errorSamples.length < 5) counters.errorSamples.push(`disconnect: ${reason}`);
    if (this.plan.reconnect && !this.plan.slow && this.attempts < MAX_RECONNECT_ATTEMPTS) {
      this.attempts++;
      setTimeout(() => {
        if (!stopping && this.state === 'closed') this.open();
      }, RECONNECT_DELAY_MS);
    }
  }

  /** Planned close + resume from the last id (churn). */
  churn(): void {
    if (this.state !== 'ready' || !this.client) return;
    this.client.close();
    this.client = undefined;
    this.state = 'closed';
    counters.reconnects++;
    this.open();
  }

  close(): void {
    this.client?.close();
    this.client = undefined;
    this.state = 'closed';
  }

  expected(total: number): number {
    return expectedCount(total, this.plan.shard, init.shards);
  }
}

async function connectAll(): Promise<void> {
  let next = 0;
  let failed = 0;
  let lastReport = 0;
  const total = conns.length;
  await new Promise<void>((resolve) => {
    let inFlight = 0;
    let settled = 0;
    const timer = setTimeout(() => {
      noteError(`connect timeout: ${total - settled} connections not ready after ${init.connectTimeoutMs} ms`);
      resolve();
    }, init.connectTimeoutMs);
    const pump = (): void => {
      while (inFlight < init.connectConcurrency && next < total) {
        const c = conns[next++]!;
        inFlight++;
        c.open((ok) => {
          inFlight--;
          settled++;
          if (!ok) {
            failed++;
            counters.connectFailures++;
          }
          const now = Date.now();
          if (now - lastReport > 250) {
            lastReport = now;
            send({ type: 'connecting', ready: counters.ready, failed });
          }
          if (settled === total) {
            clearTimeout(timer);
            resolve();
          } else pump();
        });
      }
    };
    if (total === 0) {
      clearTimeout(timer);
      resolve();
    } else pump();
  });
  send({ type: 'connected', ready: counters.ready, failed });
}

let churnTimer: NodeJS.Timeout | undefined;
function startChurn(): void {
  if (init.churnPerSec <= 0) return;
  const candidates = conns.filter((c) => c.plan.reconnect && !c.plan.slow);
  if (candidates.length === 0) return;
  const t0 = performance.now();
  let done = 0;
  let cursor = 0;
  churnTimer = setInterval(() => {
    const due = Math.min(init.churnMax, Math.floor(((performance.now() - t0) / 1000) * init.churnPerSec));
    let guard = candidates.length;
    while (done < due && guard-- > 0) {
      const c = candidates[cursor++ % candidates.length]!;
      // Only resume from a known position: without a last id there is nothing to resume from.
      if (c.state === 'ready' && c.lastId !== undefined) {
        c.churn();
        done++;
      }
    }
    if (done >= init.churnMax) stopChurn();
  }, 10);
}
function stopChurn(): void {
  if (churnTimer) clearInterval(churnTimer);
  churnTimer = undefined;
}

let drainTimer: NodeJS.Timeout | undefined;
function watchDrain(): void {
  const check = (): boolean =>
    conns.every((c) => {
      // Slow ones count too: once resumed they either catch up or see the server's close.
      if (c.received.unique >= c.expected(expectTotal)) return true;
      // A closed connection that will not come back cannot complete.
      return c.state === 'closed' && (!c.plan.reconnect || c.attempts >= MAX_RECONNECT_ATTEMPTS);
    });
  if (check()) {
    send({ type: 'drained' });
    return;
  }
  drainTimer = setInterval(() => {
    if (check()) {
      clearInterval(drainTimer);
      drainTimer = undefined;
      send({ type: 'drained' });
    }
  }, 50);
}

let progressTimer: NodeJS.Timeout | undefined;

function finish(): void {
  stopping = true;
  stopChurn();
  if (drainTimer) clearInterval(drainTimer);
  if (progressTimer) clearInterval(progressTimer);
  if (eluStart) counters.elu = performance.eventLoopUtilization(eluStart).utilization;
  const total = expectTotal < 0 ? 0 : expectTotal;
  for (const c of conns) {
    const miss = Math.max(0, c.expected(total) - c.received.unique);
    if (c.plan.slow) counters.slowMissing += miss;
    else {
      counters.missing += miss;
      counters.duplicates += c.received.duplicates;
      counters.outOfOrder += c.received.outOfOrder;
      counters.unexpected += c.received.unexpected;
    }
    c.close();
  }
  send({ type: 'result', counters, histogram: hdr.encodeIntoCompressedBase64(histogram) });
}

port.on('message', (m: MainToWorker) => {
  try {
    switch (m.type) {
      case 'init': {
        init = m.init;
        for (const plan of init.plans) {
          const ep = init.endpoints[plan.kind];
          if (!ep) throw new Error(`no endpoint for subscriber kind ${plan.kind}`);
          conns.push(new Conn(plan, ep));
        }
        counters.connections = conns.length;
        void connectAll();
        break;
      }
      case 'start':
        started = true;
        eluStart = performance.eventLoopUtilization();
        for (const c of conns) if (c.plan.slow) c.client?.pause();
        startChurn();
        progressTimer = setInterval(() => send({ type: 'progress', deliveries: counters.deliveries }), 500);
        break;
      case 'expect':
        expectTotal = m.total;
        stopChurn();
        // Slow subscribers wake up: a paused socket never reads the server's close, so this is
        // how a cut-off becomes visible (and how much an unbounded server buffered shows up).
        for (const c of conns) if (c.plan.slow) c.client?.resume();
        watchDrain();
        break;
      case 'stop':
        if (expectTotal < 0) expectTotal = 0;
        finish();
        break;
    }
  } catch (err) {
    send({
      type: 'result',
      counters,
      histogram: hdr.encodeIntoCompressedBase64(histogram),
      fatal: err instanceof Error ? (err.stack ?? err.message) : String(err),
    });
  }
});
