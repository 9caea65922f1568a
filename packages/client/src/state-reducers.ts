/**
 * Pure reducers that rebuild a state topic from its snapshot and deltas, mirroring the server's
 * own reducers (same keys, same removal rules, same order), so a dashboard shows exactly what a
 * fresh snapshot would. Reducers never mutate: a change returns a new object, no change returns
 * the same one (cheap equality for React and Vue).
 */
import {
  compareAlerts,
  compareSilences,
  type ConsoleCluster,
  type ConsoleGroup,
  type ConsoleSnapshot,
  type ConsoleTopic,
} from '@livegate/protocol';
import type {
  Alert,
  AlertsState,
  ComponentHealth,
  HealthState,
  LivegateEvent,
  Silence,
  SilencesState,
  StatsState,
} from './types.js';

/** Rebuilds one topic's state. */
export interface StateReducer<S> {
  /** The state carried by a `snapshot` event's `data`. */
  fromSnapshot(data: unknown): S;
  /** Applies one delta; returns `state` itself when the event changes nothing. */
  apply(state: S, event: LivegateEvent): S;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function statusState(value: Record<string, unknown>): unknown {
  const status = value.status;
  return isObject(status) ? status.state : undefined;
}

/** `items` without the one keyed `key`, with `item` inserted in order when given. */
function upsertSorted<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  key: string,
  item: T | null,
  compare: (a: T, b: T) => number,
): readonly T[] {
  const index = items.findIndex((x) => keyOf(x) === key);
  if (index === -1 && item === null) return items;
  const rest = index === -1 ? [...items] : [...items.slice(0, index), ...items.slice(index + 1)];
  if (item !== null) {
    const at = rest.findIndex((x) => compare(item, x) < 0);
    rest.splice(at === -1 ? rest.length : at, 0, item);
  }
  return rest;
}

/**
 * `alerts`, keyed by `fingerprint`. `alert_resolved`, or any `alert_*` event whose alert says
 * `status.state: "resolved"`, removes it; every other `alert_*` event carrying an alert inserts or
 * replaces it (so types added later keep the state right).
 */
export const alertsReducer: StateReducer<AlertsState> = {
  fromSnapshot(data) {
    const list = isObject(data) && Array.isArray(data.alerts) ? data.alerts : [];
    return {
      alerts: (list.filter((a) => isObject(a) && typeof a.fingerprint === 'string') as Alert[]).sort(compareAlerts),
    };
  },
  apply(state, event) {
    if (!event.type.startsWith('alert_') || !isObject(event.data) || typeof event.data.fingerprint !== 'string')
      return state;
    const fingerprint = event.data.fingerprint;
    const removed = event.type === 'alert_resolved' || statusState(event.data) === 'resolved';
    const alerts = upsertSorted(
      state.alerts,
      (a) => a.fingerprint,
      fingerprint,
      removed ? null : (event.data as unknown as Alert),
      compareAlerts,
    );
    return alerts === state.alerts ? state : { alerts };
  },
};

/**
 * `silences`, keyed by `id`. `silence_expired`, or any `silence_*` event whose silence says
 * `status.state: "expired"`, removes it; other `silence_*` events insert or replace it.
 */
export const silencesReducer: StateReducer<SilencesState> = {
  fromSnapshot(data) {
    const list = isObject(data) && Array.isArray(data.silences) ? data.silences : [];
    return {
      silences: (list.filter((s) => isObject(s) && typeof s.id === 'string') as Silence[]).sort(compareSilences),
    };
  },
  apply(state, event) {
    if (!event.type.startsWith('silence_') || !isObject(event.data) || typeof event.data.id !== 'string') return state;
    const removed = event.type === 'silence_expired' || statusState(event.data) === 'expired';
    const silences = upsertSorted(
      state.silences,
      (s) => s.id,
      event.data.id,
      removed ? null : (event.data as unknown as Silence),
      compareSilences,
    );
    return silences === state.silences ? state : { silences };
  },
};

