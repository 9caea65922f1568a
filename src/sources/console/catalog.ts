/**
 * What the console source has published about one cluster, and the diff that turns a fresh reading
 * of the platform into `topic_*` and `group_*` event drafts.
 *
 * The catalog compares against what it *published*, not against the previous reading: an update
 * held back by the throttle (at most one `*_updated` per topic or group per interval) is still a
 * difference at the next reading and goes out then, so nothing is lost by throttling.
 *
 * @module
 */
import type { EventDraft } from '../../core/event.js';
import {
  CONSOLE_EVENTS,
  CONSOLE_TOPIC,
  groupKey,
  groupLabels,
  sameTopic,
  topicLabels,
  type ConsoleGroup,
  type ConsoleTopic,
} from './model.js';

/** Options of {@link ConsoleCatalog}. */
export interface ConsoleCatalogOptions {
  /** Cluster name, put in labels and in the event source `console/<cluster>`. */
  readonly cluster: string;
  /** Shortest time between two `*_updated` events of one topic or group, in ms. */
  readonly updateIntervalMs: number;
}

/** The published view of one cluster. See the module comment. */
export class ConsoleCatalog {
  readonly #cluster: string;
  readonly #source: string;
  readonly #updateIntervalMs: number;
  readonly #topics = new Map<string, ConsoleTopic>();
  /** Groups by topic, then by name. */
  readonly #groups = new Map<string, Map<string, ConsoleGroup>>();
  /** When the last `*_updated` of a topic (key = name) or group (key = groupKey) went out. */
  readonly #lastUpdate = new Map<string, number>();
  /** Stamp of the last reading applied to a topic / to a topic's groups. */
  readonly #topicStamps = new Map<string, number>();
  readonly #groupStamps = new Map<string, number>();
  #stamp = 0;

  constructor(options: ConsoleCatalogOptions) {
    this.#cluster = options.cluster;
    this.#source = `console/${options.cluster}`;
    this.#updateIntervalMs = options.updateIntervalMs;
  }

  /** A new reading stamp: take it before asking the platform, pass it with the answer. */
  stamp(): number {
    this.#stamp += 1;
    return this.#stamp;
  }

  /** Starts from a state read back from the bus, so changes made while livegate was down are found. */
  seed(topics: readonly ConsoleTopic[], groups: readonly ConsoleGroup[]): void {
    for (const topic of topics) this.#topics.set(topic.name, topic);
    for (const group of groups) this.#groupsOf(group.topic).set(group.name, group);
  }

