/**
 * WebSocket at `/ws/dashboard`: JSON ops. The server says `hello`; the client sends `subscribe`
 * and the connection counts as open once `subscribed` comes back. A filter change is a second
 * `subscribe` on the same socket (resuming from the last delivered id), followed by
 * `unsubscribe` of the old subscription — no reconnect; {@link StreamSwap} stitches the two.
 */
import { LivegateError, errorFromCloseCode, errorFromHttp, errorFromServer } from '../errors.js';
import { StreamSwap } from '../stream-swap.js';
import type { LivegateEvent, SubscriptionFilter, WebSocketLike } from '../types.js';
import {
  asEnvelope,
  asEnvelopes,
  asRecord,
  messageText,
  parseJson,
  positiveNumberField,
  stringField,
} from './envelope.js';
import type { Transport, TransportOpenInfo, TransportParams } from './transport.js';
import { wsUrl } from './urls.js';

/** Client-initiated normal closure. */
const NORMAL_CLOSURE = 1000;

interface FilterChange {
  readonly requestId: string;
  readonly swap: StreamSwap;
  readonly oldSub: string;
  newSub: string | null;
  readonly resolve: () => void;
  readonly reject: (error: LivegateError) => void;
}

/** The `subscribe` op for a filter. Omitted lists mean "no restriction" on the server too. */
export function subscribeMessage(
  id: string,
  filter: SubscriptionFilter,
  since: string | null,
  snapshot: readonly string[] = [],
): Record<string, unknown> {
  return {
    op: 'subscribe',
    id,
    ...(filter.topics === undefined ? {} : { topics: filter.topics }),
    ...(filter.types === undefined ? {} : { types: filter.types }),
    ...(filter.sources === undefined ? {} : { sources: filter.sources }),
    ...(filter.match === undefined ? {} : { match: filter.match }),
    ...(since === null ? {} : { since }),
    ...(since === null || snapshot.length === 0 ? {} : { snapshot }),
  };
}

