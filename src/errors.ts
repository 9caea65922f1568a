/**
 * Errors of the server. The catalogue of codes (HTTP status, WebSocket close code, retry) is
 * `ERROR_CATALOGUE` in `@livegate/protocol`, shared with the SDK; new codes go there and into the
 * table of docs/api.md.
 */
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

/** Builds the HTTP error body for a code without throwing. */
export function errorBody(code: ErrorCode, message?: string, field?: string): ErrorBody {
  return new LivegateError(code, message, field === undefined ? undefined : { field }).toBody();
}
