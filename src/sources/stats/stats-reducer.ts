import type { LiveEvent } from '../../core/event.js';
import type { StateReducer } from '../../core/state-topic.js';

/** Topic of server statistics. */
export const STATS_TOPIC = 'stats';
/** Type of a statistics update. */
export const STATS_UPDATED = 'stats_updated';

/** The latest `stats_updated` of one node, with the time it was published. */
export interface NodeStats {
  readonly node: string;
  readonly at: number;
  readonly data: Record<string, unknown>;
}

/**
 * State of the `stats` topic: the latest `stats_updated` payload, and the latest of every node
 * (several nodes on one bus each publish their own; `node` names them).
 */
export class StatsReducer implements StateReducer {
  readonly topic = STATS_TOPIC;
  private latest: unknown = null;
  private readonly byNode = new Map<string, NodeStats>();

  apply(event: LiveEvent): void {
    if (event.type !== STATS_UPDATED) return;
    this.latest = event.data;
    const data = event.data as Record<string, unknown> | null;
    const node = typeof data?.['node'] === 'string' ? data['node'] : '';
    const at = Date.parse(event.time);
    // Bounded: a node that stops publishing is forgotten once 100 others are newer.
    this.byNode.delete(node);
    this.byNode.set(node, { node, at: Number.isFinite(at) ? at : 0, data: data ?? {} });
    if (this.byNode.size > 100) this.byNode.delete(this.byNode.keys().next().value!);
  }

  /** The latest update of every node published since `since` (epoch ms), oldest first. */
  nodesSince(since: number): NodeStats[] {
    return [...this.byNode.values()].filter((n) => n.at >= since);
  }

  snapshot(): { stats: unknown } {
    return { stats: this.latest };
  }
}
