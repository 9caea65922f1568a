import type { ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authorizeFilter, type Principal } from '../core/principal.js';
import {
  closeErrorData,
  normalClose,
  type CloseReason,
  type Outbound,
  type SseSink,
  type TransportWriter,
} from '../core/outbound.js';
import { parseEventId } from '../core/event-id.js';
import type { Session } from '../core/session.js';
import { LivegateError } from '../errors.js';
import type { TransportContext } from './context.js';
import { admit } from './admission.js';
import { startHeartbeat } from './heartbeat.js';
import { filterFromQuery, listParam, singleParam, snapshotTopics, type QueryValues } from './subscription-params.js';
import { sseChunks, sseControl, sseRetry } from './framing.js';

/** Grace for a closing stream to flush its last frame before the socket is destroyed. */
const CLOSE_GRACE_MS = 1000;

/** Writes a session's items as SSE frames on a raw HTTP response, with drain-based backpressure. */
export class SseWriter implements TransportWriter {
  readonly kind = 'sse' as const;
  readonly sseSink: SseSink;
  private closed = false;

  /**
   * @param res the response, used to end it.
   * @param socket where frames go. HTTP/1.1: its socket — the stream is close-delimited (no chunked
   *   encoding), so frames are written to the socket directly, one write per flush instead of Node's
   *   chunk header, data and CRLF writev plus its next-tick cork per write. HTTP/2: the response's
   *   stream (DATA frames; many event streams share one connection).
   */
  constructor(
    private readonly res: { end(): void; readonly writableEnded: boolean },
    private readonly socket: Duplex,
    private readonly named: boolean,
    private readonly retryMs: number,
  ) {
    this.sseSink = { stream: socket, named };
  }

  write(items: readonly Outbound[]): boolean {
    if (this.closed || this.socket.destroyed) return true;
    const chunks = sseChunks(items, this.named);
    if (chunks.length === 1) return this.socket.write(chunks[0]!);
    this.socket.cork();
    for (const chunk of chunks) this.socket.write(chunk);
    this.socket.uncork();
    return !this.socket.writableNeedDrain;
  }

  needsDrain(): boolean {
    return this.socket.writableNeedDrain;
  }

  bufferedBytes(): number {
    return this.socket.writableLength;
  }

  onDrain(callback: () => void): void {
    this.socket.once('drain', callback);
  }

  close(reason: CloseReason): void {
    if (this.closed) return;
    this.closed = true;
    if (this.socket.destroyed || this.res.writableEnded) return;
    if (reason.code === 'shutting_down')
      this.socket.write(
        sseControl('shutdown', { reason: 'server_shutdown', message: reason.message, retryMs: this.retryMs }),
      );
    else {
      const error = closeErrorData(reason);
      if (error !== null) this.socket.write(sseControl('error', error));
    }
    // Ending a close-delimited response closes the connection once the socket has flushed.
    this.res.end();
    // A stalled reader never lets the socket flush; do not keep its buffers alive for it.
    const timer = setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS);
    timer.unref();
    this.socket.once('close', () => clearTimeout(timer));
  }
}

/** What {@link openSseStream} needs besides the request. */
export interface SseStreamInit {
  /** The principal already established for the request. */
  readonly principal: Principal;
  /** Whether events are sent as named SSE events (`event: <type>`). */
  readonly named: boolean;
}

/**
 * Starts an SSE stream on a validated request: admission by client address, the response head,
 * the `retry:` line, a session with its close handling, the `hello` and the idle heartbeat. Used by
 * `GET /api/v2/events/stream` and by streams sources serve on their own URLs. Throws (before the
 * response starts) when the connection is not admitted.
 */
export function openSseStream(
  ctx: TransportContext,
  request: FastifyRequest,
  reply: FastifyReply,
  init: SseStreamInit,
): Session {
  if (ctx.shuttingDown()) throw new LivegateError('shutting_down');
  let socket: Duplex;
  if (request.raw.httpVersionMajor === 2) {
    // HTTP/2 (with TLS): frames go on the response's own stream; streams are multiplexed, so there
    // is no pipelining to guard against.
    socket = (reply.raw as unknown as Http2ServerResponse).stream;
  } else {
    const res = reply.raw;
    // A request pipelined behind another on the same connection has no socket yet: its answer waits
    // for the one before it. A stream must be the last request of its connection.
    if (res.socket === null || res.socket !== request.raw.socket) {
      throw new LivegateError('invalid_body', 'a stream request cannot be pipelined behind another request');
    }
    socket = res.socket;
  }
  const ip = ctx.clientIp.resolve(request.socket.remoteAddress, request.headers['x-forwarded-for']);
  return admit(ctx.limiter, ip, undefined, () => {
    try {
      return startStream(ctx, request, reply, socket, ip, init);
    } catch (err) {
      // The response was hijacked and may be half written: nothing sensible can follow on it.
      if (reply.sent) socket.destroy();
      throw err;
    }
  });
}

