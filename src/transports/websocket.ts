import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  closeReasonFor,
  normalClose,
  type CloseReason,
  type Outbound,
  type TransportWriter,
} from '../core/outbound.js';
import { authorizeFilter, NarrowerRightsError, type Principal } from '../core/principal.js';
import type { SerializedEvent } from '../core/serialized-event.js';
import type { Session } from '../core/session.js';
import { compileFilter } from '../core/filter.js';
import { sessionStream } from '../core/source-stream.js';
import type { SubscribeExtension } from '../core/subscribe-extension.js';
import { LivegateError, errorData, httpErrorAnswer, rawHttpResponse } from '../errors.js';
import type { TransportContext } from './context.js';
import { wsFrameOf } from './framing.js';
import { startHeartbeat } from './heartbeat.js';
import { batchOptions, compileRequestFilter, snapshotTopics } from './subscription-params.js';

/** Path of the WebSocket endpoint. */
export const WS_PATH = '/ws/dashboard';

/** `WebSocket.OPEN`. */
const OPEN = 1;
/** Above this many buffered bytes the writer reports backpressure. */
const HIGH_WATER_MARK = 64 * 1024;

/** Writes a session's items as WebSocket text messages, watching the raw socket for drain. */
export class WsWriter implements TransportWriter {
  readonly kind = 'ws' as const;
  private closed = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Duplex,
  ) {}

  write(items: readonly Outbound[]): boolean {
    if (this.closed || this.ws.readyState !== OPEN) return true;
    // Frames go straight to the socket: an event's frame is built once and shared by every socket.
    // Order with ws's own writes (pong, ping, close) holds because, without compression, ws also
    // writes synchronously to the same socket and queues nothing of its own. ws has no supported
    // way to send pre-framed bytes, so its version is pinned exactly in package.json and
    // test/unit/transports/websocket-internals.test.ts fails when what this relies on changes.
    if (items.length === 1) return this.socket.write(wsFrameOf(items[0]!)) && !this.needsDrain();
    this.socket.cork();
    for (const item of items) this.socket.write(wsFrameOf(item));
    this.socket.uncork();
    return !this.needsDrain();
  }

  writeEvent(sub: string, event: SerializedEvent): boolean {
    if (this.closed || this.ws.readyState !== OPEN) return true;
    // No `needsDrain()` after a write the socket accepted: ws queues nothing of its own (see
    // `write`), so `bufferedAmount` is the socket's buffer, below the socket's high-water mark
    // (16 KiB; websocket-internals.test.ts checks it is at most ours) when `write` returns true. Reading it would load ws's sender,
    // one more cold object per delivery on the fast path.
    return this.socket.write(event.wsFrame(sub));
  }

  needsDrain(): boolean {
    return this.socket.writableNeedDrain || this.ws.bufferedAmount > HIGH_WATER_MARK;
  }

  bufferedBytes(): number {
    return this.ws.bufferedAmount;
  }

  onDrain(callback: () => void): void {
    this.socket.once('drain', callback);
  }

  close(reason: CloseReason): void {
    if (this.closed) return;
    this.closed = true;
    if (reason.code === 'client_closed') return;
    // Send the close frame with its code so a reading client learns why; a peer that is not reading
    // (slow consumer, silent) would hold the backlog forever, so it gets a short grace only.
    const graceMs = reason.code === 'slow_consumer' || reason.code === 'idle_timeout' ? 250 : 2000;
    this.ws.close(reason.wsCode, reason.message.slice(0, 120));
    const timer = setTimeout(() => this.ws.terminate(), graceMs);
    timer.unref();
    this.ws.once('close', () => clearTimeout(timer));
  }
}

/**
 * The WebSocket endpoint: handshake checks (shutdown, origin, auth, limits) answered as proper
 * HTTP responses, then the JSON op protocol of docs/protocol.md over one session per socket.
 */
export class WebSocketTransport {
  private readonly wss: WebSocketServer;
  private readonly extensions = new Map<string, SubscribeExtension>();

