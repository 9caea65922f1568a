/**
 * Option defaults and validation. Everything is checked when the client is created, with a
 * `TypeError` that says how to fix the value; filters are normalized the same way at creation
 * and on every subscription change.
 */
import type { ReprobePolicy } from './transport-selection.js';
import { createLongPollTransport } from './transports/long-poll.js';
import { createSseTransport } from './transports/sse.js';
import type { TransportFactory } from './transports/transport.js';
import { resolveBaseUrl } from './transports/urls.js';
import { createWebSocketTransport } from './transports/websocket.js';
import {
  DEFAULT_TRANSPORTS,
  type ClientOptions,
  type EventSourceConstructor,
  type SubscriptionFilter,
  type TokenProvider,
  type TransportName,
  type WebSocketConstructor,
} from './types.js';

/** Defaults of every optional numeric and boolean option. */
export const DEFAULTS = Object.freeze({
  minReconnectDelayMs: 500,
  maxReconnectDelayMs: 30_000,
  healthyAfterMs: 10_000,
  connectTimeoutMs: 10_000,
  heartbeatMs: 30_000,
  reprobeAfterMs: 60_000,
  /** Re-probe delays double up to this multiple of `reprobeAfterMs`. */
  reprobeMaxFactor: 16,
  pollTimeoutSeconds: 25,
  watchOnline: true,
  withCredentials: false,
  stateTopics: Object.freeze(['alerts', 'silences', 'health', 'stats', 'console']) as readonly string[],
});

/** Options after defaults and validation. */
export interface ResolvedOptions {
  readonly baseUrl: URL;
  readonly order: readonly TransportName[];
  readonly token: TokenProvider | undefined;
  readonly minReconnectDelayMs: number;
  readonly maxReconnectDelayMs: number;
  readonly healthyAfterMs: number;
  readonly connectTimeoutMs: number;
  readonly heartbeatMs: number;
  readonly reprobe: ReprobePolicy;
  readonly pollTimeoutSeconds: number;
  readonly watchOnline: boolean;
  readonly withCredentials: boolean;
  readonly stateTopics: readonly string[];
  readonly WebSocket: WebSocketConstructor | undefined;
  readonly EventSource: EventSourceConstructor | undefined;
  readonly fetch: typeof fetch | undefined;
  readonly factories: Readonly<Record<TransportName, TransportFactory>>;
  readonly random: () => number;
}

const BUILTIN_FACTORIES: Readonly<Record<TransportName, TransportFactory>> = {
  sse: createSseTransport,
  ws: createWebSocketTransport,
  poll: createLongPollTransport,
};

const KNOWN_TRANSPORTS = new Set<string>(DEFAULT_TRANSPORTS);

function positive(options: ClientOptions, name: keyof typeof DEFAULTS & keyof ClientOptions): number {
  const value = options[name] ?? DEFAULTS[name];
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(
      `options.${name} must be a positive number of ${name.endsWith('Seconds') ? 'seconds' : 'milliseconds'}; omit it for ${String(DEFAULTS[name])}`,
    );
  }
  return value;
}

function bool(options: ClientOptions, name: 'watchOnline' | 'withCredentials'): boolean {
  const value = options[name] ?? DEFAULTS[name];
  if (typeof value !== 'boolean') throw new TypeError(`options.${name} must be true or false`);
  return value;
}

