import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClient, type LivegateClient } from '../src/client.js';
import { createStore } from '../src/store.js';
import type { ClientOptions, DisconnectedInfo, LivegateEvent, StateChange, TransportChange } from '../src/types.js';
import { ev, snapshot } from './support/events.js';
import { FakeNetwork } from './support/fake-transport.js';

let net: FakeNetwork;
const clients: LivegateClient[] = [];

beforeEach(() => {
  vi.useFakeTimers();
  net = new FakeNetwork();
});

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

function make(extra: Partial<ClientOptions> = {}): LivegateClient {
  const client = createClient({
    url: 'http://lg.test',
    transportFactories: net.factories(),
    random: () => 0,
    topics: ['alerts', 'deploys'],
    ...extra,
  });
  clients.push(client);
  return client;
}

function record<T>(client: LivegateClient, name: string): T[] {
  const out: T[] = [];
  client.on(name, (payload: unknown) => out.push(payload as T));
  return out;
}

const ids = (events: LivegateEvent[]): string[] => events.map((e) => e.id);

describe('connecting', () => {
  it('starts connecting at once with the first transport and opens on hello', () => {
    const client = make();
    const states = record<StateChange>(client, 'state');
    const connected = record(client, 'connected');
    const transports = record<TransportChange>(client, 'transport');
    expect(client.state).toBe('connecting');
    expect(net.names()).toEqual(['sse']);
    net.last().open({ connection: 'c1', epoch: 'epocha', heartbeatMs: 1000 });
    expect(client.state).toBe('open');
    expect(client.transport).toBe('sse');
    expect(states).toEqual([{ oldState: 'connecting', newState: 'open', transport: 'sse', error: null }]);
    expect(connected).toEqual([{ transport: 'sse', connection: 'c1', epoch: 'epocha', resumed: false }]);
    expect(transports).toEqual([{ oldTransport: null, newTransport: 'sse', reason: 'reconnect' }]);
    expect(client.getStatus()).toMatchObject({
      state: 'open',
      transport: 'sse',
      connection: 'c1',
      counters: { attempts: 1, opens: 1 },
    });
  });

  it('sends the filter and the token, and no resume id on a first connection', () => {
    make({ token: 't0k', match: ['{severity="critical"}'] });
    expect(net.last().params).toMatchObject({
      filter: { topics: ['alerts', 'deploys'], match: ['{severity="critical"}'] },
      since: null,
      token: 't0k',
    });
  });

  it('asks a token function again before every attempt', async () => {
    let n = 0;
    const token = vi.fn(async () => `t${++n}`);
    make({ token });
    await vi.advanceTimersByTimeAsync(0);
    expect(net.last().params.token).toBe('t1');
    net.last().fail('connect_failed');
    await vi.advanceTimersByTimeAsync(0);
    expect(net.last().params.token).toBe('t2');
    expect(token).toHaveBeenCalledTimes(2);
  });

  it('does not count a slow token provider against the transport', async () => {
    make({
      token: () => new Promise<string>((resolve) => setTimeout(() => resolve('late'), 15_000)),
      connectTimeoutMs: 10_000,
    });
    await vi.advanceTimersByTimeAsync(15_000);
    expect(net.names()).toEqual(['sse']);
    expect(net.last().params.token).toBe('late');
    await vi.advanceTimersByTimeAsync(9_999);
    expect(net.last().closedByClient).toBe(false);
  });

  it('treats a failing token function as a reason to retry later, not to give up', async () => {
    const client = make({ token: () => Promise.reject(new Error('refresh failed')) });
    const disconnected = record<DisconnectedInfo>(client, 'disconnected');
    await vi.advanceTimersByTimeAsync(0);
    expect(disconnected[0]).toMatchObject({ willRetry: true, error: { code: 'token_error' } });
    expect(client.state).toBe('connecting');
  });

  it('refuses invalid options at once', () => {
    expect(() => make({ url: 'not a url' })).toThrow(TypeError);
    expect(() => make({ topics: [] })).toThrow(/omit it to receive every topic/);
  });
});

