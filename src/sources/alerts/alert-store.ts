/**
 * Alerts received through the Alertmanager-compatible ingest, kept per fingerprint with
 * Alertmanager's semantics, turned into `alerts` topic event drafts.
 *
 * Rules, as in Alertmanager's API handler and in-memory store:
 * - `startsAt` missing → `endsAt` when that is given, else the receipt time.
 * - `endsAt` missing → receipt time + resolve timeout, and the alert is marked as timing out
 *   (its end was not stated by the sender). An alert with `endsAt` ≤ now is resolved.
 * - A stored alert and a received one are merged when their activity ranges overlap: the earliest
 *   `startsAt` wins; the younger one's annotations win; an explicitly stated later `endsAt` is
 *   never shortened by a timeout `endsAt`.
 *
 * Events: `alert_created` then `alert_firing` the first time an alert is seen firing;
 * `alert_firing` when a resolved alert fires again; `alert_resolved` when an explicit past `endsAt`
 * arrives or `endsAt` passes (noticed by {@link AlertStore.tick} or by the next receipt). Re-posting
 * an unchanged alert produces nothing. Resolved alerts are forgotten after a retention.
 *
 * Time is injected (`now`, epoch milliseconds) so tests need no sleeps.
 */
import type { EventDraft } from '../../core/event.js';
import { LivegateError } from '../../errors.js';
import { ALERTS_TOPIC, eventLabelsOf, type LiveAlert } from './alert-model.js';
import { fingerprint } from './fingerprint.js';
import type { PostableAlert } from './postable-alerts.js';
import { formatTime } from '@livegate/protocol';

/** Options of {@link AlertStore}. */
export interface AlertStoreOptions {
  /** Event `source` of the drafts and the alerts' `origins` entry, e.g. `ingest`. Required. */
  readonly source: string;
  /** How long an alert without `endsAt` stays firing without being re-sent. Defaults to 5 minutes (Alertmanager's `resolve_timeout`). */
  readonly resolveTimeoutMs?: number;
  /** How long a resolved alert is remembered (so a re-fire is `alert_firing`, not `alert_created`). Defaults to 1 hour. */
  readonly retentionMs?: number;
  /**
   * Most alerts (fingerprints) held. To make room for new ones, remembered resolved alerts are
   * forgotten first, oldest end first; when only firing alerts remain, {@link AlertStore.check}
   * refuses the batch. Defaults to 10,000.
   */
  readonly maxAlerts?: number;
  /** How far ahead of receipt a stated `endsAt` may lie. Defaults to 24 hours. */
  readonly maxEndsAtAheadMs?: number;
}

/** Defaults of {@link AlertStoreOptions}. */
export const ALERT_STORE_DEFAULTS = {
  resolveTimeoutMs: 5 * 60_000,
  retentionMs: 60 * 60_000,
  maxAlerts: 10_000,
  maxEndsAtAheadMs: 24 * 60 * 60_000,
} as const;

interface StoredAlert {
  readonly labels: PostableAlert['labels'];
  readonly annotations: PostableAlert['annotations'];
  readonly generatorURL: string;
  readonly startsAt: number;
  readonly endsAt: number;
  readonly updatedAt: number;
  /** `endsAt` came from the resolve timeout, not from the sender. */
  readonly timeout: boolean;
}

interface Entry {
  alert: StoredAlert;
  /** Last lifecycle state published for this fingerprint. */
  firing: boolean;
  /** The published view of `alert`; rebuilt lazily, never mutated. */
  view: LiveAlert | undefined;
}

function resolvedAt(alert: StoredAlert, now: number): boolean {
  return alert.endsAt <= now;
}

/** Alertmanager's `Alert.Merge`: `older` and `younger` are ordered by `updatedAt`. */
function merge(a: StoredAlert, b: StoredAlert, now: number): StoredAlert {
  const [older, younger] = b.updatedAt < a.updatedAt ? [b, a] : [a, b];
  let startsAt = younger.startsAt;
  let endsAt = younger.endsAt;
  if (older.startsAt < younger.startsAt) startsAt = older.startsAt;
  if (resolvedAt(younger, now)) {
    // The latest explicit resolve time wins if both are resolved.
    if (resolvedAt(older, now) && older.endsAt > younger.endsAt) endsAt = older.endsAt;
  } else if (older.endsAt > younger.endsAt && !older.timeout) {
    // A stated end time is never shortened by a timeout.
    endsAt = older.endsAt;
  }
  return { ...younger, startsAt, endsAt };
}

/** Alertmanager merges only when the activity ranges overlap; otherwise the new alert replaces the old. */
function overlaps(incoming: StoredAlert, old: StoredAlert): boolean {
  return (
    (incoming.endsAt > old.startsAt && incoming.endsAt < old.endsAt) ||
    (incoming.startsAt > old.startsAt && incoming.startsAt < old.endsAt)
  );
}

