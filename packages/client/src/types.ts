/**
 * Public types of the livegate client: the event envelope, the subscription filter, the client
 * options (each with its default), the lifecycle events and the built-in data shapes.
 */
import {
  TRANSPORT_NAMES,
  type Alert,
  type ConsoleGroup,
  type ConsoleMetrics,
  type ConsoleSnapshot,
  type ConsoleTopic,
  type Envelope,
  type Silence,
  type TransportName,
} from '@livegate/protocol';

export type {
  ConsoleCluster,
  ConsoleGroup,
  ConsoleMetrics,
  ConsoleSnapshot,
  ConsoleTopic,
  GroupRates,
  RoundTotals,
  TopicRates,
} from '@livegate/protocol';
import type { LivegateError } from './errors.js';

/** The transports the client can use: `sse`, `ws`, `poll` (the server's names). */
export type { TransportName };

/** Items of the `alerts` and `silences` state topics (shapes from `@livegate/protocol`). */
export type { Alert, Silence };

/** Default transport order: the cheapest that works wins. */
export const DEFAULT_TRANSPORTS: readonly TransportName[] = Object.freeze([...TRANSPORT_NAMES]);

/**
 * Client lifecycle:
 * - `connecting`: no connection has been open yet (first connect, or retrying it);
 * - `open`: a transport is connected and delivering events;
 * - `reconnecting`: a connection was open and was lost; retrying with backoff;
 * - `closed`: `close()` was called or a do-not-retry error ended the client. Terminal.
 */
export type ClientState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** One event as delivered by every transport (same envelope, same id space): `Envelope` of `@livegate/protocol`. */
export type LivegateEvent<D = unknown, T extends string = string> = Envelope<D, T>;

/**
 * Which events to receive. Omitted lists mean "no restriction"; an explicit list is never empty.
 * The server ANDs the lists together and ORs the `match` selectors.
 */
export interface SubscriptionFilter {
  /** Topics, e.g. `['alerts', 'health']`. Defaults to every topic the server lets you read. */
  readonly topics?: readonly string[];
  /** Event types, `*` wildcards allowed (`alert_*`). Defaults to every type. */
  readonly types?: readonly string[];
  /** Event sources, e.g. `alertmanager/prod`. Defaults to every source. */
  readonly sources?: readonly string[];
  /** Label selectors, e.g. `{severity="critical"}`; an event passes if any selector matches. Defaults to none (no label restriction). */
  readonly match?: readonly string[];
}

/** A token, or a function called before every connection attempt (lets an app refresh it). */
export type TokenProvider = string | (() => string | null | undefined | Promise<string | null | undefined>);

/** Options of {@link createClient}. Every optional field documents its default. */
export interface ClientOptions extends SubscriptionFilter {
  /**
   * Base URL of the livegate server, e.g. `https://livegate.example.com` or `/livegate` (resolved
   * against the page in browsers). `ws:`/`wss:` URLs are accepted too. Paths such as
   * `/api/v2/events/stream` are appended by the client.
   */
  readonly url: string;
  /** Transports to try, best first. Unavailable ones (no implementation in this runtime) are skipped when this is left to its default. Defaults to `['sse', 'ws', 'poll']`. */
  readonly transports?: readonly TransportName[];
  /**
   * Bearer token. Sent as `access_token` on SSE and WebSocket (they cannot set headers) and as
   * `Authorization: Bearer` on long-poll. A function is called before every connection attempt.
   * Defaults to none (anonymous).
   */
  readonly token?: TokenProvider;
  /**
   * Fetches a bearer token (e.g. from the app's identity provider); the same as a `token`
   * function, and the one to use with expiring JWTs: it is called before every connection attempt
   * and again shortly before the current token's `exp` (a fifth of its life, at most 30 s ahead),
   * when the client moves to a connection with the new token, resuming from its last event so
   * nothing is lost or repeated. A stream the server ends with `token_expired` is reopened at once
   * with a new token. Give `token` or `getToken`, not both. Defaults to none.
   */
  readonly getToken?: () => string | null | undefined | Promise<string | null | undefined>;
  /** Resume from this id on the first connection (e.g. one persisted across page loads). Defaults to none: the first subscription starts with snapshots. */
  readonly lastEventId?: string;
  /** Smallest reconnect delay. Defaults to `500` ms. */
  readonly minReconnectDelayMs?: number;
  /** Largest reconnect delay. Defaults to `30000` ms. */
  readonly maxReconnectDelayMs?: number;
  /** A connection open this long resets the backoff to its minimum. Defaults to `10000` ms. */
  readonly healthyAfterMs?: number;
  /** A transport that gives no sign of life (hello or event) within this time counts as unable to connect and is skipped. Defaults to `10000` ms. */
  readonly connectTimeoutMs?: number;
  /** Heartbeat interval assumed until the server's `hello` states its own; no event or heartbeat within twice the interval forces a reconnect. Defaults to `30000` ms. */
  readonly heartbeatMs?: number;
  /** While on a fallback transport, re-probe a better one this long after it failed (doubling after each failed probe, up to 16×). Defaults to `60000` ms. */
  readonly reprobeAfterMs?: number;
  /** Long-poll wait in seconds (`timeout` query parameter). Defaults to `25`. */
  readonly pollTimeoutSeconds?: number;
  /** Pause while the browser reports `offline` and reconnect at once on `online`. Defaults to `true` (ignored where there is no `window`). */
  readonly watchOnline?: boolean;
  /** Send cookies cross-origin (EventSource `withCredentials`, fetch `credentials: 'include'`). Defaults to `false`. */
  readonly withCredentials?: boolean;
  /** State topics: a subscription change that widens one of them asks for fresh snapshots. Defaults to `['alerts', 'silences', 'health', 'stats', 'console']`. */
  readonly stateTopics?: readonly string[];
  /** WebSocket implementation, for runtimes without a global one (Node 20: `import { WebSocket } from 'ws'`). Defaults to `globalThis.WebSocket`. */
  readonly WebSocket?: WebSocketConstructor;
  /** EventSource implementation, for runtimes without a global one (Node: `import { EventSource } from 'eventsource'`). Defaults to `globalThis.EventSource`. */
  readonly EventSource?: EventSourceConstructor;
  /** fetch implementation used by long-poll and SSE failure diagnosis. Defaults to `globalThis.fetch`. */
  readonly fetch?: typeof fetch;
  /** Replaces or adds transport implementations (custom transports, tests). Defaults to the built-in ones. */
  readonly transportFactories?: Partial<Record<TransportName, TransportFactory>>;
  /** Random source in [0, 1) for backoff jitter (tests). Defaults to `Math.random`. */
  readonly random?: () => number;
}