  /**
   * @param extensions subscribe extensions of the running sources, by key (see
   *   {@link SubscribeExtension}); a key may not shadow a core subscribe field.
   */
  constructor(
    private readonly ctx: TransportContext,
    extensions: readonly SubscribeExtension[] = [],
  ) {
    for (const ext of extensions) {
      if (SUBSCRIBE_FIELDS.includes(ext.key) || this.extensions.has(ext.key))
        throw new TypeError(`WebSocketTransport: subscribe extension key "${ext.key}" is taken`);
      this.extensions.set(ext.key, ext);
    }
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: ctx.config.ws.maxPayloadBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
    // Without this listener ws answers a malformed handshake in text/html; answer it in our shape.
    this.wss.on('wsClientError', (err, socket, req) => {
      const error = new LivegateError(
        req.method === 'GET' ? 'invalid_body' : 'method_not_allowed',
        `invalid WebSocket handshake: ${err.message}`,
      );
      rejectHandshake(socket, error, ctx.config.limits.retryAfterSeconds);
    });
  }

  /** Handles an HTTP upgrade for {@link WS_PATH}. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const ctx = this.ctx;
    let principal: Principal;
    let ip: string;
    let release: () => void;
    const refuse = (err: unknown): void => {
      if (!(err instanceof LivegateError)) ctx.log.error({ err }, 'ws handshake failed');
      rejectHandshake(
        socket,
        err instanceof LivegateError ? err : new LivegateError('internal'),
        ctx.config.limits.retryAfterSeconds,
      );
    };
    // Verifying a token may fetch a key set: until it is done the socket may go away (then nothing
    // is opened), and the slot is taken only once the principal is known.
    let gone = false;
    const onGone = (): void => {
      gone = true;
    };
    socket.once('close', onGone);
    socket.on('error', onGone);
    void (async () => {
      try {
        if (ctx.shuttingDown()) throw new LivegateError('shutting_down');
        if (!ctx.origins.allows(req.headers.origin)) throw new LivegateError('origin_not_allowed');
        const url = new URL(req.url ?? '/', 'http://localhost');
        ip = ctx.clientIp.resolve(req.socket.remoteAddress, req.headers['x-forwarded-for']);
        principal = await ctx.auth.handshake(req.headers, url.searchParams.get('access_token') ?? undefined, ip);
        if (gone || socket.destroyed) return;
        if (ctx.shuttingDown()) throw new LivegateError('shutting_down');
        release = ctx.limiter.acquire(ip);
      } catch (err) {
        if (!gone && !socket.destroyed) refuse(err);
        return;
      } finally {
        socket.off('close', onGone);
        socket.off('error', onGone);
      }
      this.upgrade(req, socket, head, principal, ip, release);
    })();
  }

  private upgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    principal: Principal,
    ip: string,
    release: () => void,
  ): void {
    // ws refuses a malformed handshake (method, key, version) without calling back, so the slot
    // must not depend on the callback: it goes back when the socket closes, whatever the outcome.
    socket.once('close', release);
    this.wss.handleUpgrade(req, socket, head, (ws) =>
      this.open(ws, socket, principal, ip, release, req.headers['user-agent']),
    );
  }

  /** Closes the upgrade server (sockets are closed through their sessions). */
  close(): void {
    this.wss.close();
  }

