/**
 * The client's error catalogue: every failure becomes a {@link LivegateError} with a stable code
 * and a disposition that decides what the client does next. Server codes come from the shared
 * catalogue (`ERROR_CATALOGUE` in `@livegate/protocol`); client codes name faults only the client
 * can see.
 */
import { ERROR_CATALOGUE, isErrorCode } from '@livegate/protocol';

/**
 * What the client does about an error:
 * - `fatal`: do not retry (bad credentials, invalid filter); the client closes;
 * - `skip`: this transport cannot connect here; try the next one;
 * - `retry`: reconnect with backoff (server busy, connection lost);
 * - `resync`: the resume id was refused; reconnect at once without it (snapshots follow).
 */
export type ErrorDisposition = 'fatal' | 'skip' | 'retry' | 'resync';

/** Codes raised by the client itself. */
export type ClientErrorCode =
  | 'connect_failed'
  | 'connect_timeout'
  | 'heartbeat_timeout'
  | 'connection_lost'
  | 'transport_error'
  | 'protocol_error'
  | 'token_error'
  | 'offline'
  | 'client_closed'
  | 'subscription_superseded'
  | 'listener_error';

const DISPOSITIONS: Readonly<Record<string, ErrorDisposition>> = {
  // Client-side faults.
  connect_failed: 'skip',
  connect_timeout: 'skip',
  transport_error: 'skip',
  protocol_error: 'skip',
  heartbeat_timeout: 'retry',
  connection_lost: 'retry',
  token_error: 'retry',
  offline: 'retry',
  client_closed: 'fatal',
  subscription_superseded: 'fatal',
  listener_error: 'retry',
  // The token ran out: the client reconnects at once with a new one (when it has a token function).
  token_expired: 'retry',
  // Server catalogue: do not retry.
  unauthorized: 'fatal',
  invalid_token: 'fatal',
  forbidden: 'fatal',
  origin_not_allowed: 'fatal',
  policy_violation: 'fatal',
  invalid_filter: 'fatal',
  invalid_param: 'fatal',
  invalid_message: 'fatal',
  invalid_json: 'fatal',
  unknown_op: 'fatal',
  binary_not_supported: 'fatal',
  payload_too_large: 'fatal',
  message_too_big: 'fatal',
  too_many_subscriptions: 'fatal',
  // The server refused our resume id (malformed or from a foreign deployment): start fresh.
  invalid_event_id: 'resync',
  // The endpoint is missing or switched off: another transport may work.
  transport_disabled: 'skip',
  not_found: 'skip',
  method_not_allowed: 'skip',
  // Server catalogue: retry.
  too_many_connections: 'retry',
  too_many_connections_per_ip: 'retry',
  slow_consumer: 'retry',
  shutting_down: 'retry',
  server_shutdown: 'retry',
  idle_timeout: 'retry',
  closed_by_admin: 'retry',
  bus_unavailable: 'retry',
  // Metric streams: a refused query stays refused; Prometheus trouble and the stream limit pass.
  invalid_promql: 'fatal',
  promql_forbidden: 'fatal',
  too_many_metric_streams: 'retry',
  prometheus_unavailable: 'retry',
  prometheus_query_failed: 'retry',
  internal: 'retry',
  rate_limited: 'retry',
  unavailable: 'retry',
  closed_by_server: 'retry',
};

/** Details attached to a {@link LivegateError}. */
export interface LivegateErrorDetails {
  readonly disposition?: ErrorDisposition;
  /** HTTP status of the answer that carried the error. */
  readonly status?: number;
  /** WebSocket close code that carried the error. */
  readonly closeCode?: number;
  /** Input field at fault (`match[0]`, `since`), from the server. */
  readonly field?: string;
  /** The server asked to wait at least this long before retrying. */
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
}

/** Every error the client reports. `code` is stable; `message` is for humans. */
export class LivegateError extends Error {
  readonly code: string;
  readonly disposition: ErrorDisposition;
  readonly status: number | undefined;
  readonly closeCode: number | undefined;
  readonly field: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: string, message: string, details: LivegateErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'LivegateError';
    this.code = code;
    this.disposition = details.disposition ?? dispositionOf(code, details.status);
    this.status = details.status;
    this.closeCode = details.closeCode;
    this.field = details.field;
    this.retryAfterMs = details.retryAfterMs;
  }

  /** Whether the client keeps trying after this error. */
  get retryable(): boolean {
    return this.disposition !== 'fatal';
  }
}

/**
 * Disposition of a code: the table above, then the catalogue's `retry` flag. Codes unknown to both fall back on the HTTP status when there is one (a 4xx the
 * client caused is not worth retrying) and otherwise retry: a dashboard should rather come back.
 */
