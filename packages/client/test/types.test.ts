import { describe, expectTypeOf, it } from 'vitest';
import { createClient } from '../src/client.js';
import { createStore, type StoreSnapshot } from '../src/store.js';
import type {
  Alert,
  AlertsState,
  ClientOptions,
  ClientStatus,
  HealthState,
  LivegateEvent,
  LivegateEventMap,
  StateChange,
} from '../src/types.js';
import { FakeNetwork } from './support/fake-transport.js';

// These checks run when test/tsconfig.json is type-checked (see typecheck.test.ts); at run time
// they only make sure the calls are well-formed.
describe('public types', () => {
  it('accept the DOM WebSocket and EventSource classes as implementations', () => {
    const options = (globals: { WebSocket: typeof WebSocket; EventSource: typeof EventSource }): ClientOptions => ({
      url: 'http://lg.test',
      WebSocket: globals.WebSocket,
      EventSource: globals.EventSource,
    });
    expectTypeOf(options).returns.toMatchTypeOf<ClientOptions>();
  });

  it('type envelope listeners by the event map, patterns as unknown data, lifecycle events by name', () => {
    const client = createClient({ url: 'http://lg.test', transportFactories: new FakeNetwork().factories() });
    client.on('alert_firing', (event) => expectTypeOf(event.data).toEqualTypeOf<Alert>());
    client.on('alert_*', (event) => expectTypeOf(event).toEqualTypeOf<LivegateEvent>());
    client.on('state', (change) => expectTypeOf(change).toEqualTypeOf<StateChange>());
    client.on('status', (status) => expectTypeOf(status).toEqualTypeOf<ClientStatus>());
    client.close();
  });

  it('let an application extend the event map', () => {
    const client = createClient<LivegateEventMap & { deploy_started: { sha: string } }>({
      url: 'http://lg.test',
      transportFactories: new FakeNetwork().factories(),
    });
    client.on('deploy_started', (event) => expectTypeOf(event.data.sha).toBeString());
    client.close();
  });

  it('type the stores of built-in state topics', () => {
    const client = createClient({ url: 'http://lg.test', transportFactories: new FakeNetwork().factories() });
    expectTypeOf(createStore(client, 'alerts').getState()).toEqualTypeOf<StoreSnapshot<AlertsState>>();
    expectTypeOf(createStore(client, 'health').getState().data).toEqualTypeOf<HealthState | undefined>();
    expectTypeOf(createStore<string[]>(client, 'console').getState().data).toEqualTypeOf<string[] | undefined>();
    client.close();
  });
});
