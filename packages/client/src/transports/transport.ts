/**
 * The one interface every transport implements. A transport owns one connection with one
 * filter; it reports through {@link TransportHandlers} and never decides about retries,
 * backoff or deduplication — the client does.
 */
import type { LivegateError } from '../errors.js';
import type {
  EventSourceConstructor,
  LivegateEvent,
  SubscriptionFilter,
  TransportName,
  WebSocketConstructor,
} from '../types.js';

/** What the server said when the connection became usable. */
export interface TransportOpenInfo {
  /** Server connection id (`hello.connection`), when the transport has one. */
  readonly connection: string | null;
  /** Server epoch (`hello.epoch`), when known. */
  readonly epoch: string | null;
  /** Heartbeat interval the server promises, ms; `null` to keep the client's default. */
  readonly heartbeatMs: number | null;
}

/** Callbacks of a transport. None is called after `close()`. */
export interface TransportHandlers {
  /** The connection is usable: hello received and the subscription is in place. At most once. */
  open(info: TransportOpenInfo): void;
  /** Envelopes, in order. */
  events(events: readonly LivegateEvent[]): void;
  /** Proof of life without events; `position` is a resume id the server confirmed, if any. */
  heartbeat(position: string | null): void;
  /** The server could not resume: derived state must be dropped; snapshots follow. */
  reset(reason: string): void;
  /** A problem that does not end the connection (malformed message, server warning). */
  warning(error: LivegateError): void;
  /** The connection ended. Called at most once, never after `close()`. */
  closed(error: LivegateError): void;
}

/** Everything a transport needs to connect. */
export interface TransportParams {
  /** Server base URL (http/https), already resolved. */
  readonly baseUrl: URL;
  readonly filter: SubscriptionFilter;
  /** Resume id, or `null` for a fresh subscription (snapshots first). */
  readonly since: string | null;
  readonly token: string | null;
  readonly handlers: TransportHandlers;
  readonly withCredentials: boolean;
  readonly pollTimeoutSeconds: number;
  readonly WebSocket: WebSocketConstructor | undefined;
  readonly EventSource: EventSourceConstructor | undefined;
  readonly fetch: typeof fetch | undefined;
}

/** One connection. */
export interface Transport {
  readonly name: TransportName;
  /**
   * Changes the filter on the open connection, resuming from `since` (or with fresh snapshots
   * when `null`), without reconnecting. Resolves once the server confirmed the new filter; events
   * of the old filter are stitched so that none is lost or duplicated. Present only on
   * transports that can do it (WebSocket); others are replaced by a new connection.
   */
  update?(filter: SubscriptionFilter, since: string | null): Promise<void>;
  /** Ends the connection. Idempotent; no handler is called afterwards. */
  close(): void;
}

/** Creates a transport; connecting starts at once. */
export type TransportFactory = (params: TransportParams) => Transport;
