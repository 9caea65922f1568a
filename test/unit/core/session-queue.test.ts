import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '../../../src/bus/memory-bus.js';
import type { LiveEvent } from '../../../src/core/event.js';
import { formatEventId } from '../../../src/core/event-id.js';
import { compileFilter } from '../../../src/core/filter.js';
import { Hub, type HubObserver } from '../../../src/core/hub.js';
import type { CloseReason, Outbound, TransportKind, TransportWriter } from '../../../src/core/outbound.js';
import { ANONYMOUS } from '../../../src/core/principal.js';
import type { QueueLimits, Session } from '../../../src/core/session.js';
import type { StateReducer } from '../../../src/core/state-topic.js';
import type { BatchOptions } from '../../../src/core/subscription.js';
import { TimerWheel } from '../../../src/core/timer-wheel.js';

/**
 * The session's collaborator, under the test's control: records every write, reports
 * backpressure when told to, and fires `drain` when the test says the peer read.
 */
class FakeWriter implements TransportWriter {
  readonly kind = 'ws' as const;
  readonly writes: Outbound[][] = [];
  /** While true, writes report a full buffer. */
  full = false;
  /** While true, every write fills the buffer (a peer that reads only when the test drains). */
  fillOnWrite = false;
  /** Bytes the fake socket reports as buffered. */
  buffered = 0;
  closedWith: CloseReason | undefined;
  private drainCallbacks: (() => void)[] = [];

  write(items: readonly Outbound[]): boolean {
    this.writes.push([...items]);
    if (this.fillOnWrite) this.full = true;
    return !this.full;
  }
  needsDrain(): boolean {
    return this.full;
  }
  bufferedBytes(): number {
    return this.buffered;
  }
  onDrain(callback: () => void): void {
    this.drainCallbacks.push(callback);
  }
  close(reason: CloseReason): void {
    this.closedWith ??= reason;
  }
  /** The peer read everything: the buffer empties and `drain` fires. */
  drain(): void {
    this.full = false;
    this.buffered = 0;
    const callbacks = this.drainCallbacks;
    this.drainCallbacks = [];
    for (const cb of callbacks) cb();
  }
  get pendingDrains(): number {
    return this.drainCallbacks.length;
  }
  /** Every write flattened to readable tokens: `e:<data>`, `b[<data>,…]`, `c:<name>`. */
  tokens(): string[] {
    return this.writes.flat().map(token);
  }
  /** Data of every event written, batches flattened. */
  eventData(): unknown[] {
    const out: unknown[] = [];
    for (const item of this.writes.flat()) {
      if (item.kind === 'event') out.push(item.event.event.data);
      else if (item.kind === 'batch') for (const e of item.events) out.push(e.event.data);
    }
    return out;
  }
}

function token(item: Outbound): string {
  if (item.kind === 'event') return `e:${String(item.event.event.data)}`;
  if (item.kind === 'batch') return `b[${item.events.map((e) => String(e.event.data)).join(',')}]`;
  return `c:${item.name}`;
}

class RecordingObserver implements HubObserver {
  slow: { kind: TransportKind; dropped: number }[] = [];
  published(): void {}
  delivered(): void {}
  sessionOpened(): void {}
  sessionClosed(): void {}
  slowConsumer(kind: TransportKind, dropped: number): void {
    this.slow.push({ kind, dropped });
  }
}

/** A state topic whose snapshot is the number of events applied. */
class CountingReducer implements StateReducer {
  readonly topic = 'state';
  count = 0;
  apply(): void {
    this.count++;
  }
  snapshot(): unknown {
    return { count: this.count };
  }
}

const EPOCH = 'unitepoch01';
let clock = 0;
const hubs: Hub[] = [];

interface Setup {
  hub: Hub;
  writer: FakeWriter;
  session: Session;
  observer: RecordingObserver;
  wheel: TimerWheel;
}

/** A started hub on a fixed-epoch memory bus, its timer wheel on a fake clock, and one session. */
async function setup(queue: Partial<QueueLimits> = {}, options: { reducer?: StateReducer } = {}): Promise<Setup> {
  const observer = new RecordingObserver();
  clock = 0;
  // Batch timers are tested on a clock the test moves: the hub takes this wheel in its options.
  const wheel = new TimerWheel({ tickMs: 10, slots: 64, now: () => clock });
  const hub = new Hub({
    bus: new MemoryBus(EPOCH),
    timers: wheel,
    queue: { maxEvents: 5, maxBytes: 1_000_000, ...queue },
    observer,
  });
  if (options.reducer !== undefined) hub.registerState(options.reducer);
  await hub.start();
  hubs.push(hub);
  const writer = new FakeWriter();
  const session = hub.openSession({ transport: writer, ip: '127.0.0.1', principal: ANONYMOUS });
  return { hub, writer, session, observer, wheel };
}