  private open(
    ws: WebSocket,
    socket: Duplex,
    principal: Principal,
    ip: string,
    release: () => void,
    userAgent: string | undefined,
  ): void {
    const ctx = this.ctx;
    const session = ctx.hub.openSession({
      transport: new WsWriter(ws, socket),
      ip,
      principal,
      ...(userAgent === undefined ? {} : { userAgent }),
    });
    const budget = ctx.wsMessages;
    let lastHeard = ctx.hub.now();
    let lastPing = lastHeard;
    // No child logger per connection: at 10k connections its bindings cost more than the session.
    const log = ctx.log;
    session.onClose((reason) => {
      release();
      budget.forget(session.id);
      log.debug({ connection: session.id, reason: reason.code, sent: session.sent }, 'ws closed');
    });
    ws.on('close', () => session.close(normalClose('client_closed', 'peer closed')));
    ws.on('error', (err) => {
      // ws reports protocol violations (oversized, invalid UTF-8) here and closes the socket itself.
      log.debug({ connection: session.id, err: err.message }, 'ws error');
    });
    const heard = (): void => {
      lastHeard = ctx.hub.now();
    };
    ws.on('pong', heard);
    ws.on('ping', heard);
    ws.on('message', (data, isBinary) => {
      lastHeard = ctx.hub.now();
      if (session.state !== 'open') return;
      if (!budget.take(session.id)) {
        session.close(
          closeReasonFor(
            'rate_limited',
            `more than ${ctx.config.ws.maxMessagesPerSecond} messages per second (ws.maxMessagesPerSecond)`,
          ),
        );
        return;
      }
      if (isBinary) {
        session.control('error', errorData('binary_not_supported'));
        return;
      }
      this.onMessage(session, data.toString());
    });

    // Protocol pings and the idle timeout run on the `keepalive` timer; the idle `heartbeat` op
    // (carrying the resume position) on its own timer, at the same interval as pings.
    const { pingIntervalMs, idleTimeoutMs } = ctx.config.ws;
    const keepalive = (): void => {
      if (session.state !== 'open') return;
      const now = ctx.hub.now();
      if (now - lastHeard >= idleTimeoutMs) {
        session.close(closeReasonFor('idle_timeout'));
        return;
      }
      if (now - lastPing >= pingIntervalMs) {
        lastPing = now;
        ws.ping();
      }
      const next = Math.min(lastPing + pingIntervalMs, lastHeard + idleTimeoutMs) - now;
      session.setTimer('keepalive', Math.max(next, 10), keepalive);
    };
    session.setTimer('keepalive', Math.min(pingIntervalMs, idleTimeoutMs), keepalive);
    startHeartbeat(ctx.hub, session, pingIntervalMs);
    session.control('hello', { connection: session.id, epoch: ctx.hub.epoch, heartbeatMs: pingIntervalMs });
    log.debug({ connection: session.id, ip }, 'ws opened');
  }

