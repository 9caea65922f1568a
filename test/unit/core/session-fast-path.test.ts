import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '../../../src/bus/memory-bus.js';
import { compileFilter } from '../../../src/core/filter.js';
import { Hub, type HubObserver } from '../../../src/core/hub.js';
import type { CloseReason, Outbound, TransportKind, TransportWriter } from '../../../src/core/outbound.js';
import { ANONYMOUS } from '../../../src/core/principal.js';
import type { SerializedEvent } from '../../../src/core/serialized-event.js';
import type { QueueLimits, Session } from '../../../src/core/session.js';
import { TimerWheel } from '../../../src/core/timer-wheel.js';

/**
 * A writer with the one-event fast path (`writeEvent`), as SSE and WebSocket have. Every write is
 * recorded as `direct` (one event, on the fast path) or `flush` (the items of a flush pass).
 */
class FastWriter implements TransportWriter {
  readonly kind = 'ws' as const;
  readonly writes: { how: 'direct' | 'flush'; tokens: string[] }[] = [];
  full = false;
  fillOnWrite = false;
  closedWith: CloseReason | undefined;
  private drainCallbacks: (() => void)[] = [];

  write(items: readonly Outbound[]): boolean {
    this.writes.push({ how: 'flush', tokens: items.map(token) });
    if (this.fillOnWrite) this.full = true;
    return !this.full;
  }
  writeEvent(sub: string, event: SerializedEvent): boolean {
    this.writes.push({ how: 'direct', tokens: [`${sub}:e:${String(event.event.data)}`] });
    if (this.fillOnWrite) this.full = true;
    return !this.full;
  }
  needsDrain(): boolean {
    return this.full;
  }
  bufferedBytes(): number {
    return 0;
  }
  onDrain(callback: () => void): void {
    this.drainCallbacks.push(callback);
  }
  close(reason: CloseReason): void {
    this.closedWith ??= reason;
  }
  drain(): void {
    this.full = false;
    const callbacks = this.drainCallbacks;
    this.drainCallbacks = [];
    for (const cb of callbacks) cb();
  }
  /** Event data in write order, whatever the path. */
  data(): string[] {
    return this.writes.flatMap((w) => w.tokens).map((t) => t.slice(t.lastIndexOf(':') + 1));
  }
}

function token(item: Outbound): string {
  if (item.kind === 'event') return `${item.sub}:e:${String(item.event.event.data)}`;
  if (item.kind === 'batch') return `${item.sub}:b:${item.events.map((e) => String(e.event.data)).join(',')}`;
  return `c:${item.name}`;
}

class CountingObserver implements HubObserver {
  live: { kind: TransportKind; count: number }[] = [];
  queuedEvents = 0;
  slow = 0;
  published(): void {}
  delivered(_kind: TransportKind, items: readonly Outbound[]): void {
    for (const item of items) if (item.kind === 'event') this.queuedEvents++;
  }
  deliveredLive(kind: TransportKind, count: number): void {
    this.live.push({ kind, count });
  }
  sessionOpened(): void {}
  sessionClosed(): void {}
  slowConsumer(): void {
    this.slow++;
  }
}

const hubs: Hub[] = [];
let clock = 0;

async function setup(queue: Partial<QueueLimits> = {}, observer: HubObserver = new CountingObserver()) {
  clock = 0;
  const hub = new Hub({
    bus: new MemoryBus('fastpath01'),
    timers: new TimerWheel({ tickMs: 10, slots: 64, now: () => clock }),
    clock: { now: () => clock },
    queue: { maxEvents: 5, maxBytes: 1_000_000, ...queue },
    observer,
  });
  await hub.start();
  hubs.push(hub);
  return { hub, observer };
}

function open(hub: Hub): { writer: FastWriter; session: Session } {
  const writer = new FastWriter();
  const session = hub.openSession({ transport: writer, ip: '127.0.0.1', principal: ANONYMOUS });
  hub.subscribe(session, { filter: compileFilter({ topics: ['t'] }) });
  return { writer, session };
}

/** One bus delivery holding these events (the memory bus dispatches before `publish` settles). */
function publish(hub: Hub, ...data: unknown[]): void {
  void hub.publish(data.map((d) => ({ topic: 't', type: 'x', data: d })));
}

function nextTick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

afterEach(async () => {
  for (const hub of hubs.splice(0)) await hub.stop({ code: 'done', message: 'test over', wsCode: 1000 });
});