// The `any` in the two *Like interfaces keeps both the DOM classes and the `ws`/`eventsource`
// packages assignable: their event parameter types differ, and the client only reads a few fields.
/* eslint-disable @typescript-eslint/no-explicit-any */
/** The part of the WebSocket API the client uses (DOM `WebSocket` and the `ws` package both fit). */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** A WebSocket constructor. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** The part of the EventSource API the client uses (DOM and the `eventsource` package both fit). */
export interface EventSourceLike {
  readonly readyState: number;
  onmessage: ((event: any) => void) | null;
  addEventListener(type: string, listener: (event: any) => void): void;
  close(): void;
}

/** An EventSource constructor. */
export type EventSourceConstructor = new (url: string, init?: { withCredentials?: boolean }) => EventSourceLike;
/* eslint-enable @typescript-eslint/no-explicit-any */

/** Counters kept by the client since it was created. */
export interface ClientCounters {
  /** Connection attempts started (including fallbacks and probes). */
  readonly attempts: number;
  /** Connections that became open. */
  readonly opens: number;
  /** Attempts that never opened (refused, timed out, blocked). */
  readonly connectFailures: number;
  /** Open connections that were lost. */
  readonly drops: number;
  /** Envelopes received from the server, duplicates included. */
  readonly eventsReceived: number;
  /** Envelopes dropped because they were already delivered. */
  readonly duplicatesDropped: number;
  /** `reset` messages received. */
  readonly resets: number;
  /** Switches from one open transport to another (re-probe success or fallback). */
  readonly transportSwitches: number;
  /** Moves to a new connection with a fresh token ahead of the current token's `exp` (`getToken`). */
  readonly tokenRefreshes: number;
}

/** Everything observable about a client at one moment. A new object whenever anything changes. */
export interface ClientStatus {
  readonly state: ClientState;
  /** Transport of the open connection, or of the attempt in progress; `null` when none. */
  readonly transport: TransportName | null;
  /** Id of the last event delivered (or position confirmed by the server); the resume point. */
  readonly lastEventId: string | null;
  /** Server connection id from `hello`, when the transport has one. */
  readonly connection: string | null;
  /** The do-not-retry error that closed the client, if any. */
  readonly error: LivegateError | null;
  readonly counters: ClientCounters;
}

/** Payload of the `state` event. */
export interface StateChange {
  readonly oldState: ClientState;
  readonly newState: ClientState;
  readonly transport: TransportName | null;
  /** The error behind the change (connection lost, fatal error), if any. */
  readonly error: LivegateError | null;
}

/** Payload of the `connected` event. */
export interface ConnectedInfo {
  readonly transport: TransportName;
  readonly connection: string | null;
  readonly epoch: string | null;
  /** Whether the connection resumed from a last event id (no snapshot expected). */
  readonly resumed: boolean;
}

