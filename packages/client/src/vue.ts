/**
 * Vue 3 composables: `useLivegate` (a client and its status as refs), `useLivegateStore` (a
 * state topic as a shallow ref), `useLivegateEvent` and `provideLivegate` to share one client.
 * Everything is released with the calling effect scope (`onScopeDispose`), so they work in
 * components and in plain `effectScope()`s alike.
 */
import {
  computed,
  getCurrentScope,
  hasInjectionContext,
  inject,
  onScopeDispose,
  provide,
  shallowRef,
  toValue,
  watch,
  type ComputedRef,
  type InjectionKey,
  type MaybeRefOrGetter,
  type ShallowRef,
} from 'vue';
import { createClient, type LivegateClient } from './client.js';
import { createStore, type StoreOptions, type StoreSnapshot } from './store.js';
import type {
  ClientOptions,
  ClientState,
  ClientStatus,
  LivegateEvent,
  LivegateEventMap,
  StateTopicMap,
  SubscriptionFilter,
  TransportName,
} from './types.js';

// An injection key cannot know the event map of the client it will carry.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyClient = LivegateClient<any>;

/** Injection key of the shared client. */
export const LivegateKey: InjectionKey<AnyClient> = Symbol('livegate');

/** Shares `client` with descendants' {@link useLivegateStore} and {@link useLivegateEvent}. */
export function provideLivegate(client: AnyClient): void {
  provide(LivegateKey, client);
}

/** What {@link useLivegate} returns. */
export interface UseLivegateReturn<M extends object = LivegateEventMap> {
  readonly client: LivegateClient<M>;
  /** The whole status, replaced on every change. */
  readonly status: Readonly<ShallowRef<ClientStatus>>;
  readonly state: ComputedRef<ClientState>;
  readonly transport: ComputedRef<TransportName | null>;
  readonly lastEventId: ComputedRef<string | null>;
}

/** Options of {@link useLivegate}. */
export interface UseLivegateOptions {
  /** A reactive filter; each change is applied with `client.setFilter` (no reconnect on WebSocket). Defaults to none. */
  readonly filter?: MaybeRefOrGetter<SubscriptionFilter>;
}

function isClient(value: unknown): value is AnyClient {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AnyClient).getStatus === 'function' &&
    typeof (value as AnyClient).on === 'function'
  );
}

function onDispose(fn: () => void): void {
  if (getCurrentScope() !== undefined) onScopeDispose(fn);
}

function resolveClient(client: AnyClient | undefined, composable: string): AnyClient {
  const c = client ?? (hasInjectionContext() ? inject(LivegateKey, null) : null);
  if (c === null || c === undefined)
    throw new TypeError(`${composable} needs a client: pass one, or call provideLivegate(client) in an ancestor`);
  return c;
}

/**
 * A client and its live status. Given options, the composable creates the client at once and
 * closes it when the calling scope is disposed; given a client, it only observes it.
 */
export function useLivegate<M extends object = LivegateEventMap>(
  input: ClientOptions | LivegateClient<M>,
  options: UseLivegateOptions = {},
): UseLivegateReturn<M> {
  const owned = !isClient(input);
  const client = owned ? createClient<M>(input as ClientOptions) : (input as LivegateClient<M>);
  const status = shallowRef(client.getStatus());
  const stop = client.on('status', (s) => {
    status.value = s;
  });
  const filter = options.filter;
  const stopWatch =
    filter === undefined
      ? null
      : watch(
          () => toValue(filter),
          (next) => {
            // A refused filter is reported through the client's `error` event.
            client.setFilter(next).catch(() => undefined);
          },
          { deep: true },
        );
  onDispose(() => {
    stop();
    stopWatch?.();
    if (owned) client.close();
  });
  return {
    client,
    status,
    state: computed(() => status.value.state),
    transport: computed(() => status.value.transport),
    lastEventId: computed(() => status.value.lastEventId),
  };
}

/** The state of a state topic as a shallow ref, updated on every change. */
export function useLivegateStore<K extends keyof StateTopicMap>(
  topic: K,
  client?: AnyClient,
): Readonly<ShallowRef<StoreSnapshot<StateTopicMap[K]>>>;
export function useLivegateStore<S = unknown>(
  topic: string,
  client?: AnyClient,
  options?: StoreOptions<S>,
): Readonly<ShallowRef<StoreSnapshot<S>>>;
export function useLivegateStore<S>(
  topic: string,
  client?: AnyClient,
  options: StoreOptions<S> = {},
): Readonly<ShallowRef<StoreSnapshot<S>>> {
  const store = createStore<S>(resolveClient(client, 'useLivegateStore'), topic, options);
  const state = shallowRef(store.getState());
  const stop = store.subscribe(() => {
    state.value = store.getState();
  });
  onDispose(stop);
  return state;
}

/** Calls `listener` for envelopes matching `pattern` (`alert_firing`, `alert_*`, `*`) until the scope is disposed. */
export function useLivegateEvent<K extends keyof LivegateEventMap>(
  type: K,
  listener: (event: LivegateEvent<LivegateEventMap[K], K>) => void,
  client?: AnyClient,
): void;
export function useLivegateEvent(pattern: string, listener: (event: LivegateEvent) => void, client?: AnyClient): void;
export function useLivegateEvent(pattern: string, listener: (event: never) => void, client?: AnyClient): void {
  const stop = resolveClient(client, 'useLivegateEvent').on(pattern, listener as (event: LivegateEvent) => void);
  onDispose(stop);
}
