/**
 * Turning successive views of one or more Alertmanagers (`GET /api/v2/alerts`, `/silences`) into
 * `alerts` and `silences` event drafts. Pure functions plus two small classes that remember the
 * last view of every Alertmanager; no I/O, time injected as `now` (epoch milliseconds).
 *
 * Several Alertmanagers (an HA pair, or independent ones) are merged into one view keyed by
 * fingerprint (alerts) or id (silences), each item tagged with the sorted names of the
 * Alertmanagers reporting it (`origins`):
 * - An alert exists while at least one origin reports it with `endsAt` in the future; it is
 *   resolved when it is gone from every origin or its `endsAt` passed everywhere. The `endsAt` rule
 *   also retires alerts held in the last view of an Alertmanager that stopped answering.
 * - Suppression is conservative: the merged alert is `active` if any origin has it active (a
 *   silence in one Alertmanager does not hide an alert another one still notifies about);
 *   otherwise `suppressed` if any origin suppresses it, with the union of `silencedBy` and
 *   `inhibitedBy`; otherwise `unprocessed`.
 * - `startsAt` is the earliest, `endsAt` the latest; labels, annotations and `generatorURL` come
 *   from the origin with the latest `updatedAt`.
 *
 * Events, per alert and round:
 * - new and active → `alert_created`, `alert_firing`; new and suppressed → `alert_created`, then
 *   `alert_silenced` and/or `alert_inhibited`; new and unprocessed → `alert_created`.
 * - unprocessed → active: `alert_firing`. suppressed → active: `alert_unsuppressed`.
 * - `silencedBy` becomes non-empty: `alert_silenced`; `inhibitedBy` becomes non-empty: `alert_inhibited`.
 * - gone: `alert_resolved` (data: the last view, `status.state` `resolved`, `endsAt` at most now).
 * - anything else (annotations, `endsAt` refreshed, origins joining or leaving): no event.
 * - a known alert turning `unprocessed` keeps its last status (see {@link keepKnownStatus}).
 *
 * Silences: `silence_created` when a non-expired silence appears, `silence_updated` when its
 * `startsAt`, `endsAt`, matchers, comment, author or state (`pending` → `active`) change,
 * `silence_expired` when it expires or vanishes. Silences already expired when first seen
 * (Alertmanager keeps them for days) produce nothing.
 *
 * Every draft's `source` is `alertmanager/<first origin>`.
 */
import type { EventDraft } from '../../core/event.js';
import {
  ALERTS_TOPIC,
  SILENCES_TOPIC,
  eventLabelsOf,
  type LiveAlert,
  type Silence,
  type SilenceMatcher,
} from '../alerts/alert-model.js';
import { formatTime } from '@livegate/protocol';
import type { AmAlert, AmSilence } from './api-types.js';

/** Event `source` for an Alertmanager name: `alertmanager/<name>`. */
export function alertmanagerSource(origin: string): string {
  return `alertmanager/${origin}`;
}

// Times in AmAlert/AmSilence/LiveAlert are normalised `toISOString()` output (four-digit years),
// so comparing the strings compares the instants.
function later(a: string, b: string): string {
  return a > b ? a : b;
}
function earlier(a: string, b: string): string {
  return a < b ? a : b;
}

function sortedKeys<K extends string>(map: ReadonlyMap<K, unknown>): K[] {
  return [...map.keys()].sort();
}