describe('transport fallback', () => {
  it('tries the next transport at once when one cannot connect', () => {
    const client = make();
    const disconnected = record<DisconnectedInfo>(client, 'disconnected');
    net.last('sse').fail('connect_failed');
    vi.advanceTimersByTime(0);
    expect(net.names()).toEqual(['sse', 'ws']);
    expect(client.state).toBe('connecting');
    expect(disconnected).toEqual([expect.objectContaining({ transport: 'sse', willRetry: true, delayMs: 0 })]);
    net.last('ws').open();
    expect(client.transport).toBe('ws');
    expect(client.getStatus().counters).toMatchObject({ attempts: 2, connectFailures: 1, opens: 1 });
  });

  it('skips a transport that gives no sign of life within the connect timeout', () => {
    make({ connectTimeoutMs: 10_000 });
    vi.advanceTimersByTime(9_999);
    expect(net.names()).toEqual(['sse']);
    vi.advanceTimersByTime(1);
    expect(net.last('sse').closedByClient).toBe(true);
    // A zero-delay timer set from inside a timer callback runs one fake millisecond later.
    vi.advanceTimersByTime(1);
    expect(net.names()).toEqual(['sse', 'ws']);
  });

  it('backs off once every transport failed, then starts a new round from the best', () => {
    const client = make();
    net.last('sse').fail();
    vi.advanceTimersByTime(0);
    net.last('ws').fail();
    vi.advanceTimersByTime(0);
    net.last('poll').fail();
    vi.advanceTimersByTime(499);
    expect(net.names()).toEqual(['sse', 'ws', 'poll']);
    vi.advanceTimersByTime(1);
    expect(net.names()).toEqual(['sse', 'ws', 'poll', 'sse']);
    expect(client.state).toBe('connecting');
  });

  it('stays on a transport that opened and then dropped: a drop is not a transport failure', () => {
    const client = make();
    net.last('sse').open().fail('connection_lost');
    expect(client.state).toBe('reconnecting');
    vi.advanceTimersByTime(500);
    expect(net.names()).toEqual(['sse', 'sse']);
  });

  it('does not skip a busy server; waits at least Retry-After plus jitter', () => {
    make();
    net.last('sse').fail('rate_limited', { retryAfterMs: 5000 });
    vi.advanceTimersByTime(5499);
    expect(net.names()).toEqual(['sse']);
    vi.advanceTimersByTime(1);
    expect(net.names()).toEqual(['sse', 'sse']);
  });

  it('follows a custom transport order', () => {
    make({ transports: ['poll', 'ws'] });
    net.last().fail();
    vi.advanceTimersByTime(0);
    expect(net.names()).toEqual(['poll', 'ws']);
  });
});

describe('re-probing a better transport', () => {
  it('switches back to the better transport once it answers, without a gap or a duplicate', () => {
    const client = make({ reprobeAfterMs: 60_000 });
    const got = record<LivegateEvent>(client, '*');
    const transports = record<TransportChange>(client, 'transport');
    const states = record<StateChange>(client, 'state');
    net.last('sse').fail();
    vi.advanceTimersByTime(0);
    const ws = net.last('ws').open({ heartbeatMs: 1_000_000 });
    ws.emit(ev(1), ev(2), ev(3));
    vi.advanceTimersByTime(59_999);
    expect(net.names()).toEqual(['sse', 'ws']);
    vi.advanceTimersByTime(1);
    const probe = net.last();
    expect(probe.name).toBe('sse');
    expect(probe.since).toBe('epocha-3');
    ws.emit(ev(4));
    probe.open();
    expect(ws.closedByClient).toBe(true);
    probe.emit(ev(4), ev(5));
    expect(ids(got)).toEqual(['epocha-1', 'epocha-2', 'epocha-3', 'epocha-4', 'epocha-5']);
    expect(transports.at(-1)).toEqual({ oldTransport: 'ws', newTransport: 'sse', reason: 'probe' });
    expect(states.map((s) => s.newState)).toEqual(['open']);
    expect(client.getStatus().counters.transportSwitches).toBe(1);
  });

  it('waits twice as long after each failed probe', () => {
    make({ reprobeAfterMs: 60_000 });
    net.last('sse').fail();
    vi.advanceTimersByTime(0);
    net.last('ws').open({ heartbeatMs: 1_000_000 });
    vi.advanceTimersByTime(60_000);
    net.last('sse').fail();
    vi.advanceTimersByTime(119_999);
    expect(net.names()).toEqual(['sse', 'ws', 'sse']);
    vi.advanceTimersByTime(1);
    expect(net.names()).toEqual(['sse', 'ws', 'sse', 'sse']);
  });

  it('keeps the current connection when a probe fails', () => {
    const client = make({ reprobeAfterMs: 1000 });
    net.last('sse').fail();
    vi.advanceTimersByTime(0);
    const ws = net.last('ws').open();
    vi.advanceTimersByTime(1000);
    net.last('sse').fail('connect_timeout');
    expect(ws.closedByClient).toBe(false);
    expect(client.transport).toBe('ws');
    expect(client.state).toBe('open');
  });

  it('does not probe when already on the best transport', () => {
    make({ reprobeAfterMs: 1000 });
    net.last('sse').open({ heartbeatMs: 1_000_000 });
    vi.advanceTimersByTime(100_000);
    expect(net.names()).toEqual(['sse']);
  });
});

