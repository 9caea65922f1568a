/**
 * The `alerts` and `silences` state topics: their item shapes and their one display order, used
 * by the server's reducers (snapshot order) and by the SDK's (order after each delta), so a
 * dashboard shows exactly what a fresh snapshot would.
 */
import { parseRfc3339 } from './rfc3339.js';

/** One alert on the `alerts` topic (Alertmanager API v2 shape plus `origins`). */
export interface Alert {
  readonly fingerprint: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly generatorURL: string;
  readonly status: {
    readonly state: 'active' | 'suppressed' | 'unprocessed' | 'resolved';
    readonly silencedBy: readonly string[];
    readonly inhibitedBy: readonly string[];
  };
  readonly origins: readonly string[];
  readonly updatedAt: string;
}

/** One silence on the `silences` topic (Alertmanager API v2 shape plus `origins`). */
export interface Silence {
  readonly id: string;
  readonly matchers: readonly {
    readonly name: string;
    readonly value: string;
    readonly isRegex: boolean;
    readonly isEqual: boolean;
  }[];
  readonly startsAt: string;
  readonly endsAt: string;
  readonly createdBy: string;
  readonly comment: string;
  readonly status: { readonly state: 'active' | 'pending' | 'expired' };
  readonly origins: readonly string[];
  readonly updatedAt: string;
}

/** What {@link compareAlerts} reads of an alert. */
export interface AlertOrderKey {
  readonly fingerprint: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly startsAt: string;
}

/** What {@link compareSilences} reads of a silence. */
export interface SilenceOrderKey {
  readonly id: string;
  readonly startsAt: string;
}

// A Map, not an object: a `constructor` severity must not find Object.prototype.constructor.
const SEVERITY_RANK: ReadonlyMap<string, number> = new Map([
  ['critical', 0],
  ['warning', 1],
  ['info', 2],
]);
const OTHER_SEVERITY = 3;

function severityRank(alert: AlertOrderKey): number {
  const severity = alert.labels?.['severity'];
  const rank = typeof severity === 'string' ? SEVERITY_RANK.get(severity.toLowerCase()) : undefined;
  return rank ?? OTHER_SEVERITY;
}

/** Unparsable times (not RFC 3339) sort last instead of poisoning the comparison with NaN. */
function timeKey(time: unknown): number {
  const ms = typeof time === 'string' ? parseRfc3339(time) : undefined;
  return ms ?? Infinity;
}

/**
 * Display order of alerts: severity `critical` > `warning` > `info` > anything else
 * (case-insensitive), then oldest `startsAt` first, then fingerprint so the order is total.
 */
export function compareAlerts(a: AlertOrderKey, b: AlertOrderKey): number {
  const bySeverity = severityRank(a) - severityRank(b);
  if (bySeverity !== 0) return bySeverity;
  const aStart = timeKey(a.startsAt);
  const bStart = timeKey(b.startsAt);
  if (aStart !== bStart) return aStart < bStart ? -1 : 1;
  return a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0;
}

/** Order of silences: earliest `startsAt` first, then id. */
export function compareSilences(a: SilenceOrderKey, b: SilenceOrderKey): number {
  const aStart = timeKey(a.startsAt);
  const bStart = timeKey(b.startsAt);
  if (aStart !== bStart) return aStart < bStart ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
