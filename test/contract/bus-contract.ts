import { afterEach, describe, expect, it } from 'vitest';
import type { Bus, BusHealth } from '../../src/bus/bus.js';
import type { LiveEvent, StampedDraft } from '../../src/core/event.js';
import { formatEventId, parseEventId } from '../../src/core/event-id.js';
import { waitFor } from '../harness/wait.js';

/** How the contract gets buses of one implementation. */
export interface BusFixture {
  /** A new, unstarted bus on fresh storage. */
  make(): Promise<Bus> | Bus;
  /**
   * A second bus on the same storage as `first` (another node joining a shared bus). Omit for a
   * bus without shared storage: the contract then restarts `first` itself after stopping it.
   */
  join?(first: Bus): Promise<Bus> | Bus;
  /** Releases whatever the fixture started (servers, temp dirs). */
  cleanup?(): Promise<void> | void;
}

/** Drafts on topic `t` whose data are the given numbers. */
function drafts(...data: number[]): StampedDraft[] {
  return data.map((d) => ({
    topic: 't',
    type: 'x',
    source: 'contract',
    time: '2026-11-23T00:00:00.000Z',
    labels: {},
    data: d,
  }));
}

/** A listener that records what it receives. */
function recorder(): { events: LiveEvent[]; listener: (events: readonly LiveEvent[]) => void } {
  const events: LiveEvent[] = [];
  return { events, listener: (batch) => events.push(...batch) };
}

/**
 * The behaviour every bus must have (see `core/bus.ts`): one total order, replay from a position
 * before `start` resolves, reads for resumes older than a hub's window, epochs that tell one life
 * of the stream from another, and health as a stream of changes. Run it from a test file:
 * `runBusContract('memory', { make: () => new MemoryBus() })`.
 */
export function runBusContract(name: string, fixture: BusFixture): void {
  describe(`bus contract: ${name}`, () => {
    const started: Bus[] = [];
    const open = async (bus: Bus, listener: (events: readonly LiveEvent[]) => void, from?: string | null) => {
      await bus.start(listener, from);
      started.push(bus);
      return bus;
    };
    afterEach(async () => {
      for (const bus of started.splice(0)) await bus.stop();
      await fixture.cleanup?.();
    });

    /** A bus holding events 1..n (data = 1..n), stopped, plus the bus to restart or join with. */
    async function withHistory(n: number): Promise<{ appended: LiveEvent[]; next: Bus }> {
      const first = await fixture.make();
      const rec = recorder();
      await open(first, rec.listener);
      const appended = await first.append(drafts(...Array.from({ length: n }, (_, i) => i + 1)));
      await waitFor(() => rec.events.length === n, { timeoutMs: 5000, what: `${n} events delivered` });
      if (fixture.join !== undefined) return { appended, next: await fixture.join(first) };
      await first.stop();
      started.splice(started.indexOf(first), 1);
      return { appended, next: first };
    }

    it('delivers appended events in one increasing order with ids of its epoch', async () => {
      const bus = await fixture.make();
      const rec = recorder();
      await open(bus, rec.listener);
      const a = await bus.append(drafts(1, 2));
      const b = await bus.append(drafts(3));
      await waitFor(() => rec.events.length === 3, { timeoutMs: 5000, what: 'three events delivered' });
      expect(rec.events.map((e) => e.data)).toEqual([1, 2, 3]);
      expect(rec.events.map((e) => e.id)).toEqual([...a, ...b].map((e) => e.id));
      for (let i = 1; i < rec.events.length; i++) expect(rec.events[i]!.seq).toBeGreaterThan(rec.events[i - 1]!.seq);
      for (const e of rec.events) expect(parseEventId(e.id)).toEqual({ epoch: bus.epoch, seq: e.seq });
    });

    it('replays retained history to the listener before start resolves, then continues live', async () => {
      const { appended, next } = await withHistory(5);
      const rec = recorder();
      await open(next, rec.listener, null);
      expect(rec.events.map((e) => e.id)).toEqual(appended.map((e) => e.id));
      await next.append(drafts(6));
      await waitFor(() => rec.events.length === 6, { timeoutMs: 5000, what: 'the live event after the replay' });
      expect(rec.events.map((e) => e.data)).toEqual([1, 2, 3, 4, 5, 6]);
    });

    it('replays only what came after the position it starts from', async () => {
      const { appended, next } = await withHistory(5);
      const rec = recorder();
      await open(next, rec.listener, appended[2]!.id);
      expect(rec.events.map((e) => e.data)).toEqual([4, 5]);
    });

    it('reads a page of retained events after a position', async () => {
      const { appended, next } = await withHistory(6);
      await open(next, () => {}, appended.at(-1)!.id);
      expect(((await next.read(appended[0]!.id, 2)) as LiveEvent[]).map((e) => e.data)).toEqual([2, 3]);
      expect(((await next.read(appended[3]!.id, 100)) as LiveEvent[]).map((e) => e.data)).toEqual([5, 6]);
      expect(await next.read(appended.at(-1)!.id, 10)).toEqual([]);
    });

    it('answers a read from another epoch, or from ahead of the stream, with reset', async () => {
      const { appended, next } = await withHistory(2);
      await open(next, () => {}, appended.at(-1)!.id);
      const other = next.epoch === 'otherepoch' ? 'elseepoch' : 'otherepoch';
      expect(await next.read(formatEventId(other, 1), 10)).toBe('reset');
      expect(await next.read(formatEventId(next.epoch, appended.at(-1)!.seq + 1000), 10)).toBe('reset');
    });

    it('keeps one epoch across a restart or a join of the same stream', async () => {
      const { appended, next } = await withHistory(1);
      await open(next, () => {}, appended[0]!.id);
      expect(next.epoch).toBe(parseEventId(appended[0]!.id)!.epoch);
    });

    it('reports health as a stream of changes', async () => {
      const bus = await fixture.make();
      const changes: BusHealth[] = [];
      const off = bus.onHealth((h) => changes.push(h));
      await open(bus, () => {});
      await waitFor(() => changes.some((h) => h.ok), { timeoutMs: 5000, what: 'a healthy change after start' });
      expect(bus.health().ok).toBe(true);
      await bus.stop();
      started.splice(started.indexOf(bus), 1);
      await waitFor(() => changes.at(-1)?.ok === false, { timeoutMs: 5000, what: 'an unhealthy change after stop' });
      expect(bus.health().ok).toBe(false);
      const seen = changes.length;
      off();
      await open(bus, () => {});
      expect(changes).toHaveLength(seen);
    });
  });
}