describe('reconnect backoff', () => {
  it('grows exponentially with full jitter between attempts', () => {
    const client = make({ random: () => 1 });
    const delays = record<DisconnectedInfo>(client, 'disconnected');
    for (let i = 0; i < 4; i++) {
      net.last().open().fail('connection_lost');
      vi.advanceTimersByTime(delays.at(-1)!.delayMs!);
    }
    expect(delays.map((d) => d.delayMs)).toEqual([1000, 2000, 4000, 8000]);
  });

  it('resets to the minimum after a connection stays healthy', () => {
    const client = make({ random: () => 1, healthyAfterMs: 10_000, heartbeatMs: 60_000 });
    const delays = record<DisconnectedInfo>(client, 'disconnected');
    net.last().open().fail('connection_lost');
    vi.advanceTimersByTime(1000);
    net.last().open().fail('connection_lost');
    vi.advanceTimersByTime(2000);
    net.last().open();
    vi.advanceTimersByTime(10_000);
    net.last().fail('connection_lost');
    expect(delays.map((d) => d.delayMs)).toEqual([1000, 2000, 1000]);
  });

  it('goes to reconnecting only after having been open', () => {
    const client = make();
    const states = record<StateChange>(client, 'state');
    net.last().fail('rate_limited');
    expect(client.state).toBe('connecting');
    vi.advanceTimersByTime(500);
    net.last().open();
    net.last().fail('connection_lost');
    expect(states.map((s) => `${s.oldState}>${s.newState}`)).toEqual(['connecting>open', 'open>reconnecting']);
    expect(states[1]).toMatchObject({ transport: 'sse', error: { code: 'connection_lost' } });
  });

  it('reconnects at once on reconnect(), resetting the backoff', () => {
    const client = make({ random: () => 1 });
    net.last().open().fail('connection_lost');
    vi.advanceTimersByTime(1000);
    net.last().open().fail('connection_lost');
    client.reconnect();
    expect(net.names()).toHaveLength(3);
  });
});

describe('heartbeat watchdog', () => {
  it('reconnects when neither an event nor a heartbeat arrives within twice the interval', () => {
    const client = make();
    const disconnected = record<DisconnectedInfo>(client, 'disconnected');
    const conn = net.last().open({ heartbeatMs: 1000 });
    vi.advanceTimersByTime(1999);
    expect(conn.closedByClient).toBe(false);
    vi.advanceTimersByTime(1);
    expect(conn.closedByClient).toBe(true);
    expect(disconnected[0]?.error.code).toBe('heartbeat_timeout');
    expect(client.state).toBe('reconnecting');
  });

  it('is kept quiet by heartbeats and events', () => {
    make();
    const conn = net.last().open({ heartbeatMs: 1000 });
    vi.advanceTimersByTime(1500);
    conn.heartbeat();
    vi.advanceTimersByTime(1500);
    conn.emit(ev(1));
    vi.advanceTimersByTime(1999);
    expect(conn.closedByClient).toBe(false);
    vi.advanceTimersByTime(1);
    expect(conn.closedByClient).toBe(true);
  });

  it('uses the configured interval until the server states its own', () => {
    make({ heartbeatMs: 30_000 });
    const conn = net.last().open();
    vi.advanceTimersByTime(59_999);
    expect(conn.closedByClient).toBe(false);
    vi.advanceTimersByTime(1);
    expect(conn.closedByClient).toBe(true);
  });
});

