/**
 * State of the `console` topic, rebuilt from its events, for the snapshot a new subscriber gets:
 * `{"cluster":{…},"topics":[…],"groups":[…]}`.
 *
 * `topic_*` and `group_*` events carry the whole object, so the latest one wins; `topic_deleted`
 * also drops the topic's groups (their `group_deleted` events come first anyway); part 1 of
 * `metrics_updated` carries the cluster health. Events of other types are ignored, so types added
 * later cannot corrupt the state.
 *
 * @module
 */
import type { Labels, LiveEvent } from '../../core/event.js';
import type { StateReducer } from '../../core/state-topic.js';
import {
  CONSOLE_EVENTS,
  CONSOLE_TOPIC,
  groupKey,
  groupLabels,
  topicLabels,
  type ConsoleCluster,
  type ConsoleGroup,
  type ConsoleSnapshot,
  type ConsoleTopic,
} from './model.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isTopic(value: unknown): value is ConsoleTopic {
  return isRecord(value) && typeof value['name'] === 'string' && Array.isArray(value['subjects']);
}

function isGroup(value: unknown): value is ConsoleGroup {
  return isRecord(value) && typeof value['topic'] === 'string' && typeof value['name'] === 'string';
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** {@link StateReducer} of the `console` topic. */
export class ConsoleReducer implements StateReducer {
  readonly topic = CONSOLE_TOPIC;
  readonly #topics = new Map<string, ConsoleTopic>();
  readonly #groups = new Map<string, ConsoleGroup>();
  #cluster: ConsoleCluster | null = null;
  /** Cluster name of each label set, from the events (one cluster today; the key keeps the seam). */
  #clusterName = '';

  apply(event: LiveEvent): void {
    if (event.topic !== this.topic) return;
    const data = event.data;
    this.#clusterName = event.labels['cluster'] ?? this.#clusterName;
    switch (event.type) {
      case CONSOLE_EVENTS.topicCreated:
      case CONSOLE_EVENTS.topicUpdated:
        if (isTopic(data)) this.#topics.set(data.name, data);
        return;
      case CONSOLE_EVENTS.topicDeleted:
        if (!isTopic(data)) return;
        this.#topics.delete(data.name);
        for (const [key, group] of this.#groups) if (group.topic === data.name) this.#groups.delete(key);
        return;
      case CONSOLE_EVENTS.groupCreated:
      case CONSOLE_EVENTS.groupUpdated:
        if (isGroup(data)) this.#groups.set(groupKey(data.topic, data.name), data);
        return;
      case CONSOLE_EVENTS.groupDeleted:
        if (isGroup(data)) this.#groups.delete(groupKey(data.topic, data.name));
        return;
      case CONSOLE_EVENTS.metricsUpdated:
        if (isRecord(data) && isRecord(data['cluster'])) this.#cluster = data['cluster'] as unknown as ConsoleCluster;
        return;
      default:
        return;
    }
  }

  snapshot(include: (labels: Labels) => boolean): ConsoleSnapshot {
    const cluster = this.#clusterName;
    return {
      cluster: this.#cluster,
      topics: [...this.#topics.values()].filter((t) => include(topicLabels(cluster, t.name))).sort(byName),
      groups: [...this.#groups.values()]
        .filter((g) => include(groupLabels(cluster, g.topic, g.name)))
        .sort((a, b) => (a.topic !== b.topic ? (a.topic < b.topic ? -1 : 1) : byName(a, b))),
    };
  }

  /** Everything, unfiltered: what the source seeds its catalog with at start. */
  state(): ConsoleSnapshot {
    return this.snapshot(() => true);
  }
}