function subscribe(
  hub: Hub,
  session: Session,
  extra: { since?: string; batch?: BatchOptions; announce?: (id: string) => void } = {},
) {
  return hub.subscribe(session, { filter: compileFilter({ topics: ['t'] }), ...extra });
}

/** Publishes events on topic `t` whose data are the given values (padded strings for byte tests). */
function publish(hub: Hub, ...data: unknown[]): LiveEvent[] {
  // With a memory bus, publish appends and dispatches synchronously, before its promise settles.
  void hub.publish(data.map((d) => ({ topic: 't', type: 'x', data: d })));
  const events: LiveEvent[] = [];
  for (const e of hub.windowEvents().slice(-data.length)) events.push(e.event);
  return events;
}

/** Runs the hub's pending flush pass (scheduled with `setImmediate` before this call). */
function flushPass(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

afterEach(async () => {
  for (const hub of hubs.splice(0)) await hub.stop({ code: 'done', message: 'test over', wsCode: 1000 });
});

describe('session queue bound', () => {
  it('closes the session as a slow consumer when more than maxEvents queue while blocked on drain', async () => {
    const { hub, writer, session, observer } = await setup({ maxEvents: 5 });
    subscribe(hub, session);
    writer.full = true;
    publish(hub, 1);
    await flushPass();
    expect(writer.tokens()).toEqual(['e:1']);
    expect(session.blocked).toBe(true);

    publish(hub, 2, 3, 4, 5, 6);
    await flushPass();
    expect(session.state).toBe('open');
    expect(session.queued).toBe(5);
    expect(writer.writes).toHaveLength(1);

    publish(hub, 7);
    expect(session.state).toBe('closed');
    expect(writer.closedWith).toMatchObject({ code: 'slow_consumer', wsCode: 4008 });
    expect(observer.slow).toEqual([{ kind: 'ws', dropped: 6 }]);
    expect(session.dropped).toBe(6);
    expect(hub.getSession(session.id)).toBeUndefined();
    expect(hub.subscriptionCount).toBe(0);

    writer.drain();
    publish(hub, 8);
    await flushPass();
    expect(writer.tokens()).toEqual(['e:1']);
  });

  it('closes the session when queued bytes exceed maxBytes while blocked, and not at equality', async () => {
    // Seqs 1–5 have one digit, so every event below has the size of this probe's seq 1.
    const probe = await setup();
    publish(probe.hub, 'x'.repeat(300));
    const size = probe.hub.windowEvents()[0]!.size;
    const { hub, writer, session } = await setup({ maxEvents: 1000, maxBytes: 3 * size });
    subscribe(hub, session);
    writer.full = true;
    publish(hub, 'x'.repeat(300));
    await flushPass();
    expect(session.blocked).toBe(true);
    publish(hub, 'x'.repeat(300), 'x'.repeat(300), 'x'.repeat(300));
    expect(session.state).toBe('open'); // exactly 3 × size queued
    publish(hub, 'x'.repeat(300));
    expect(session.state).toBe('closed');
    expect(writer.closedWith?.code).toBe('slow_consumer');
  });

  it('counts the transport-buffered bytes toward maxBytes', async () => {
    const { hub, writer, session } = await setup({ maxEvents: 1000, maxBytes: 10_000 });
    subscribe(hub, session);
    writer.full = true;
    publish(hub, 1);
    await flushPass();
    const size = hub.windowEvents()[0]!.size;
    writer.buffered = 10_000 - 2 * size;
    publish(hub, 2, 3);
    expect(session.state).toBe('open');
    publish(hub, 4);
    expect(session.state).toBe('closed');
    expect(writer.closedWith?.code).toBe('slow_consumer');
  });

  it('does not bound the queue while the transport has room: a burst goes out in one write', async () => {
    const { hub, writer, session } = await setup({ maxEvents: 5, maxBytes: 1024 });
    subscribe(hub, session);
    publish(hub, ...range(1, 50));
    expect(session.queued).toBe(50);
    await flushPass();
    expect(session.state).toBe('open');
    expect(writer.writes).toHaveLength(1);
    expect(writer.eventData()).toEqual(range(1, 50));
    expect(session.sent).toBe(50);
  });

  it('counts control messages toward the byte bound while blocked', async () => {
    const { hub, writer, session } = await setup({ maxEvents: 1000, maxBytes: 64 * 3 });
    subscribe(hub, session);
    writer.full = true;
    session.control('heartbeat', {});
    await flushPass();
    expect(session.blocked).toBe(true);
    for (let i = 0; i < 3; i++) session.control('heartbeat', {});
    expect(session.state).toBe('open');
    session.control('heartbeat', {});
    expect(session.state).toBe('closed');
    expect(writer.closedWith?.code).toBe('slow_consumer');
  });
});

describe('session drain', () => {
  it('holds writes while blocked and flushes the queue in order in one write on drain', async () => {
    const { hub, writer, session } = await setup({ maxEvents: 10 });
    subscribe(hub, session);
    writer.full = true;
    publish(hub, 1);
    await flushPass();
    publish(hub, 2);
    publish(hub, 3);
    await flushPass();
    publish(hub, 4);
    await flushPass();
    expect(writer.writes).toHaveLength(1);
    expect(session.queued).toBe(3);

    writer.drain();
    expect(writer.writes).toHaveLength(2);
    expect(writer.writes[1]!.map(token)).toEqual(['e:2', 'e:3', 'e:4']);
    expect(session.blocked).toBe(false);
    expect(session.queued).toBe(0);

    publish(hub, 5);
    await flushPass();
    expect(writer.eventData()).toEqual([1, 2, 3, 4, 5]);
    expect(session.sent).toBe(5);
  });

  it('waits for another drain when the flush after a drain fills the buffer again', async () => {
    const { hub, writer, session } = await setup({ maxEvents: 10 });
    subscribe(hub, session);
    writer.fillOnWrite = true;
    publish(hub, 1);
    await flushPass();
    publish(hub, 2);
    writer.drain();
    expect(writer.eventData()).toEqual([1, 2]);
    expect(session.blocked).toBe(true);
    expect(writer.pendingDrains).toBe(1);
    publish(hub, 3);
    await flushPass();
    expect(writer.eventData()).toEqual([1, 2]);
    writer.drain();
    expect(writer.eventData()).toEqual([1, 2, 3]);
  });
});

describe('session batches', () => {
  it('releases a batch as one item when it reaches max, cancelling its timer', async () => {
    const { hub, writer, session, wheel } = await setup({ maxEvents: 100 });
    subscribe(hub, session, { batch: { max: 3, ms: 1000 } });
    publish(hub, 1, 2);
    await flushPass();
    expect(writer.writes).toHaveLength(0);
    expect(wheel.size).toBe(1);
    publish(hub, 3);
    await flushPass();
    expect(writer.tokens()).toEqual(['b[1,2,3]']);
    expect(wheel.size).toBe(0);
    publish(hub, 4, 5, 6, 7);
    await flushPass();
    expect(writer.tokens()).toEqual(['b[1,2,3]', 'b[4,5,6]']);
  });

  it('releases a partial batch when ms have passed since its first event', async () => {
    const { hub, writer, session, wheel } = await setup({ maxEvents: 100 });
    subscribe(hub, session, { batch: { max: 10, ms: 200 } });
    publish(hub, 1);
    clock = 100;
    wheel.advance();
    publish(hub, 2);
    clock = 190;
    wheel.advance();
    await flushPass();
    expect(writer.writes).toHaveLength(0);
    clock = 200;
    wheel.advance();
    await flushPass();
    expect(writer.tokens()).toEqual(['b[1,2]']);
    // The next batch's clock starts at its own first event.
    publish(hub, 3);
    clock = 390;
    wheel.advance();
    await flushPass();
    expect(writer.tokens()).toEqual(['b[1,2]']);
    clock = 400;
    wheel.advance();
    await flushPass();
    expect(writer.tokens()).toEqual(['b[1,2]', 'b[3]']);
  });

  it('counts a released batch toward the queue bound while blocked', async () => {
    const { hub, writer, session } = await setup({ maxEvents: 5 });
    subscribe(hub, session, { batch: { max: 3, ms: 1000 } });
    writer.full = true;
    publish(hub, 1, 2, 3);
    await flushPass();
    expect(session.blocked).toBe(true);
    publish(hub, 4, 5, 6);
    expect(session.queued).toBe(3);
    expect(session.state).toBe('open');
    publish(hub, 7, 8, 9);
    expect(session.state).toBe('closed');
    expect(writer.closedWith?.code).toBe('slow_consumer');
  });
});

describe('session catch-up from the replay window', () => {
  it('replays more than the queue bound without closing the session', async () => {
    const { hub, writer, session } = await setup({ maxEvents: 5, maxBytes: 1024 });
    const events = publish(hub, ...range(1, 40));
    const sub = subscribe(hub, session, { since: events[0]!.id });
    expect(sub.mode).toBe('catchup');
    await flushPass();
    expect(session.state).toBe('open');
    expect(writer.eventData()).toEqual(range(2, 40));
    expect(sub.mode).toBe('live');
    expect(session.queued).toBe(0);
  });

  it('pauses replay while blocked and resumes it on drain, in order, then goes live without a gap', async () => {
    const { hub, writer, session } = await setup({ maxEvents: 5, maxBytes: 1024 });
    publish(hub, ...range(1, 1200));
    writer.fillOnWrite = true;
    const sub = subscribe(hub, session, { since: formatEventId(EPOCH, 0) });
    await flushPass();
    expect(writer.writes).toHaveLength(1);
    expect(writer.writes[0]!.length).toBe(512); // one pass's budget, then it waits for drain
    expect(session.blocked).toBe(true);

    // Published mid-replay: read from the window later, never queued.
    publish(hub, ...range(1201, 1210));
    expect(session.queued).toBe(0);
    await flushPass();
    expect(writer.writes).toHaveLength(1);

    writer.drain(); // 513–1024
    expect(writer.writes).toHaveLength(2);
    expect(session.blocked).toBe(true);
    writer.drain(); // 1025–1210, the rest of the window
    expect(writer.writes).toHaveLength(3);
    expect(session.state).toBe('open');
    expect(sub.mode).toBe('live');
    writer.fillOnWrite = false;
    writer.drain();
    publish(hub, 1211);
    await flushPass();
    expect(writer.eventData()).toEqual(range(1, 1211));
  });
});

describe('session control ordering', () => {
  it('sends controls and events in the order they were queued', async () => {
    const { hub, writer, session } = await setup({ maxEvents: 10 });
    subscribe(hub, session);
    session.control('hello', {});
    publish(hub, 1);
    session.control('heartbeat', {});
    publish(hub, 2);
    await flushPass();
    expect(writer.tokens()).toEqual(['c:hello', 'e:1', 'c:heartbeat', 'e:2']);
  });

  it('keeps that order across a drain', async () => {
    const { hub, writer, session } = await setup({ maxEvents: 10 });
    subscribe(hub, session);
    writer.full = true;
    publish(hub, 1);
    await flushPass();
    session.control('pong', {});
    publish(hub, 2);
    session.control('heartbeat', {});
    publish(hub, 3);
    writer.drain();
    expect(writer.tokens()).toEqual(['e:1', 'c:pong', 'e:2', 'c:heartbeat', 'e:3']);
  });

  it('announces a resuming subscription before its replayed events', async () => {
    const { hub, writer, session } = await setup();
    const events = publish(hub, 1, 2, 3);
    subscribe(hub, session, { since: events[0]!.id, announce: () => session.control('subscribed', {}) });
    await flushPass();
    expect(writer.tokens()).toEqual(['c:subscribed', 'e:2', 'e:3']);
  });

  it('sends reset before the snapshot when a resume id is from another epoch', async () => {
    const { hub, writer, session } = await setup({}, { reducer: new CountingReducer() });
    await hub.publish({ topic: 'state', type: 'changed' });
    hub.subscribe(session, {
      filter: compileFilter({ topics: ['state', 't'] }),
      since: formatEventId('otherepoch', 1),
      announce: () => session.control('subscribed', {}),
    });
    await flushPass();
    expect(writer.tokens()).toEqual(['c:subscribed', 'c:reset', 'e:[object Object]']);
    const [, reset, snapshot] = writer.writes.flat();
    expect(reset).toMatchObject({
      kind: 'control',
      name: 'reset',
      data: { reason: 'epoch_changed', lastEventId: hub.head },
    });
    expect(snapshot).toMatchObject({
      kind: 'event',
      event: { event: { topic: 'state', type: 'snapshot', id: hub.head, data: { count: 1 } } },
    });
  });

  it('releases a pending batch before the unsubscribed control', async () => {
    const { hub, writer, session } = await setup();
    const sub = subscribe(hub, session, { batch: { max: 10, ms: 1000 } });
    publish(hub, 1, 2);
    hub.unsubscribe(session, sub.id);
    session.control('unsubscribed', {});
    publish(hub, 3);
    await flushPass();
    expect(writer.tokens()).toEqual(['b[1,2]', 'c:unsubscribed']);
  });
});