  /** Published topics, sorted by name. */
  topics(): ConsoleTopic[] {
    return [...this.#topics.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The published topic of that name, if any. */
  topic(name: string): ConsoleTopic | undefined {
    return this.#topics.get(name);
  }

  /** Published groups of one topic, or of all topics, sorted by topic then name. */
  groups(topic?: string): ConsoleGroup[] {
    const lists = topic === undefined ? [...this.#groups.values()] : [this.#groups.get(topic) ?? new Map()];
    return lists
      .flatMap((m) => [...m.values()])
      .sort((a, b) =>
        a.topic !== b.topic ? (a.topic < b.topic ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
      );
  }

  /** Number of published groups. */
  get groupCount(): number {
    let n = 0;
    for (const m of this.#groups.values()) n += m.size;
    return n;
  }

  /**
   * Drafts for a full or partial listing of topics. Topics missing from the listing are deleted only
   * when `complete` (the listing reached its end), never from a listing the budget cut short.
   */
  reconcileTopics(listed: readonly ConsoleTopic[], complete: boolean, stamp: number, now: number): EventDraft[] {
    const drafts: EventDraft[] = [];
    const seen = new Set<string>();
    for (const topic of listed) {
      seen.add(topic.name);
      if (this.#fresh(this.#topicStamps, topic.name, stamp)) drafts.push(...this.#upsertTopic(topic, now));
    }
    if (complete)
      for (const name of [...this.#topics.keys()])
        if (!seen.has(name) && this.#fresh(this.#topicStamps, name, stamp)) drafts.push(...this.#deleteTopic(name));
    if (complete) {
      // Stamps of topics gone before this listing began can no longer block anything.
      for (const stamps of [this.#topicStamps, this.#groupStamps])
        for (const [name, at] of stamps) if (at <= stamp && !this.#topics.has(name)) stamps.delete(name);
    }
    return drafts;
  }

  /** Drafts for one topic read again (after an advisory or an API call); `null` means it is gone. */
  refreshTopic(name: string, topic: ConsoleTopic | null, stamp: number, now: number): EventDraft[] {
    if (!this.#fresh(this.#topicStamps, name, stamp)) return [];
    return topic === null ? this.#deleteTopic(name) : this.#upsertTopic(topic, now);
  }

  /**
   * Drafts for the complete group list of one topic: created, updated (lag or ack-pending changed,
   * throttled) and deleted. Ignored for topics not published (yet): their groups come with them.
   */
  reconcileGroups(topic: string, listed: readonly ConsoleGroup[], stamp: number, now: number): EventDraft[] {
    if (!this.#topics.has(topic) || !this.#fresh(this.#groupStamps, topic, stamp)) return [];
    return this.#applyGroups(topic, listed, now);
  }

  #applyGroups(topic: string, listed: readonly ConsoleGroup[], now: number): EventDraft[] {
    const known = this.#groupsOf(topic);
    const drafts: EventDraft[] = [];
    const seen = new Set<string>();
    for (const group of listed) {
      seen.add(group.name);
      const previous = known.get(group.name);
      if (previous === undefined) {
        known.set(group.name, group);
        drafts.push(this.#draft(CONSOLE_EVENTS.groupCreated, groupLabels(this.#cluster, topic, group.name), group));
        continue;
      }
      if (previous.lag === group.lag && previous.ackPending === group.ackPending) continue;
      const key = groupKey(topic, group.name);
      if (!this.#mayUpdate(key, now)) continue;
      known.set(group.name, group);
      drafts.push(this.#draft(CONSOLE_EVENTS.groupUpdated, groupLabels(this.#cluster, topic, group.name), group));
    }
    for (const [name, group] of [...known]) {
      if (seen.has(name)) continue;
      known.delete(name);
      this.#lastUpdate.delete(groupKey(topic, name));
      drafts.push(this.#draft(CONSOLE_EVENTS.groupDeleted, groupLabels(this.#cluster, topic, name), group));
    }
    if (known.size === 0) this.#groups.delete(topic);
    return drafts;
  }

  #upsertTopic(topic: ConsoleTopic, now: number): EventDraft[] {
    const previous = this.#topics.get(topic.name);
    if (previous === undefined) {
      this.#topics.set(topic.name, topic);
      return [this.#draft(CONSOLE_EVENTS.topicCreated, topicLabels(this.#cluster, topic.name), topic)];
    }
    if (sameTopic(previous, topic) || !this.#mayUpdate(topic.name, now)) return [];
    this.#topics.set(topic.name, topic);
    return [this.#draft(CONSOLE_EVENTS.topicUpdated, topicLabels(this.#cluster, topic.name), topic)];
  }

  /** `group_deleted` for each of its groups, then `topic_deleted`. */
  #deleteTopic(name: string): EventDraft[] {
    const topic = this.#topics.get(name);
    if (topic === undefined) return [];
    const drafts = this.#applyGroups(name, [], Number.NEGATIVE_INFINITY);
    this.#topics.delete(name);
    this.#lastUpdate.delete(name);
    drafts.push(this.#draft(CONSOLE_EVENTS.topicDeleted, topicLabels(this.#cluster, name), topic));
    return drafts;
  }

  /** Whether a reading stamped `stamp` is newer than the last applied to `key`; records it if so. */
  #fresh(stamps: Map<string, number>, key: string, stamp: number): boolean {
    if ((stamps.get(key) ?? 0) > stamp) return false;
    stamps.set(key, stamp);
    return true;
  }

  /** Records an update at `now` unless one went out less than an interval ago. */
  #mayUpdate(key: string, now: number): boolean {
    const last = this.#lastUpdate.get(key);
    if (last !== undefined && now - last < this.#updateIntervalMs) return false;
    this.#lastUpdate.set(key, now);
    return true;
  }

  #groupsOf(topic: string): Map<string, ConsoleGroup> {
    let groups = this.#groups.get(topic);
    if (groups === undefined) this.#groups.set(topic, (groups = new Map()));
    return groups;
  }

  #draft(type: string, labels: Record<string, string>, data: ConsoleTopic | ConsoleGroup): EventDraft {
    return { topic: CONSOLE_TOPIC, type, source: this.#source, labels, data };
  }
}
