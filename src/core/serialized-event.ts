import type { LiveEvent } from './event.js';
import { activityStamp } from './activity.js';

/**
 * An event with its wire forms, built at most once and shared by every connection that receives
 * it: the envelope JSON, the SSE frames (unnamed and named) and the WebSocket `event` message per
 * subscription id. Almost every socket's first subscription is `s1`, so the per-subscription cache
 * normally holds one entry.
 */
export class SerializedEvent {
  readonly event: LiveEvent;
  /** The envelope as JSON text. */
  readonly json: string;
  /** Monotonic time (ms, `performance.now()`) when the hub accepted the event; for latency metrics. */
  readonly acceptedAt: number;
  /** {@link acceptedAt} as an activity stamp (`activity.ts`), computed once per event. */
  readonly acceptedStamp: number;
  private sseFrame: Buffer | undefined;
  private sseNamedFrame: Buffer | undefined;
  private wsFrames: Map<string, Buffer> | undefined;
  private lastWsSub: string | undefined;
  private lastWsFrame: Buffer | undefined;

  constructor(event: LiveEvent, acceptedAt: number, json?: string) {
    this.event = event;
    this.json = json ?? JSON.stringify(event);
    this.acceptedAt = acceptedAt;
    this.acceptedStamp = activityStamp(acceptedAt);
  }

  /** Size of the envelope JSON in UTF-16 code units; close enough to bytes for accounting. */
  get size(): number {
    return this.json.length;
  }

  /** `id: …\ndata: …\n\n`, or with `event: <type>` first when `named`. JSON has no raw newlines. */
  sse(named: boolean): Buffer {
    if (named) {
      return (this.sseNamedFrame ??= Buffer.from(
        `event: ${this.event.type}\nid: ${this.event.id}\ndata: ${this.json}\n\n`,
      ));
    }
    return (this.sseFrame ??= Buffer.from(`id: ${this.event.id}\ndata: ${this.json}\n\n`));
  }

  /**
   * The complete WebSocket frame (header and payload) of
   * `{"op":"event","subscription":<sub>,"event":<envelope>}`: server frames are unmasked, so the
   * same bytes go to every socket whose subscription has this id.
   */
  wsFrame(subscription: string): Buffer {
    // Sessions share their subscription id strings (`Session.newSubscriptionId`): most deliveries
    // of an event ask for the frame of the same id object as the one before.
    if (subscription === this.lastWsSub) return this.lastWsFrame!;
    const frame = this.wsFrameOf(subscription);
    this.lastWsSub = subscription;
    this.lastWsFrame = frame;
    return frame;
  }

  private wsFrameOf(subscription: string): Buffer {
    this.wsFrames ??= new Map();
    let frame = this.wsFrames.get(subscription);
    if (frame === undefined) {
      frame = textFrame(
        Buffer.from(`{"op":"event","subscription":${JSON.stringify(subscription)},"event":${this.json}}`),
      );
      if (this.wsFrames.size < 8) this.wsFrames.set(subscription, frame);
    }
    return frame;
  }
}

/** Wraps a payload in an unmasked, final WebSocket text frame (RFC 6455 §5.2). */
export function textFrame(payload: Buffer): Buffer {
  const length = payload.length;
  const headerLength = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x81; // FIN + text opcode
  if (length < 126) frame[1] = length;
  else if (length < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  payload.copy(frame, headerLength);
  return frame;
}
