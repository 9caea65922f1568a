/**
 * The event envelope: the one shape every publisher produces and every transport delivers, so a
 * client can switch transport and resume by id.
 */

/** Label set attached to an event, matched by label matchers (`{severity="critical"}`). */
export type Labels = Record<string, string>;

/** What a publisher submits. Everything but `topic` and `type` is optional. */
export interface EventDraft {
  /** Stream the event belongs to, e.g. `alerts`. Lowercase letters, digits, `_`, `-`, `.`; 1–64 chars. */
  readonly topic: string;
  /** What happened, e.g. `alert_firing`. Letters, digits, `_`, `-`, `.`, `:`; 1–64 chars. */
  readonly type: string;
  /** Who published it, e.g. `alertmanager/prod`. Defaults to `api`. */
  readonly source?: string;
  /** Labels used by label matchers. Names follow Prometheus rules (`[a-zA-Z_][a-zA-Z0-9_]*`). */
  readonly labels?: Labels;
  /** Arbitrary JSON payload. Defaults to `null`. */
  readonly data?: unknown;
  /** RFC 3339 time of the fact. Defaults to the time the hub accepted it. */
  readonly time?: string;
}

/**
 * Deepest nesting of arrays and objects in an event's `data` (`{}` and `[]` are depth 1). Deeper
 * payloads are refused at publish: they overflow the serializer's stack (a 10,000-deep array did)
 * and every client's parser.
 */
export const MAX_DATA_DEPTH = 32;

/** Largest `data` of one event as JSON text, in UTF-16 code units (about bytes for ASCII). */
export const MAX_DATA_BYTES = 1024 * 1024;

/** An ordered, identified event as delivered to clients. */
export interface Envelope<D = unknown, T extends string = string> {
  /** Opaque resumable id (`<epoch>-<seq>` today; treat as opaque). */
  readonly id: string;
  /** Position in the server's total order; strictly increasing within one epoch. */
  readonly seq: number;
  readonly topic: string;
  readonly type: T;
  readonly source: string;
  /** RFC 3339 time of the fact. */
  readonly time: string;
  readonly labels: Readonly<Labels>;
  readonly data: D;
}

/** The topics whose current state the server keeps and sends as a `snapshot` to new subscribers. */
export const STATE_TOPICS_BUILTIN = ['alerts', 'silences', 'health', 'stats'] as const;

/** Event type of the synthetic event carrying a state topic's current state. */
export const SNAPSHOT_TYPE = 'snapshot';
