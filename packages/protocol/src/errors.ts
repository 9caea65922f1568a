/**
 * The error catalogue: every error a client can see has a stable `code` listed here, with the
 * HTTP status it maps to, the WebSocket close code where a socket is closed because of it, and
 * whether a client may retry. The server renders errors from it and the SDK decides what to do
 * from it; docs/api.md lists the same table (a test keeps them together).
 *
 * Adding a code: add it here and to the table in docs/api.md.
 */

/** One catalogue entry. */
export interface ErrorSpec {
  /** HTTP status used when the error answers an HTTP request. */
  readonly status: number;
  /** WebSocket close code used when the error ends a socket, if it ever does. */
  readonly closeCode?: number;
  /** Whether a client may retry (used by the SDK and in docs). */
  readonly retry: boolean;
  /** Default human message. */
  readonly message: string;
}

export const ERROR_CATALOGUE = {
  invalid_json: { status: 400, retry: false, message: 'body is not valid JSON' },
  invalid_body: { status: 400, retry: false, message: 'body does not have the expected shape' },
  invalid_event: { status: 400, retry: false, message: 'event draft is invalid' },
  invalid_filter: { status: 400, retry: false, message: 'filter is invalid' },
  invalid_param: { status: 400, retry: false, message: 'query parameter is invalid' },
  invalid_event_id: { status: 400, retry: false, message: 'event id is malformed' },
  invalid_message: { status: 400, retry: false, message: 'WebSocket message is invalid' },
  unknown_op: { status: 400, retry: false, message: 'unknown op' },
  binary_not_supported: {
    status: 400,
    retry: false,
    message: 'binary frames are not supported; send JSON text frames',
  },
  unsupported_media_type: { status: 415, retry: false, message: 'Content-Type must be application/json' },
  payload_too_large: { status: 413, closeCode: 1009, retry: false, message: 'payload too large' },
  too_many_events: { status: 413, retry: false, message: 'too many events in one request' },
  too_many_subscriptions: { status: 400, retry: false, message: 'too many subscriptions on this connection' },
  too_many_alerts: {
    status: 429,
    retry: true,
    message: 'the alert store is full of firing alerts (alerts.maxAlerts)',
  },
  matcher_budget_exhausted: {
    status: 503,
    retry: true,
    message: "the server's regex matching budget is spent; use literal matchers or retry later",
  },
  subscription_not_found: { status: 404, retry: false, message: 'no such subscription on this connection' },
  not_found: { status: 404, retry: false, message: 'not found' },
  method_not_allowed: { status: 405, retry: false, message: 'method not allowed' },
  unauthorized: { status: 401, closeCode: 4001, retry: false, message: 'authentication required' },
  forbidden: { status: 403, closeCode: 4003, retry: false, message: 'not allowed' },
  invalid_token: { status: 401, closeCode: 4001, retry: false, message: 'the token is not valid' },
  token_expired: { status: 401, closeCode: 4001, retry: false, message: 'the token has expired; get a new one' },
  reserved_topic: {
    status: 403,
    retry: false,
    message: "the topic holds state kept by livegate's own sources; publishers may not write it",
  },
  reserved_source: {
    status: 403,
    retry: false,
    message: "the source is one of livegate's own; publish under another source name",
  },
  write_forbidden: {
    status: 403,
    retry: false,
    message: 'writes are accepted only from loopback and auth.writeAllowFrom, or with credentials',
  },
  auth_unavailable: {
    status: 503,
    retry: true,
    message: 'the token could not be checked: the key set (auth.jwt.jwksUrl) is unreachable',
  },
  rate_limited: { status: 429, closeCode: 1008, retry: true, message: 'too many requests; slow down' },
  origin_not_allowed: { status: 403, closeCode: 1008, retry: false, message: 'origin not allowed' },
  transport_disabled: { status: 404, retry: false, message: 'this transport is disabled on the server' },
  too_many_connections: { status: 503, retry: true, message: 'server connection limit reached' },
  too_many_connections_per_ip: {
    status: 429,
    retry: true,
    message: 'connection limit for this client address reached',
  },
  slow_consumer: {
    status: 503,
    closeCode: 4008,
    retry: true,
    message: 'client did not read fast enough; resume from the last event id',
  },
  shutting_down: { status: 503, closeCode: 1001, retry: true, message: 'server is shutting down' },
  idle_timeout: {
    status: 408,
    closeCode: 4000,
    retry: true,
    message: 'no traffic from the peer within the idle timeout',
  },
  closed_by_admin: { status: 410, closeCode: 4010, retry: true, message: 'connection closed by an administrator' },
  dashboard_not_built: {
    status: 503,
    retry: false,
    message: 'the dashboard is not built; run `npm run build`, then restart livegate',
  },
  invalid_promql: { status: 400, retry: false, message: 'query is not valid PromQL' },
  promql_forbidden: {
    status: 403,
    retry: false,
    message: 'the query cannot be limited to the namespaces this principal may read',
  },
  too_many_metric_streams: { status: 503, retry: true, message: 'metric stream limit reached; retry later' },
  prometheus_unavailable: {
    status: 502,
    retry: true,
    message: 'Prometheus did not answer; the query is retried at the next interval',
  },
  prometheus_query_failed: {
    status: 422,
    retry: true,
    message: 'Prometheus refused the query; it is retried at the next interval',
  },
  bus_unavailable: { status: 503, retry: true, message: 'event bus is unavailable' },
  not_implemented: {
    status: 501,
    retry: false,
    message: 'this needs a watched Alertmanager; alerts that only came through the ingest cannot be silenced',
  },
  upstream_error: { status: 502, retry: true, message: 'the Alertmanager did not answer usefully' },
  conflict: { status: 409, retry: false, message: 'the request conflicts with what exists' },
  console_unavailable: {
    status: 503,
    retry: true,
    message: 'the streaming cluster (console.nats.servers) is not reachable from livegate',
  },
  internal: { status: 500, closeCode: 1011, retry: true, message: 'internal error' },
} as const satisfies Record<string, ErrorSpec>;

/** A stable error code from {@link ERROR_CATALOGUE}. */
export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** Every code in {@link ERROR_CATALOGUE}. */
export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

/** Whether `code` is in the catalogue. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CATALOGUE, code);
}

/** The JSON body of every HTTP error answer: `{"error":{"code","message","field"}}`. */
export interface ErrorBody<C extends string = ErrorCode> {
  readonly error: { readonly code: C; readonly message: string; readonly field?: string };
}

/** WebSocket close codes livegate uses, by meaning. */
export const WS_CLOSE = {
  /** Normal close (the client asked, or the stream is done). */
  normal: 1000,
  /** Server shutting down. */
  goingAway: 1001,
  /** Policy violation: origin refused, rate limited. */
  policy: 1008,
  /** Incoming message above `ws.maxPayloadBytes`. */
  messageTooBig: 1009,
  /** Internal error. */
  internal: 1011,
  /** No traffic within `ws.idleTimeoutMs`. */
  idleTimeout: 4000,
  /** Authentication required, or the token is invalid or expired. */
  unauthorized: 4001,
  /** Authenticated but not allowed. */
  forbidden: 4003,
  /** The client did not read fast enough. */
  slowConsumer: 4008,
  /** Closed by an administrator. */
  closedByAdmin: 4010,
} as const;
