import type { SerializedEvent } from './serialized-event.js';
import type { Session } from './session.js';
import type { Subscription } from './subscription.js';

/** A subscription and the session it belongs to, as the dispatcher stores them. */
interface Entry {
  readonly session: Session;
  readonly sub: Subscription;
}

/**
 * Turns one event into deliveries: looks up the subscriptions of the event's topic in an index
 * (plus those that take every topic or a topic prefix), runs each compiled filter, and enqueues
 * on the session. No allocation per subscriber on this path beyond the session's queue push.
 */
export class Dispatcher {
  private readonly byTopic = new Map<string, Map<Subscription, Entry>>();
  private readonly anyTopic = new Map<Subscription, Entry>();
  private total = 0;

  /** Number of registered subscriptions. */
  get size(): number {
    return this.total;
  }

  /** Registers a subscription. Idempotent. */
  add(session: Session, sub: Subscription): void {
    const entry: Entry = { session, sub };
    const topics = sub.filter.topics;
    if (topics === null || sub.filter.topicPrefixes.length > 0) {
      if (!this.anyTopic.has(sub)) this.total++;
      this.anyTopic.set(sub, entry);
      return;
    }
    let added = false;
    for (const topic of topics) {
      let bucket = this.byTopic.get(topic);
      if (bucket === undefined) this.byTopic.set(topic, (bucket = new Map()));
      if (!bucket.has(sub)) added = true;
      bucket.set(sub, entry);
    }
    if (added) this.total++;
  }

  /** Removes a subscription. Idempotent. */
  remove(sub: Subscription): void {
    if (this.anyTopic.delete(sub)) {
      this.total--;
      return;
    }
    const topics = sub.filter.topics;
    if (topics === null) return;
    let removed = false;
    for (const topic of topics) {
      const bucket = this.byTopic.get(topic);
      if (bucket?.delete(sub)) {
        removed = true;
        if (bucket.size === 0) this.byTopic.delete(topic);
      }
    }
    if (removed) this.total--;
  }

  /** Delivers one event to every live subscription whose filter passes it. Returns the count. */
  dispatch(event: SerializedEvent): number {
    let delivered = 0;
    const bucket = this.byTopic.get(event.event.topic);
    if (bucket !== undefined) delivered += this.deliver(bucket, event);
    if (this.anyTopic.size > 0) delivered += this.deliver(this.anyTopic, event);
    return delivered;
  }

  private deliver(entries: Map<Subscription, Entry>, event: SerializedEvent): number {
    let delivered = 0;
    const raw = event.event;
    for (const entry of entries.values()) {
      const sub = entry.sub;
      if (sub.mode !== 'live' || !sub.filter.test(raw)) continue;
      entry.session.enqueue(sub, event);
      delivered++;
    }
    return delivered;
  }
}