function byOrigin<T>(views: ReadonlyMap<string, ReadonlyMap<string, T>>): [string, ReadonlyMap<string, T>][] {
  return [...views].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------
// Alerts

/** One Alertmanager's alert as a {@link LiveAlert}. */
export function toLiveAlert(am: AmAlert, origins: readonly string[]): LiveAlert {
  return {
    fingerprint: am.fingerprint,
    labels: am.labels,
    annotations: am.annotations,
    startsAt: am.startsAt,
    endsAt: am.endsAt,
    generatorURL: am.generatorURL,
    status: { state: am.status.state, silencedBy: am.status.silencedBy, inhibitedBy: am.status.inhibitedBy },
    origins,
    updatedAt: am.updatedAt,
  };
}

function union(lists: readonly (readonly string[])[]): string[] {
  return [...new Set(lists.flat())];
}

function mergeAlert(entries: readonly { origin: string; alert: AmAlert }[]): LiveAlert {
  const first = entries[0];
  if (first === undefined) throw new Error('mergeAlert: no entries');
  const origins = entries.map((e) => e.origin);
  if (entries.length === 1) return toLiveAlert(first.alert, origins);
  let newest = first.alert;
  let startsAt = newest.startsAt;
  let endsAt = newest.endsAt;
  for (const { alert } of entries) {
    if (alert.updatedAt > newest.updatedAt) newest = alert;
    startsAt = earlier(startsAt, alert.startsAt);
    endsAt = later(endsAt, alert.endsAt);
  }
  const states = entries.map((e) => e.alert.status);
  const suppressed = states.filter((s) => s.state === 'suppressed');
  const status: LiveAlert['status'] = states.some((s) => s.state === 'active')
    ? { state: 'active', silencedBy: [], inhibitedBy: [] }
    : suppressed.length > 0
      ? {
          state: 'suppressed',
          silencedBy: union(suppressed.map((s) => s.silencedBy)),
          inhibitedBy: union(suppressed.map((s) => s.inhibitedBy)),
        }
      : { state: 'unprocessed', silencedBy: [], inhibitedBy: [] };
  return { ...toLiveAlert(newest, origins), startsAt, endsAt, status };
}

/**
 * Merges per-Alertmanager views (origin name → fingerprint → alert) into one view keyed by
 * fingerprint, leaving out alerts whose `endsAt` is not after `now` (see the module comment for
 * the rules).
 */
export function mergeAlertViews(
  views: ReadonlyMap<string, ReadonlyMap<string, AmAlert>>,
  now: number,
): Map<string, LiveAlert> {
  const nowIso = formatTime(now);
  const byFingerprint = new Map<string, { origin: string; alert: AmAlert }[]>();
  for (const [origin, view] of byOrigin(views)) {
    for (const [fp, alert] of view) {
      if (alert.endsAt <= nowIso) continue;
      const entries = byFingerprint.get(fp);
      if (entries === undefined) byFingerprint.set(fp, [{ origin, alert }]);
      else entries.push({ origin, alert });
    }
  }
  const merged = new Map<string, LiveAlert>();
  for (const [fp, entries] of byFingerprint) merged.set(fp, mergeAlert(entries));
  return merged;
}

function alertDraft(type: string, alert: LiveAlert, time: string): EventDraft {
  const origin = alert.origins[0];
  return {
    topic: ALERTS_TOPIC,
    type,
    source: origin === undefined ? 'alertmanager' : alertmanagerSource(origin),
    labels: eventLabelsOf(alert.labels),
    data: alert,
    time,
  };
}

function resolvedView(alert: LiveAlert, nowIso: string): LiveAlert {
  return {
    ...alert,
    endsAt: earlier(alert.endsAt, nowIso),
    status: { state: 'resolved', silencedBy: [], inhibitedBy: [] },
  };
}

/** Suppression events for an alert entering `next` state from `prev` (`undefined`: new alert). */
function suppressionEvents(prev: LiveAlert | undefined, next: LiveAlert): string[] {
  const types: string[] = [];
  const was = prev?.status;
  const is = next.status;
  if (is.state === 'active') {
    if (was === undefined || was.state === 'unprocessed') types.push('alert_firing');
    else if (was.state === 'suppressed') types.push('alert_unsuppressed');
  } else if (is.state === 'suppressed') {
    if (is.silencedBy.length > 0 && (was?.silencedBy.length ?? 0) === 0) types.push('alert_silenced');
    if (is.inhibitedBy.length > 0 && (was?.inhibitedBy.length ?? 0) === 0) types.push('alert_inhibited');
  }
  return types;
}

/**
 * Events between two merged views (fingerprint → {@link LiveAlert}): `prev` is what was
 * published, `next` the current view. Resolutions first, then the rest, each in fingerprint order.
 */
export function diffLiveAlerts(
  prev: ReadonlyMap<string, LiveAlert>,
  next: ReadonlyMap<string, LiveAlert>,
  now: number,
): EventDraft[] {
  const time = formatTime(now);
  const drafts: EventDraft[] = [];
  for (const fp of sortedKeys(prev)) {
    const gone = prev.get(fp);
    if (gone !== undefined && !next.has(fp)) drafts.push(alertDraft('alert_resolved', resolvedView(gone, time), time));
  }
  for (const fp of sortedKeys(next)) {
    const alert = next.get(fp);
    if (alert === undefined) continue;
    const before = prev.get(fp);
    if (before === undefined) drafts.push(alertDraft('alert_created', alert, time));
    for (const type of suppressionEvents(before, alert)) drafts.push(alertDraft(type, alert, time));
  }
  return drafts;
}

/**
 * `unprocessed` means an Alertmanager has not run the alert through its pipeline yet (it just
 * arrived, or a peer restarted); it says nothing new about an alert already known to be active or
 * suppressed. Such alerts keep their published status, so a passing `unprocessed` does not replay
 * `alert_firing` or the suppression events.
 */
export function keepKnownStatus(
  published: ReadonlyMap<string, LiveAlert>,
  merged: Map<string, LiveAlert>,
): Map<string, LiveAlert> {
  for (const [fp, alert] of merged) {
    if (alert.status.state !== 'unprocessed') continue;
    const known = published.get(fp)?.status;
    if (known !== undefined && known.state !== 'unprocessed') merged.set(fp, { ...alert, status: known });
  }
  return merged;
}

/**
 * Events between two views of a single Alertmanager named `origin` (fingerprint → alert).
 * Everything in `prev` counts as published; alerts of `next` whose `endsAt` is not after `now`
 * count as gone.
 */
export function diffAlerts(
  prev: ReadonlyMap<string, AmAlert>,
  next: ReadonlyMap<string, AmAlert>,
  origin: string,
  now: number,
): EventDraft[] {
  const published = new Map<string, LiveAlert>();
  for (const [fp, alert] of prev) published.set(fp, toLiveAlert(alert, [origin]));
  const current = keepKnownStatus(published, mergeAlertViews(new Map([[origin, next]]), now));
  return diffLiveAlerts(published, current, now);
}

function indexBy<T>(items: Iterable<T>, key: (item: T) => string): Map<string, T> {
  const map = new Map<string, T>();
  for (const item of items) map.set(key(item), item);
  return map;
}

/**
 * The de-duplicated alert view over several Alertmanagers. Keeps each Alertmanager's last view
 * and the last published merged view; {@link evaluate} diffs them.
 *
 * A watcher sets the view of every Alertmanager that answered in a round, then evaluates once, so
 * an alert reported by two of them yields one `alert_created` with both origins. An Alertmanager
 * that failed to answer keeps its previous view (its alerts expire by `endsAt` if it stays down).
 */
export class MultiOriginAlerts {
  readonly #views = new Map<string, ReadonlyMap<string, AmAlert>>();
  #published: ReadonlyMap<string, LiveAlert> = new Map();

  /** Replaces the view of one Alertmanager. No events until {@link evaluate}. */
  setView(origin: string, alerts: Iterable<AmAlert>): void {
    this.#views.set(
      origin,
      indexBy(alerts, (a) => a.fingerprint),
    );
  }

  /** Forgets an Alertmanager (removed from the configuration); its alerts resolve at the next evaluation unless another origin has them. */
  removeOrigin(origin: string): boolean {
    return this.#views.delete(origin);
  }

  /** Names of the Alertmanagers with a view, sorted. */
  origins(): string[] {
    return [...this.#views.keys()].sort();
  }

  /** Merges the current views at `now` and returns the drafts for what changed since the last evaluation. */
  evaluate(now: number): EventDraft[] {
    const next = keepKnownStatus(this.#published, mergeAlertViews(this.#views, now));
    const drafts = diffLiveAlerts(this.#published, next, now);
    this.#published = next;
    return drafts;
  }

  /** {@link setView} then {@link evaluate}: for a watcher of a single Alertmanager. */
  update(origin: string, alerts: Iterable<AmAlert>, now: number): EventDraft[] {
    this.setView(origin, alerts);
    return this.evaluate(now);
  }

  /** The merged view as of the last evaluation (fingerprint → alert). */
  current(): ReadonlyMap<string, LiveAlert> {
    return this.#published;
  }

  /**
   * Continues from alerts that were already published (by this node before, or by the node that
   * led before it in a cluster): the firing alerts of `published` seen by any of `origins` become
   * both the last published view and each origin's view, so the next evaluation publishes only
   * what changed since, not every alert again. Alerts of other origins (the ingest) are ignored.
   */
  resume(published: Iterable<LiveAlert>, origins: readonly string[]): void {
    const watched = new Set(origins);
    const next = new Map<string, LiveAlert>();
    const views = new Map<string, AmAlert[]>(origins.map((o) => [o, []]));
    for (const alert of published) {
      if (alert.status.state === 'resolved') continue;
      const own = alert.origins.filter((o) => watched.has(o));
      if (own.length === 0) continue;
      next.set(alert.fingerprint, own.length === alert.origins.length ? alert : { ...alert, origins: own });
      const am: AmAlert = {
        fingerprint: alert.fingerprint,
        labels: alert.labels,
        annotations: alert.annotations,
        startsAt: alert.startsAt,
        endsAt: alert.endsAt,
        updatedAt: alert.updatedAt,
        generatorURL: alert.generatorURL,
        status: {
          state: alert.status.state,
          silencedBy: alert.status.silencedBy,
          inhibitedBy: alert.status.inhibitedBy,
        },
        receivers: [],
      };
      for (const origin of own) views.get(origin)!.push(am);
    }
    this.#published = next;
    for (const [origin, alerts] of views) this.setView(origin, alerts);
  }
}

// ---------------------------------------------------------------------------------------------
// Silences

/**
 * One Alertmanager's silence as a {@link Silence}. A silence whose `endsAt` is not after `now`
 * is `expired` whatever the (possibly stale) view says.
 */
export function toSilence(am: AmSilence, origins: readonly string[], now: number): Silence {
  const expired = am.endsAt <= formatTime(now);
  return {
    id: am.id,
    matchers: am.matchers,
    startsAt: am.startsAt,
    endsAt: am.endsAt,
    createdBy: am.createdBy,
    comment: am.comment,
    status: expired && am.status.state !== 'expired' ? { state: 'expired' } : am.status,
    origins,
    updatedAt: am.updatedAt,
  };
}

/**
 * Merges per-Alertmanager silence views (origin → id → silence) into one view keyed by id; the
 * copy with the latest `updatedAt` wins (Alertmanagers of one cluster share silence ids).
 * Expired silences are kept, so a diff can tell "expired" from "never seen".
 */
export function mergeSilenceViews(
  views: ReadonlyMap<string, ReadonlyMap<string, AmSilence>>,
  now: number,
): Map<string, Silence> {
  const byId = new Map<string, { origins: string[]; newest: AmSilence }>();
  for (const [origin, view] of byOrigin(views)) {
    for (const [id, silence] of view) {
      const entry = byId.get(id);
      if (entry === undefined) byId.set(id, { origins: [origin], newest: silence });
      else {
        entry.origins.push(origin);
        if (silence.updatedAt > entry.newest.updatedAt) entry.newest = silence;
      }
    }
  }
  const merged = new Map<string, Silence>();
  for (const [id, { origins, newest }] of byId) merged.set(id, toSilence(newest, origins, now));
  return merged;
}

function sameMatchers(a: readonly SilenceMatcher[], b: readonly SilenceMatcher[]): boolean {
  return (
    a.length === b.length &&
    a.every((m, i) => {
      const o = b[i];
      return (
        o !== undefined &&
        m.name === o.name &&
        m.value === o.value &&
        m.isRegex === o.isRegex &&
        m.isEqual === o.isEqual
      );
    })
  );
}

function silenceChanged(a: Silence, b: Silence): boolean {
  return (
    a.startsAt !== b.startsAt ||
    a.endsAt !== b.endsAt ||
    a.comment !== b.comment ||
    a.createdBy !== b.createdBy ||
    a.status.state !== b.status.state ||
    !sameMatchers(a.matchers, b.matchers)
  );
}

function silenceDraft(type: string, silence: Silence, time: string): EventDraft {
  const origin = silence.origins[0];
  const labels: Record<string, string> = { silence_id: silence.id };
  if (silence.createdBy !== '') labels['created_by'] = silence.createdBy;
  return {
    topic: SILENCES_TOPIC,
    type,
    source: origin === undefined ? 'alertmanager' : alertmanagerSource(origin),
    labels,
    data: silence,
    time,
  };
}

function live(silence: Silence | undefined): silence is Silence {
  return silence !== undefined && silence.status.state !== 'expired';
}

/**
 * Events between two merged silence views (id → {@link Silence}). Expirations first, then
 * creations and updates, each in id order.
 */
export function diffSilences(
  prev: ReadonlyMap<string, Silence>,
  next: ReadonlyMap<string, Silence>,
  now: number,
): EventDraft[] {
  const time = formatTime(now);
  const drafts: EventDraft[] = [];
  for (const id of sortedKeys(prev)) {
    const before = prev.get(id);
    const after = next.get(id);
    if (!live(before) || live(after)) continue;
    const expired: Silence = after ?? { ...before, endsAt: earlier(before.endsAt, time), status: { state: 'expired' } };
    drafts.push(silenceDraft('silence_expired', expired, time));
  }
  for (const id of sortedKeys(next)) {
    const after = next.get(id);
    if (!live(after)) continue;
    const before = prev.get(id);
    if (!live(before)) drafts.push(silenceDraft('silence_created', after, time));
    else if (silenceChanged(before, after)) drafts.push(silenceDraft('silence_updated', after, time));
  }
  return drafts;
}

/** The de-duplicated silence view over several Alertmanagers; see {@link MultiOriginAlerts}. */
export class MultiOriginSilences {
  readonly #views = new Map<string, ReadonlyMap<string, AmSilence>>();
  #published: ReadonlyMap<string, Silence> = new Map();

  /** Replaces the view of one Alertmanager. No events until {@link evaluate}. */
  setView(origin: string, silences: Iterable<AmSilence>): void {
    this.#views.set(
      origin,
      indexBy(silences, (s) => s.id),
    );
  }

  /** Forgets an Alertmanager; its silences expire at the next evaluation unless another origin has them. */
  removeOrigin(origin: string): boolean {
    return this.#views.delete(origin);
  }

  /** Merges the current views at `now` and returns the drafts for what changed since the last evaluation. */
  evaluate(now: number): EventDraft[] {
    const next = mergeSilenceViews(this.#views, now);
    const drafts = diffSilences(this.#published, next, now);
    this.#published = next;
    return drafts;
  }

  /** {@link setView} then {@link evaluate}. */
  update(origin: string, silences: Iterable<AmSilence>, now: number): EventDraft[] {
    this.setView(origin, silences);
    return this.evaluate(now);
  }

  /** The merged view as of the last evaluation (id → silence), expired ones included. */
  current(): ReadonlyMap<string, Silence> {
    return this.#published;
  }

  /** Continues from silences already published; see {@link MultiOriginAlerts.resume}. */
  resume(published: Iterable<Silence>, origins: readonly string[]): void {
    const watched = new Set(origins);
    const next = new Map<string, Silence>();
    const views = new Map<string, AmSilence[]>(origins.map((o) => [o, []]));
    for (const silence of published) {
      const own = silence.origins.filter((o) => watched.has(o));
      if (own.length === 0) continue;
      next.set(silence.id, own.length === silence.origins.length ? silence : { ...silence, origins: own });
      const am: AmSilence = {
        id: silence.id,
        matchers: silence.matchers,
        startsAt: silence.startsAt,
        endsAt: silence.endsAt,
        updatedAt: silence.updatedAt,
        createdBy: silence.createdBy,
        comment: silence.comment,
        status: silence.status,
      };
      for (const origin of own) views.get(origin)!.push(am);
    }
    this.#published = next;
    for (const [origin, silences] of views) this.setView(origin, silences);
  }
}
