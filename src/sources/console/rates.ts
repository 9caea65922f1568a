/**
 * Per-second rates from cumulative counters read at irregular times (a topic's last sequence and
 * bytes, a group's delivered count). Each key remembers its own last sample, so a group refreshed
 * only every few rounds (budget) still gets a correct rate over the time between its samples.
 *
 * @module
 */
import { groupKey, type ConsoleTopic, type GroupRates, type TopicRates } from './model.js';

interface Sample {
  readonly at: number;
  readonly values: readonly number[];
}

/** Rate of change of one counter between two samples; a counter that went down restarted, so 0. */
function rate(previous: number, current: number, seconds: number): number {
  if (current < previous || seconds <= 0) return 0;
  return Math.round(((current - previous) / seconds) * 100) / 100;
}

/** Keeps the last sample of each topic and group and computes rates against it. */
export class RateTracker {
  readonly #topics = new Map<string, Sample>();
  readonly #groups = new Map<string, Sample>();
  readonly #topicRates = new Map<string, TopicRates>();
  readonly #groupRates = new Map<string, GroupRates>();

  /**
   * Records a topic reading at `now` (ms) and returns its rates since the previous one. Messages in
   * are the growth of `lastSeq` (stored counts shrink with retention). Bytes in are the growth of
   * stored bytes when nothing was removed in between; otherwise the new messages times the current
   * average message size, because JetStream keeps no cumulative byte counter per stream.
   */
  sampleTopic(topic: ConsoleTopic, now: number): TopicRates {
    const previous = this.#topics.get(topic.name);
    this.#topics.set(topic.name, { at: now, values: [topic.lastSeq, topic.messages, topic.bytes] });
    let rates: TopicRates;
    if (previous === undefined || now <= previous.at) {
      rates = this.#topicRates.get(topic.name) ?? { name: topic.name, messagesPerSecond: null, bytesPerSecond: null };
    } else {
      const seconds = (now - previous.at) / 1000;
      const [lastSeq, messages, bytes] = previous.values as [number, number, number];
      const written = Math.max(0, topic.lastSeq - lastSeq);
      const nothingRemoved = topic.messages - messages === written && topic.bytes >= bytes;
      const bytesIn = nothingRemoved
        ? topic.bytes - bytes
        : topic.messages > 0
          ? written * (topic.bytes / topic.messages)
          : 0;
      rates = {
        name: topic.name,
        messagesPerSecond: rate(lastSeq, topic.lastSeq, seconds),
        bytesPerSecond: rate(0, bytesIn, seconds),
      };
    }
    this.#topicRates.set(topic.name, rates);
    return rates;
  }

  /**
   * Records a topic's first reading outside a round (created through the API or announced by an
   * advisory), so that messages written before the next round count in its first rate. A topic
   * already sampled is left alone: its next rate covers the time since its last round.
   */
  baseline(topic: ConsoleTopic, now: number): void {
    if (!this.#topics.has(topic.name)) this.sampleTopic(topic, now);
  }

  /** Records a group reading (delivered count and lag) at `now` and returns its rates. */
  sampleGroup(topic: string, name: string, delivered: number, lag: number, now: number): GroupRates {
    const key = groupKey(topic, name);
    const previous = this.#groups.get(key);
    this.#groups.set(key, { at: now, values: [delivered] });
    const rates: GroupRates =
      previous === undefined || now <= previous.at
        ? { topic, name, deliveredPerSecond: this.#groupRates.get(key)?.deliveredPerSecond ?? null, lag }
        : { topic, name, deliveredPerSecond: rate(previous.values[0]!, delivered, (now - previous.at) / 1000), lag };
    this.#groupRates.set(key, rates);
    return rates;
  }

  /** The latest rates of every topic still present, for a round that did not re-read all of them. */
  topicRates(names: Iterable<string>): TopicRates[] {
    const out: TopicRates[] = [];
    for (const name of names) {
      const r = this.#topicRates.get(name);
      if (r !== undefined) out.push(r);
    }
    return out;
  }

  /** The latest rates of the given groups (those not re-read this round keep their last values). */
  groupRates(groups: Iterable<{ topic: string; name: string; lag: number }>): GroupRates[] {
    const out: GroupRates[] = [];
    for (const g of groups) {
      const r = this.#groupRates.get(groupKey(g.topic, g.name));
      out.push(r === undefined ? { topic: g.topic, name: g.name, deliveredPerSecond: null, lag: g.lag } : r);
    }
    return out;
  }

  /** Forgets topics and groups no longer present, so memory follows the cluster. */
  retain(topics: ReadonlySet<string>, groups: ReadonlySet<string>): void {
    for (const map of [this.#topics, this.#topicRates])
      for (const key of map.keys()) if (!topics.has(key)) map.delete(key);
    for (const map of [this.#groups, this.#groupRates])
      for (const key of map.keys()) if (!groups.has(key)) map.delete(key);
  }
}