/** Payload of the `disconnected` event. */
export interface DisconnectedInfo {
  readonly transport: TransportName;
  readonly error: LivegateError;
  /** Whether the client will try again. */
  readonly willRetry: boolean;
  /** Delay before the next attempt; `null` while waiting for the browser to come back online. */
  readonly delayMs: number | null;
}

/** Payload of the `reset` event: the server could not resume; drop derived state, snapshots follow. */
export interface ResetInfo {
  readonly reason: string;
  readonly transport: TransportName;
}

/** Payload of the `transport` event. */
export interface TransportChange {
  readonly oldTransport: TransportName | null;
  readonly newTransport: TransportName;
  /** `probe`: a better transport was re-probed successfully while open; `reconnect`: a (re)connection chose another transport. */
  readonly reason: 'probe' | 'reconnect';
}

/**
 * Lifecycle events of the client, by name. These names are reserved: an envelope whose `type`
 * happens to be one of them is still delivered to `*` and prefix listeners, never to these.
 */
export interface ClientEvents {
  /** The lifecycle state changed. */
  state: StateChange;
  /** Anything in {@link ClientStatus} changed (at most once per received batch). */
  status: ClientStatus;
  /** A connection opened (also after a transport switch while `open`). */
  connected: ConnectedInfo;
  /** A connection ended. */
  disconnected: DisconnectedInfo;
  /** A problem that did not end a connection (protocol error, rejected subscription change, listener error) or a do-not-retry error that closed the client. */
  error: LivegateError;
  /** The server could not resume: state must be rebuilt from the snapshots that follow. */
  reset: ResetInfo;
  /** The transport in use changed. */
  transport: TransportChange;
}

/** Names of the lifecycle events. */
export const CLIENT_EVENT_NAMES: ReadonlySet<string> = new Set<keyof ClientEvents>([
  'state',
  'status',
  'connected',
  'disconnected',
  'error',
  'reset',
  'transport',
]);

/** One component's health. */
export interface ComponentHealth {
  readonly component: string;
  readonly status: 'healthy' | 'degraded' | 'unhealthy';
  readonly detail?: string;
  /** When the component entered this status. */
  readonly since: string;
}

/** State of the `alerts` topic (also the `data` of its snapshot). */
export interface AlertsState {
  readonly alerts: readonly Alert[];
}

/** State of the `silences` topic (also the `data` of its snapshot). */
export interface SilencesState {
  readonly silences: readonly Silence[];
}

/** State of the `health` topic (also the `data` of its snapshot). */
export interface HealthState {
  readonly components: Readonly<Record<string, ComponentHealth>>;
}

/** State of the `stats` topic: the latest stats object. */
export type StatsState = Readonly<Record<string, unknown>>;

/** Data type of each built-in state topic. */
export interface StateTopicMap {
  alerts: AlertsState;
  silences: SilencesState;
  health: HealthState;
  stats: StatsState;
  console: ConsoleSnapshot;
}

/**
 * `data` type per event `type`, used to type `client.on(type, …)`. Extend it for your own types:
 * `createClient<LivegateEventMap & { deploy_started: Deploy }>(…)`.
 */
export interface LivegateEventMap {
  snapshot: unknown;
  alert_created: Alert;
  alert_firing: Alert;
  alert_silenced: Alert;
  alert_inhibited: Alert;
  alert_unsuppressed: Alert;
  alert_resolved: Alert;
  silence_created: Silence;
  silence_updated: Silence;
  silence_expired: Silence;
  health_changed: ComponentHealth;
  stats_updated: StatsState;
  topic_created: ConsoleTopic;
  topic_updated: ConsoleTopic;
  topic_deleted: ConsoleTopic;
  group_created: ConsoleGroup;
  group_updated: ConsoleGroup;
  group_deleted: ConsoleGroup;
  metrics_updated: ConsoleMetrics;
}

// The transport interface lives here, beside the types it uses, so that this module and
// `transports/transport.ts` (which re-exports it) do not import each other.

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
  /**
   * With `since`: state topics to get fresh snapshots of instead of their missed events (the
   * server's `snapshot` parameter). Defaults to none.
   */
  readonly snapshot?: readonly string[];
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
   * when `null`; with `snapshot`, fresh snapshots of those state topics only), without reconnecting. Resolves once the server confirmed the new filter; events
   * of the old filter are stitched so that none is lost or duplicated. Present only on
   * transports that can do it (WebSocket); others are replaced by a new connection.
   */
  update?(filter: SubscriptionFilter, since: string | null, snapshot?: readonly string[]): Promise<void>;
  /** Ends the connection. Idempotent; no handler is called afterwards. */
  close(): void;
}

/** Creates a transport; connecting starts at once. */
export type TransportFactory = (params: TransportParams) => Transport;