/** Writes the SSE head and opens the session; {@link openSseStream} owns the connection slot. */
function startStream(
  ctx: TransportContext,
  request: FastifyRequest,
  reply: FastifyReply,
  socket: Duplex,
  ip: string,
  init: SseStreamInit,
): Session {
  reply.hijack();
  const res = reply.raw as ServerResponse | Http2ServerResponse;
  const headers: Record<string, string | number | string[]> = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) headers[name] = value;
  const head = {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    'x-accel-buffering': 'no',
  };
  if (request.raw.httpVersionMajor === 2) {
    // Connection headers do not exist in HTTP/2.
    (res as Http2ServerResponse).writeHead(200, head);
  } else {
    const h1 = res as ServerResponse;
    // Close-delimited body (no Transfer-Encoding): an event stream ends only when the connection
    // does, and this lets SseWriter write frames to the socket as they are.
    h1.useChunkedEncodingByDefault = false;
    h1.writeHead(200, { ...head, connection: 'keep-alive' });
    h1.flushHeaders();
    (socket as Socket).setNoDelay(true);
  }
  socket.write(sseRetry(ctx.config.sse.retryMs));

  const session = ctx.hub.openSession({
    transport: new SseWriter(res, socket, init.named, ctx.config.sse.retryMs),
    ip,
    principal: init.principal,
    ...(request.headers['user-agent'] === undefined ? {} : { userAgent: request.headers['user-agent'] }),
  });
  // No child logger per connection: at 10k connections its bindings cost more than the session.
  const log = ctx.log;
  session.onClose((reason) => {
    log.debug({ connection: session.id, reason: reason.code, sent: session.sent }, 'sse closed');
  });
  res.on('close', () => session.close(normalClose('client_closed', 'client closed the stream')));
  res.on('error', (err) => log.debug({ connection: session.id, err }, 'sse socket error'));

  session.control('hello', {
    connection: session.id,
    epoch: ctx.hub.epoch,
    heartbeatMs: ctx.config.sse.heartbeatMs,
  });
  startHeartbeat(ctx.hub, session, ctx.config.sse.heartbeatMs);
  return session;
}

/**
 * `GET /api/v2/events/stream`. Everything is validated before the response starts, so a bad
 * request gets an ordinary JSON error; after that the stream carries events and control events.
 */
export function handleSse(ctx: TransportContext, request: FastifyRequest, reply: FastifyReply): void {
  const query = request.query as QueryValues;
  if (ctx.shuttingDown()) throw new LivegateError('shutting_down');
  if (!ctx.origins.allows(request.headers.origin)) throw new LivegateError('origin_not_allowed');
  const principal = ctx.auth.principalOf(request);
  const filter = authorizeFilter(principal, filterFromQuery(query));
  const headerId = request.headers['last-event-id'];
  // The header wins: EventSource sends it on its own reconnects with a newer id than the URL's.
  const since =
    (typeof headerId === 'string' && headerId !== '' ? headerId : undefined) ??
    (singleParam(query, 'lastEventId') || undefined);
  if (since !== undefined && parseEventId(since) === null) {
    throw new LivegateError('invalid_event_id', `"${since.slice(0, 80)}" is not a livegate event id`, {
      field: 'lastEventId',
    });
  }
  const namedParam = singleParam(query, 'named');
  if (namedParam !== undefined && namedParam !== '0' && namedParam !== '1') {
    throw new LivegateError('invalid_param', 'named must be 0 or 1', { field: 'named' });
  }
  const snapshot = snapshotTopics(listParam(query, 'snapshot'));
  const session = openSseStream(ctx, request, reply, { principal, named: namedParam === '1' });
  ctx.hub.subscribe(session, since === undefined ? { filter } : { filter, since, snapshot });
  ctx.log.debug({ connection: session.id, ip: session.ip, since, filter: filter.spec }, 'sse opened');
}
