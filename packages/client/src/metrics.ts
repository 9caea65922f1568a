/**
 * `client.metrics(query, interval)`: a live PromQL result over `GET /api/v1/metrics/stream`.
 * Runs on its own `EventSource`, which reconnects by itself after a network failure; the server
 * keeps evaluating on the wall clock, so a reconnect simply gets the next result (and the last
 * one at once). An HTTP refusal (bad query, forbidden, limit) is told apart with one `fetch`:
 * 4xx ends the subscription with the server's error, 503 is retried with backoff.
 */
import { backoffDelay } from './backoff.js';
import { Emitter } from './emitter.js';
import { LivegateError, errorFromHttp } from './errors.js';
import type { EventSourceConstructor, EventSourceLike } from './types.js';

/** Path of the metric stream endpoint. */
export const METRICS_STREAM_PATH = '/api/v1/metrics/stream';

/** One evaluation: `result` exactly as Prometheus returned it. */
export interface MetricUpdate {
  readonly resultType: 'vector' | 'matrix' | 'scalar' | 'string';
  readonly result: unknown;
  /** Evaluation time, RFC 3339. */
  readonly evaluatedAt: string;
  /** How long Prometheus took, in ms. */
  readonly queryMs: number;
}

/** Events of a {@link MetricSubscription}. */
export interface MetricSubscriptionEvents {
  /** The stream is open: the server's connection id and normalized query. */
  connected: { readonly connectionId: string; readonly query: string; readonly interval: number };
  /** A new result (also the backfill, with `resultType` `matrix`, when `range` was given). */
  update: MetricUpdate;
  /**
   * A failed evaluation (`prometheus_unavailable`, `prometheus_query_failed`): the stream stays
   * open. Or a refused stream (`invalid_promql`, `promql_forbidden`, …) right before `closed`.
   */
  error: LivegateError;
  /** The subscription ended: by `close()`, a refusal, or the server (`reason`). */
  closed: { readonly reason: LivegateError | null };
}

/** A live query; see {@link MetricSubscriptionEvents}. */
export interface MetricSubscription {
  readonly query: string;
  readonly interval: number;
  /** The newest result, or `null` before the first. */
  readonly latest: MetricUpdate | null;
  on<K extends keyof MetricSubscriptionEvents>(
    name: K,
    listener: (payload: MetricSubscriptionEvents[K]) => void,
  ): () => void;
  /** Ends the stream. Idempotent. */
  close(): void;
}

/** Options of `client.metrics`. */
export interface MetricOptions {
  /** Backfill the last `range` seconds with one range query on connect. Defaults to none. */
  readonly range?: number;
  /** Step of the backfill, in seconds. Defaults to the server's choice. */
  readonly step?: number;
}

/** What a metric subscription needs from the client. */
export interface MetricStreamParams {
  readonly baseUrl: URL;
  readonly EventSource: EventSourceConstructor | undefined;
  readonly fetch: typeof fetch | undefined;
  readonly withCredentials: boolean;
  readonly token: () => Promise<string | null>;
  readonly minReconnectDelayMs: number;
  readonly maxReconnectDelayMs: number;
  readonly random: () => number;
}

/** Builds the stream URL. */
export function metricsUrl(
  baseUrl: URL,
  query: string,
  interval: number,
  options: MetricOptions,
  token: string | null,
): string {
  const url = new URL(METRICS_STREAM_PATH.slice(1), baseUrl.href.endsWith('/') ? baseUrl : `${baseUrl.href}/`);
  url.searchParams.set('query', query);
  url.searchParams.set('interval', String(interval));
  if (options.range !== undefined) url.searchParams.set('range', String(options.range));
  if (options.step !== undefined) url.searchParams.set('step', String(options.step));
  if (token !== null) url.searchParams.set('access_token', token);
  return url.href;
}

