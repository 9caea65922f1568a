import type { Logger } from 'pino';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { LivegateError, httpErrorAnswer, type ErrorCode } from '../errors.js';

/** Fastify's own error codes mapped onto the catalogue, so every error body has one shape. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_body',
  FST_ERR_VALIDATION: 'invalid_body',
};

/**
 * Installs the error and not-found handlers: every failure answers
 * `{"error":{"code","message","field"}}` with the catalogue's status, plus `Retry-After` for
 * 429/503. Unknown errors are logged and answered as `internal` without leaking details.
 */
export function installErrorHandling(app: FastifyInstance, retryAfterSeconds: number, log: Logger): void {
  app.setErrorHandler((error: FastifyError | LivegateError, request, reply) => {
    let livegate: LivegateError;
    if (error instanceof LivegateError) livegate = error;
    else if (error.code !== undefined && FASTIFY_CODES[error.code] !== undefined) {
      const code = FASTIFY_CODES[error.code]!;
      const message =
        code === 'payload_too_large'
          ? `body larger than the limit`
          : code === 'invalid_json'
            ? `body is not valid JSON: ${error.message}`
            : code === 'unsupported_media_type'
              ? `Content-Type must be application/json, got ${JSON.stringify(String(request.headers['content-type']).slice(0, 80))}`
              : error.message;
      livegate = new LivegateError(code, message);
    } else if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      livegate = new LivegateError('invalid_body', error.message);
    } else {
      log.error({ err: error, method: request.method, url: request.url.split('?')[0] }, 'request failed');
      livegate = new LivegateError('internal');
    }
    sendError(reply, livegate, retryAfterSeconds);
  });
  app.setNotFoundHandler((request, reply) => {
    sendError(
      reply,
      new LivegateError('not_found', `no route for ${request.method} ${request.url.split('?')[0]}`),
      retryAfterSeconds,
    );
  });
}

/** Sends the {@link httpErrorAnswer} of `error` as a Fastify reply. */
export function sendError(reply: FastifyReply, error: LivegateError, retryAfterSeconds: number): void {
  const answer = httpErrorAnswer(error, retryAfterSeconds);
  void reply.status(answer.status).headers(answer.headers).type('application/json; charset=utf-8').send(answer.body);
}
