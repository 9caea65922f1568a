/**
 * The alert and silence shapes livegate publishes as event `data` on the `alerts` and `silences`
 * topics. They follow Alertmanager's API v2 (`gettableAlert`, `gettableSilence`) so a dashboard
 * written against Alertmanager reads them unchanged, plus `origins`, which names where livegate
 * saw the item. Times are RFC 3339 strings in UTC with milliseconds.
 *
 * Objects of these types are never mutated once published: a change produces a new object.
 */
import type { Labels } from '../../core/event.js';
import { MAX_LABELS, MAX_LABEL_VALUE_LENGTH, isValidLabelName } from '@livegate/protocol';
import { isPlainObject } from '../../config/validation.js';

/** Topic of alert events (`alert_created`, `alert_firing`, …). */
export const ALERTS_TOPIC = 'alerts';

/** Topic of silence events (`silence_created`, `silence_updated`, `silence_expired`). */
export const SILENCES_TOPIC = 'silences';

/** Lifecycle of an alert: firing until its `endsAt` passes, then resolved. */
export type AlertState = 'firing' | 'resolved';

/** Alertmanager's processing state of a firing alert (`status.state` in API v2). */
export type SuppressionState = 'active' | 'suppressed' | 'unprocessed';

/** `LiveAlert.status.state`: a firing alert's suppression state, or `resolved`. */
export type AlertStatusState = SuppressionState | 'resolved';

/** State of a silence (`status.state` in API v2). */
export type SilenceState = 'active' | 'pending' | 'expired';

/** One alert as held by livegate. */
export interface LiveAlert {
  /** Alertmanager's fingerprint of `labels`, 16 lowercase hex digits (see `fingerprint.ts`). */
  readonly fingerprint: string;
  readonly labels: Labels;
  readonly annotations: Labels;
  /** When the alert started firing. */
  readonly startsAt: string;
  /** When it ends: in the future while firing (possibly the resolve timeout), in the past once resolved. */
  readonly endsAt: string;
  /** Link back to the rule that produced it; `''` when the sender gave none. */
  readonly generatorURL: string;
  readonly status: {
    readonly state: AlertStatusState;
    /** Ids of the silences muting it (only when `state` is `suppressed`). */
    readonly silencedBy: readonly string[];
    /** Fingerprints of the alerts inhibiting it (only when `state` is `suppressed`). */
    readonly inhibitedBy: readonly string[];
  };
  /** Where livegate saw it: Alertmanager names for the watcher, the source name for the ingest. Sorted. */
  readonly origins: readonly string[];
  /** Last time the alert's data changed at its origin. */
  readonly updatedAt: string;
}

/** One matcher of a silence, as in Alertmanager API v2. */
export interface SilenceMatcher {
  readonly name: string;
  readonly value: string;
  readonly isRegex: boolean;
  /** `false` for negative matchers (`!=`, `!~`). */
  readonly isEqual: boolean;
}

/** One silence as held by livegate. */
export interface Silence {
  readonly id: string;
  readonly matchers: readonly SilenceMatcher[];
  readonly startsAt: string;
  readonly endsAt: string;
  readonly createdBy: string;
  readonly comment: string;
  readonly status: { readonly state: SilenceState };
  /** Names of the Alertmanagers that report it. Sorted. */
  readonly origins: readonly string[];
  readonly updatedAt: string;
}

/** Whether a {@link LiveAlert} is firing or resolved. */
export function alertState(alert: LiveAlert): AlertState {
  return alert.status.state === 'resolved' ? 'resolved' : 'firing';
}

function isStringMap(value: unknown): value is Labels {
  return isPlainObject(value) && Object.values(value).every((v) => typeof v === 'string');
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/**
 * Structural check of event data claiming to be a {@link LiveAlert}. State reducers use it because
 * anything on the bus may have come from another publisher or another node.
 */
export function isLiveAlert(value: unknown): value is LiveAlert {
  if (!isPlainObject(value)) return false;
  const status = value['status'];
  return (
    typeof value['fingerprint'] === 'string' &&
    isStringMap(value['labels']) &&
    isStringMap(value['annotations']) &&
    typeof value['startsAt'] === 'string' &&
    typeof value['endsAt'] === 'string' &&
    typeof value['generatorURL'] === 'string' &&
    typeof value['updatedAt'] === 'string' &&
    isStringArray(value['origins']) &&
    isPlainObject(status) &&
    (status['state'] === 'active' ||
      status['state'] === 'suppressed' ||
      status['state'] === 'unprocessed' ||
      status['state'] === 'resolved') &&
    isStringArray(status['silencedBy']) &&
    isStringArray(status['inhibitedBy'])
  );
}

/** Structural check of event data claiming to be a {@link Silence}; see {@link isLiveAlert}. */
export function isSilence(value: unknown): value is Silence {
  if (!isPlainObject(value)) return false;
  const status = value['status'];
  const matchers = value['matchers'];
  return (
    typeof value['id'] === 'string' &&
    Array.isArray(matchers) &&
    matchers.every(
      (m) =>
        isPlainObject(m) &&
        typeof m['name'] === 'string' &&
        typeof m['value'] === 'string' &&
        typeof m['isRegex'] === 'boolean' &&
        typeof m['isEqual'] === 'boolean',
    ) &&
    typeof value['startsAt'] === 'string' &&
    typeof value['endsAt'] === 'string' &&
    typeof value['createdBy'] === 'string' &&
    typeof value['comment'] === 'string' &&
    typeof value['updatedAt'] === 'string' &&
    isStringArray(value['origins']) &&
    isPlainObject(status) &&
    (status['state'] === 'active' || status['state'] === 'pending' || status['state'] === 'expired')
  );
}

// The envelope's label rules (`@livegate/protocol`, as the hub's draft validation applies them).
function fitsEnvelope(name: string, value: string | undefined): boolean {
  return (
    isValidLabelName(name) &&
    name !== '__proto__' &&
    typeof value === 'string' &&
    value.length <= MAX_LABEL_VALUE_LENGTH
  );
}

/**
 * The event `labels` for an alert: its labels minus any the envelope refuses (a name outside
 * Prometheus' classic rule, as an Alertmanager in UTF-8 mode may report; a name over 128 or a
 * value over 1,024 characters; `__proto__`; anything past the 64th label). One odd label must not
 * make the hub refuse a whole batch, and matching on a cut value would be wrong, so such labels
 * are left out rather than shortened. The full label set always stays in `data.labels`. Returns
 * `labels` itself when nothing is left out.
 */
export function eventLabelsOf(labels: Labels): Labels {
  const names = Object.keys(labels);
  if (names.length <= MAX_LABELS && names.every((n) => fitsEnvelope(n, labels[n]))) return labels;
  const kept: [string, string][] = [];
  for (const name of names) {
    const value = labels[name];
    if (kept.length < MAX_LABELS && value !== undefined && fitsEnvelope(name, value)) kept.push([name, value]);
  }
  return Object.fromEntries(kept);
}
