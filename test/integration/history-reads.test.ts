/**
 * Many deep resumes at once on a real Redis (issue 14's history mode, bounded by issue 9's rule
 * that no client can exhaust the server): every resume older than the node's replay window reads
 * the Redis stream in pages, and `replay.maxHistoryReads` bounds how many read or hold a page at
 * once, across all connections. The bus is the real `RedisBus`, with its `read` counted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBus } from '../../src/bus/redis-bus.js';
import type { LiveEvent } from '../../src/core/event.js';
import { compileFilter } from '../../src/core/filter.js';
import { Hub } from '../../src/core/hub.js';
import { normalClose, type CloseReason, type Outbound, type TransportWriter } from '../../src/core/outbound.js';
import { ANONYMOUS } from '../../src/core/principal.js';
import type { Session } from '../../src/core/session.js';
import type { LivegateServer } from '../../src/http/server.js';
import { publishEvents, startTestServer } from '../harness/livegate.js';
import { startRedis, type RedisServer } from '../harness/redis.js';
import { TestSse } from '../harness/sse-client.js';
import { waitFor } from '../harness/wait.js';

const MAX_HISTORY_READS = 2;
const EVENTS = 2000;

/** The real Redis bus, counting the history reads in flight and the slots held when each began. */
class CountedBus extends RedisBus {
  inFlight = 0;
  maxInFlight = 0;
  reads = 0;
  maxHolding = 0;
  maxWaiting = 0;
  hub: LivegateServer['hub'] | undefined;

  override async read(after: string, limit: number): Promise<LiveEvent[] | 'reset'> {
    this.reads++;
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    const info = this.hub?.historyReadInfo();
    if (info !== undefined) {
      this.maxHolding = Math.max(this.maxHolding, info.holding);
      this.maxWaiting = Math.max(this.maxWaiting, info.waiting);
    }
    try {
      return await super.read(after, limit);
    } finally {
      this.inFlight--;
    }
  }
}

describe(`deep resumes at once (replay.maxHistoryReads ${MAX_HISTORY_READS})`, () => {
  let redis: RedisServer;
  let server: LivegateServer;
  let bus: CountedBus;
  let ids: string[];

  beforeAll(async () => {
    redis = await startRedis();
    const stream = 'history-reads';
    bus = new CountedBus({ url: redis.url, stream });
    server = await startTestServer(
      {
        bus: { kind: 'redis', redis: { url: redis.url, stream } },
        // A window of 50 events: a resume from the start of the epoch reads ~1,950 from Redis.
        replay: { maxEvents: 50, maxHistoryReads: MAX_HISTORY_READS },
      },
      { bus },
    );
    bus.hub = server.hub;
    ids = [];
    for (let batch = 0; batch < EVENTS / 500; batch++)
      ids.push(
        ...(await publishEvents(
          server,
          Array.from({ length: 500 }, (_, i) => ({ topic: 'deep', type: 't', data: { n: batch * 500 + i } })),
        )),
      );
    await waitFor(() => server.hub.head === ids.at(-1), { timeoutMs: 20_000, what: 'the node to read every event' });
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await redis?.stop();
  });

  it('reads for at most that many clients at once, and every client gets every event once, in order', async () => {
    const start = `${server.hub.epoch}-0`;
    const streams = Array.from(
      { length: 8 },
      () => new TestSse(`${server.url}/api/v2/events/stream?topics=deep`, { headers: { 'last-event-id': start } }),
    );
    // Long-poll clients page through with each answer's lastEventId (an answer that waited for its
    // turn comes back at its timeout, empty, with the same position).
    const poller = async (): Promise<string[]> => {
      const got: string[] = [];
      let position = start;
      while (got.length < EVENTS) {
        const page = (await (
          await fetch(`${server.url}/api/v2/events/poll?topics=deep&since=${position}&timeout=1`)
        ).json()) as { events: { id: string }[]; reset: boolean; lastEventId: string };
        expect(page.reset).toBe(false);
        got.push(...page.events.map((e) => e.id));
        position = page.lastEventId;
      }
      return got;
    };
    try {
      const polled = await Promise.all([poller(), poller(), poller(), poller()]);
      for (const sse of streams) await sse.waitForEvents(EVENTS, 60_000);

      for (const got of polled) expect(got).toEqual(ids);
      for (const sse of streams) {
        expect(sse.events().map((e) => e.id)).toEqual(ids);
        expect(sse.messages.some((m) => m.event === 'reset')).toBe(false);
      }
      // The bound held, and was reached: clients had to wait for their turn.
      expect(bus.maxInFlight).toBeLessThanOrEqual(MAX_HISTORY_READS);
      expect(bus.maxHolding).toBeLessThanOrEqual(MAX_HISTORY_READS);
      expect(bus.maxWaiting).toBeGreaterThan(0);
      expect(server.hub.historyReadInfo().waited).toBeGreaterThan(0);
      // 12 clients × ~1,950 events in pages of 512: every client read its own pages.
      expect(bus.reads).toBeGreaterThanOrEqual(12 * 4);

      // Live events follow on the streams, once; the slots are all back.
      const [live] = await publishEvents(server, [{ topic: 'deep', type: 't', data: { n: EVENTS } }]);
      for (const sse of streams) await sse.waitForEvents(EVENTS + 1, 10_000);
      for (const sse of streams) expect(sse.events().at(-1)!.id).toBe(live);
      expect(server.hub.historyReadInfo()).toMatchObject({ holding: 0, waiting: 0, max: MAX_HISTORY_READS });
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toMatch(/^livegate_history_reads 0$/m);
      expect(metrics).toMatch(/^livegate_history_reads_waiting 0$/m);
      expect(metrics).toMatch(/^livegate_history_reads_waited_total [1-9]\d*$/m);
    } finally {
      for (const sse of streams) sse.close();
    }
  }, 120_000);
});

