/**
 * Alertmanager API v2 answer shapes (`gettableAlert`, `alertGroup`, `gettableSilence`) built from
 * livegate's merged state, and the orders Alertmanager 0.25 answers them in, so amtool, Karma and
 * Grafana read livegate exactly as they read an Alertmanager.
 */
import type { Labels } from '../../core/event.js';
import type { LiveAlert, Silence, SilenceMatcher, SuppressionState } from '../alerts/alert-model.js';

/** `gettableAlert` of Alertmanager's OpenAPI spec. */
export interface GettableAlert {
  readonly annotations: Labels;
  readonly endsAt: string;
  readonly fingerprint: string;
  readonly receivers: { readonly name: string }[];
  readonly startsAt: string;
  readonly status: {
    readonly inhibitedBy: readonly string[];
    readonly silencedBy: readonly string[];
    readonly state: SuppressionState;
  };
  readonly updatedAt: string;
  readonly generatorURL?: string;
  readonly labels: Labels;
}

/** `alertGroup` of Alertmanager's OpenAPI spec. */
export interface AlertGroup {
  readonly alerts: GettableAlert[];
  readonly labels: Labels;
  readonly receiver: { readonly name: string };
}

/** `gettableSilence` of Alertmanager's OpenAPI spec. */
export interface GettableSilence {
  readonly id: string;
  readonly status: { readonly state: Silence['status']['state'] };
  readonly updatedAt: string;
  readonly comment: string;
  readonly createdBy: string;
  readonly endsAt: string;
  readonly matchers: readonly SilenceMatcher[];
  readonly startsAt: string;
}

/** The fresher copy of an alert a watcher holds (see `AlertmanagerWatcher.latest`). */
export interface FreshAlert {
  readonly endsAt: string;
  readonly updatedAt: string;
  readonly annotations: Labels;
  readonly generatorURL: string;
  readonly receivers: readonly string[];
}

/**
 * A firing {@link LiveAlert} as a `gettableAlert`. `fresh`, when the local watcher has the alert,
 * supplies the fields Alertmanager refreshes on every re-send without a state change (`endsAt`,
 * `updatedAt`, annotations); `receivers` come from the caller (routing). A resolved alert has no
 * Alertmanager state; callers leave resolved alerts out, as Alertmanager does.
 */
export function toGettableAlert(
  alert: LiveAlert,
  receivers: readonly string[],
  fresh: FreshAlert | undefined,
): GettableAlert {
  const state: SuppressionState = alert.status.state === 'resolved' ? 'active' : alert.status.state;
  const generatorURL = fresh?.generatorURL ?? alert.generatorURL;
  return {
    annotations: fresh?.annotations ?? alert.annotations,
    endsAt: fresh !== undefined && fresh.endsAt > alert.endsAt ? fresh.endsAt : alert.endsAt,
    fingerprint: alert.fingerprint,
    receivers: receivers.map((name) => ({ name })),
    startsAt: alert.startsAt,
    status: { inhibitedBy: alert.status.inhibitedBy, silencedBy: alert.status.silencedBy, state },
    updatedAt: fresh !== undefined && fresh.updatedAt > alert.updatedAt ? fresh.updatedAt : alert.updatedAt,
    ...(generatorURL === '' ? {} : { generatorURL }),
    labels: alert.labels,
  };
}

/** A {@link Silence} as a `gettableSilence` (livegate's `origins` left out). */
export function toGettableSilence(silence: Silence): GettableSilence {
  return {
    id: silence.id,
    status: { state: silence.status.state },
    updatedAt: silence.updatedAt,
    comment: silence.comment,
    createdBy: silence.createdBy,
    endsAt: silence.endsAt,
    matchers: silence.matchers.map((m) => ({ isEqual: m.isEqual, isRegex: m.isRegex, name: m.name, value: m.value })),
    startsAt: silence.startsAt,
  };
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Prometheus' `LabelSet.Before` as a comparator: fewer labels first; then, walking the union of
 * names in order, a set missing a name comes first, else the smaller value.
 */
export function labelsBefore(a: Labels, b: Labels): number {
  const an = Object.keys(a);
  const bn = Object.keys(b);
  if (an.length !== bn.length) return an.length - bn.length;
  for (const name of [...an, ...bn].sort()) {
    const av = a[name];
    const bv = b[name];
    if (av === undefined) return -1;
    if (bv === undefined) return 1;
    if (av !== bv) return compareStrings(av, bv);
  }
  return 0;
}

/** Alertmanager's group order: by label set ({@link labelsBefore}); equal label sets by receiver name. */
export function compareGroups(a: AlertGroup, b: AlertGroup): number {
  return labelsBefore(a.labels, b.labels) || compareStrings(a.receiver.name, b.receiver.name);
}

/** Alertmanager's alert order inside a group: by `job`, then `instance`, then the label set. */
export function compareGroupAlerts(a: GettableAlert, b: GettableAlert): number {
  for (const key of ['job', 'instance']) {
    const av = a.labels[key];
    const bv = b.labels[key];
    if (av !== undefined && bv !== undefined && av !== bv) return compareStrings(av, bv);
    if ((av === undefined) !== (bv === undefined)) return av === undefined ? 1 : -1;
  }
  return labelsBefore(a.labels, b.labels);
}

const SILENCE_STATE_RANK = { active: 0, pending: 1, expired: 2 } as const;

/**
 * Alertmanager's silence order: active ones first by `endsAt` ascending, then pending ones by
 * `startsAt` ascending, then expired ones by `endsAt` descending.
 */
export function compareSilences(a: GettableSilence, b: GettableSilence): number {
  const byState = SILENCE_STATE_RANK[a.status.state] - SILENCE_STATE_RANK[b.status.state];
  if (byState !== 0) return byState;
  if (a.status.state === 'active') return compareStrings(a.endsAt, b.endsAt);
  if (a.status.state === 'pending') return compareStrings(a.startsAt, b.startsAt);
  return compareStrings(b.endsAt, a.endsAt);
}
