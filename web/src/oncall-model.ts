/**
 * Pure pieces of the on-call features: one counting definition for tiles and chips, grouping by
 * any label, free-text search, the links an alert carries, silence matchers prefilled from labels,
 * duration presets, and which sources are stale. No DOM.
 */
import type { Alert, ComponentHealth, Silence } from '../../packages/client/src/index.js';
import { DISPLAY_STATES, displayState, safeHttpUrl, type DisplayState } from './alert-model.js';

/** Alerts per display state: THE count the tile, the chips and the tab title use. */
export function countByDisplayState(alerts: readonly Pick<Alert, 'status'>[]): Record<DisplayState, number> {
  const counts = Object.fromEntries(DISPLAY_STATES.map((s) => [s, 0])) as Record<DisplayState, number>;
  for (const alert of alerts) counts[displayState(alert)] += 1;
  return counts;
}

/** One group of alerts sharing a label value. */
export interface LabelGroup<T> {
  /** The value, `''` when the alerts lack the label. */
  readonly value: string;
  readonly items: readonly T[];
}

/** Groups items by the value of `label`, groups ordered by size (largest first), then value; missing values last. */
export function groupByLabel<T>(
  items: readonly T[],
  label: string,
  labelsOf: (item: T) => Readonly<Record<string, string>> | undefined,
): LabelGroup<T>[] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const value = labelsOf(item)?.[label] ?? '';
    let list = groups.get(value);
    if (list === undefined) groups.set(value, (list = []));
    list.push(item);
  }
  return [...groups.entries()]
    .sort(([a, x], [b, y]) =>
      (a === '') !== (b === '') ? (a === '' ? 1 : -1) : y.length - x.length || (a < b ? -1 : a > b ? 1 : 0),
    )
    .map(([value, list]) => ({ value, items: list }));
}

/** Whether an alert's labels or annotations contain every word of `query` (case-insensitive). */
export function matchesText(alert: Pick<Alert, 'labels' | 'annotations'>, query: string): boolean {
  const words = query
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== '');
  if (words.length === 0) return true;
  const haystack = [
    ...Object.entries(alert.labels ?? {}).map(([k, v]) => `${k}=${v}`),
    ...Object.values(alert.annotations ?? {}),
  ]
    .join('\n')
    .toLowerCase();
  return words.every((w) => haystack.includes(w));
}

/** A link worth a click on an alert row. */
export interface AlertLink {
  readonly label: string;
  readonly href: string;
}

/** `runbook_url`, `dashboard_url` (Grafana's `__dashboardUrl__` too) and the generator URL, http(s) only. */
export function linksOf(alert: Pick<Alert, 'annotations' | 'generatorURL'>): AlertLink[] {
  const a = alert.annotations ?? {};
  const candidates: [string, string | undefined][] = [
    ['Runbook', a.runbook_url ?? a.runbook],
    ['Dashboard', a.dashboard_url ?? a.__dashboardUrl__ ?? a.grafana_url],
    ['Source', alert.generatorURL],
  ];
  const links: AlertLink[] = [];
  for (const [label, url] of candidates) {
    const href = safeHttpUrl(url);
    if (href !== null) links.push({ label, href });
  }
  return links;
}

/** A silence matcher as the silence form edits it. */
export interface MatcherInput {
  readonly name: string;
  readonly value: string;
  readonly isRegex: boolean;
  readonly isEqual: boolean;
}

/** Exact matchers for every label (an alert), sorted with `alertname` first. */
export function matchersFor(labels: Readonly<Record<string, string>>): MatcherInput[] {
  return Object.entries(labels)
    .sort(([a], [b]) => (a === 'alertname' ? -1 : b === 'alertname' ? 1 : a < b ? -1 : 1))
    .map(([name, value]) => ({ name, value, isRegex: false, isEqual: true }));
}

/** The labels every alert of a group shares: the matchers that silence exactly that group. */
export function commonLabels(alerts: readonly Pick<Alert, 'labels'>[]): Record<string, string> {
  const [first, ...rest] = alerts;
  if (first === undefined) return {};
  const common: Record<string, string> = {};
  for (const [name, value] of Object.entries(first.labels ?? {}))
    if (rest.every((a) => a.labels?.[name] === value)) common[name] = value;
  return common;
}

/** Silence duration presets of the form, in minutes. */
export const DURATION_PRESETS: readonly { readonly label: string; readonly minutes: number }[] = [
  { label: '1 h', minutes: 60 },
  { label: '4 h', minutes: 240 },
  { label: '1 day', minutes: 1440 },
  { label: '1 week', minutes: 10080 },
];

/** How long an "acknowledge" silences an alert, as Karma's default. */
export const ACK_MINUTES = 15;

/** The body of `POST /api/v2/silences`. */
export function silenceBody(
  matchers: readonly MatcherInput[],
  minutes: number,
  createdBy: string,
  comment: string,
  now = Date.now(),
): Record<string, unknown> {
  return {
    matchers: matchers.map((m) => ({ name: m.name, value: m.value, isRegex: m.isRegex, isEqual: m.isEqual })),
    startsAt: new Date(now).toISOString(),
    endsAt: new Date(now + minutes * 60_000).toISOString(),
    createdBy,
    comment,
  };
}

/** A source whose alerts may be stale: an unhealthy (or degraded) component other than the bus. */
export interface StaleSource {
  readonly component: string;
  readonly since: string;
  readonly detail: string;
}

/** Components that feed alerts and are not healthy (`alertmanager/*`, `ingest`, …), worst first. */
export function staleSources(components: readonly ComponentHealth[]): StaleSource[] {
  return components
    .filter((c) => c.status === 'unhealthy' && c.component !== 'bus')
    .sort((a, b) => (a.component < b.component ? -1 : 1))
    .map((c) => ({ component: c.component, since: c.since, detail: c.detail ?? '' }));
}

/** "oncall: disk swap (ends 14:00)" for a silence id, or the id when the silence is unknown. */
export function describeSilence(id: string, silences: readonly Silence[]): string {
  const s = silences.find((x) => x.id === id);
  if (s === undefined) return `silence ${id.slice(0, 8)}`;
  const who = s.createdBy || 'someone';
  return s.comment ? `${who}: ${s.comment}` : who;
}

/** "DiskFull (instance=db1)" for an inhibiting alert's fingerprint, or a short id when unknown. */
export function describeAlert(fingerprint: string, alerts: readonly Alert[]): string {
  const a = alerts.find((x) => x.fingerprint === fingerprint);
  if (a === undefined) return `alert ${fingerprint.slice(0, 8)}`;
  const name = a.labels?.alertname ?? fingerprint;
  const extra = Object.entries(a.labels ?? {})
    .filter(([k]) => k !== 'alertname' && k !== 'severity')
    .slice(0, 2)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return extra === '' ? name : `${name} (${extra})`;
}
