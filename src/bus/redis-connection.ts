import { Cluster, Redis, type RedisOptions } from 'ioredis';

/** Where the Redis bus connects: one server, a Sentinel group or a Cluster. */
export interface RedisTarget {
  /** `redis://[user:password@]host:port[/db]`: the server, or a Cluster seed node. */
  readonly url: string;
  /** Sentinels to ask for the master named {@link RedisTarget.sentinelName}; empty for none. */
  readonly sentinels?: readonly { readonly host: string; readonly port: number }[];
  /** Master name known to the sentinels. */
  readonly sentinelName?: string;
  /** Treat {@link RedisTarget.url} as a seed node of a Redis Cluster. */
  readonly cluster?: boolean;
}

/**
 * Options every bus connection shares: commands fail at once while Redis is unreachable (so a
 * publish answers 503 instead of waiting in a queue) and reconnects are retried forever, quickly
 * at first.
 */
const COMMON: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  lazyConnect: true,
  retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
};

/** Makes a factory of connections to `target`; the bus calls it for its command and reader connections. */
export function redisConnector(target: RedisTarget): () => Redis | Cluster {
  if (target.cluster) {
    const seed = new URL(target.url);
    return () =>
      new Cluster([{ host: seed.hostname, port: Number(seed.port || 6379) }], {
        enableOfflineQueue: false,
        lazyConnect: true,
        clusterRetryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
        redisOptions: {
          ...COMMON,
          username: decodeURIComponent(seed.username) || undefined,
          password: decodeURIComponent(seed.password) || undefined,
        },
      });
  }
  if (target.sentinels !== undefined && target.sentinels.length > 0) {
    const base = new URL(target.url);
    return () =>
      new Redis({
        ...COMMON,
        sentinels: target.sentinels!.map((s) => ({ host: s.host, port: s.port })),
        name: target.sentinelName ?? 'mymaster',
        username: decodeURIComponent(base.username) || undefined,
        password: decodeURIComponent(base.password) || undefined,
        db: Number(base.pathname.slice(1) || 0),
      });
  }
  return () => new Redis(target.url, COMMON);
}

/**
 * The stream key as stored: in Cluster mode wrapped in a hash tag (`{livegate:events}`) so the
 * stream and its `:meta` hash share a slot, as the append script needs; unchanged otherwise or
 * when the name already holds a tag.
 */
export function streamKeyFor(stream: string, cluster: boolean): string {
  if (!cluster || /\{[^}]+\}/.test(stream)) return stream;
  return `{${stream}}`;
}

/** The `bus.redis` settings as far as connecting reads them. */
export interface RedisSettings {
  readonly url: string;
  readonly sentinels: readonly string[];
  readonly sentinelName: string;
  readonly cluster: boolean;
}

/** Turns the `bus.redis` settings (sentinels as `host:port` strings) into a {@link RedisTarget}. */
export function redisTarget(settings: RedisSettings): RedisTarget {
  const sentinels = settings.sentinels.map((entry) => {
    const colon = entry.lastIndexOf(':');
    return { host: entry.slice(0, colon), port: Number(entry.slice(colon + 1)) };
  });
  return { url: settings.url, sentinels, sentinelName: settings.sentinelName, cluster: settings.cluster };
}

/** Starts connecting a connection that is lazy (`wait`) or was closed (`end`); errors go to `onError`. */
export function kickIfIdle(connection: Redis | Cluster, onError: (error: Error) => void): void {
  if (connection.status === 'wait' || connection.status === 'end') connection.connect().catch(onError);
}

/**
 * Resolves once `connection` is `ready`, rejects when `signal` aborts. Waits for the `ready` event
 * rather than for the promise of `connect()`, which a Cluster leaves pending forever when its ready
 * check fails and it reconnects on its own; the event comes with whichever attempt succeeds.
 */
export function whenReady(
  connection: Redis | Cluster,
  signal: AbortSignal,
  onError: (error: Error) => void,
): Promise<void> {
  if (connection.status === 'ready') return Promise.resolve();
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<void>((resolve, reject) => {
    const onReady = (): void => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
    const onAbort = (): void => {
      connection.off('ready', onReady);
      reject(signal.reason as Error);
    };
    connection.once('ready', onReady);
    signal.addEventListener('abort', onAbort, { once: true });
    kickIfIdle(connection, onError);
  });
}
