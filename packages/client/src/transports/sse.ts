/**
 * Server-sent events over `EventSource`: `GET /api/v2/events/stream?…`. Envelopes arrive as
 * unnamed messages; `hello`, `heartbeat`, `reset`, `shutdown` and `error` are named controls.
 *
 * EventSource reconnects by itself, but only with its own fixed delay and without the client's
 * transport fallback, so the first error closes it and the client decides what comes next. A
 * failed EventSource reveals no HTTP status, so before giving up on a connection that never
 * opened, one plain `fetch` of the same URL tells an auth failure (do not retry) or an overload
 * (retry later) from a blocked or missing endpoint (try the next transport).
 */
import { LivegateError, errorFromHttp, errorFromServer } from '../errors.js';
import type { EventSourceLike } from '../types.js';
import { asEnvelope, asRecord, parseJson, positiveNumberField, stringField } from './envelope.js';
import type { Transport, TransportOpenInfo, TransportParams } from './transport.js';
import { sseUrl } from './urls.js';

const NO_INFO: TransportOpenInfo = { connection: null, epoch: null, heartbeatMs: null };

/** Opens an SSE connection. */
export function createSseTransport(params: TransportParams): Transport {
  const EventSourceImpl = params.EventSource;
  if (EventSourceImpl === undefined) {
    throw new LivegateError(
      'transport_error',
      'no EventSource in this runtime; pass options.EventSource (e.g. from the "eventsource" package)',
      {
        disposition: 'skip',
      },
    );
  }
  const h = params.handlers;
  const url = sseUrl(params.baseUrl, params.filter, params.since, params.token, params.snapshot);
  const diagnosis = new AbortController();
  let done = false;
  let opened = false;

  const source: EventSourceLike = new EventSourceImpl(url, { withCredentials: params.withCredentials });

  /** Marks the stream open on its first sign of life; returns false if a handler closed us. */
  const ensureOpen = (info: TransportOpenInfo): boolean => {
    if (!opened) {
      opened = true;
      h.open(info);
    }
    return !done;
  };

  const finish = (error: LivegateError): void => {
    if (done) return;
    done = true;
    source.close();
    diagnosis.abort();
    h.closed(error);
  };

  source.addEventListener('hello', (ev: { data?: unknown }) => {
    if (done) return;
    const d = asRecord(parseJson(ev.data));
    ensureOpen({
      connection: stringField(d, 'connection'),
      epoch: stringField(d, 'epoch'),
      heartbeatMs: positiveNumberField(d, 'heartbeatMs'),
    });
  });

  source.onmessage = (ev: { data?: unknown }) => {
    if (done) return;
    const event = asEnvelope(parseJson(ev.data));
    if (event === null) {
      h.warning(new LivegateError('protocol_error', 'ignored an SSE message that is not a livegate event envelope'));
      return;
    }
    if (ensureOpen(NO_INFO)) h.events([event]);
  };

  source.addEventListener('heartbeat', (ev: { data?: unknown }) => {
    if (done || !ensureOpen(NO_INFO)) return;
    h.heartbeat(stringField(asRecord(parseJson(ev.data)), 'lastEventId'));
  });

  source.addEventListener('reset', (ev: { data?: unknown }) => {
    if (done || !ensureOpen(NO_INFO)) return;
    h.reset(stringField(asRecord(parseJson(ev.data)), 'reason') ?? 'reset');
  });

  source.addEventListener('shutdown', (ev: { data?: unknown }) => {
    if (done) return;
    const d = asRecord(parseJson(ev.data));
    const retryMs = positiveNumberField(d, 'retryMs');
    finish(
      new LivegateError(
        'shutting_down',
        stringField(d, 'message') ?? stringField(d, 'reason') ?? 'server is shutting down',
        {
          ...(retryMs === null ? {} : { retryAfterMs: retryMs }),
        },
      ),
    );
  });

  // The server's `error` control and EventSource's own failure share the event type `error`;
  // only the former carries `data`. Listening with addEventListener (not `onerror`) receives
  // both in browsers and in the `eventsource` package alike.
  source.addEventListener('error', (ev: { data?: unknown; code?: unknown }) => {
    if (done) return;
    if (typeof ev?.data === 'string') {
      const d = asRecord(parseJson(ev.data));
      finish(errorFromServer(d?.code, d?.message, d?.field));
      return;
    }
    source.close();
    if (opened) {
      finish(new LivegateError('connection_lost', 'event stream interrupted'));
      return;
    }
    void diagnose(url, params, diagnosis.signal, typeof ev?.code === 'number' ? ev.code : undefined).then(finish);
  });

  return {
    name: 'sse',
    close(): void {
      if (done) return;
      done = true;
      source.onmessage = null;
      source.close();
      diagnosis.abort();
    },
  };
}

/**
 * Why a stream never opened. `status` is the HTTP status some EventSource implementations
 * report (the `eventsource` package does); browsers report nothing, so one fetch finds out.
 */
async function diagnose(
  url: string,
  params: TransportParams,
  signal: AbortSignal,
  status: number | undefined,
): Promise<LivegateError> {
  const fetchImpl = params.fetch;
  if (fetchImpl !== undefined) {
    try {
      const res = await fetchImpl(url, {
        headers: { accept: 'text/event-stream' },
        signal,
        credentials: params.withCredentials ? 'include' : 'same-origin',
      });
      if (res.ok) {
        void res.body?.cancel().catch(() => undefined);
        return new LivegateError(
          'connect_failed',
          `event stream failed to open although the endpoint answers ${res.status} (${res.headers.get('content-type') ?? 'no content type'}); a proxy may be in the way`,
        );
      }
      const body = await res.json().catch(() => null);
      return errorFromHttp(res.status, body, res.headers.get('retry-after'));
    } catch (cause) {
      if (status !== undefined) return errorFromHttp(status, null, null);
      return new LivegateError('connect_failed', 'event stream could not be opened', { cause });
    }
  }
  if (status !== undefined) return errorFromHttp(status, null, null);
  return new LivegateError('connect_failed', 'event stream could not be opened');
}
