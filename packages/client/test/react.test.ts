import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClient, type LivegateClient } from '../src/client.js';
import type { ClientOptions, LivegateEvent } from '../src/types.js';
import { ev, snapshot } from './support/events.js';
import { FakeNetwork } from './support/fake-transport.js';
import { Root } from './support/mini-react.js';

vi.mock('react', () => import('./support/mini-react.js'));

const { useLivegate, useLivegateEvent, useLivegateStore } = await import('../src/react.js');

let net: FakeNetwork;
const roots: Root<unknown, unknown>[] = [];

beforeEach(() => {
  net = new FakeNetwork();
});

afterEach(() => {
  for (const r of roots.splice(0)) r.unmount();
});

function mount<P, R>(component: (props: P) => R, props: P): Root<P, R> {
  const root = new Root(component, props);
  roots.push(root as Root<unknown, unknown>);
  return root;
}

const options = (extra: Partial<ClientOptions> = {}): ClientOptions => ({
  url: 'http://lg.test',
  topics: ['alerts'],
  transportFactories: net.factories(),
  ...extra,
});

describe('useLivegate with options', () => {
  it('creates the client after mount, follows its status, and closes it on unmount', () => {
    const root = mount((o: ClientOptions) => useLivegate(o), options());
    expect(root.result.client).not.toBeNull();
    expect(root.result.state).toBe('connecting');
    net.last().open();
    expect(root.result.state).toBe('open');
    expect(root.result.transport).toBe('sse');
    const client = root.result.client!;
    root.unmount();
    expect(client.state).toBe('closed');
    expect(net.last().closedByClient).toBe(true);
  });

  it('applies a filter change with setFilter instead of re-creating the client', async () => {
    const root = mount((o: ClientOptions) => useLivegate(o), options({ transports: ['ws'] }));
    const ws = net.last().open();
    const client = root.result.client;
    root.render(options({ transports: ['ws'], topics: ['alerts', 'builds'] }));
    await new Promise((r) => setTimeout(r, 5));
    expect(root.result.client).toBe(client);
    expect(ws.updates.map((u) => u.filter.topics)).toEqual([['alerts', 'builds']]);
    expect(net.connections).toHaveLength(1);
  });

  it('re-creates the client when the URL changes, and only then', () => {
    const root = mount((o: ClientOptions) => useLivegate(o), options());
    const first = root.result.client!;
    root.render(options());
    expect(root.result.client).toBe(first);
    root.render(options({ url: 'http://other.test' }));
    expect(first.state).toBe('closed');
    expect(root.result.client).not.toBe(first);
    expect(net.last().params.baseUrl.host).toBe('other.test');
  });

  it('asks the newest token function without reconnecting when it changes identity', async () => {
    const root = mount((o: ClientOptions) => useLivegate(o), options({ token: () => 'one' }));
    root.render(options({ token: () => 'two' }));
    net.last().fail('connect_failed');
    await new Promise((r) => setTimeout(r, 5));
    expect(net.connections.map((c) => c.params.token)).toEqual(['one', 'two']);
  });
});

describe('useLivegate with a client', () => {
  it('observes it without closing it on unmount', () => {
    const client = createClient(options());
    const root = mount((c: LivegateClient) => useLivegate(c), client);
    expect(root.result.client).toBe(client);
    net.last().open();
    expect(root.result.state).toBe('open');
    root.unmount();
    expect(client.state).toBe('open');
    client.close();
  });
});

describe('useLivegateStore', () => {
  it('re-renders with the state of a topic', () => {
    const client = createClient(options());
    const root = mount((c: LivegateClient) => useLivegateStore('alerts', c), client);
    expect(root.result.status).toBe('pending');
    net
      .last()
      .open()
      .emit(snapshot(1, 'alerts', { alerts: [{ fingerprint: 'f' }] }));
    expect(root.result).toMatchObject({ status: 'ready', data: { alerts: [{ fingerprint: 'f' }] } });
    client.close();
  });

  it('is pending while there is no client yet', () => {
    const root = mount(() => useLivegateStore('alerts', null), undefined);
    expect(root.result.status).toBe('pending');
  });
});

describe('useLivegateEvent', () => {
  it('calls the newest listener and unsubscribes on unmount', () => {
    const client = createClient(options());
    const seen: string[] = [];
    const root = mount(
      (tag: string) => useLivegateEvent('alert_*', (e: LivegateEvent) => seen.push(`${tag}:${e.id}`), client),
      'a' as string,
    );
    const conn = net.last().open();
    conn.emit(ev(1, { type: 'alert_firing' }));
    root.render('b');
    conn.emit(ev(2, { type: 'alert_resolved' }), ev(3, { type: 'other' }));
    root.unmount();
    conn.emit(ev(4, { type: 'alert_firing' }));
    expect(seen).toEqual(['a:epocha-1', 'b:epocha-2']);
    client.close();
  });
});
