/**
 * React bindings: `useLivegate` (a client and its status), `useLivegateStore` (a state topic),
 * `useLivegateEvent` (a listener) and `LivegateProvider` to share one client down the tree.
 * Everything goes through `useSyncExternalStore`, so renders are tear-free and server rendering
 * shows a `connecting` status without opening a connection.
 */
import {
  createContext,
  createElement,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
  type ReactNode,
} from 'react';
import { createClient, ZERO_COUNTERS, type LivegateClient } from './client.js';
import { createStore, type StoreOptions, type StoreSnapshot } from './store.js';
import type {
  ClientOptions,
  ClientStatus,
  LivegateEvent,
  LivegateEventMap,
  StateTopicMap,
  SubscriptionFilter,
} from './types.js';

// A context cannot know the event map of the client it will carry.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyClient = LivegateClient<any>;

/** Context carrying the client for {@link useLivegateStore} and {@link useLivegateEvent}. */
export const LivegateContext = createContext<AnyClient | null>(null);

/** Makes `client` available to the hooks below it. */
export function LivegateProvider(props: {
  readonly client: AnyClient | null;
  readonly children?: ReactNode;
}): ReactNode {
  return createElement(LivegateContext.Provider, { value: props.client }, props.children);
}

/** Status shown before the client exists (first render, server rendering). */
const IDLE_STATUS: ClientStatus = Object.freeze({
  state: 'connecting',
  transport: null,
  lastEventId: null,
  connection: null,
  error: null,
  counters: ZERO_COUNTERS,
});

const PENDING: StoreSnapshot<never> = Object.freeze({ status: 'pending', data: undefined, lastEventId: null });
const noSubscription = (): (() => void) => () => undefined;
const pending = (): StoreSnapshot<never> => PENDING;

/** What {@link useLivegate} returns: the client's status, plus the client (null until created). */
export interface UseLivegateResult<M extends object = LivegateEventMap> extends ClientStatus {
  readonly client: LivegateClient<M> | null;
}

function isClient(value: unknown): value is AnyClient {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AnyClient).getStatus === 'function' &&
    typeof (value as AnyClient).on === 'function'
  );
}

function filterOf(options: ClientOptions): SubscriptionFilter {
  const { topics, types, sources, match } = options;
  return { ...(topics && { topics }), ...(types && { types }), ...(sources && { sources }), ...(match && { match }) };
}

/** What re-creates the client when it changes. Functions (token provider, constructors) are read through a ref instead. */
function connectionKey(options: ClientOptions): string {
  const {
    url,
    transports,
    token,
    lastEventId,
    minReconnectDelayMs,
    maxReconnectDelayMs,
    healthyAfterMs,
    connectTimeoutMs,
    heartbeatMs,
    reprobeAfterMs,
    pollTimeoutSeconds,
    watchOnline,
    withCredentials,
    stateTopics,
  } = options;
  return JSON.stringify([
    url,
    transports,
    typeof token === 'string' ? token : typeof token,
    lastEventId,
    minReconnectDelayMs,
    maxReconnectDelayMs,
    healthyAfterMs,
    connectTimeoutMs,
    heartbeatMs,
    reprobeAfterMs,
    pollTimeoutSeconds,
    watchOnline,
    withCredentials,
    stateTopics,
  ]);
}

/**
 * A client and its live status. Pass options to let the hook own the client (created after
 * mount, closed on unmount, re-created when the URL, transports, a string token or a numeric
 * option change; filter changes are applied with `setFilter` without reconnecting), or pass a
 * client you manage yourself.
 */
export function useLivegate<M extends object = LivegateEventMap>(
  input: ClientOptions | LivegateClient<M>,
): UseLivegateResult<M> {
  const given = isClient(input) ? (input as LivegateClient<M>) : null;
  const options = given === null ? (input as ClientOptions) : null;
  const [owned, setOwned] = useState<LivegateClient<M> | null>(null);
  const latest = useRef(options);
  useEffect(() => {
    latest.current = options;
  });

  const key = options === null ? null : connectionKey(options);
  useEffect(() => {
    const initial = latest.current;
    if (key === null || initial === null) return undefined;
    const token = initial.token;
    const client = createClient<M>({
      ...initial,
      // Always ask the newest render's token function.
      ...(typeof token === 'function'
        ? { token: () => (typeof latest.current?.token === 'function' ? latest.current.token() : token()) }
        : {}),
    });
    setOwned(client);
    return () => {
      client.close();
      setOwned(null);
    };
  }, [key]);

  const filterKey = options === null ? null : JSON.stringify(filterOf(options));
  useEffect(() => {
    const current = latest.current;
    if (owned === null || current === null) return;
    // A refused filter is reported through the client's `error` event.
    owned.setFilter(filterOf(current)).catch(() => undefined);
  }, [owned, filterKey]);

  const client = given ?? owned;
  const subscribe = useCallback(
    (onChange: () => void) => (client === null ? () => undefined : client.on('status', onChange)),
    [client],
  );
  const getSnapshot = useCallback(() => client?.getStatus() ?? IDLE_STATUS, [client]);
  const status = useSyncExternalStore(subscribe, getSnapshot, () => IDLE_STATUS);
  return useMemo(() => ({ ...status, client }), [status, client]);
}

/**
 * The state of a state topic (`alerts`, `silences`, `health`, `stats`, or your own with
 * `options.reducer`), re-rendering on every change. Uses the provider's client unless one is
 * given; `pending` until a client and a snapshot exist.
 */
export function useLivegateStore<K extends keyof StateTopicMap>(
  topic: K,
  client?: AnyClient | null,
): StoreSnapshot<StateTopicMap[K]>;
export function useLivegateStore<S = unknown>(
  topic: string,
  client?: AnyClient | null,
  options?: StoreOptions<S>,
): StoreSnapshot<S>;
export function useLivegateStore<S>(
  topic: string,
  client?: AnyClient | null,
  options?: StoreOptions<S>,
): StoreSnapshot<S> {
  const fromContext = useContext(LivegateContext);
  const c = client === undefined ? fromContext : client;
  const reducer = options?.reducer;
  const store = useMemo(
    () =>
      c === null || c.state === 'closed' ? null : createStore<S>(c, topic, reducer === undefined ? {} : { reducer }),
    [c, topic, reducer],
  );
  return useSyncExternalStore(store?.subscribe ?? noSubscription, store?.getState ?? pending, pending);
}

/**
 * Calls `listener` for envelopes matching `pattern` (`alert_firing`, `alert_*`, `*`) or for a
 * lifecycle event. The newest `listener` is always called; re-subscribes only when the pattern
 * or client changes.
 */
export function useLivegateEvent<K extends keyof LivegateEventMap>(
  type: K,
  listener: (event: LivegateEvent<LivegateEventMap[K], K>) => void,
  client?: AnyClient | null,
): void;
export function useLivegateEvent(
  pattern: string,
  listener: (event: LivegateEvent) => void,
  client?: AnyClient | null,
): void;
export function useLivegateEvent(pattern: string, listener: (event: never) => void, client?: AnyClient | null): void {
  const fromContext = useContext(LivegateContext);
  const c = client === undefined ? fromContext : client;
  const ref = useRef(listener);
  useEffect(() => {
    ref.current = listener;
  });
  useEffect(() => {
    if (c === null || c.state === 'closed') return undefined;
    return c.on(pattern, (event: LivegateEvent) => (ref.current as (e: LivegateEvent) => void)(event));
  }, [c, pattern]);
}
