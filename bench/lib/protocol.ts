/**
 * Shared vocabulary of the load generator: what the main thread tells subscriber workers, what
 * they report back, and how a benchmark event is encoded and recognised on the wire.
 *
 * Every target (livegate and the baselines) receives the same drafts from the publisher and must
 * deliver an envelope whose `data` is `{"n":<sequence>,"t":<send time ms>,"pad":"…"}`.
 */

/** How a subscriber talks to a target. */
export type SubscriberKind =
  /** Server-sent events (`text/event-stream`), parsed by hand; resume with `Last-Event-ID`. */
  | 'sse'
  /** WebSocket where every text message is one envelope (bare `ws` baseline). */
  | 'ws-plain'
  /** livegate's WebSocket protocol: `subscribe` op, `event`/`events` ops, `since` to resume. */
  | 'ws-livegate'
  /** Socket.IO 4 (engine.io v4 over WebSocket), events named `event`. */
  | 'socketio';

/** Where and how to open subscriber connections; built by the target, used by workers. */
export interface SubscriberEndpoint {
  kind: SubscriberKind;
  host: string;
  port: number;
  /** Request path without query, e.g. `/events` or `/api/v2/events/stream`. */
  path: string;
  /** How a label filter `shard="s3"` is expressed: baselines use rooms keyed by `?shard=`, livegate a matcher. */
  filterStyle: 'query-shard' | 'livegate-match';
  /** Extra fixed query parameters (e.g. `topics=bench`). */
  query: Record<string, string>;
  /** SSE: the control event that marks the subscription live (`hello`). */
  readyEvent: string;
  /** Socket.IO only: use the official `socket.io-client` instead of the lean engine.io client. */
  officialSocketIoClient?: boolean;
}

/** One connection's role, decided by the main thread. */
export interface ConnPlan {
  /** Global index (also used to derive the source address). */
  i: number;
  kind: SubscriberKind;
  /** Label filter: receive only events with `n % shards === shard`; -1 = everything. */
  shard: number;
  /** Stop reading once publishing starts (slow-consumer scenario). */
  slow: boolean;
  /** Reconnect with resume when closed (churn scenario). */
  reconnect: boolean;
}

export interface WorkerInit {
  workerIndex: number;
  endpoints: Partial<Record<SubscriberKind, SubscriberEndpoint>>;
  plans: ConnPlan[];
  shards: number;
  /** Events with `n < warmupN` are counted but not recorded in the latency histogram. */
  warmupN: number;
  /** Handshakes in flight per worker while connecting. */
  connectConcurrency: number;
  connectTimeoutMs: number;
  /** Churn: closes+resumes per second for this worker (0 = none), and an upper bound on the total. */
  churnPerSec: number;
  churnMax: number;
  /** Bind client sockets to 127.0.X.Y to spread source addresses. */
  spreadSourceAddresses: boolean;
}

export type MainToWorker =
  | { type: 'init'; init: WorkerInit }
  /** Publishing begins now: slow subscribers stop reading, churn starts. */
  | { type: 'start' }
  /** Publishing is over: `total` events numbered 0..total-1 were published. */
  | { type: 'expect'; total: number }
  /** Close everything and send the result. */
  | { type: 'stop' };

export interface WorkerCounters {
  connections: number;
  ready: number;
  connectFailures: number;
  /** Deliveries of benchmark events to non-slow connections (duplicates included). */
  deliveries: number;
  /** Same for slow connections. */
  slowDeliveries: number;
  missing: number;
  duplicates: number;
  outOfOrder: number;
  /** Events a filtered subscriber should not have received. */
  unexpected: number;
  slowMissing: number;
  errors: number;
  /** Unplanned connection closes (server cut, network error) after the connection was ready. */
  disconnects: number;
  slowDisconnects: number;
  /** Planned close + resume cycles (churn). */
  reconnects: number;
  /** Resumes that were answered with a `reset` control message (lost position). */
  resets: number;
  /** Last delivery time (ms, timeOrigin + now) of a benchmark event, 0 if none. */
  lastDeliveryAt: number;
  /** Event-loop utilisation of the worker over the measured window (0..1). */
  elu: number;
  /** A few first error messages, for the report. */
  errorSamples: string[];
}

export type WorkerToMain =
  | { type: 'connecting'; ready: number; failed: number }
  | { type: 'connected'; ready: number; failed: number }
  | { type: 'progress'; deliveries: number }
  | { type: 'drained' }
  | { type: 'result'; counters: WorkerCounters; histogram: string; fatal?: string };