describe('resume', () => {
  it('resumes from the last delivered id on every reconnect and across transport switches', () => {
    const client = make();
    net.last('sse').open().emit(ev(1), ev(2), ev(3)).fail('connection_lost');
    vi.advanceTimersByTime(500);
    expect(net.last().since).toBe('epocha-3');
    net.last('sse').fail('connect_failed');
    vi.advanceTimersByTime(0);
    expect(net.last()).toMatchObject({ name: 'ws', since: 'epocha-3' });
    expect(client.lastEventId).toBe('epocha-3');
  });

  it('drops events replayed after a reconnect', () => {
    const client = make();
    const got = record<LivegateEvent>(client, '*');
    net.last().open().emit(ev(1), ev(2), ev(3)).fail('connection_lost');
    vi.advanceTimersByTime(500);
    net.last().open().emit(ev(2), ev(3), ev(4));
    expect(ids(got)).toEqual(['epocha-1', 'epocha-2', 'epocha-3', 'epocha-4']);
    expect(client.getStatus().counters).toMatchObject({ eventsReceived: 6, duplicatesDropped: 2 });
  });

  it('resumes from options.lastEventId on the first connection', () => {
    make({ lastEventId: 'epocha-41' });
    expect(net.last().since).toBe('epocha-41');
    expect(net.last().open().emit(ev(41)).emit(ev(42)));
  });

  it('surfaces reset, forgets the resume point and rebuilds stores from the snapshot that follows', () => {
    const client = make();
    const store = createStore(client, 'alerts');
    const resets = record(client, 'reset');
    const conn = net.last().open();
    conn.emit(snapshot(10, 'alerts', { alerts: [{ fingerprint: 'a' }] }));
    expect(store.getState()).toMatchObject({ status: 'ready', data: { alerts: [{ fingerprint: 'a' }] } });
    conn.reset('window_trimmed');
    expect(resets).toEqual([{ reason: 'window_trimmed', transport: 'sse' }]);
    expect(client.lastEventId).toBeNull();
    expect(store.getState().status).toBe('stale');
    conn.emit(snapshot(3, 'alerts', { alerts: [] }, 'epochb'));
    expect(store.getState()).toMatchObject({ status: 'ready', data: { alerts: [] }, lastEventId: 'epochb-3' });
    expect(client.getStatus().counters.resets).toBe(1);
  });

  it('adopts a position the server confirms without events', () => {
    const client = make();
    net.last().open().emit(ev(5)).heartbeat('epocha-90');
    expect(client.lastEventId).toBe('epocha-90');
  });

  it('starts over without the resume id when the server refuses it', () => {
    const client = make({ lastEventId: 'garbage' });
    const resets = record(client, 'reset');
    net.last().fail('invalid_event_id', { status: 400 });
    vi.advanceTimersByTime(0);
    expect(net.last().since).toBeNull();
    expect(resets).toEqual([{ reason: 'invalid_event_id', transport: 'sse' }]);
  });
});

describe('errors that must not be retried', () => {
  it.each([['unauthorized'], ['forbidden'], ['policy_violation'], ['invalid_filter']])(
    'closes for good on %s',
    (code) => {
      const client = make();
      const errors = record<Error>(client, 'error');
      const states = record<StateChange>(client, 'state');
      net.last().fail(code);
      vi.advanceTimersByTime(3_600_000);
      expect(net.names()).toEqual(['sse']);
      expect(client.state).toBe('closed');
      expect(errors.map((e) => (e as { code?: string }).code)).toEqual([code]);
      expect(states.at(-1)).toMatchObject({ newState: 'closed', error: { code } });
      expect(client.getStatus().error?.code).toBe(code);
      expect(vi.getTimerCount()).toBe(0);
    },
  );
});

describe('online and offline', () => {
  function stubBrowser(onLine: boolean): EventTarget {
    const win = new EventTarget();
    vi.stubGlobal('window', win);
    vi.stubGlobal('navigator', { onLine });
    return win;
  }

  it('drops the connection when the browser goes offline and reconnects at once when back online', () => {
    const win = stubBrowser(true);
    const client = make();
    const conn = net.last().open().emit(ev(1));
    win.dispatchEvent(new Event('offline'));
    expect(conn.closedByClient).toBe(true);
    expect(client.state).toBe('reconnecting');
    vi.advanceTimersByTime(10_000);
    expect(net.names()).toEqual(['sse']);
    win.dispatchEvent(new Event('online'));
    expect(net.names()).toEqual(['sse', 'sse']);
    expect(net.last().since).toBe('epocha-1');
  });

  it('waits for the network before the first attempt when created offline', () => {
    const win = stubBrowser(false);
    make();
    expect(net.names()).toEqual([]);
    win.dispatchEvent(new Event('online'));
    expect(net.names()).toEqual(['sse']);
  });

  it('still tries now and then while offline, since navigator.onLine is only a hint', () => {
    stubBrowser(false);
    make({ maxReconnectDelayMs: 30_000 });
    vi.advanceTimersByTime(30_000);
    expect(net.names()).toEqual(['sse']);
  });

  it('stops listening to the window once closed', () => {
    const win = stubBrowser(true);
    const client = make();
    client.close();
    win.dispatchEvent(new Event('online'));
    expect(net.names()).toEqual(['sse']);
  });
});