export function dispositionOf(code: string, status?: number): ErrorDisposition {
  const known = Object.prototype.hasOwnProperty.call(DISPOSITIONS, code) ? DISPOSITIONS[code] : undefined;
  if (known !== undefined) return known;
  // A catalogue code without a special case: the catalogue says whether it is worth retrying.
  if (isErrorCode(code)) return ERROR_CATALOGUE[code].retry ? 'retry' : 'fatal';
  if (status !== undefined) return dispositionOfStatus(status);
  return 'retry';
}

function dispositionOfStatus(status: number): ErrorDisposition {
  if (status === 401 || status === 403 || status === 400 || status === 413 || status === 415) return 'fatal';
  if (status === 404 || status === 405 || status === 406) return 'skip';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  if (status >= 400) return 'fatal';
  // A 2xx/3xx where an event stream was expected: something in between rewrote the answer.
  return 'skip';
}

const STATUS_CODES: Readonly<Record<number, string>> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'idle_timeout',
  413: 'payload_too_large',
  429: 'rate_limited',
  500: 'internal',
  502: 'unavailable',
  503: 'unavailable',
  504: 'unavailable',
};

/**
 * Parses `Retry-After` (delta seconds or an HTTP date) into milliseconds from `now`.
 * Returns `undefined` when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Reads `{"error":{"code","message","field"}}`, the body of every livegate HTTP error. */
export function readErrorBody(body: unknown): { code: string; message: string; field?: string } | null {
  if (typeof body !== 'object' || body === null) return null;
  const error = (body as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return null;
  const { code, message, field } = error as Record<string, unknown>;
  if (typeof code !== 'string') return null;
  return {
    code,
    message: typeof message === 'string' ? message : code,
    ...(typeof field === 'string' ? { field } : {}),
  };
}

/** The error for a non-2xx HTTP answer, using the livegate error body when there is one. */
export function errorFromHttp(
  status: number,
  body: unknown,
  retryAfter: string | null | undefined,
  now?: number,
): LivegateError {
  const parsed = readErrorBody(body);
  const code = parsed?.code ?? STATUS_CODES[status] ?? `http_${status}`;
  const retryAfterMs = parseRetryAfter(retryAfter, now);
  return new LivegateError(code, parsed?.message ?? `server answered HTTP ${status}`, {
    // A proxy's 2xx/3xx/404 page has no livegate body: judge it by the status alone.
    disposition: dispositionOf(code, status),
    status,
    ...(parsed?.field === undefined ? {} : { field: parsed.field }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

const CLOSE_CODES: Readonly<Record<number, string>> = {
  1000: 'closed_by_server',
  1001: 'shutting_down',
  1006: 'connection_lost',
  1008: 'policy_violation',
  1009: 'message_too_big',
  1011: 'internal',
  1012: 'unavailable',
  1013: 'unavailable',
  4000: 'idle_timeout',
  4001: 'unauthorized',
  4003: 'forbidden',
  4008: 'slow_consumer',
  4010: 'closed_by_admin',
};

/**
 * The error for a WebSocket close code. `opened` tells whether the socket ever got past the
 * handshake: a 1006 before that is a refused or blocked handshake (browsers hide the HTTP
 * status), so the next transport is tried.
 */
export function errorFromCloseCode(code: number, reason: string, opened: boolean): LivegateError {
  const known = CLOSE_CODES[code];
  if (code === 1006 && !opened) {
    return new LivegateError('connect_failed', 'WebSocket handshake failed or was blocked', { closeCode: code });
  }
  // Credentials are checked at the handshake; an open socket closed with 4001 has outlived its token.
  if (code === 4001 && opened) {
    return new LivegateError('token_expired', reason === '' ? 'the token has expired' : reason, { closeCode: code });
  }
  if (known !== undefined) {
    return new LivegateError(known, reason === '' ? `WebSocket closed with ${code}` : reason, { closeCode: code });
  }
  // Unlisted codes: 4000–4499 are livegate's own and retryable unless listed; anything else retries too.
  return new LivegateError(`close_${code}`, reason === '' ? `WebSocket closed with ${code}` : reason, {
    closeCode: code,
    disposition: 'retry',
  });
}

/** The error for a server error message (WebSocket `error` op, SSE `error` control). */
export function errorFromServer(code: unknown, message: unknown, field?: unknown): LivegateError {
  const c = typeof code === 'string' && code !== '' ? code : 'internal';
  return new LivegateError(c, typeof message === 'string' ? message : c, typeof field === 'string' ? { field } : {});
}