/** A connection under the test's control: records event seqs; stops reading when told to. */
class ControlledWriter implements TransportWriter {
  readonly kind = 'ws' as const;
  readonly seqs: number[] = [];
  /** Stop reading after the next write (the buffer stays full until {@link drain}). */
  stallAfterWrite = false;
  private full = false;
  private drains: (() => void)[] = [];

  write(items: readonly Outbound[]): boolean {
    for (const item of items) {
      if (item.kind === 'event') this.seqs.push(item.event.event.seq);
      else if (item.kind === 'batch') for (const e of item.events) this.seqs.push(e.event.seq);
    }
    if (this.stallAfterWrite) this.full = true;
    return !this.full;
  }
  needsDrain(): boolean {
    return this.full;
  }
  bufferedBytes(): number {
    return 0;
  }
  onDrain(callback: () => void): void {
    this.drains.push(callback);
  }
  close(_reason: CloseReason): void {}
  /** The peer reads again. */
  drain(): void {
    this.full = false;
    this.stallAfterWrite = false;
    for (const cb of this.drains.splice(0)) cb();
  }
}

describe('a deep resume whose connection stopped reading (replay.maxHistoryReads 1)', () => {
  let redis: RedisServer;
  let hub: Hub;

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await hub?.stop(normalClose('done', 'test over'));
    await redis?.stop();
  });

  it('gives its page up to the next in line, and later reads the rest from where it stopped', async () => {
    // Pages of 1,024 events delivered 512 per pass: a reader that stalls after one pass holds
    // the other half of its page, and with it the only slot.
    hub = new Hub({
      bus: new RedisBus({ url: redis.url, stream: 'stalled' }),
      window: { maxEvents: 10 },
      historyPage: 1024,
      maxHistoryReads: 1,
    });
    await hub.start();
    const total = 1500;
    for (let batch = 0; batch < 3; batch++)
      await hub.publish(
        Array.from({ length: 500 }, (_, i) => ({ topic: 'deep', type: 't', data: { n: batch * 500 + i } })),
      );
    await waitFor(() => hub.head === `${hub.epoch}-${total}`, { timeoutMs: 20_000, what: 'every event read back' });
    const all = Array.from({ length: total }, (_, i) => i + 1);
    const resume = (writer: ControlledWriter): Session => {
      const session = hub.openSession({ transport: writer, ip: '127.0.0.1', principal: ANONYMOUS });
      hub.subscribe(session, { filter: compileFilter({ topics: ['deep'] }), since: `${hub.epoch}-0` });
      return session;
    };

    const stalled = new ControlledWriter();
    stalled.stallAfterWrite = true;
    const a = resume(stalled);
    await waitFor(() => a.blocked && stalled.seqs.length > 0, { timeoutMs: 10_000, what: 'the first reader stalled' });
    expect(hub.historyReadInfo()).toMatchObject({ holding: 1, waiting: 0 });
    const stoppedAt = stalled.seqs.length;
    expect(stalled.seqs).toEqual(all.slice(0, stoppedAt));

    const reading = new ControlledWriter();
    const b = resume(reading);
    await waitFor(() => reading.seqs.length === total, { timeoutMs: 20_000, what: 'the second reader served in full' });
    expect(reading.seqs).toEqual(all);
    expect(stalled.seqs.length).toBe(stoppedAt);
    expect(a.state).toBe('open');

    stalled.drain();
    await waitFor(() => stalled.seqs.length === total, { timeoutMs: 20_000, what: 'the first reader served in full' });
    expect(stalled.seqs).toEqual(all);
    expect(hub.historyReadInfo()).toMatchObject({ holding: 0, waiting: 0 });
    a.close(normalClose('done', 'test'));
    b.close(normalClose('done', 'test'));
  }, 60_000);
});