/** Alert state per fingerprint with Alertmanager's semantics; produces `alerts` event drafts. */
export class AlertStore {
  readonly #source: string;
  readonly #resolveTimeoutMs: number;
  readonly #retentionMs: number;
  readonly #maxAlerts: number;
  readonly #maxEndsAtAheadMs: number;
  readonly #entries = new Map<string, Entry>();

  constructor(options: AlertStoreOptions) {
    const resolveTimeoutMs = options.resolveTimeoutMs ?? ALERT_STORE_DEFAULTS.resolveTimeoutMs;
    const retentionMs = options.retentionMs ?? ALERT_STORE_DEFAULTS.retentionMs;
    this.#maxAlerts = options.maxAlerts ?? ALERT_STORE_DEFAULTS.maxAlerts;
    this.#maxEndsAtAheadMs = options.maxEndsAtAheadMs ?? ALERT_STORE_DEFAULTS.maxEndsAtAheadMs;
    if (!Number.isInteger(this.#maxAlerts) || this.#maxAlerts < 1) {
      throw new TypeError(`AlertStore: \`maxAlerts\` must be an integer >= 1 (got ${this.#maxAlerts})`);
    }
    if (!Number.isFinite(this.#maxEndsAtAheadMs) || this.#maxEndsAtAheadMs <= 0) {
      throw new TypeError(`AlertStore: \`maxEndsAtAheadMs\` must be a positive number (got ${this.#maxEndsAtAheadMs})`);
    }
    if (typeof options.source !== 'string' || options.source === '') {
      throw new TypeError('AlertStore: `source` must be a non-empty string such as "ingest"');
    }
    if (!Number.isFinite(resolveTimeoutMs) || resolveTimeoutMs <= 0) {
      throw new TypeError(
        `AlertStore: \`resolveTimeoutMs\` must be a positive number of milliseconds (got ${resolveTimeoutMs})`,
      );
    }
    if (!Number.isFinite(retentionMs) || retentionMs < 0) {
      throw new TypeError(
        `AlertStore: \`retentionMs\` must be zero or a positive number of milliseconds (got ${retentionMs})`,
      );
    }
    this.#source = options.source;
    this.#resolveTimeoutMs = resolveTimeoutMs;
    this.#retentionMs = retentionMs;
  }

  /** Number of fingerprints held, firing or resolved-but-retained. */
  get size(): number {
    return this.#entries.size;
  }

  /** The current view of one alert (firing or retained resolved), by fingerprint. */
  get(fp: string): LiveAlert | undefined {
    const entry = this.#entries.get(fp);
    return entry === undefined ? undefined : this.#view(fp, entry);
  }

  /** The currently firing alerts (as of the last `ingest`/`tick`). */
  firing(): LiveAlert[] {
    const out: LiveAlert[] = [];
    for (const [fp, entry] of this.#entries) if (entry.firing) out.push(this.#view(fp, entry));
    return out;
  }

  /**
   * Checks a batch the way Alertmanager validates alerts after filling in its defaults, plus
   * livegate's bounds, before anything is applied (a refused batch changes nothing):
   * - without `endsAt`, an alert ends `resolveTimeoutMs` after receipt, so a `startsAt` later than
   *   that is refused (Alertmanager: "start time must be before end time") — it was dropped silently;
   * - a stated `endsAt` more than `maxEndsAtAheadMs` ahead is refused, so an alert cannot be made
   *   to fire forever (`endsAt` in year 9999);
   * - new fingerprints must fit in `maxAlerts`, after forgetting remembered resolved alerts.
   *
   * @returns `null` when the batch may be applied with {@link ingest}, else the error to answer
   *   with: `invalid_body` naming the field (`[3].startsAt`), or `too_many_alerts`.
   */
  check(alerts: readonly PostableAlert[], now: number): LivegateError | null {
    const fresh = new Set<string>();
    for (let i = 0; i < alerts.length; i++) {
      const a = alerts[i]!;
      if (a.endsAt === undefined && a.startsAt !== undefined && a.startsAt > now + this.#resolveTimeoutMs) {
        return new LivegateError(
          'invalid_body',
          `start time must be before end time: without endsAt the alert ends ${this.#resolveTimeoutMs / 1000} s ` +
            `after receipt (the resolve timeout), before this startsAt; send endsAt, as Alertmanager requires`,
          { field: `[${i}].startsAt` },
        );
      }
      if (a.endsAt !== undefined && a.endsAt > now + this.#maxEndsAtAheadMs) {
        return new LivegateError(
          'invalid_body',
          `is more than ${this.#maxEndsAtAheadMs / 1000} s ahead (alerts.maxEndsAtAheadMs); re-send the alert instead`,
          { field: `[${i}].endsAt` },
        );
      }
      const fp = fingerprint(a.labels);
      if (!this.#entries.has(fp)) fresh.add(fp);
    }
    const room = this.#maxAlerts - this.#entries.size;
    if (fresh.size > room) this.#forgetResolved(fresh.size - room);
    if (fresh.size > this.#maxAlerts - this.#entries.size) {
      return new LivegateError(
        'too_many_alerts',
        `the alert store holds ${this.#entries.size} alerts and this batch adds ${fresh.size}; ` +
          `max ${this.#maxAlerts} (alerts.maxAlerts)`,
        { field: 'body' },
      );
    }
    return null;
  }

  /** Forgets up to `count` remembered resolved alerts, those that ended first. */
  #forgetResolved(count: number): void {
    const resolved: [string, number][] = [];
    for (const [fp, entry] of this.#entries) if (!entry.firing) resolved.push([fp, entry.alert.endsAt]);
    resolved.sort((x, y) => x[1] - y[1]);
    for (let i = 0; i < Math.min(count, resolved.length); i++) this.#entries.delete(resolved[i]![0]);
  }

  /**
   * Applies one received batch (already validated by `parsePostableAlerts` and {@link check}) at time `now`.
   *
   * An alert whose `endsAt` lies before its (defaulted) `startsAt` is skipped, as Alertmanager
   * refuses it; an alert never seen firing that arrives already resolved is not stored, since no
   * subscriber ever saw it.
   *
   * @returns the drafts to publish, in order.
   */
  ingest(alerts: readonly PostableAlert[], now: number): EventDraft[] {
    const drafts: EventDraft[] = [];
    for (const received of alerts) {
      const timeout = received.endsAt === undefined;
      const incoming: StoredAlert = {
        labels: received.labels,
        annotations: received.annotations,
        generatorURL: received.generatorURL,
        startsAt: received.startsAt ?? received.endsAt ?? now,
        endsAt: received.endsAt ?? now + this.#resolveTimeoutMs,
        updatedAt: now,
        timeout,
      };
      if (incoming.endsAt < incoming.startsAt) continue;
      const fp = fingerprint(incoming.labels);
      const entry = this.#entries.get(fp);
      if (entry === undefined) {
        if (resolvedAt(incoming, now)) continue;
        const created: Entry = { alert: incoming, firing: true, view: undefined };
        this.#entries.set(fp, created);
        const view = this.#view(fp, created);
        drafts.push(this.#draft('alert_created', view, now), this.#draft('alert_firing', view, now));
        continue;
      }
      // An end that passed before this receipt is a resolve in its own right, published first.
      if (entry.firing && resolvedAt(entry.alert, now)) {
        entry.firing = false;
        entry.view = undefined;
        drafts.push(this.#draft('alert_resolved', this.#view(fp, entry), now));
      }
      entry.alert = overlaps(incoming, entry.alert) ? merge(entry.alert, incoming, now) : incoming;
      entry.view = undefined;
      const firing = !resolvedAt(entry.alert, now);
      if (firing === entry.firing) continue;
      entry.firing = firing;
      drafts.push(this.#draft(firing ? 'alert_firing' : 'alert_resolved', this.#view(fp, entry), now));
    }
    return drafts;
  }

  /**
   * Resolves firing alerts whose `endsAt` has passed and forgets resolved alerts older than the
   * retention. Meant to run about once a second.
   *
   * @returns `alert_resolved` drafts, in fingerprint insertion order.
   */
  tick(now: number): EventDraft[] {
    const drafts: EventDraft[] = [];
    for (const [fp, entry] of this.#entries) {
      if (entry.firing) {
        if (!resolvedAt(entry.alert, now)) continue;
        entry.firing = false;
        entry.view = undefined;
        drafts.push(this.#draft('alert_resolved', this.#view(fp, entry), now));
      }
      if (entry.alert.endsAt + this.#retentionMs <= now) this.#entries.delete(fp);
    }
    return drafts;
  }

  #view(fp: string, entry: Entry): LiveAlert {
    if (entry.view !== undefined) return entry.view;
    const a = entry.alert;
    entry.view = {
      fingerprint: fp,
      labels: a.labels,
      annotations: a.annotations,
      startsAt: formatTime(a.startsAt),
      endsAt: formatTime(a.endsAt),
      generatorURL: a.generatorURL,
      status: { state: entry.firing ? 'active' : 'resolved', silencedBy: [], inhibitedBy: [] },
      origins: [this.#source],
      updatedAt: formatTime(a.updatedAt),
    };
    return entry.view;
  }

  #draft(type: string, alert: LiveAlert, now: number): EventDraft {
    return {
      topic: ALERTS_TOPIC,
      type,
      source: this.#source,
      labels: eventLabelsOf(alert.labels),
      data: alert,
      time: formatTime(now),
    };
  }
}
