/**
 * NATS client errors as {@link PlatformError}s: JetStream API error codes name the user's mistake
 * (name taken, subjects overlap, no such stream); connection-level failures mean "unreachable".
 *
 * @module
 */
import { PlatformError } from '../platform.js';

/** JetStream `err_code`s the console API distinguishes. */
export const JS_ERR = {
  streamNameInUse: 10058,
  streamNotFound: 10059,
  subjectsOverlap: 10065,
  consumerNotFound: 10014,
} as const;

const UNREACHABLE_CODES = new Set([
  'TIMEOUT',
  '503',
  'DISCONNECT',
  'CONNECTION_CLOSED',
  'CONNECTION_DRAINING',
  'CONNECTION_REFUSED',
  'CONNECTION_TIMEOUT',
  'JETSTREAM_NOT_ENABLED',
]);

interface NatsLikeError {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly api_error?: { readonly err_code?: number; readonly code?: number; readonly description?: string };
}

/** The JetStream `err_code` of an error, or `undefined`. */
export function jsErrorCode(error: unknown): number | undefined {
  return (error as NatsLikeError | null)?.api_error?.err_code;
}

/** Maps any error thrown by the `nats` client to a {@link PlatformError}. */
export function toPlatformError(error: unknown, what: string): PlatformError {
  if (error instanceof PlatformError) return error;
  const e = (error ?? {}) as NatsLikeError;
  const api = e.api_error;
  if (api !== undefined) {
    const description = api.description ?? 'JetStream API error';
    switch (api.err_code) {
      case JS_ERR.streamNameInUse:
        return new PlatformError('exists', `${what}: ${description}`, { cause: error });
      case JS_ERR.subjectsOverlap:
        return new PlatformError('subjects_conflict', `${what}: ${description}`, { cause: error });
      case JS_ERR.streamNotFound:
      case JS_ERR.consumerNotFound:
        return new PlatformError('not_found', `${what}: ${description}`, { cause: error });
      default:
        return new PlatformError('rejected', `${what}: ${description} (err_code ${api.err_code})`, { cause: error });
    }
  }
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : String(error);
  if (UNREACHABLE_CODES.has(code))
    return new PlatformError('unreachable', `${what}: NATS ${message}`, { cause: error });
  return new PlatformError('unreachable', `${what}: ${message}`, { cause: error });
}
