import { WS_CLOSE, type ControlName, type TransportName } from '@livegate/protocol';
import { ERRORS, errorData, type ErrorCode, type ErrorData, type ErrorSpec } from '../errors.js';
import type { SerializedEvent } from './serialized-event.js';

/** The transports livegate speaks (`TransportName` of `@livegate/protocol`). */
export type TransportKind = TransportName;

export type { ControlName };

/** One item a session hands to its transport writer, in order. */
export type Outbound =
  /** One event for one subscription. */
  | { readonly kind: 'event'; readonly sub: string; readonly event: SerializedEvent }
  /** Several events for one subscription, sent as one `events` message where the transport can. */
  | { readonly kind: 'batch'; readonly sub: string; readonly events: readonly SerializedEvent[] }
  /**
   * A message a source sends on a stream it serves (a metric sample, a console line): an SSE
   * event named `name`, or a WebSocket op `name` with the JSON `data`. `json` is `data` serialized.
   */
  | { readonly kind: 'message'; readonly name: string; readonly sub?: string; readonly json: string }
  /** A control message; `sub` names the subscription it concerns, if any. */
  | {
      readonly kind: 'control';
      readonly name: ControlName;
      readonly sub?: string;
      readonly data: Readonly<Record<string, unknown>>;
    };

/** A close that is no error: the peer went away, or the stream is done. */
export type NormalCloseCode = 'client_closed' | 'done';

/** Why a session ends; decides the SSE control event and the WebSocket close code. */
export interface CloseReason {
  /** Catalogue code (`slow_consumer`, `shutting_down`, …) or `client_closed`/`done`. */
  readonly code: ErrorCode | NormalCloseCode;
  readonly message: string;
  /** WebSocket close code. */
  readonly wsCode: number;
}

/**
 * The close reason of a catalogue error: its message (or `message`) and the catalogue's WebSocket
 * close code (`internal`'s 1011 for a code that has none).
 */
export function closeReasonFor(code: ErrorCode, message: string = ERRORS[code].message): CloseReason {
  const spec: ErrorSpec = ERRORS[code];
  return { code, message, wsCode: spec.closeCode ?? WS_CLOSE.internal };
}

/** A close that is no error: the peer went away (`client_closed`) or the stream is done (`done`). */
export function normalClose(code: NormalCloseCode, message: string): CloseReason {
  return { code, message, wsCode: WS_CLOSE.normal };
}

/**
 * The in-stream error a close carries (the data of the SSE `error` event), rendered by
 * `errorData` like every other error; `null` for a normal close.
 */
export function closeErrorData(reason: CloseReason): ErrorData | null {
  return reason.code === 'client_closed' || reason.code === 'done' ? null : errorData(reason.code, reason.message);
}

/** Where an SSE writer's frames go (see {@link TransportWriter.sseSink}). */
export interface SseSink {
  /** The socket (HTTP/1.1) or response stream (HTTP/2). */
  readonly stream: {
    /**
     * Not destroyed, errored or ended. Checked rather than `destroyed`, whose getter also loads the
     * stream's readable-side state: one more object, a cache miss per delivery.
     */
    readonly writable: boolean;
    write(chunk: Buffer): boolean;
  };
  /** Whether events are named SSE events (`event: <type>`). */
  readonly named: boolean;
}

/**
 * The connection a session writes through. One implementation per transport; the session sees no
 * socket beyond an SSE writer's declared {@link sseSink}. Writes are synchronous and never block: backpressure is reported, not awaited.
 */
export interface TransportWriter {
  readonly kind: TransportKind;
  /**
   * Writes items in one coalesced write. Returns `false` when the underlying buffer is above its
   * high-water mark; the session then queues further items until {@link onDrain} fires.
   */
  write(items: readonly Outbound[]): boolean;
  /**
   * The fast path: writes one live event for subscription `sub` as its shared pre-built frame, in
   * one write. Same contract as {@link write}: returns `false` when the buffer is above its
   * high-water mark. A writer that implements it lets an idle, writable session write an event the
   * moment it is dispatched instead of on the next flush pass (WebSocket does; SSE declares
   * {@link sseSink} instead; long-poll, which answers once with everything a pass collected, has
   * neither).
   */
  writeEvent?(sub: string, event: SerializedEvent): boolean;
  /**
   * The fast path of a writer whose one-event write is "if the sink is writable, write the event's
   * SSE frame to it" (SSE), instead of {@link writeEvent}: the session makes that write itself,
   * from fields it copied when it opened, and the fast path does not load the writer object. Measured with `perf
   * annotate` on the fanout bench: loading the writer was a fifth of the fast path's write, a
   * cache miss per delivery. The writer still owns the sink for everything else.
   */
  readonly sseSink?: SseSink;
  /** Whether the previous write filled the buffer and a drain is pending. */
  needsDrain(): boolean;
  /** Bytes written but not yet handed to the kernel. */
  bufferedBytes(): number;
  /** Registers a one-shot callback for the next drain. */
  onDrain(callback: () => void): void;
  /** Ends the connection with a reason; after this, writes are ignored. Idempotent. */
  close(reason: CloseReason): void;
}
