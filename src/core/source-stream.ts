import { closeErrorData, closeReasonFor, normalClose, type CloseReason } from './outbound.js';
import type { Principal } from './principal.js';
import type { Session } from './session.js';

/**
 * One stream a source serves: its own SSE URL (`streams.sse` in a source's context) or one
 * subscription made through a subscribe extension on the shared WebSocket. Messages go through the
 * connection's bounded queue, so heartbeats, limits, the slow-consumer cut-off and shutdown are the
 * same as for bus events.
 */
export interface SourceStream {
  /** The connection id (`c12`), as in the connections list. */
  readonly connection: string;
  /** The subscription id on a WebSocket (`s3`), `undefined` on a source's own SSE URL. */
  readonly subscription: string | undefined;
  /** Who is reading. */
  readonly principal: Principal;
  /** Whether the stream is still open. */
  readonly open: boolean;
  /**
   * Queues one message: an SSE event named `name`, or a WebSocket op `name` with `data` (plus the
   * subscription id). `name` is 1–64 of `A–Z a–z 0–9 _ . : -`; `data` must be JSON-serializable.
   */
  send(name: string, data: unknown): void;
  /**
   * Ends the stream: a source's own SSE URL closes the connection with an `error` event for `code`
   * (none for `done`); an extension subscription on a WebSocket is dropped with an `error` op.
   */
  close(code?: 'done' | 'bus_unavailable' | 'forbidden' | 'internal', message?: string): void;
  /**
   * Like {@link send} with data already serialized: a source fanning one result out to many
   * streams serializes it once. `json` must be one JSON value.
   */
  sendJson(name: string, json: string): void;
  /** Monotonic time (the hub clock) since which writes have been blocked on the socket, or `null`. */
  readonly blockedSince: number | null;
}

const MESSAGE_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;

/** A {@link SourceStream} over a session; `subscription` is set for a WebSocket extension subscription. */
export function sessionStream(session: Session, subscription?: string, end?: () => void): SourceStream {
  return {
    connection: session.id,
    subscription,
    principal: session.principal,
    get open() {
      return session.state === 'open' && (subscription === undefined || session.subscriptions.has(subscription));
    },
    send(name: string, data: unknown): void {
      if (!MESSAGE_NAME.test(name)) throw new TypeError(`SourceStream.send: "${name}" is not a valid message name`);
      if (!this.open) return;
      const json = JSON.stringify(data);
      if (json === undefined) throw new TypeError('SourceStream.send: data is not JSON-serializable');
      session.message(name, json, subscription);
    },
    sendJson(name: string, json: string): void {
      if (!MESSAGE_NAME.test(name)) throw new TypeError(`SourceStream.sendJson: "${name}" is not a valid message name`);
      if (!this.open) return;
      session.message(name, json, subscription);
    },
    get blockedSince() {
      return session.blockedSinceMono;
    },
    close(code = 'done', message?: string): void {
      if (!this.open) return;
      const reason: CloseReason =
        code === 'done' ? normalClose('done', message ?? 'stream ended') : closeReasonFor(code, message);
      if (subscription === undefined) {
        session.close(reason);
        return;
      }
      const error = closeErrorData(reason);
      if (error !== null) session.control('error', error, subscription);
      end?.();
    },
  };
}