/** Opens a WebSocket connection. */
export function createWebSocketTransport(params: TransportParams): Transport {
  const WebSocketImpl = params.WebSocket;
  if (WebSocketImpl === undefined) {
    throw new LivegateError(
      'transport_error',
      'no WebSocket in this runtime; pass options.WebSocket (e.g. from the "ws" package)',
      {
        disposition: 'skip',
      },
    );
  }
  const h = params.handlers;
  let done = false;
  let handshaken = false;
  let opened = false;
  let requestCounter = 0;
  const nextRequestId = (): string => `r${++requestCounter}`;
  const initialRequest = nextRequestId();
  let hello: TransportOpenInfo = { connection: null, epoch: null, heartbeatMs: null };
  /** Subscription whose events go to the client. */
  let active: string | null = null;
  /** The latest filter change; kept after it settles so late events of the old subscription are routed through its swap. */
  let change: FilterChange | null = null;
  let shutdownRetryMs: number | null = null;
  /** HTTP status of a refused handshake, where the implementation reveals it (the `ws` package does; browsers do not). */
  let refusedStatus: number | null = null;

  const socket: WebSocketLike = new WebSocketImpl(wsUrl(params.baseUrl, params.token));

  const deliver = (events: readonly LivegateEvent[]): void => {
    if (!done && events.length > 0) h.events(events);
  };

  const send = (message: Record<string, unknown>): void => {
    try {
      socket.send(JSON.stringify(message));
    } catch (cause) {
      finish(new LivegateError('connection_lost', 'could not send on the WebSocket', { cause }));
    }
  };

  const finish = (error: LivegateError): void => {
    if (done) return;
    const pending = change;
    if (pending !== null && pending.newSub === null) {
      // The socket died mid-change: the old subscription's held events are still news.
      deliver(pending.swap.abort());
      pending.reject(error);
    }
    done = true;
    detach();
    h.closed(error);
  };

  const detach = (): void => {
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    // Keep an error listener: the `ws` package throws on an `error` event nobody listens to.
    socket.onerror = () => undefined;
  };

  const route = (subscription: string | null, events: readonly LivegateEvent[]): void => {
    if (change !== null && subscription === change.oldSub) {
      deliver(change.swap.fromOld(events));
    } else if (subscription === active) {
      deliver(change !== null && change.newSub === active ? change.swap.fromNew(events) : events);
    }
    // Anything else belongs to a subscription already given up.
  };

  const onMessage = (msg: Record<string, unknown>): void => {
    const subscription = stringField(msg, 'subscription');
    switch (msg.op) {
      case 'hello':
        hello = {
          connection: stringField(msg, 'connection'),
          epoch: stringField(msg, 'epoch'),
          heartbeatMs: positiveNumberField(msg, 'heartbeatMs'),
        };
        if (!handshaken) {
          handshaken = true;
          send(subscribeMessage(initialRequest, params.filter, params.since, params.snapshot));
        }
        return;
      case 'subscribed': {
        if (subscription === null) return;
        const id = stringField(msg, 'id');
        if (id === initialRequest && !opened) {
          opened = true;
          active = subscription;
          h.open(hello);
        } else if (change !== null && id === change.requestId && change.newSub === null) {
          change.newSub = subscription;
          active = subscription;
          send({ op: 'unsubscribe', id: nextRequestId(), subscription: change.oldSub });
          change.swap.commit();
          change.resolve();
        }
        return;
      }
      case 'event': {
        const event = asEnvelope(msg.event);
        if (event === null)
          h.warning(new LivegateError('protocol_error', 'ignored an event op without a valid envelope'));
        else route(subscription, [event]);
        return;
      }
      case 'events': {
        const events = asEnvelopes(msg.events);
        if (events === null)
          h.warning(new LivegateError('protocol_error', 'ignored an events op with an invalid envelope'));
        else route(subscription, events);
        return;
      }
      case 'reset':
        if (subscription === null || subscription === active) h.reset(stringField(msg, 'reason') ?? 'reset');
        return;
      case 'heartbeat':
        h.heartbeat(stringField(msg, 'lastEventId'));
        return;
      case 'shutdown':
        shutdownRetryMs = positiveNumberField(msg, 'retryMs');
        return;
      case 'error': {
        const error = errorFromServer(msg.code, msg.message, msg.field);
        const id = stringField(msg, 'id');
        if (id === initialRequest && !opened) {
          finish(error);
        } else if (change !== null && id === change.requestId && change.newSub === null) {
          const failed = change;
          change = null;
          deliver(failed.swap.abort());
          failed.reject(error);
        } else {
          h.warning(error);
        }
        return;
      }
      default:
        // pong, unsubscribed and ops added later need nothing from the client.
        return;
    }
  };

  socket.onmessage = (ev: { data?: unknown }) => {
    if (done) return;
    const msg = asRecord(parseJson(messageText(ev.data)));
    if (msg === null) {
      h.warning(new LivegateError('protocol_error', 'ignored a WebSocket message that is not a JSON object'));
      return;
    }
    onMessage(msg);
  };
  socket.onclose = (ev: { code?: unknown; reason?: unknown }) => {
    if (done) return;
    const code = typeof ev?.code === 'number' ? ev.code : 1006;
    const reason = typeof ev?.reason === 'string' ? ev.reason : '';
    const error =
      refusedStatus !== null && !handshaken
        ? errorFromHttp(refusedStatus, null, null)
        : errorFromCloseCode(code, reason, handshaken);
    finish(
      shutdownRetryMs === null || error.retryAfterMs !== undefined
        ? error
        : new LivegateError(error.code, error.message, {
            disposition: error.disposition,
            closeCode: code,
            retryAfterMs: shutdownRetryMs,
          }),
    );
  };
  // `close` follows with the code; the error only tells the status of a refused handshake.
  socket.onerror = (ev: { message?: unknown }) => {
    const match = typeof ev?.message === 'string' ? /Unexpected server response: (\d{3})/.exec(ev.message) : null;
    if (match !== null) refusedStatus = Number(match[1]);
  };

  return {
    name: 'ws',
    update(filter: SubscriptionFilter, since: string | null, snapshot: readonly string[] = []): Promise<void> {
      if (done || !opened || active === null) {
        return Promise.reject(new LivegateError('connection_lost', 'the WebSocket is not open'));
      }
      if (change !== null && change.newSub === null) {
        return Promise.reject(
          new LivegateError('subscription_superseded', 'a subscription change is already in flight'),
        );
      }
      const oldSub = active;
      return new Promise<void>((resolve, reject) => {
        change = {
          requestId: nextRequestId(),
          swap: new StreamSwap(since === null ? 'fresh' : 'resume'),
          oldSub,
          newSub: null,
          resolve,
          reject,
        };
        send(subscribeMessage(change.requestId, filter, since, snapshot));
      });
    },
    close(): void {
      if (done) return;
      done = true;
      detach();
      if (change !== null && change.newSub === null)
        change.reject(new LivegateError('connection_lost', 'the WebSocket was closed during a subscription change'));
      try {
        socket.close(NORMAL_CLOSURE);
      } catch {
        // Closing a socket that never connected may throw in some implementations; it is gone either way.
      }
    },
  };
}
