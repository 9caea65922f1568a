/**
 * State of the `silences` topic, rebuilt from its events, for the `snapshot` a new subscriber gets.
 *
 * `silence_expired` (or any silence event whose data says `expired`) removes a silence; every
 * other `silence_*` event carrying a {@link Silence} inserts or replaces it. Silences are not
 * filtered by the subscriber's label matchers: their labels (`silence_id`, `created_by`) describe
 * the silence, not the alerts it mutes, so every subscriber of the topic gets all of them.
 */
import { compareSilences } from '@livegate/protocol';
import type { Labels, LiveEvent } from '../../core/event.js';
import type { StateReducer } from '../../core/state-topic.js';
import { SILENCES_TOPIC, isSilence, type Silence } from './alert-model.js';
import { isPlainObject } from '../../config/validation.js';

/** The `data` of a `silences` snapshot. */
export interface SilencesSnapshot {
  readonly silences: Silence[];
}

/** Snapshot order: earliest `startsAt` first, then id (the one order, shared with the SDK). */
export { compareSilences };

/** {@link StateReducer} of the `silences` topic. */
export class SilencesReducer implements StateReducer {
  readonly topic = SILENCES_TOPIC;
  readonly #silences = new Map<string, Silence>();
  #sorted: Silence[] | undefined;

  /** Number of silences currently active or pending. */
  get size(): number {
    return this.#silences.size;
  }

  /** The silences currently active or pending, in no particular order (for counters). */
  values(): IterableIterator<Silence> {
    return this.#silences.values();
  }

  apply(event: LiveEvent): void {
    if (event.topic !== this.topic || !event.type.startsWith('silence_')) return;
    const data = event.data;
    if (event.type === 'silence_expired') {
      if (isPlainObject(data) && typeof data['id'] === 'string') this.#delete(data['id']);
      return;
    }
    if (!isSilence(data)) return;
    if (data.status.state === 'expired') this.#delete(data.id);
    else {
      this.#silences.set(data.id, data);
      this.#sorted = undefined;
    }
  }

  /** All current silences; `include` is not consulted (see the module comment). */
  snapshot(_include: (labels: Labels) => boolean): SilencesSnapshot {
    this.#sorted ??= [...this.#silences.values()].sort(compareSilences);
    return { silences: [...this.#sorted] };
  }

  #delete(id: string): void {
    if (this.#silences.delete(id)) this.#sorted = undefined;
  }
}