describe('listeners', () => {
  it('delivers envelopes to exact, prefix and catch-all listeners; lifecycle names stay separate', () => {
    const client = make();
    const calls: string[] = [];
    client.on('alert_firing', (e) => calls.push(`exact:${e.data.fingerprint}`));
    client.on('alert_*', (e) => calls.push(`prefix:${e.type}`));
    client.on('*', (e) => calls.push(`all:${e.type}`));
    client.on('state', (s) => calls.push(`state:${s.newState}`));
    net
      .last()
      .open()
      .emit(ev(1, { type: 'alert_firing', data: { fingerprint: 'f1' } }), ev(2, { type: 'state' }));
    expect(calls).toEqual(['state:open', 'exact:f1', 'prefix:alert_firing', 'all:alert_firing', 'all:state']);
  });

  it('keeps delivering when a listener throws, and reports it as an error event', () => {
    const client = make();
    const errors = record<{ code: string }>(client, 'error');
    const got: string[] = [];
    client.on('*', () => {
      throw new Error('bad listener');
    });
    client.on('*', (e) => got.push(e.id));
    net.last().open().emit(ev(1), ev(2));
    expect(got).toEqual(['epocha-1', 'epocha-2']);
    expect(errors.map((e) => e.code)).toEqual(['listener_error', 'listener_error']);
  });

  it('emits status at most once per received batch', () => {
    const client = make();
    const statuses = record(client, 'status');
    net.last().open();
    const before = statuses.length;
    net.last().emit(ev(1), ev(2), ev(3));
    expect(statuses.length - before).toBe(1);
    expect(client.getStatus()).toBe(client.getStatus());
  });
});

describe('subscription changes on WebSocket', () => {
  it('changes the filter in place, resuming from the last id, without reconnecting', async () => {
    const client = make({ transports: ['ws'] });
    const ws = net.last().open().emit(ev(1));
    const done = client.subscribe('builds');
    await vi.advanceTimersByTimeAsync(0);
    expect(ws.updates).toHaveLength(1);
    expect(ws.updates[0]).toMatchObject({ filter: { topics: ['alerts', 'deploys', 'builds'] }, since: 'epocha-1' });
    ws.updates[0]!.resolve();
    await done;
    expect(client.filter.topics).toEqual(['alerts', 'deploys', 'builds']);
    expect(net.names()).toEqual(['ws']);
  });

  it('resumes and asks for a snapshot of the state topic a change adds', async () => {
    const client = make({ transports: ['ws'], topics: ['deploys'] });
    const ws = net.last().open().emit(ev(1));
    const done = client.subscribe(['health']);
    await vi.advanceTimersByTimeAsync(0);
    expect(ws.updates[0]).toMatchObject({ since: 'epocha-1', snapshot: ['health'] });
    ws.updates[0]!.resolve();
    await done;
  });

  it('asks for fresh snapshots when the change widens a state topic before anything arrived', async () => {
    const client = make({ transports: ['ws'], topics: ['deploys'] });
    const ws = net.last().open();
    const done = client.subscribe(['health']);
    await vi.advanceTimersByTimeAsync(0);
    expect(ws.updates[0]).toMatchObject({ since: null, snapshot: [] });
    ws.updates[0]!.resolve();
    await done;
  });

  it('keeps the previous filter when the server refuses the new one', async () => {
    const client = make({ transports: ['ws'] });
    const errors = record<{ code: string }>(client, 'error');
    const ws = net.last().open();
    const done = client.setFilter({ topics: ['alerts'], match: ['{bad'] });
    await vi.advanceTimersByTimeAsync(0);
    const { LivegateError } = await import('../src/errors.js');
    ws.updates[0]!.reject(new LivegateError('invalid_filter', 'bad matcher', { field: 'match[0]' }));
    await expect(done).rejects.toMatchObject({ code: 'invalid_filter', field: 'match[0]' });
    expect(client.filter).toEqual({ topics: ['alerts', 'deploys'] });
    expect(errors.map((e) => e.code)).toEqual(['invalid_filter']);
    expect(client.state).toBe('open');
  });

  it('runs changes one after another, each on the filter the previous one left', async () => {
    const client = make({ transports: ['ws'] });
    const ws = net.last().open();
    const a = client.subscribe('a');
    const b = client.subscribe('b');
    await vi.advanceTimersByTimeAsync(0);
    expect(ws.updates).toHaveLength(1);
    ws.updates[0]!.resolve();
    await a;
    await vi.advanceTimersByTimeAsync(0);
    expect(ws.updates[1]?.filter.topics).toEqual(['alerts', 'deploys', 'a', 'b']);
    ws.updates[1]!.resolve();
    await b;
  });
});