/** Validates options and applies defaults. */
export function resolveOptions(options: ClientOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('createClient needs an options object: createClient({ url: "https://…" })');
  const baseUrl = resolveBaseUrl(options.url);
  const minReconnectDelayMs = positive(options, 'minReconnectDelayMs');
  const maxReconnectDelayMs = positive(options, 'maxReconnectDelayMs');
  if (minReconnectDelayMs > maxReconnectDelayMs) {
    throw new TypeError(
      `options.minReconnectDelayMs (${minReconnectDelayMs}) must not exceed options.maxReconnectDelayMs (${maxReconnectDelayMs})`,
    );
  }
  const pollTimeoutSeconds = positive(options, 'pollTimeoutSeconds');
  if (!Number.isInteger(pollTimeoutSeconds))
    throw new TypeError('options.pollTimeoutSeconds must be a whole number of seconds');
  if (options.getToken !== undefined) {
    if (typeof options.getToken !== 'function') throw new TypeError('options.getToken must be a function');
    if (options.token !== undefined)
      throw new TypeError('give options.token or options.getToken, not both (getToken is a token function)');
  }
  if (options.token !== undefined && typeof options.token !== 'string' && typeof options.token !== 'function') {
    throw new TypeError('options.token must be a string or a function returning one (or a promise of one)');
  }
  if (options.lastEventId !== undefined && (typeof options.lastEventId !== 'string' || options.lastEventId === '')) {
    throw new TypeError('options.lastEventId must be a non-empty event id string; omit it to start with snapshots');
  }
  if (options.random !== undefined && typeof options.random !== 'function')
    throw new TypeError('options.random must be a function returning a number in [0, 1)');
  const stateTopics = options.stateTopics ?? DEFAULTS.stateTopics;
  if (!Array.isArray(stateTopics) || !stateTopics.every((t) => typeof t === 'string'))
    throw new TypeError('options.stateTopics must be an array of topic names');

  const globals = globalThis as {
    WebSocket?: WebSocketConstructor;
    EventSource?: EventSourceConstructor;
    fetch?: typeof fetch;
  };
  const WebSocketImpl = options.WebSocket ?? globals.WebSocket;
  const EventSourceImpl = options.EventSource ?? globals.EventSource;
  const rawFetch = options.fetch ?? globals.fetch;
  // Called as a plain function: browsers reject `fetch` invoked with a foreign `this`.
  const fetchImpl =
    rawFetch === undefined
      ? undefined
      : (((input: RequestInfo | URL, init?: RequestInit) => rawFetch(input, init)) as typeof fetch);
  const factories = { ...BUILTIN_FACTORIES, ...(options.transportFactories ?? {}) };

  const available = (name: TransportName): boolean => {
    if (options.transportFactories?.[name] !== undefined) return true;
    if (name === 'sse') return EventSourceImpl !== undefined;
    if (name === 'ws') return WebSocketImpl !== undefined;
    return fetchImpl !== undefined;
  };
  const missingHint: Record<TransportName, string> = {
    sse: 'pass options.EventSource (Node: import { EventSource } from "eventsource")',
    ws: 'pass options.WebSocket (Node 20: import { WebSocket } from "ws")',
    poll: 'pass options.fetch',
  };

  let order: TransportName[];
  if (options.transports === undefined) {
    order = DEFAULT_TRANSPORTS.filter(available);
    if (order.length === 0)
      throw new TypeError(`no transport is available in this runtime; ${missingHint.ws}, or ${missingHint.sse}`);
  } else {
    const raw: unknown = options.transports;
    if (!Array.isArray(raw) || raw.length === 0) {
      throw new TypeError('options.transports must list at least one of "sse", "ws", "poll"; omit it for all three');
    }
    const requested = raw as readonly TransportName[];
    const seen = new Set<string>();
    for (const name of requested) {
      if (!KNOWN_TRANSPORTS.has(name))
        throw new TypeError(
          `options.transports: unknown transport "${String(name)}"; use "sse", "ws" or "poll"` +
            (String(name) === 'websocket' || String(name) === 'long-poll'
              ? ' (the names "websocket" and "long-poll" were renamed)'
              : ''),
        );
      if (seen.has(name)) throw new TypeError(`options.transports lists "${name}" twice`);
      seen.add(name);
      if (!available(name))
        throw new TypeError(
          `options.transports includes "${name}" but this runtime has no implementation for it; ${missingHint[name]}`,
        );
    }
    order = [...requested];
  }

  const reprobeAfterMs = positive(options, 'reprobeAfterMs');
  return {
    baseUrl,
    order,
    token: options.getToken ?? options.token,
    minReconnectDelayMs,
    maxReconnectDelayMs,
    healthyAfterMs: positive(options, 'healthyAfterMs'),
    connectTimeoutMs: positive(options, 'connectTimeoutMs'),
    heartbeatMs: positive(options, 'heartbeatMs'),
    reprobe: { afterMs: reprobeAfterMs, maxMs: reprobeAfterMs * DEFAULTS.reprobeMaxFactor },
    pollTimeoutSeconds,
    watchOnline: bool(options, 'watchOnline'),
    withCredentials: bool(options, 'withCredentials'),
    stateTopics: [...stateTopics],
    WebSocket: WebSocketImpl,
    EventSource: EventSourceImpl,
    fetch: fetchImpl,
    factories,
    random: options.random ?? Math.random,
  };
}

