import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSSRApp, defineComponent, effectScope, h, nextTick, ref } from 'vue';
import { renderToString } from 'vue/server-renderer';
import { createClient, type LivegateClient } from '../src/client.js';
import type { ClientOptions, LivegateEvent, SubscriptionFilter } from '../src/types.js';
import { provideLivegate, useLivegate, useLivegateEvent, useLivegateStore } from '../src/vue.js';
import { ev, snapshot } from './support/events.js';
import { FakeNetwork } from './support/fake-transport.js';

let net: FakeNetwork;
const clients: LivegateClient[] = [];

beforeEach(() => {
  net = new FakeNetwork();
});
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

const options = (extra: Partial<ClientOptions> = {}): ClientOptions => ({
  url: 'http://lg.test',
  topics: ['alerts'],
  transportFactories: net.factories(),
  ...extra,
});

describe('useLivegate (Vue)', () => {
  it('creates a client, mirrors its status in refs, and closes it with the scope', () => {
    const scope = effectScope();
    const result = scope.run(() => useLivegate(options()))!;
    expect(result.state.value).toBe('connecting');
    net.last().open().emit(ev(1));
    expect(result.state.value).toBe('open');
    expect(result.transport.value).toBe('sse');
    expect(result.lastEventId.value).toBe('epocha-1');
    expect(result.status.value.counters.eventsReceived).toBe(1);
    scope.stop();
    expect(result.client.state).toBe('closed');
  });

  it('observes a given client without closing it', () => {
    const client = createClient(options());
    clients.push(client);
    const scope = effectScope();
    const result = scope.run(() => useLivegate(client))!;
    net.last().open();
    expect(result.state.value).toBe('open');
    scope.stop();
    expect(client.state).toBe('open');
  });

  it('applies a reactive filter with setFilter', async () => {
    const filter = ref<SubscriptionFilter>({ topics: ['alerts'] });
    const scope = effectScope();
    const result = scope.run(() => useLivegate(options({ transports: ['ws'] }), { filter }))!;
    const ws = net.last().open();
    filter.value = { topics: ['alerts', 'builds'] };
    await nextTick();
    await new Promise((r) => setTimeout(r, 5));
    expect(ws.updates.map((u) => u.filter.topics)).toEqual([['alerts', 'builds']]);
    ws.updates[0]!.resolve();
    await new Promise((r) => setTimeout(r, 5));
    expect(result.client.filter.topics).toEqual(['alerts', 'builds']);
    scope.stop();
  });
});

describe('useLivegateStore and useLivegateEvent (Vue)', () => {
  it('follow a topic and a pattern until the scope stops', () => {
    const client = createClient(options());
    clients.push(client);
    const seen: string[] = [];
    const scope = effectScope();
    const alerts = scope.run(() => {
      useLivegateEvent('alert_*', (e: LivegateEvent) => seen.push(e.id), client);
      return useLivegateStore('alerts', client);
    })!;
    expect(alerts.value.status).toBe('pending');
    const conn = net.last().open();
    conn.emit(
      snapshot(1, 'alerts', { alerts: [] }),
      ev(2, { topic: 'alerts', type: 'alert_firing', data: { fingerprint: 'f' } }),
    );
    expect(alerts.value.data?.alerts.map((a) => a.fingerprint)).toEqual(['f']);
    scope.stop();
    conn.emit(ev(3, { topic: 'alerts', type: 'alert_firing', data: { fingerprint: 'g' } }));
    expect(seen).toEqual(['epocha-2']);
    expect(alerts.value.data?.alerts).toHaveLength(1);
  });

  it('find the client provided by an ancestor component', async () => {
    const client = createClient(options());
    clients.push(client);
    net
      .last()
      .open()
      .emit(snapshot(1, 'health', { components: { bus: { component: 'bus', status: 'healthy', since: 't' } } }));
    const Child = defineComponent({
      setup() {
        const health = useLivegateStore('health');
        return () => h('p', Object.keys(health.value.data?.components ?? {}).join(','));
      },
    });
    const App = defineComponent({
      setup() {
        provideLivegate(client);
        return () => h(Child);
      },
    });
    expect(await renderToString(createSSRApp(App))).toBe('<p>bus</p>');
  });

  it('say what is missing when no client is given or provided', () => {
    const scope = effectScope();
    expect(() => scope.run(() => useLivegateStore('alerts'))).toThrow(/provideLivegate/);
    scope.stop();
  });
});
