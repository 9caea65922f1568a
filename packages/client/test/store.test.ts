import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClient, type LivegateClient } from '../src/client.js';
import type { StateReducer } from '../src/state-reducers.js';
import { createStore } from '../src/store.js';
import { ev, snapshot } from './support/events.js';
import { FakeNetwork } from './support/fake-transport.js';

const clients: LivegateClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

function setup(topics = ['alerts', 'health', 'console']) {
  const net = new FakeNetwork();
  const client = createClient({ url: 'http://lg.test', topics, transportFactories: net.factories() });
  clients.push(client);
  const conn = net.last().open();
  return { client, conn };
}

const firing = (seq: number, fingerprint: string) =>
  ev(seq, {
    topic: 'alerts',
    type: 'alert_firing',
    data: { fingerprint, labels: {}, startsAt: '2026-01-01T00:00:00Z', status: { state: 'active' } },
  });

describe('createStore', () => {
  it('is pending until the snapshot, then applies deltas on top of it', () => {
    const { client, conn } = setup();
    const store = createStore(client, 'alerts');
    expect(store.getState()).toEqual({ status: 'pending', data: undefined, lastEventId: null });
    conn.emit(snapshot(10, 'alerts', { alerts: [] }), firing(11, 'a'), firing(12, 'b'));
    conn.emit(ev(13, { topic: 'alerts', type: 'alert_resolved', data: { fingerprint: 'a' } }));
    expect(store.getState().status).toBe('ready');
    expect(store.getState().data?.alerts.map((a) => a.fingerprint)).toEqual(['b']);
    expect(store.getState().lastEventId).toBe('epocha-13');
  });

  it('gives a store created late the state built from a snapshot that went by long ago', () => {
    const { client, conn } = setup();
    conn.emit(snapshot(1, 'health', { components: { bus: { component: 'bus', status: 'healthy', since: 't' } } }));
    conn.emit(
      ev(2, { topic: 'health', type: 'health_changed', data: { component: 'bus', status: 'degraded', since: 't2' } }),
    );
    const late = createStore(client, 'health');
    expect(late.getState().data?.components.bus?.status).toBe('degraded');
  });

  it('notifies on changes only, and keeps the same snapshot object until then', () => {
    const { client, conn } = setup();
    const store = createStore(client, 'alerts');
    const listener = vi.fn();
    const stop = store.subscribe(listener);
    conn.emit(snapshot(1, 'alerts', { alerts: [] }));
    const first = store.getState();
    conn.emit(
      ev(2, { topic: 'alerts', type: 'alert_resolved', data: { fingerprint: 'unknown' } }),
      ev(3, { topic: 'deploys' }),
    );
    expect(store.getState()).toBe(first);
    conn.emit(firing(4, 'x'));
    expect(listener).toHaveBeenCalledTimes(2);
    stop();
    conn.emit(firing(5, 'y'));
    expect(listener).toHaveBeenCalledTimes(2);
  });

  it('shares one state between stores of the same topic', () => {
    const { client, conn } = setup();
    const a = createStore(client, 'alerts');
    const b = createStore(client, 'alerts');
    conn.emit(snapshot(1, 'alerts', { alerts: [] }));
    expect(a.getState()).toBe(b.getState());
  });

  it('uses a custom reducer for an application state topic', () => {
    const { client, conn } = setup();
    const lines: StateReducer<string[]> = {
      fromSnapshot: (data) => (Array.isArray(data) ? (data as string[]) : []),
      apply: (state, event) => (event.type === 'line' ? [...state, String(event.data)] : state),
    };
    const store = createStore(client, 'console', { reducer: lines });
    conn.emit(snapshot(1, 'console', ['boot']), ev(2, { topic: 'console', type: 'line', data: 'ready' }));
    expect(store.getState().data).toEqual(['boot', 'ready']);
  });

  it('keeps the snapshot as the state of a state topic without a reducer', () => {
    const { client, conn } = setup();
    conn.emit(snapshot(1, 'build-log', { lines: 3 }), ev(2, { topic: 'build-log', type: 'line' }));
    expect(createStore(client, 'build-log').getState().data).toEqual({ lines: 3 });
  });

  it('reports a throwing store listener as a client error and keeps going', () => {
    const { client, conn } = setup();
    const errors: string[] = [];
    client.on('error', (e) => errors.push(e.code));
    const store = createStore(client, 'alerts');
    store.subscribe(() => {
      throw new Error('render failed');
    });
    const fine = vi.fn();
    store.subscribe(fine);
    conn.emit(snapshot(1, 'alerts', { alerts: [] }));
    expect(errors).toEqual(['listener_error']);
    expect(fine).toHaveBeenCalledOnce();
  });

  it('refuses a client that createClient did not make, and an empty topic', () => {
    const { client } = setup();
    expect(() => createStore({}, 'alerts')).toThrow(/createClient/);
    expect(() => createStore(client, '')).toThrow(/topic/);
  });
});