function list(value: unknown, name: string, allowEmpty: boolean): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v.trim() !== '')) {
    throw new TypeError(`${name} must be an array of non-empty strings`);
  }
  const unique = [...new Set(value.map((v: string) => v.trim()))];
  if (unique.length === 0) {
    if (allowEmpty) return undefined;
    throw new TypeError(`${name} must not be empty; omit it to receive every topic, or call close() to stop`);
  }
  return unique;
}

/**
 * A filter with lists checked, trimmed and deduplicated. An empty `types`, `sources` or `match`
 * means "no restriction" and is dropped; an empty `topics` is refused, because "no topics" would
 * otherwise silently mean "every topic".
 */
export function normalizeFilter(filter: SubscriptionFilter, prefix = 'options'): SubscriptionFilter {
  if (typeof filter !== 'object' || filter === null)
    throw new TypeError('a filter must be an object such as { topics: ["alerts"] }');
  const topics = list(filter.topics, `${prefix}.topics`, false);
  if (topics !== undefined) {
    for (const topic of topics)
      if (topic.includes(',')) throw new TypeError(`${prefix}.topics: "${topic}" contains a comma; topic names cannot`);
  }
  const types = list(filter.types, `${prefix}.types`, true);
  const sources = list(filter.sources, `${prefix}.sources`, true);
  const match = list(filter.match, `${prefix}.match`, true);
  return {
    ...(topics === undefined ? {} : { topics }),
    ...(types === undefined ? {} : { types }),
    ...(sources === undefined ? {} : { sources }),
    ...(match === undefined ? {} : { match }),
  };
}

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((x) => set.has(x));
}

/** Whether two normalized filters select the same events (list order does not matter). */
export function sameFilter(a: SubscriptionFilter, b: SubscriptionFilter): boolean {
  return (
    sameList(a.topics, b.topics) &&
    sameList(a.types, b.types) &&
    sameList(a.sources, b.sources) &&
    sameList(a.match, b.match)
  );
}

/** Whether `filter` receives `topic`. */
export function coversTopic(filter: SubscriptionFilter, topic: string): boolean {
  return filter.topics === undefined || filter.topics.includes(topic);
}

/**
 * Whether changing from `from` to `to` needs fresh snapshots: a state topic is added, or the
 * type/source/label restrictions change while a state topic is covered (items the old filter
 * excluded may be current right now, and resuming would only show their future changes).
 */
export function needsSnapshot(
  from: SubscriptionFilter,
  to: SubscriptionFilter,
  stateTopics: readonly string[],
): boolean {
  return snapshotTopics(from, to, stateTopics).length > 0;
}

/**
 * The state topics a change from `from` to `to` needs fresh snapshots of: those `to` newly
 * covers, or every covered one when the type/source/label restrictions change (see
 * {@link needsSnapshot}). A resume asks the server for exactly these (`snapshot` beside
 * `lastEventId`); every other topic resumes from the last delivered id.
 */
export function snapshotTopics(
  from: SubscriptionFilter,
  to: SubscriptionFilter,
  stateTopics: readonly string[],
): string[] {
  const covered = stateTopics.filter((t) => coversTopic(to, t));
  if (covered.length === 0) return [];
  if (!sameList(from.types, to.types) || !sameList(from.sources, to.sources) || !sameList(from.match, to.match))
    return covered;
  return covered.filter((t) => !coversTopic(from, t));
}
