import { describe, expect, it } from 'vitest';
import {
  LivegateError,
  dispositionOf,
  errorFromCloseCode,
  errorFromHttp,
  errorFromServer,
  parseRetryAfter,
} from '../src/errors.js';

describe('close codes', () => {
  it.each([
    // Credentials are checked at the handshake: 4001 on an open socket means its token ran out.
    [4001, 'token_expired', 'retry'],
    [4003, 'forbidden', 'fatal'],
    [1008, 'policy_violation', 'fatal'],
    [1009, 'message_too_big', 'fatal'],
    [1001, 'shutting_down', 'retry'],
    [4008, 'slow_consumer', 'retry'],
    [4000, 'idle_timeout', 'retry'],
    [1011, 'internal', 'retry'],
    [1000, 'closed_by_server', 'retry'],
    [4999, 'close_4999', 'retry'],
  ])('%i → %s (%s)', (code, name, disposition) => {
    const error = errorFromCloseCode(code, '', true);
    expect(error.code).toBe(name);
    expect(error.disposition).toBe(disposition);
    expect(error.closeCode).toBe(code);
  });

  it('reads 4001 before the socket opened as a refused credential', () => {
    expect(errorFromCloseCode(4001, '', false)).toMatchObject({ code: 'unauthorized', disposition: 'fatal' });
  });

  it('reads an abnormal closure before the handshake as a transport that cannot connect', () => {
    expect(errorFromCloseCode(1006, '', false)).toMatchObject({ code: 'connect_failed', disposition: 'skip' });
    expect(errorFromCloseCode(1006, '', true)).toMatchObject({ code: 'connection_lost', disposition: 'retry' });
  });
});

describe('HTTP answers', () => {
  it('uses the livegate error body: code, message and field', () => {
    const error = errorFromHttp(
      400,
      { error: { code: 'invalid_filter', message: 'bad matcher', field: 'match[0]' } },
      null,
    );
    expect(error).toMatchObject({
      code: 'invalid_filter',
      message: 'bad matcher',
      field: 'match[0]',
      status: 400,
      disposition: 'fatal',
    });
    expect(error.retryable).toBe(false);
  });

  it('never retries 401 and 403', () => {
    expect(errorFromHttp(401, null, null).disposition).toBe('fatal');
    expect(errorFromHttp(403, { error: { code: 'forbidden', message: 'no' } }, null).disposition).toBe('fatal');
  });

  it('backs off at least as long as Retry-After on 429 and 503', () => {
    expect(errorFromHttp(429, null, '7')).toMatchObject({
      code: 'rate_limited',
      disposition: 'retry',
      retryAfterMs: 7000,
    });
    expect(errorFromHttp(503, { error: { code: 'too_many_connections', message: 'full' } }, '2')).toMatchObject({
      code: 'too_many_connections',
      retryAfterMs: 2000,
    });
  });

  it('skips to the next transport when the endpoint is missing or disabled', () => {
    expect(errorFromHttp(404, null, null).disposition).toBe('skip');
    expect(errorFromHttp(404, { error: { code: 'transport_disabled', message: 'off' } }, null).disposition).toBe(
      'skip',
    );
  });

  it('starts fresh when the server refuses the resume id', () => {
    expect(
      errorFromHttp(400, { error: { code: 'invalid_event_id', message: 'bad id', field: 'since' } }, null).disposition,
    ).toBe('resync');
  });

  it('retries server errors', () => {
    expect(errorFromHttp(500, null, null).disposition).toBe('retry');
    expect(errorFromHttp(502, '<html>', null).disposition).toBe('retry');
  });
});

describe('parseRetryAfter', () => {
  it('reads delta seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter(new Date(0).toUTCString(), 4000)).toBe(0);
  });

  it('ignores absent and unreadable values', () => {
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('server error messages', () => {
  it('classifies known codes and retries unknown ones', () => {
    expect(errorFromServer('slow_consumer', 'too slow').disposition).toBe('retry');
    expect(errorFromServer('invalid_filter', 'bad', 'topics[0]')).toMatchObject({
      disposition: 'fatal',
      field: 'topics[0]',
    });
    expect(errorFromServer('something_new', 'x').disposition).toBe('retry');
    expect(errorFromServer(undefined, undefined).code).toBe('internal');
  });

  it('keeps the cause of wrapped errors', () => {
    const cause = new Error('socket hang up');
    expect(new LivegateError('connect_failed', 'no', { cause }).cause).toBe(cause);
    expect(dispositionOf('made_up', 418)).toBe('fatal');
  });
});