  private onMessage(session: Session, text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      session.control('error', errorData('invalid_json', 'message is not valid JSON'));
      return;
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      session.control('error', errorData('invalid_message', 'a message must be a JSON object with an "op"'));
      return;
    }
    const msg = message as Record<string, unknown>;
    const rawId = msg.id;
    const id = typeof rawId === 'string' && rawId.length <= 64 ? rawId : undefined;
    try {
      if (rawId !== undefined && id === undefined)
        throw new LivegateError('invalid_message', 'id must be a string of at most 64 characters', { field: 'id' });
      switch (msg.op) {
        case 'subscribe':
          this.subscribe(session, session.principal, msg, id);
          return;
        case 'refresh':
          this.refresh(session, msg, id);
          return;
        case 'unsubscribe': {
          checkKeys(msg, ['op', 'id', 'subscription']);
          if (typeof msg.subscription !== 'string')
            throw new LivegateError('invalid_message', 'subscription must be a string', { field: 'subscription' });
          this.ctx.hub.unsubscribe(session, msg.subscription);
          session.control('unsubscribed', { ...(id === undefined ? {} : { id }), subscription: msg.subscription });
          return;
        }
        case 'ping':
          checkKeys(msg, ['op', 'id']);
          session.control('pong', id === undefined ? {} : { id });
          return;
        default:
          if (typeof msg.op !== 'string')
            throw new LivegateError('invalid_message', 'op must be a string', { field: 'op' });
          throw new LivegateError(
            'unknown_op',
            `unknown op "${msg.op.slice(0, 40)}"; known: subscribe, unsubscribe, refresh, ping`,
            { field: 'op' },
          );
      }
    } catch (err) {
      this.refuse(session, id, err, 'ws message handler failed');
    }
  }

  /**
   * Answers request `id` with an `error` op: a {@link LivegateError} as it is, anything else
   * logged (as `what`) and answered as `internal`.
   */
  private refuse(session: Session, id: string | undefined, err: unknown, what: string): void {
    if (!(err instanceof LivegateError)) this.ctx.log.error({ err, connection: session.id }, what);
    session.control('error', errorData(err instanceof LivegateError ? err : new LivegateError('internal'), id));
  }

  /**
   * `{"op":"refresh","token":"…"}`: replaces the connection's token without reconnecting. The new
   * token must be for the same subject and keep every right; the session then lives until its `exp`.
   */
  private refresh(session: Session, msg: Record<string, unknown>, id: string | undefined): void {
    checkKeys(msg, ['op', 'id', 'token']);
    if (typeof msg.token !== 'string' || msg.token === '')
      throw new LivegateError('invalid_message', 'token must be a non-empty string', { field: 'token' });
    const current = session.principal;
    this.ctx.auth.refresh(msg.token, current).then(
      (next) => {
        if (session.state !== 'open' || session.principal !== current) return;
        session.setPrincipal(next);
        session.control('refreshed', {
          ...(id === undefined ? {} : { id }),
          expiresAt: next.expiresAt === null ? null : new Date(next.expiresAt).toISOString(),
        });
      },
      (err: unknown) => {
        this.refuse(session, id, err, 'ws refresh failed');
        // Rights shrank: not one more event under the old ones (the error op is written first).
        if (err instanceof NarrowerRightsError && session.principal === current) {
          session.close(closeReasonFor('forbidden', err.message));
        }
      },
    );
  }

  private subscribe(
    session: Session,
    principal: Principal,
    msg: Record<string, unknown>,
    id: string | undefined,
  ): void {
    for (const [key, ext] of this.extensions) {
      if (msg[key] !== undefined) {
        this.subscribeExtension(session, principal, msg, id, ext);
        return;
      }
    }
    checkKeys(msg, SUBSCRIBE_FIELDS);
    const spec = {
      topics: stringList(msg, 'topics'),
      types: stringList(msg, 'types'),
      sources: stringList(msg, 'sources'),
      match: stringList(msg, 'match'),
    };
    if (msg.since !== undefined && typeof msg.since !== 'string')
      throw new LivegateError('invalid_message', 'since must be an event id string', { field: 'since' });
    const snapshot = snapshotTopics(stringList(msg, 'snapshot'));
    const filter = authorizeFilter(principal, compileRequestFilter(spec));
    const batch = batchOptions(msg.batch, msg.batchMs);
    this.ctx.hub.subscribe(session, {
      filter,
      batch,
      ...(typeof msg.since === 'string' ? { since: msg.since, snapshot } : {}),
      announce: (subscription) => session.control('subscribed', { ...(id === undefined ? {} : { id }), subscription }),
    });
  }

  /** A subscribe carrying an extension's key: the source parses it and feeds the subscription. */
  private subscribeExtension(
    session: Session,
    principal: Principal,
    msg: Record<string, unknown>,
    id: string | undefined,
    ext: SubscribeExtension,
  ): void {
    checkKeys(msg, ['op', 'id', ext.key]);
    const parsed = ext.parse(msg[ext.key], principal);
    const hub = this.ctx.hub;
    hub.subscribeExtension(session, ext.key, EXTENSION_FILTER, (subscription) => {
      session.control('subscribed', { ...(id === undefined ? {} : { id }), subscription });
      const end = (): void => {
        if (!session.subscriptions.has(subscription)) return;
        hub.unsubscribe(session, subscription);
        session.control('unsubscribed', { subscription });
      };
      const handle = ext.open(sessionStream(session, subscription, end), parsed);
      return () => handle.release();
    });
  }
}

/** Fields of a core subscribe message. */
const SUBSCRIBE_FIELDS: readonly string[] = [
  'op',
  'id',
  'topics',
  'types',
  'sources',
  'match',
  'since',
  'snapshot',
  'batch',
  'batchMs',
];

/** The filter an extension subscription carries; it is never in the dispatcher, so it matches nothing. */
const EXTENSION_FILTER = compileFilter({ topics: [] });

function stringList(msg: Record<string, unknown>, field: string): string[] {
  const value = msg[field];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new LivegateError('invalid_message', `${field} must be an array of strings`, { field });
  }
  return value as string[];
}

function checkKeys(msg: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(msg)) {
    if (!allowed.includes(key))
      throw new LivegateError('invalid_message', `unknown field "${key.slice(0, 40)}" for op "${String(msg.op)}"`, {
        field: key,
      });
  }
}

/** Answers a refused handshake with a proper HTTP response and closes the socket. */
export function rejectHandshake(socket: Duplex, error: LivegateError, retryAfterSeconds: number): void {
  // Once the answer is out the socket goes, even if the peer never closes its side.
  socket.once('finish', () => socket.destroy());
  socket.end(rawHttpResponse(httpErrorAnswer(error, retryAfterSeconds)));
  socket.once('error', () => {});
}
