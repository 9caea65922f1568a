import type { Principal } from './principal.js';
import type { SourceStream } from './source-stream.js';

/**
 * Lets a source take extra fields of a WebSocket subscribe, e.g.
 * `{"op":"subscribe","id":"q1","metrics":{"query":"up","stepMs":5000}}`: the message is routed to
 * the source whose `key` it carries, and becomes a subscription the source feeds through a
 * {@link SourceStream}. Such a message may carry only `op`, `id` and the key.
 */
export interface SubscribeExtension<Parsed = unknown> {
  /** The field that selects this extension (`metrics`). Must not be a core subscribe field. */
  readonly key: string;
  /**
   * Validates the field's value for this principal. Throws a `LivegateError` (with `field`, e.g.
   * `metrics.query`) for bad input or missing rights; the client gets an `error` op.
   */
  parse(raw: unknown, principal: Principal): Parsed;
  /**
   * Starts feeding the new subscription. Returns the hook run once when it ends: unsubscribe,
   * `stream.close()`, or the connection closing for any reason.
   */
  open(stream: SourceStream, parsed: Parsed): { release(): void };
}
