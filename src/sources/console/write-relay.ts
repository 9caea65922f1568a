/**
 * Console writes made on a node that does not run the console (with several livegate nodes, only
 * the lease holder talks to the platform): the node relays the write over the cluster channel
 * `console/<cluster>/writes` to the holder and waits for its answer on a reply channel of its own.
 * The holder makes the write as if it had been asked directly, so its event is on the bus before
 * the answer goes back. No holder answering within the timeout is `unreachable` (503).
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { ClusterChannel } from '../../core/cluster.js';
import type { ConsoleTopic } from './model.js';
import { PlatformError, type PlatformErrorKind, type TopicSpec } from './platform.js';

/** A write relayed to the lease holder. */
export type RelayedWrite =
  { readonly op: 'create'; readonly spec: TopicSpec } | { readonly op: 'delete'; readonly name: string };

interface Request {
  readonly id: string;
  readonly reply: string;
  readonly write: RelayedWrite;
}

type Reply =
  | { readonly id: string; readonly ok: true; readonly topic: ConsoleTopic | null }
  | { readonly id: string; readonly ok: false; readonly kind: PlatformErrorKind; readonly message: string };

const KINDS = new Set<PlatformErrorKind>(['unreachable', 'not_found', 'exists', 'subjects_conflict', 'rejected']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** Both ends of the relay for one console cluster. */
export class WriteRelay {
  readonly #channel: ClusterChannel;
  readonly #requests: string;
  readonly #reply: string;
  readonly #timeoutMs: number;
  readonly #pending = new Map<
    string,
    { resolve: (topic: ConsoleTopic | null) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }
  >();
  #unsubscribeReplies: (() => void) | undefined;

  /** @param timeoutMs - How long a relayed write waits for the holder. Defaults to `10000`. */
  constructor(channel: ClusterChannel, cluster: string, timeoutMs = 10_000) {
    this.#channel = channel;
    this.#requests = `console/${cluster}/writes`;
    this.#reply = `console/${cluster}/replies/${randomUUID()}`;
    this.#timeoutMs = timeoutMs;
  }

  /** The holder's end: makes each relayed write with `handle`; returns the unsubscribe function. */
  serve(handle: (write: RelayedWrite) => Promise<ConsoleTopic | null>): () => void {
    return this.#channel.subscribe(this.#requests, (text) => {
      const request = parse(text);
      if (!isRecord(request) || typeof request['id'] !== 'string' || typeof request['reply'] !== 'string') return;
      const { id, reply, write } = request as unknown as Request;
      if (!reply.startsWith(`${this.#requests.replace(/writes$/, 'replies/')}`)) return;
      void handle(write).then(
        (topic) => this.#channel.publish(reply, JSON.stringify({ id, ok: true, topic } satisfies Reply)),
        (error: unknown) => {
          const kind = error instanceof PlatformError ? error.kind : 'rejected';
          const message = error instanceof Error ? error.message : String(error);
          this.#channel.publish(reply, JSON.stringify({ id, ok: false, kind, message } satisfies Reply));
        },
      );
    });
  }

  /** A node's end: relays `write` and resolves with the holder's answer; rejects a `PlatformError`. */
  send(write: RelayedWrite): Promise<ConsoleTopic | null> {
    this.#unsubscribeReplies ??= this.#channel.subscribe(this.#reply, (text) => this.#onReply(text));
    const id = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(
          new PlatformError(
            'unreachable',
            `no livegate node running the console answered within ${this.#timeoutMs} ms (the cluster may be unreachable, or the lease changing hands)`,
          ),
        );
      }, this.#timeoutMs);
      timer.unref?.();
      this.#pending.set(id, { resolve, reject, timer });
      this.#channel.publish(this.#requests, JSON.stringify({ id, reply: this.#reply, write } satisfies Request));
    });
  }

  /** Stops listening for replies; writes still waiting are refused as unreachable. */
  close(): void {
    this.#unsubscribeReplies?.();
    this.#unsubscribeReplies = undefined;
    for (const [id, waiting] of this.#pending) {
      clearTimeout(waiting.timer);
      waiting.reject(new PlatformError('unreachable', 'livegate is stopping'));
      this.#pending.delete(id);
    }
  }

  #onReply(text: string): void {
    const reply = parse(text);
    if (!isRecord(reply) || typeof reply['id'] !== 'string') return;
    const waiting = this.#pending.get(reply['id']);
    if (waiting === undefined) return;
    this.#pending.delete(reply['id']);
    clearTimeout(waiting.timer);
    if (reply['ok'] === true) waiting.resolve((reply['topic'] as ConsoleTopic | null | undefined) ?? null);
    else {
      const kind = KINDS.has(reply['kind'] as PlatformErrorKind) ? (reply['kind'] as PlatformErrorKind) : 'rejected';
      waiting.reject(new PlatformError(kind, typeof reply['message'] === 'string' ? reply['message'] : 'refused'));
    }
  }
}