const parse = (data: unknown): Record<string, unknown> | null => {
  if (typeof data !== 'string') return null;
  try {
    const value: unknown = JSON.parse(data);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
};

/** Opens a metric subscription. Throws a `TypeError` for a bad query or interval argument. */
export function openMetricStream(
  params: MetricStreamParams,
  query: string,
  interval: number,
  options: MetricOptions = {},
): MetricSubscription {
  if (typeof query !== 'string' || query.trim() === '')
    throw new TypeError('metrics(query): query must be PromQL text');
  if (!Number.isInteger(interval) || interval < 5 || interval > 300) {
    throw new TypeError('metrics(query, interval): interval must be a whole number of seconds from 5 to 300');
  }
  if (params.EventSource === undefined) {
    throw new TypeError('metrics() needs EventSource; pass options.EventSource (Node: from the "eventsource" package)');
  }
  const EventSourceImpl: EventSourceConstructor = params.EventSource;
  const emitter = new Emitter<MetricSubscriptionEvents>();
  let latest: MetricUpdate | null = null;
  let source: EventSourceLike | null = null;
  let closed = false;
  let failures = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let notBeforeMs = 0;

  const finish = (reason: LivegateError | null) => {
    if (closed) return;
    closed = true;
    clearTimeout(retryTimer);
    source?.close();
    source = null;
    emitter.emit('closed', { reason });
  };

  const retryLater = () => {
    source?.close();
    source = null;
    const delay = backoffDelay(
      failures++,
      { minMs: params.minReconnectDelayMs, maxMs: params.maxReconnectDelayMs },
      params.random,
      notBeforeMs,
    );
    notBeforeMs = 0;
    retryTimer = setTimeout(connect, delay);
  };

  /** EventSource hides the HTTP status: one fetch tells a refusal from a network failure. */
  const diagnose = async (url: string) => {
    const fetchImpl = params.fetch ?? globalThis.fetch;
    try {
      const res = await fetchImpl(url, { headers: { accept: 'text/event-stream' } });
      if (res.ok) {
        void res.body?.cancel();
        retryLater();
        return;
      }
      const body: unknown = await res.json().catch(() => null);
      const error = errorFromHttp(res.status, body, res.headers.get('retry-after'));
      emitter.emit('error', error);
      if (error.disposition === 'retry') {
        notBeforeMs = error.retryAfterMs ?? 0;
        retryLater();
      } else finish(error);
    } catch {
      retryLater();
    }
  };

  function connect(): void {
    if (closed) return;
    void params.token().then(
      (token) => {
        if (closed) return;
        const url = metricsUrl(params.baseUrl, query, interval, options, token);
        const es = new EventSourceImpl(url, { withCredentials: params.withCredentials });
        source = es;
        let opened = false;
        es.addEventListener('connected', (ev: { data?: unknown }) => {
          const d = parse(ev.data);
          opened = true;
          failures = 0;
          emitter.emit('connected', {
            connectionId: String(d?.connection_id ?? ''),
            query: String(d?.query ?? query),
            interval: Number(d?.interval ?? interval),
          });
        });
        es.addEventListener('metric-update', (ev: { data?: unknown }) => {
          const d = parse(ev.data);
          if (d === null) return;
          latest = d as unknown as MetricUpdate;
          emitter.emit('update', latest);
        });
        es.addEventListener('shutdown', () => {
          // The server is stopping or an admin closed the stream: EventSource reconnects after `retry:`.
          opened = false;
        });
        es.addEventListener('error', (ev: { data?: unknown }) => {
          if (source !== es || closed) return;
          const d = parse(ev.data);
          if (d !== null) {
            // A server `error` event: a failed evaluation, the stream lives on.
            emitter.emit(
              'error',
              new LivegateError(String(d.code ?? 'prometheus_unavailable'), String(d.message ?? ''), {
                disposition: 'retry',
              }),
            );
            return;
          }
          if (es.readyState === 2 /* CLOSED */) {
            if (opened) retryLater();
            else void diagnose(url);
          }
        });
      },
      (cause: unknown) => {
        emitter.emit(
          'error',
          new LivegateError('token_error', 'options.token failed', { cause, disposition: 'retry' }),
        );
        retryLater();
      },
    );
  }

  connect();
  return {
    query,
    interval,
    get latest() {
      return latest;
    },
    on: (name, listener) => emitter.on(name, listener as never),
    close: () => finish(null),
  };
}