/** `health`: the latest status per component, from `health_changed`. Components sorted by name. */
export const healthReducer: StateReducer<HealthState> = {
  fromSnapshot(data) {
    const components = isObject(data) && isObject(data.components) ? data.components : {};
    return { components: components as Record<string, ComponentHealth> };
  },
  apply(state, event) {
    const data = event.data;
    if (
      event.type !== 'health_changed' ||
      !isObject(data) ||
      typeof data.component !== 'string' ||
      typeof data.status !== 'string'
    )
      return state;
    const change = data as unknown as ComponentHealth;
    const known = state.components[change.component];
    if (
      known !== undefined &&
      known.status === change.status &&
      known.detail === change.detail &&
      known.since === change.since
    )
      return state;
    const merged = { ...state.components, [change.component]: change };
    const components =
      known === undefined ? Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b))) : merged;
    return { components };
  },
};

/** `stats`: `stats_updated` replaces the whole object. The snapshot wraps it as `{stats}` (null before the first update). */
export const statsReducer: StateReducer<StatsState> = {
  fromSnapshot(data) {
    if (isObject(data) && 'stats' in data) return isObject(data.stats) ? data.stats : {};
    return isObject(data) ? data : {};
  },
  apply(state, event) {
    return event.type === 'stats_updated' && isObject(event.data) ? event.data : state;
  },
};

function byName(a: { readonly name: string }, b: { readonly name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function byTopicThenName(a: ConsoleGroup, b: ConsoleGroup): number {
  return a.topic !== b.topic ? (a.topic < b.topic ? -1 : 1) : byName(a, b);
}

function isConsoleTopic(value: unknown): value is ConsoleTopic {
  return isObject(value) && typeof value.name === 'string' && Array.isArray(value.subjects);
}

function isConsoleGroup(value: unknown): value is ConsoleGroup {
  return isObject(value) && typeof value.topic === 'string' && typeof value.name === 'string';
}

/**
 * `console`: topics and consumer groups of the followed streaming cluster, and its health. Mirrors
 * the server's reducer: `topic_*`/`group_*` carry the whole object (latest wins), `topic_deleted`
 * also drops the topic's groups, part 1 of `metrics_updated` carries the cluster. Rates are not
 * state: read them from `metrics_updated` events.
 */
export const consoleReducer: StateReducer<ConsoleSnapshot> = {
  fromSnapshot(data) {
    const snap = isObject(data) ? data : {};
    return {
      cluster: isObject(snap.cluster) ? (snap.cluster as unknown as ConsoleCluster) : null,
      topics: Array.isArray(snap.topics) ? snap.topics.filter(isConsoleTopic) : [],
      groups: Array.isArray(snap.groups) ? snap.groups.filter(isConsoleGroup) : [],
    };
  },
  apply(state, event) {
    const data = event.data;
    switch (event.type) {
      case 'topic_created':
      case 'topic_updated':
      case 'topic_deleted': {
        if (!isConsoleTopic(data)) return state;
        const removed = event.type === 'topic_deleted';
        const topics = upsertSorted(state.topics, (t) => t.name, data.name, removed ? null : data, byName);
        const groups = removed ? state.groups.filter((g) => g.topic !== data.name) : state.groups;
        return { ...state, topics, groups: groups.length === state.groups.length ? state.groups : groups };
      }
      case 'group_created':
      case 'group_updated':
      case 'group_deleted': {
        if (!isConsoleGroup(data)) return state;
        const key = (g: ConsoleGroup): string => `${g.topic}\u0000${g.name}`;
        const groups = upsertSorted(
          state.groups,
          key,
          key(data),
          event.type === 'group_deleted' ? null : data,
          byTopicThenName,
        );
        return groups === state.groups ? state : { ...state, groups };
      }
      case 'metrics_updated':
        return isObject(data) && isObject(data.cluster)
          ? { ...state, cluster: data.cluster as unknown as ConsoleCluster }
          : state;
      default:
        return state;
    }
  },
};

/** For topics without a known reducer: the snapshot is the state; deltas change nothing. */
export const snapshotOnlyReducer: StateReducer<unknown> = {
  fromSnapshot: (data) => data,
  apply: (state) => state,
};

/** Reducers of the built-in state topics. */
export const BUILTIN_REDUCERS: Readonly<Record<string, StateReducer<never>>> = {
  alerts: alertsReducer as StateReducer<never>,
  silences: silencesReducer as StateReducer<never>,
  health: healthReducer as StateReducer<never>,
  stats: statsReducer as StateReducer<never>,
  console: consoleReducer as StateReducer<never>,
};

export { compareAlerts, compareSilences };
