/**
 * `@livegate/client`: real-time events from a livegate server over SSE, WebSocket or long-poll,
 * in browsers and Node 20+. React and Vue bindings live in `@livegate/client/react` and
 * `@livegate/client/vue`.
 */
export { createClient, type LivegateClient } from './client.js';
export { createStore, type LivegateStore, type StoreOptions, type StoreSnapshot, type StoreStatus } from './store.js';
export {
  alertsReducer,
  compareAlerts,
  compareSilences,
  consoleReducer,
  healthReducer,
  silencesReducer,
  snapshotOnlyReducer,
  statsReducer,
  type StateReducer,
} from './state-reducers.js';
export {
  LivegateError,
  dispositionOf,
  errorFromCloseCode,
  errorFromHttp,
  parseRetryAfter,
  type ClientErrorCode,
  type ErrorDisposition,
} from './errors.js';
export { backoffDelay, type BackoffBounds } from './backoff.js';
export {
  chooseTransport,
  createSelection,
  nextProbe,
  recordFailure,
  recordSuccess,
  reprobeDelay,
  type Choice,
  type ReprobePolicy,
  type SelectionState,
} from './transport-selection.js';
export { ResumeCursor, SNAPSHOT_TYPE, epochOf, seqOf } from './resume.js';
export { nextState, type StateInput } from './state-machine.js';
export { DEFAULTS } from './options.js';
export type {
  Transport,
  TransportFactory,
  TransportHandlers,
  TransportOpenInfo,
  TransportParams,
} from './transports/transport.js';
export {
  DEFAULT_TRANSPORTS,
  type Alert,
  type AlertsState,
  type ClientCounters,
  type ClientEvents,
  type ClientOptions,
  type ClientState,
  type ClientStatus,
  type ComponentHealth,
  type ConnectedInfo,
  type ConsoleCluster,
  type ConsoleGroup,
  type ConsoleMetrics,
  type ConsoleSnapshot,
  type ConsoleTopic,
  type GroupRates,
  type RoundTotals,
  type TopicRates,
  type DisconnectedInfo,
  type EventSourceConstructor,
  type EventSourceLike,
  type HealthState,
  type LivegateEvent,
  type LivegateEventMap,
  type ResetInfo,
  type Silence,
  type SilencesState,
  type StateChange,
  type StateTopicMap,
  type StatsState,
  type SubscriptionFilter,
  type TokenProvider,
  type TransportChange,
  type TransportName,
  type WebSocketConstructor,
  type WebSocketLike,
} from './types.js';
export {
  METRICS_STREAM_PATH,
  metricsUrl,
  type MetricOptions,
  type MetricSubscription,
  type MetricSubscriptionEvents,
  type MetricUpdate,
} from './metrics.js';
