/**
 * Control messages: SSE named events and WebSocket ops that are not events. Payloads as in
 * docs/protocol.md; on WebSocket each is an object with `op` set to its name.
 */
import type { Envelope } from './envelope.js';

/** Names of control messages the server sends (SSE named events, WebSocket ops). */
export const CONTROL_NAMES = [
  'hello',
  'heartbeat',
  'reset',
  'shutdown',
  'error',
  'subscribed',
  'unsubscribed',
  'pong',
  'refreshed',
] as const;

/** A control message name. */
export type ControlName = (typeof CONTROL_NAMES)[number];

/** Why a resume id cannot be honoured. */
export type ResetReason = 'epoch_changed' | 'window_trimmed' | 'unknown_position';

/** First message of every stream. */
export interface HelloData {
  readonly connection: string;
  readonly epoch: string;
  readonly heartbeatMs: number;
}

/** Sent when nothing else was written for the heartbeat interval. */
export interface HeartbeatData {
  readonly time: string;
  /** The head id; present only while every subscription of the connection is live. */
  readonly lastEventId?: string;
}

/** The resume id cannot be honoured; snapshots follow. */
export interface ResetData {
  readonly reason: ResetReason;
  readonly lastEventId: string;
  readonly subscription?: string;
}

/** Graceful shutdown notice. */
export interface ShutdownData {
  readonly reason: string;
  readonly message: string;
  readonly retryMs?: number;
}

/** An error on a stream or a WebSocket request (`{"op":"error",…}`). */
export interface ErrorData {
  readonly code: string;
  readonly message: string;
  /** The input field at fault (`topics[0]`, `match[1]`). */
  readonly field?: string;
  /** The WebSocket request id the error answers. */
  readonly id?: string;
}

/** WebSocket: client → server. */
export type ClientOp =
  | {
      readonly op: 'subscribe';
      readonly id?: string;
      readonly topics?: readonly string[];
      readonly types?: readonly string[];
      readonly sources?: readonly string[];
      readonly match?: readonly string[];
      readonly since?: string;
      /**
       * With `since`: state topics to snapshot at the head instead of replaying their missed events
       * (the topics a filter change newly covers); the other topics resume from `since`.
       */
      readonly snapshot?: readonly string[];
      readonly batch?: number;
      readonly batchMs?: number;
    }
  | { readonly op: 'unsubscribe'; readonly id?: string; readonly subscription: string }
  | { readonly op: 'ping'; readonly id?: string }
  /** Replaces the connection's token (same subject, no fewer rights) without reconnecting. */
  | { readonly op: 'refresh'; readonly id?: string; readonly token: string };

/** WebSocket: server → client. */
export type ServerOp =
  | ({ readonly op: 'hello' } & HelloData)
  | ({ readonly op: 'heartbeat' } & HeartbeatData)
  | ({ readonly op: 'reset' } & ResetData)
  | ({ readonly op: 'shutdown' } & ShutdownData)
  | ({ readonly op: 'error' } & ErrorData)
  | { readonly op: 'subscribed'; readonly id?: string; readonly subscription: string }
  | { readonly op: 'unsubscribed'; readonly id?: string; readonly subscription: string }
  | { readonly op: 'pong'; readonly id?: string }
  /** The `refresh` was accepted; the connection now ends at `expiresAt` (ISO time, `null` for never). */
  | { readonly op: 'refreshed'; readonly id?: string; readonly expiresAt: string | null }
  | { readonly op: 'event'; readonly subscription: string; readonly event: Envelope }
  | { readonly op: 'events'; readonly subscription: string; readonly events: readonly Envelope[] };
