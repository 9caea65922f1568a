/**
 * How the dashboard reads alerts: display state, severity groups, and the label filter (the
 * shared matcher grammar of `@livegate/protocol` compiled by the server's `src/core/matchers.ts`, so the filter box accepts
 * exactly what a subscription's `match` accepts). Pure: no DOM.
 */
import type { Alert } from '../../packages/client/src/index.js';
import { MatcherSyntaxError, formatMatchers } from '@livegate/protocol';
import { compileMatchers, parseMatchers } from '../../src/core/matchers.js';

/** The four states the dashboard shows. */
export type DisplayState = 'firing' | 'silenced' | 'inhibited' | 'resolved';

/** Display states in the order of the state toggles. */
export const DISPLAY_STATES: readonly DisplayState[] = ['firing', 'silenced', 'inhibited', 'resolved'];

/** Human names of the display states. */
export const STATE_NAMES: Readonly<Record<DisplayState, string>> = {
  firing: 'Firing',
  silenced: 'Silenced',
  inhibited: 'Inhibited',
  resolved: 'Resolved',
};

/**
 * `resolved`; else a suppressed alert is `silenced` when a silence mutes it (a silence wins over an
 * inhibition, as in Alertmanager's UI), `inhibited` when only an inhibition does; anything else
 * (`active`, `unprocessed`) is `firing`.
 */
export function displayState(alert: Pick<Alert, 'status'>): DisplayState {
  const status = alert.status;
  if (status?.state === 'resolved') return 'resolved';
  if (status?.state === 'suppressed') {
    if ((status.inhibitedBy?.length ?? 0) > 0 && (status.silencedBy?.length ?? 0) === 0) return 'inhibited';
    return 'silenced';
  }
  return 'firing';
}

/** Known severities, most urgent first; others follow alphabetically, then `none`. */
export const SEVERITY_ORDER: readonly string[] = ['critical', 'error', 'warning', 'info'];

/** The alert's `severity` label, lower-cased; `none` when absent. */
export function severityOf(alert: Pick<Alert, 'labels'>): string {
  const value = alert.labels?.severity;
  return typeof value === 'string' && value.trim() !== '' ? value.trim().toLowerCase() : 'none';
}

/** Sort key of a severity: known ones by urgency, unknown ones after them, `none` last. */
export function compareSeverities(a: string, b: string): number {
  const rank = (s: string): number => {
    const i = SEVERITY_ORDER.indexOf(s);
    return i !== -1 ? i : s === 'none' ? SEVERITY_ORDER.length + 1 : SEVERITY_ORDER.length;
  };
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** One severity's alerts. */
export interface SeverityGroup<T> {
  readonly severity: string;
  readonly items: readonly T[];
}

/** Groups items by severity, most urgent group first; the order inside a group is kept. */
export function groupBySeverity<T>(
  items: readonly T[],
  alertOf: (item: T) => Pick<Alert, 'labels'>,
): SeverityGroup<T>[] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const severity = severityOf(alertOf(item));
    let list = groups.get(severity);
    if (list === undefined) groups.set(severity, (list = []));
    list.push(item);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => compareSeverities(a, b))
    .map(([severity, list]) => ({ severity, items: list }));
}

/** Result of {@link parseFilter}. */
export type ParsedFilter =
  | {
      readonly ok: true;
      /** Whether an alert's labels pass. */
      readonly test: (labels: Readonly<Record<string, string>>) => boolean;
      /** Canonical form (`{team="db"}`), `''` when the filter is empty. */
      readonly canonical: string;
    }
  | {
      readonly ok: false;
      /** What is wrong and where, from the server's parser. */
      readonly message: string;
      /** 0-based offset of the problem in the input. */
      readonly position: number;
    };

const MATCH_ALL: ParsedFilter = { ok: true, test: () => true, canonical: '' };

/** Parses the filter box: blank and `{}` match everything; a malformed text explains itself. */
export function parseFilter(text: string): ParsedFilter {
  if (text.trim() === '') return MATCH_ALL;
  try {
    const matchers = parseMatchers(text);
    return {
      ok: true,
      test: compileMatchers(matchers),
      canonical: matchers.length === 0 ? '' : formatMatchers(matchers),
    };
  } catch (err) {
    if (err instanceof MatcherSyntaxError) return { ok: false, message: err.message, position: err.position };
    return { ok: false, message: err instanceof Error ? err.message : String(err), position: 0 };
  }
}

/** The text of the annotation worth a line: `summary`, else `description`, else `message`. */
export function summaryOf(alert: Pick<Alert, 'annotations'>): string {
  const a = alert.annotations ?? {};
  return a.summary ?? a.description ?? a.message ?? '';
}

/** The alert's display name: `alertname`, else its fingerprint. */
export function nameOf(alert: Pick<Alert, 'labels' | 'fingerprint'>): string {
  return alert.labels?.alertname ?? alert.fingerprint;
}

/** A link target that is safe to put in `href`: http(s) only (no `javascript:`). */
export function safeHttpUrl(url: string | undefined): string | null {
  if (typeof url !== 'string' || url === '') return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}