describe('subscription changes on SSE and long-poll', () => {
  it('opens a request with the new filter and switches once it answers, losing and repeating nothing', async () => {
    const client = make({ transports: ['sse'] });
    const got = record<LivegateEvent>(client, '*');
    const states = record<StateChange>(client, 'state');
    const old = net.last().open().emit(ev(1));
    const done = client.subscribe('builds');
    await vi.advanceTimersByTimeAsync(0);
    const next = net.last();
    expect(next).not.toBe(old);
    expect(next.params).toMatchObject({ filter: { topics: ['alerts', 'deploys', 'builds'] }, since: 'epocha-1' });
    old.emit(ev(2)); // held back: the new stream replays it under the new filter
    expect(ids(got)).toEqual(['epocha-1']);
    next.open();
    expect(old.closedByClient).toBe(true);
    next.emit(ev(2), ev(3, { topic: 'builds' }));
    await done;
    expect(ids(got)).toEqual(['epocha-1', 'epocha-2', 'epocha-3']);
    expect(client.filter.topics).toContain('builds');
    expect(states).toHaveLength(1);
  });

  it('resumes when a state topic is added, asking for its snapshot; the new stream replays what the old one held', async () => {
    const client = make({ transports: ['poll'], topics: ['deploys'] });
    const got = record<LivegateEvent>(client, '*');
    const old = net.last().open().emit(ev(1));
    const done = client.subscribe('alerts');
    await vi.advanceTimersByTimeAsync(0);
    const next = net.last();
    expect(next.since).toBe('epocha-1');
    expect(next.snapshot).toEqual(['alerts']);
    old.emit(ev(2), ev(4));
    next.open();
    // The server replays after 1 (skipping alerts events), snapshots alerts at the head, then live.
    next.emit(ev(2), ev(4), snapshot(4, 'alerts', { alerts: [] }), ev(5));
    await done;
    expect(got.map((e) => `${e.type}@${e.seq}`)).toEqual(['thing@1', 'thing@2', 'thing@4', 'snapshot@4', 'thing@5']);
    expect(createStore(client, 'alerts').getState().status).toBe('ready');
  });

  it('keeps asking for the snapshot on a reconnect until it arrived, and then stops', async () => {
    const client = make({ transports: ['sse'], topics: ['deploys'] });
    net.last().open().emit(ev(1));
    const done = client.subscribe('alerts');
    await vi.advanceTimersByTimeAsync(0);
    const next = net.last();
    next.open().emit(ev(2));
    await done;
    next.fail('connection_lost');
    await vi.advanceTimersByTimeAsync(60_000);
    const again = net.last();
    expect(again).not.toBe(next);
    expect([again.since, again.snapshot]).toEqual(['epocha-2', ['alerts']]);
    again
      .open()
      .emit(snapshot(3, 'alerts', { alerts: [] }))
      .fail('connection_lost');
    await vi.advanceTimersByTimeAsync(60_000);
    expect([net.last().since, net.last().snapshot]).toEqual(['epocha-3', []]);
  });

  it('stitches old events up to the snapshot position when a state topic is added before anything arrived', async () => {
    const client = make({ transports: ['poll'], topics: ['deploys'] });
    const got = record<LivegateEvent>(client, '*');
    const old = net.last().open();
    const done = client.subscribe('alerts');
    await vi.advanceTimersByTimeAsync(0);
    const next = net.last();
    expect(next.since).toBeNull();
    old.emit(ev(2), ev(4));
    next.open();
    next.emit(snapshot(3, 'alerts', { alerts: [] }), ev(4), ev(5));
    await done;
    expect(got.map((e) => `${e.type}@${e.seq}`)).toEqual(['thing@2', 'snapshot@3', 'thing@4', 'thing@5']);
    expect(createStore(client, 'alerts').getState().status).toBe('ready');
  });

  it('keeps the old stream and releases what it held when the new request is refused', async () => {
    const client = make({ transports: ['sse'] });
    const got = record<LivegateEvent>(client, '*');
    const old = net.last().open().emit(ev(1));
    const done = client.setFilter({ topics: ['x'], match: ['{bad'] });
    await vi.advanceTimersByTimeAsync(0);
    old.emit(ev(2));
    net.last().fail('invalid_filter', { field: 'match[0]' });
    await expect(done).rejects.toMatchObject({ code: 'invalid_filter' });
    expect(ids(got)).toEqual(['epocha-1', 'epocha-2']);
    expect(old.closedByClient).toBe(false);
    expect(client.filter.topics).toEqual(['alerts', 'deploys']);
    expect(client.state).toBe('open');
  });

  it('applies a change made while disconnected to the next connection', async () => {
    const client = make();
    net.last().open().emit(ev(1)).fail('connection_lost');
    const done = client.subscribe('builds');
    await vi.advanceTimersByTimeAsync(500);
    expect(net.last().filter.topics).toEqual(['alerts', 'deploys', 'builds']);
    net.last().open();
    await done;
  });
});

