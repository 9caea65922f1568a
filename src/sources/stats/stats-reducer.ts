import type { LiveEvent } from '../../core/event.js';
import type { StateReducer } from '../../core/state-topic.js';

/** Topic of server statistics. */
export const STATS_TOPIC = 'stats';
/** Type of a statistics update. */
export const STATS_UPDATED = 'stats_updated';

/** State of the `stats` topic: the latest `stats_updated` payload. */
export class StatsReducer implements StateReducer {
  readonly topic = STATS_TOPIC;
  private latest: unknown = null;

  apply(event: LiveEvent): void {
    if (event.type === STATS_UPDATED) this.latest = event.data;
  }

  snapshot(): { stats: unknown } {
    return { stats: this.latest };
  }
}