/** Wall-clock-ish milliseconds comparable across threads of this process. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Source address for connection `i`: 127.0.X.Y, X and Y in 1..250, unique up to 62,500 connections. */
export function sourceAddress(i: number): string {
  return `127.0.${1 + (Math.floor(i / 250) % 250)}.${1 + (i % 250)}`;
}

/** Label value for shard `s`. */
export function shardLabel(s: number): string {
  return `s${s}`;
}

/** Number of events in 0..total-1 that a connection with this filter should receive. */
export function expectedCount(total: number, shard: number, shards: number): number {
  if (shard < 0) return total;
  if (shard >= total) return 0;
  return Math.floor((total - 1 - shard) / shards) + 1;
}

/** Query string (with leading `?`) for a subscriber of `shard` on this endpoint. */
export function subscriberQuery(ep: SubscriberEndpoint, shard: number): string {
  const params = new URLSearchParams(ep.query);
  if (shard >= 0) {
    if (ep.filterStyle === 'query-shard') params.set('shard', shardLabel(shard));
    else params.set('match', livegateMatcher(shard));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** livegate label matcher selecting one shard. */
export function livegateMatcher(shard: number): string {
  return `{shard="${shardLabel(shard)}"}`;
}

// ---------------------------------------------------------------------------------------------
// Event payload

/** Target size of one published draft, in bytes of JSON. */
export const DRAFT_BYTES = 300;

const DRAFT_PREFIX = '{"topic":"bench","type":"tick","source":"bench","labels":{"shard":"';
/** Length of a draft with the given n/t/shard text but an empty pad. */
function draftOverhead(n: number, t: number, shard: string): number {
  return `${DRAFT_PREFIX}${shard}"},"data":{"n":${n},"t":${t},"pad":""}}`.length;
}

/** A padding string that brings a typical draft to about {@link DRAFT_BYTES} bytes. */
export function makePad(): string {
  const typical = draftOverhead(123456, 1732350000000.123, 's42');
  return 'x'.repeat(Math.max(0, DRAFT_BYTES - typical));
}

/** One draft as JSON text; built by hand so the publisher does not pay JSON.stringify per event. */
export function draftJson(n: number, t: number, shards: number, pad: string): string {
  return `${DRAFT_PREFIX}${shardLabel(n % shards)}"},"data":{"n":${n},"t":${t},"pad":"${pad}"}}`;
}

// ---------------------------------------------------------------------------------------------
// Fast extraction of n/t from an envelope, without JSON.parse (the generator is the bottleneck).

/** Results of the last successful {@link extractNT} call (avoids allocating a result object). */
export const parsed = { n: 0, t: 0, end: 0 };

function readNumber(s: string, start: number): number {
  let end = start;
  const len = s.length;
  while (end < len) {
    const c = s.charCodeAt(end);
    // digits, '.', '-', '+', 'e', 'E'
    if ((c >= 48 && c <= 57) || c === 46 || c === 45 || c === 43 || c === 101 || c === 69) end++;
    else break;
  }
  parsed.end = end;
  return end > start ? Number(s.slice(start, end)) : NaN;
}

/**
 * Find `"data":{"n":…,"t":…` at or after `from` in a serialized envelope and store n and t in
 * {@link parsed}. Returns false when the text does not look like a benchmark event.
 */
export function extractNT(s: string, from = 0): boolean {
  const d = s.indexOf('"data":', from);
  if (d < 0) return false;
  const a = s.indexOf('"n":', d + 7);
  if (a < 0) return false;
  const n = readNumber(s, a + 4);
  const b = s.indexOf('"t":', parsed.end);
  if (b < 0) return false;
  const t = readNumber(s, b + 4);
  if (!Number.isInteger(n) || Number.isNaN(t)) return false;
  parsed.n = n;
  parsed.t = t;
  return true;
}

/** Benchmark fields of an already parsed envelope, or false. */
export function extractFromObject(env: unknown): boolean {
  if (typeof env !== 'object' || env === null) return false;
  const data = (env as { data?: unknown }).data;
  if (typeof data !== 'object' || data === null) return false;
  const { n, t } = data as { n?: unknown; t?: unknown };
  if (typeof n !== 'number' || typeof t !== 'number') return false;
  parsed.n = n;
  parsed.t = t;
  return true;
}