describe('subscription change rules', () => {
  it('refuses to unsubscribe the last topic, at once', () => {
    const client = make({ topics: ['alerts'] });
    expect(() => client.unsubscribe('alerts')).toThrow(/call client\.close\(\)/);
  });

  it('refuses to unsubscribe from a client that receives every topic', () => {
    const client = make({ topics: undefined });
    expect(() => client.unsubscribe('alerts')).toThrow(/setFilter/);
  });

  it('resolves subscribe at once when every topic is already received', async () => {
    const client = make({ topics: undefined });
    await expect(client.subscribe('alerts')).resolves.toBeUndefined();
  });

  it('forgets the state of a topic that is unsubscribed', async () => {
    const client = make({ transports: ['ws'], topics: ['alerts', 'health'] });
    const ws = net
      .last()
      .open()
      .emit(snapshot(1, 'alerts', { alerts: [] }));
    const store = createStore(client, 'alerts');
    expect(store.getState().status).toBe('ready');
    const done = client.unsubscribe('alerts');
    await vi.advanceTimersByTimeAsync(0);
    ws.updates[0]!.resolve();
    await done;
    expect(store.getState().status).toBe('pending');
  });
});

describe('close', () => {
  it('is idempotent, closes the transport and leaves no timer behind', async () => {
    const client = make();
    const states = record<StateChange>(client, 'state');
    const conn = net.last().open();
    client.close();
    client.close();
    expect(conn.closedByClient).toBe(true);
    expect(client.state).toBe('closed');
    expect(states.map((s) => s.newState)).toEqual(['open', 'closed']);
    expect(vi.getTimerCount()).toBe(0);
    await expect(client.subscribe('x')).rejects.toMatchObject({ code: 'client_closed' });
  });

  it('rejects a change still waiting for a connection', async () => {
    const client = make();
    net.last().fail('connection_lost');
    const done = client.subscribe('builds');
    await vi.advanceTimersByTimeAsync(0);
    client.close();
    await expect(done).rejects.toMatchObject({ code: 'client_closed' });
  });

  it('can be called from inside a listener', () => {
    const client = make();
    const got: string[] = [];
    client.on('*', (e) => {
      got.push(e.id);
      client.close();
    });
    net.last().open().emit(ev(1), ev(2));
    expect(got).toEqual(['epocha-1']);
  });
});

describe('callbacks from a replaced transport', () => {
  it('are ignored, so a late message cannot disturb its successor', () => {
    const client = make();
    const got = record<LivegateEvent>(client, '*');
    const stale = net.last('sse');
    stale.fail('connect_failed');
    vi.advanceTimersByTime(0);
    const ws = net.last('ws');
    stale.open().emit(ev(1)).fail('unauthorized');
    expect(got).toEqual([]);
    expect(client.state).toBe('connecting');
    expect(client.transport).toBe('ws');
    ws.open();
    expect(client.state).toBe('open');
  });
});
