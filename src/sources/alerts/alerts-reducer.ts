/**
 * State of the `alerts` topic, rebuilt from its events, for the `snapshot` a new subscriber gets.
 *
 * Keyed by fingerprint only: an alert seen through the ingest and through a watched Alertmanager
 * is one alert, and the latest event about it wins. `alert_resolved` (or any alert event whose data
 * says `resolved`) removes it; every other `alert_*` event carrying a {@link LiveAlert} inserts or
 * replaces it, so event types added later keep the state right.
 */
import { compareAlerts } from '@livegate/protocol';
import type { Labels, LiveEvent } from '../../core/event.js';
import type { StateReducer } from '../../core/state-topic.js';
import { ALERTS_TOPIC, eventLabelsOf, isLiveAlert, type LiveAlert } from './alert-model.js';
import { isPlainObject } from '../../config/validation.js';

/** The `data` of an `alerts` snapshot. */
export interface AlertsSnapshot {
  readonly alerts: LiveAlert[];
}

/**
 * Display order: severity `critical` > `warning` > `info` > anything else (case-insensitive),
 * then oldest `startsAt` first, then fingerprint (the one order, shared with the SDK).
 */
export { compareAlerts };

/** {@link StateReducer} of the `alerts` topic. */
export class AlertsReducer implements StateReducer {
  readonly topic = ALERTS_TOPIC;
  readonly #alerts = new Map<string, LiveAlert>();
  /** Sorted copy reused by every snapshot until the next change; snapshots come in bursts on reconnect storms. */
  #sorted: LiveAlert[] | undefined;

  /** Number of alerts currently firing. */
  get size(): number {
    return this.#alerts.size;
  }

  /** The alerts currently firing, in no particular order (for counters; do not mutate). */
  values(): IterableIterator<LiveAlert> {
    return this.#alerts.values();
  }

  apply(event: LiveEvent): void {
    if (event.topic !== this.topic || !event.type.startsWith('alert_')) return;
    const data = event.data;
    if (event.type === 'alert_resolved') {
      if (isPlainObject(data) && typeof data['fingerprint'] === 'string') this.#delete(data['fingerprint']);
      return;
    }
    if (!isLiveAlert(data)) return;
    if (data.status.state === 'resolved') this.#delete(data.fingerprint);
    else {
      this.#alerts.set(data.fingerprint, data);
      this.#sorted = undefined;
    }
  }

  snapshot(include: (labels: Labels) => boolean): AlertsSnapshot {
    this.#sorted ??= [...this.#alerts.values()].sort(compareAlerts);
    // Match on the same labels the alert's live events carry, so snapshot and deltas agree.
    return { alerts: this.#sorted.filter((alert) => include(eventLabelsOf(alert.labels))) };
  }

  #delete(fp: string): void {
    if (this.#alerts.delete(fp)) this.#sorted = undefined;
  }
}
