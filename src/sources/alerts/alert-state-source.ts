/**
 * Owner of the `alerts` and `silences` state topics.
 *
 * Several sources publish on these topics (the ingest, the Alertmanager watcher, the demo), in
 * any combination, and a topic's reducer must be registered with the hub exactly once. So neither
 * of them owns the reducers: this small source does, and `configuredSources` adds it once
 * whenever at least one alert publisher is enabled. It publishes nothing itself; it also answers
 * the alert counts that `stats_updated` carries, read from the same bus-derived state that
 * snapshots are built from (so counts cover every publisher, de-duplicated by fingerprint).
 */
import type { Source } from '../source.js';
import type { LiveAlert } from './alert-model.js';
import { AlertsReducer } from './alerts-reducer.js';
import { SilencesReducer } from './silences-reducer.js';

/** Alert and silence counters added to `stats_updated`. */
export interface AlertCounts {
  readonly alerts: {
    /** Alerts firing (any suppression state). */
    readonly firing: number;
    /** By Alertmanager state: `active`, `suppressed`, `unprocessed`. */
    readonly byState: Record<'active' | 'suppressed' | 'unprocessed', number>;
    /** By the `severity` label, lower-cased; alerts without one count as `none`. */
    readonly bySeverity: Record<string, number>;
  };
  readonly silences: { readonly active: number; readonly pending: number };
}

/** Counts alerts by state and severity. Pure; exported for tests. */
export function countAlerts(alerts: Iterable<LiveAlert>): AlertCounts['alerts'] {
  const byState = { active: 0, suppressed: 0, unprocessed: 0 };
  const bySeverity: Record<string, number> = {};
  let firing = 0;
  for (const alert of alerts) {
    if (alert.status.state === 'resolved') continue;
    firing += 1;
    byState[alert.status.state] += 1;
    // Severity values are label values (any string): bound the key length, not the set.
    const severity = (alert.labels['severity'] ?? '').toLowerCase().slice(0, 64) || 'none';
    bySeverity[severity] = (bySeverity[severity] ?? 0) + 1;
  }
  return { firing, byState, bySeverity };
}

/** Registers the `alerts` and `silences` reducers; see the module comment. */
export class AlertStateSource implements Source {
  readonly name = 'alert-state';
  readonly alerts = new AlertsReducer();
  readonly silences = new SilencesReducer();
  readonly reducers = [this.alerts, this.silences];

  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  /** Current counters for `stats_updated`. */
  counts(): AlertCounts {
    let active = 0;
    let pending = 0;
    for (const silence of this.silences.values()) {
      if (silence.status.state === 'pending') pending += 1;
      else active += 1;
    }
    return { alerts: countAlerts(this.alerts.values()), silences: { active, pending } };
  }
}
