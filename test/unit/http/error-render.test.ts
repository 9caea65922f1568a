import { WS_CLOSE } from '@livegate/protocol';
import { describe, expect, it } from 'vitest';
import { closeReasonFor, normalClose } from '../../../src/core/outbound.js';
import { errorData, httpErrorAnswer, LivegateError, rawHttpResponse } from '../../../src/errors.js';

describe('one rendering of errors', () => {
  it('gives Retry-After to retryable 429 and 503 answers only, the error’s own wait first', () => {
    expect(httpErrorAnswer(new LivegateError('shutting_down'), 5).headers).toEqual({ 'Retry-After': '5' });
    expect(httpErrorAnswer(new LivegateError('rate_limited', undefined, { retryAfterSeconds: 2 }), 5).headers).toEqual({
      'Retry-After': '2',
    });
    expect(httpErrorAnswer(new LivegateError('forbidden'), 5).headers).toEqual({});
  });

  it('writes a raw answer with Node’s reason phrase for any status, and the same JSON body', () => {
    for (const code of ['method_not_allowed', 'payload_too_large', 'unsupported_media_type', 'internal'] as const) {
      const error = new LivegateError(code);
      const raw = rawHttpResponse(httpErrorAnswer(error, 1));
      const [head, body] = raw.split('\r\n\r\n');
      expect(head!.split('\r\n')[0]).toMatch(new RegExp(`^HTTP/1\\.1 ${error.status} [A-Z][A-Za-z -]+$`));
      expect(head).toContain('Content-Type: application/json');
      expect(head).toContain(`Content-Length: ${Buffer.byteLength(body!)}`);
      expect(JSON.parse(body!)).toEqual(error.toBody());
    }
  });

  it('renders the in-stream error data with the field only when there is one', () => {
    expect(errorData('invalid_json', 'bad')).toEqual({ code: 'invalid_json', message: 'bad' });
    expect(errorData(new LivegateError('invalid_message', 'no', { field: 'id' }))).toEqual({
      code: 'invalid_message',
      message: 'no',
      field: 'id',
    });
  });

  it('takes WebSocket close codes from the protocol’s catalogue', () => {
    expect(closeReasonFor('slow_consumer').wsCode).toBe(WS_CLOSE.slowConsumer);
    expect(closeReasonFor('idle_timeout').wsCode).toBe(WS_CLOSE.idleTimeout);
    expect(closeReasonFor('closed_by_admin').wsCode).toBe(WS_CLOSE.closedByAdmin);
    expect(closeReasonFor('shutting_down').wsCode).toBe(WS_CLOSE.goingAway);
    expect(closeReasonFor('not_found').wsCode).toBe(WS_CLOSE.internal); // no close code of its own
    expect(normalClose('done', 'answered')).toEqual({ code: 'done', message: 'answered', wsCode: WS_CLOSE.normal });
  });
});
