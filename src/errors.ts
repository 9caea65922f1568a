/**
 * Errors of the server. The catalogue of codes (HTTP status, WebSocket close code, retry) is
 * `ERROR_CATALOGUE` in `@livegate/protocol`, shared with the SDK; new codes go there and into the
 * table of docs/api.md.
 */
import { STATUS_CODES } from 'node:http';
import { ERROR_CATALOGUE, type ErrorBody as WireErrorBody, type ErrorCode } from '@livegate/protocol';

export type { ErrorCode, ErrorSpec } from '@livegate/protocol';

/** The catalogue (`ERROR_CATALOGUE` of `@livegate/protocol`). */
export const ERRORS = ERROR_CATALOGUE;

/** The JSON body of every HTTP error answer: `{"error":{"code","message","field"}}`. */
export type ErrorBody = WireErrorBody<ErrorCode>;

/**
 * An error a client caused or must be told about. Thrown inside handlers and turned into an HTTP
 * answer, a WebSocket `error` op, or a close code by the transport that catches it.
 */
export class LivegateError extends Error {
  readonly code: ErrorCode;
  /** The input field at fault (`topics[2]`, `labels.team`, `since`), when there is one. */
  readonly field: string | undefined;
  /** Seconds the client should wait, when the error knows better than the configured default (rate limits). */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ErrorCode,
    message?: string,
    options?: { field?: string; cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message ?? ERRORS[code].message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LivegateError';
    this.code = code;
    this.field = options?.field;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }

  /** HTTP status for this error. */
  get status(): number {
    return ERRORS[this.code].status;
  }

  /** The HTTP error body. */
  toBody(): ErrorBody {
    return {
      error: { code: this.code, message: this.message, ...(this.field === undefined ? {} : { field: this.field }) },
    };
  }
}

/**
 * An error inside a stream: the data of the SSE `error` event and of the WebSocket `error` op
 * (which also carries the `id` of the request it answers, when that had a valid one).
 */
export type ErrorData = {
  readonly id?: string;
  readonly code: ErrorCode;
  readonly message: string;
  readonly field?: string;
};

/**
 * The in-stream form of an error (SSE `error` event, WebSocket `error` op):
 * `{"id"?,"code","message","field"?}`, `id` when it answers a WebSocket request with one, `field`
 * when one input is at fault.
 */
export function errorData(error: LivegateError, id?: string): ErrorData;
export function errorData(code: ErrorCode, message?: string, field?: string): ErrorData;
export function errorData(error: LivegateError | ErrorCode, messageOrId?: string, field?: string): ErrorData {
  if (typeof error === 'string')
    return errorData(new LivegateError(error, messageOrId, field === undefined ? {} : { field }));
  const id = messageOrId === undefined ? {} : { id: messageOrId };
  return error.field === undefined
    ? { ...id, code: error.code, message: error.message }
    : { ...id, code: error.code, message: error.message, field: error.field };
}

/** How an error is answered over HTTP, whoever writes the answer (Fastify or a raw socket). */
export interface HttpErrorAnswer {
  readonly status: number;
  /** `Retry-After` when the client should come back, else nothing (the body is always JSON). */
  readonly headers: Readonly<Record<string, string>>;
  /** `{"error":{"code","message","field"}}` as JSON. */
  readonly body: string;
}

/**
 * The one rendering of an error as an HTTP answer: the catalogue's status, the JSON body, and
 * `Retry-After` (the error's own wait, else `defaultRetryAfterSeconds`) for retryable 429 and 503.
 * The Fastify error handler, the refused WebSocket upgrade and the malformed-request answer all
 * go through it.
 */
export function httpErrorAnswer(error: LivegateError, defaultRetryAfterSeconds: number): HttpErrorAnswer {
  const status = error.status;
  const retry = ERRORS[error.code].retry && (status === 429 || status === 503);
  return {
    status,
    headers: retry ? { 'Retry-After': String(error.retryAfterSeconds ?? defaultRetryAfterSeconds) } : {},
    body: JSON.stringify(error.toBody()),
  };
}

/**
 * An {@link HttpErrorAnswer} as a complete HTTP/1.1 response, for a socket no framework answers
 * on (a refused upgrade, a malformed request); the reason phrase is Node's. The connection closes
 * after it.
 */
export function rawHttpResponse(
  answer: HttpErrorAnswer,
  statusLine = `${answer.status} ${STATUS_CODES[answer.status] ?? 'Error'}`,
): string {
  let head = `HTTP/1.1 ${statusLine}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(answer.body)}\r\n`;
  for (const [name, value] of Object.entries(answer.headers)) head += `${name}: ${value}\r\n`;
  return `${head}Connection: close\r\n\r\n${answer.body}`;
}
