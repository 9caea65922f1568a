import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '../../../src/bus/memory-bus.js';
import type { Clock } from '../../../src/core/clock.js';
import type { Labels, LiveEvent } from '../../../src/core/event.js';
import { compileFilter } from '../../../src/core/filter.js';
import { Hub } from '../../../src/core/hub.js';
import type { CloseReason, Outbound, TransportWriter } from '../../../src/core/outbound.js';
import { ANONYMOUS } from '../../../src/core/principal.js';
import type { StateReducer } from '../../../src/core/state-topic.js';
import { TimerWheel } from '../../../src/core/timer-wheel.js';

class RecordingWriter implements TransportWriter {
  readonly kind = 'sse' as const;
  readonly items: Outbound[] = [];
  closedWith: CloseReason | undefined;
  write(items: readonly Outbound[]): boolean {
    this.items.push(...items);
    return true;
  }
  needsDrain(): boolean {
    return false;
  }
  bufferedBytes(): number {
    return 0;
  }
  onDrain(): void {}
  close(reason: CloseReason): void {
    this.closedWith ??= reason;
  }
}

/** A state topic counting its events. */
class CountReducer implements StateReducer {
  readonly topic = 'count';
  n = 0;
  apply(): void {
    this.n++;
  }
  snapshot(_include: (labels: Labels) => boolean): unknown {
    return { n: this.n };
  }
}

let time = 0;
const clock: Clock = { now: () => time };
const hubs: Hub[] = [];
afterEach(async () => {
  for (const hub of hubs.splice(0)) await hub.stop({ code: 'done', message: 'test over', wsCode: 1000 });
  time = 0;
});

function makeHub(bus: MemoryBus, reducer?: StateReducer): { hub: Hub; wheel: TimerWheel } {
  const wheel = new TimerWheel({ tickMs: 10, slots: 64, now: () => time });
  const hub = new Hub({ bus, clock, timers: wheel });
  if (reducer !== undefined) hub.registerState(reducer);
  hubs.push(hub);
  return { hub, wheel };
}

const draft = (topic: string, data: unknown) => ({ topic, type: 't', source: 's', time: 'x', labels: {}, data });

describe('Hub.start on a bus that already holds events', () => {
  it('fills the window and the state topics before start resolves', async () => {
    const bus = new MemoryBus('startepoch');
    const held: LiveEvent[] = await bus.append([draft('count', 1), draft('other', 2), draft('count', 3)]);
    const reducer = new CountReducer();
    const { hub } = makeHub(bus, reducer);
    await hub.start();
    expect(hub.windowInfo()).toMatchObject({ events: 3, headSeq: 3 });
    expect(hub.head).toBe(held[2]!.id);
    expect(reducer.n).toBe(2);
    expect(hub.snapshotEvent('count', compileFilter({}))?.event.data).toEqual({ n: 2 });
    // A client of an earlier life of this bus resumes from its id without loss.
    expect(hub.resumePointOf(held[0]!.id)).toEqual({ kind: 'replay', seq: 1 });
  });
});

describe('sessions', () => {
  it('take their time from the injected clock and hold one timer per purpose', async () => {
    const { hub, wheel } = makeHub(new MemoryBus('timerepoch'));
    await hub.start();
    time = 1000;
    const session = hub.openSession({ transport: new RecordingWriter(), ip: '127.0.0.1', principal: ANONYMOUS });
    expect(session.openedMono).toBe(1000);
    const fired: string[] = [];
    session.setTimer('heartbeat', 50, () => fired.push('heartbeat-1'));
    session.setTimer('heartbeat', 100, () => fired.push('heartbeat-2')); // replaces the first
    session.setTimer('keepalive', 50, () => fired.push('keepalive'));
    session.setTimer('timeout', 200, () => fired.push('timeout'));
    expect(wheel.size).toBe(3);
    expect(session.timerDue('heartbeat')).toBe(1100);
    time = 1150;
    hub.advanceTimers();
    expect(fired).toEqual(['keepalive', 'heartbeat-2']);
    expect(session.timerDue('timeout')).toBe(1200);
    session.close({ code: 'done', message: 'done', wsCode: 1000 });
    expect(wheel.size).toBe(0);
    expect(session.timerDue('timeout')).toBeNull();
  });

  it('are listed, found and closed through hub methods', async () => {
    const { hub } = makeHub(new MemoryBus('listepoch'));
    await hub.start();
    const writer = new RecordingWriter();
    const session = hub.openSession({ transport: writer, ip: '127.0.0.1', principal: ANONYMOUS });
    hub.subscribe(session, { filter: compileFilter({ topics: ['a'] }) });
    expect(hub.sessionCount).toBe(1);
    expect(hub.getSession(session.id)).toBe(session);
    expect(hub.subscriptionCount).toBe(1);
    expect(hub.closeSession('nope', { code: 'done', message: '', wsCode: 1000 })).toBe(false);
    expect(hub.closeSession(session.id, { code: 'closed_by_admin', message: 'bye', wsCode: 4010 })).toBe(true);
    expect(writer.closedWith?.code).toBe('closed_by_admin');
    expect(hub.sessionCount).toBe(0);
    expect(hub.subscriptionCount).toBe(0);
  });
});

describe('the demand signal', () => {
  it('reports the first subscription naming a topic and the last one leaving, ignoring all-topic ones', async () => {
    const { hub } = makeHub(new MemoryBus('demandepoch'));
    const changes: unknown[] = [];
    hub.registerDemand({ topics: ['metrics'], onDemand: (c) => changes.push(c) });
    await hub.start();
    const session = hub.openSession({ transport: new RecordingWriter(), ip: '127.0.0.1', principal: ANONYMOUS });
    hub.subscribe(session, { filter: compileFilter({}) });
    expect(changes).toEqual([]);
    const a = hub.subscribe(session, { filter: compileFilter({ topics: ['metrics'] }) });
    const b = hub.subscribe(session, { filter: compileFilter({ topics: ['metr*'] }) });
    expect(changes).toEqual([{ topic: 'metrics', active: true }]);
    hub.unsubscribe(session, a.id);
    expect(changes).toHaveLength(1);
    hub.unsubscribe(session, b.id);
    expect(changes).toEqual([
      { topic: 'metrics', active: true },
      { topic: 'metrics', active: false },
    ]);
    hub.subscribe(session, { filter: compileFilter({ topics: ['metrics'] }) });
    session.close({ code: 'client_closed', message: '', wsCode: 1000 });
    expect(changes).toHaveLength(4);
  });

  it('refuses demand registered after start', async () => {
    const { hub } = makeHub(new MemoryBus('lateepoch'));
    await hub.start();
    expect(() => hub.registerDemand({ topics: ['x'], onDemand: () => {} })).toThrow(/before start/);
  });
});

describe('the timer wheel', () => {
  it('counts and reports a task that throws, and goes on', () => {
    const errors: unknown[] = [];
    const wheel = new TimerWheel({ tickMs: 10, slots: 16, now: () => time, onError: (err) => errors.push(err) });
    let fired = 0;
    wheel.schedule(10, () => {
      throw new Error('boom');
    });
    wheel.schedule(10, () => fired++);
    time = 20;
    wheel.advance();
    wheel.stop();
    expect(fired).toBe(1);
    expect(wheel.failures).toBe(1);
    expect((errors[0] as Error).message).toBe('boom');
  });
});