describe('session fast path', () => {
  it('writes a single event to an idle, writable session at once, in one write, without queueing it', async () => {
    const { hub } = await setup();
    const { writer, session } = open(hub);
    await nextTick();
    publish(hub, 1);
    expect(writer.writes).toEqual([{ how: 'direct', tokens: ['s1:e:1'] }]);
    expect(session.queued).toBe(0);
    expect(session.sent).toBe(1);
  });

  it('coalesces the events after the first of one tick into one write on the flush pass, then is direct again', async () => {
    const { hub } = await setup({ maxEvents: 100 });
    const { writer } = open(hub);
    await nextTick();
    publish(hub, 1);
    publish(hub, 2);
    publish(hub, 3);
    expect(writer.writes).toHaveLength(1);
    await nextTick();
    expect(writer.writes).toEqual([
      { how: 'direct', tokens: ['s1:e:1'] },
      { how: 'flush', tokens: ['s1:e:2', 's1:e:3'] },
    ]);
    publish(hub, 4);
    expect(writer.writes.at(-1)).toEqual({ how: 'direct', tokens: ['s1:e:4'] });
  });

  it('queues a burst (several events in one delivery) and writes it in one write on the flush pass', async () => {
    const { hub } = await setup({ maxEvents: 5 });
    const { writer, session } = open(hub);
    await nextTick();
    publish(hub, 1, 2, 3, 4, 5, 6, 7, 8);
    expect(writer.writes).toHaveLength(0);
    expect(session.queued).toBe(8);
    await nextTick();
    expect(writer.writes).toEqual([{ how: 'flush', tokens: [1, 2, 3, 4, 5, 6, 7, 8].map((n) => `s1:e:${n}`) }]);
    expect(session.state).toBe('open');
  });

  it('keeps what is already queued ahead of the event: a queued control goes first, in the same write', async () => {
    const { hub } = await setup();
    const { writer } = open(hub);
    await nextTick();
    writer.writes.length = 0;
    hub.getSession(hub.listSessions()[0]!.id)!.control('heartbeat', {});
    publish(hub, 1);
    await nextTick();
    expect(writer.writes).toEqual([{ how: 'flush', tokens: ['c:heartbeat', 's1:e:1'] }]);
  });

  it('stops at a full buffer: later events queue, are bounded, and the session is cut off as a slow consumer', async () => {
    const observer = new CountingObserver();
    const { hub } = await setup({ maxEvents: 3 }, observer);
    const { writer, session } = open(hub);
    await nextTick();
    writer.full = true;
    publish(hub, 1);
    expect(writer.writes).toEqual([{ how: 'direct', tokens: ['s1:e:1'] }]);
    expect(session.blocked).toBe(true);
    await nextTick();
    publish(hub, 2);
    await nextTick();
    publish(hub, 3);
    await nextTick();
    publish(hub, 4);
    expect(session.queued).toBe(3);
    expect(writer.writes).toHaveLength(1);
    publish(hub, 5);
    expect(session.state).toBe('closed');
    expect(writer.closedWith?.code).toBe('slow_consumer');
    expect(observer.slow).toBe(1);
  });

  it('after a drain writes the queue in one write and returns to the fast path', async () => {
    const { hub } = await setup({ maxEvents: 10 });
    const { writer } = open(hub);
    await nextTick();
    writer.full = true;
    publish(hub, 1);
    await nextTick();
    publish(hub, 2);
    await nextTick();
    publish(hub, 3);
    writer.drain();
    await nextTick();
    publish(hub, 4);
    expect(writer.writes.map((w) => w.how)).toEqual(['direct', 'flush', 'direct']);
    expect(writer.data()).toEqual(['1', '2', '3', '4']);
  });

  it('reports fast-path writes once per event and transport, counting every session', async () => {
    const observer = new CountingObserver();
    const { hub } = await setup({}, observer);
    const sessions = [open(hub), open(hub), open(hub)];
    await nextTick();
    publish(hub, 1);
    expect(sessions.every((s) => s.writer.writes.length === 1)).toBe(true);
    expect(observer.live).toEqual([{ kind: 'ws', count: 3 }]);
    expect(observer.queuedEvents).toBe(0);
  });

  it('reports them item by item to an observer without deliveredLive', async () => {
    const items: Outbound[] = [];
    const observer: HubObserver = {
      published() {},
      delivered(_kind, delivered, _now, live) {
        expect(live).toBe(true);
        items.push(...delivered);
      },
      sessionOpened() {},
      sessionClosed() {},
      slowConsumer() {},
    };
    const { hub } = await setup({}, observer);
    open(hub);
    open(hub);
    await nextTick();
    publish(hub, 1);
    expect(items).toHaveLength(2);
  });

  it('counts a fast-path write as activity for the idle heartbeat', async () => {
    const { hub } = await setup();
    const { session } = open(hub);
    await nextTick();
    clock = 5000;
    publish(hub, 1);
    expect(session.idleMs(5000)).toBe(0);
    expect(session.idleMs(6500)).toBe(1500);
  });
});
